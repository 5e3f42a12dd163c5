import CGSL
import LabCore

/// The mean and covariance of a set of feature vectors, in double precision: one side of
/// a Fréchet distance.
public struct FeatureStatistics: Sendable, Equatable {
    /// The length of each feature vector.
    public let dimension: Int
    /// How many vectors the statistics summarise.
    public let count: Int
    /// The mean vector.
    public let mean: [Double]
    /// The covariance, row-major `dimension x dimension`, unbiased (divided by N - 1, as
    /// `numpy.cov` in the FID reference code).
    public let covariance: [Double]

    /// Statistics of the rows of `features` (`[N, d]`, N >= 2).
    ///
    /// - Throws: ``GANError/invalidSetting(_:)`` for fewer than two rows or a rank other
    ///   than 2.
    public init(features: Tensor) throws {
        guard features.rank == 2, features.shape[0] >= 2, features.shape[1] >= 1 else {
            throw GANError.invalidSetting("feature statistics need at least 2 feature vectors as [N, d]; got \(features.shape)")
        }
        let n = features.shape[0], d = features.shape[1]
        var mean = [Double](repeating: 0, count: d)
        var centered = [Double](repeating: 0, count: n * d)
        features.withUnsafeBufferPointer { x in
            for i in 0..<n { for j in 0..<d { mean[j] += Double(x[i * d + j]) } }
            for j in 0..<d { mean[j] /= Double(n) }
            for i in 0..<n { for j in 0..<d { centered[i * d + j] = Double(x[i * d + j]) - mean[j] } }
        }
        var covariance = [Double](repeating: 0, count: d * d)
        centered.withUnsafeBufferPointer { c in
            covariance.withUnsafeMutableBufferPointer { s in
                BLAS.dgemm(transposeA: true, transposeB: false, m: d, n: d, k: n, alpha: 1 / Double(n - 1),
                           a: c.baseAddress!, lda: d, b: c.baseAddress!, ldb: d, c: s.baseAddress!, ldc: d)
            }
        }
        self.init(mean: mean, covariance: SymmetricMatrix.symmetrized(covariance, dimension: d), count: n)
    }

    /// Statistics given directly (a known Gaussian, in tests).
    public init(mean: [Double], covariance: [Double], count: Int) {
        precondition(covariance.count == mean.count * mean.count, "FeatureStatistics: covariance must be d x d")
        dimension = mean.count
        self.count = count
        self.mean = mean
        self.covariance = covariance
    }

    /// The sum of the covariance's diagonal.
    public var trace: Double { (0..<dimension).reduce(0) { $0 + covariance[$1 * dimension + $1] } }
}

/// Symmetric matrices in double precision through GSL's eigensolver.
public enum SymmetricMatrix {
    /// `(A + Aᵀ) / 2`: removes the rounding asymmetry of a product before an eigensolver
    /// that reads only one triangle.
    public static func symmetrized(_ a: [Double], dimension n: Int) -> [Double] {
        var s = a
        for i in 0..<n { for j in (i + 1)..<max(i + 1, n) {
            let v = 0.5 * (a[i * n + j] + a[j * n + i])
            s[i * n + j] = v; s[j * n + i] = v
        } }
        return s
    }

    /// Eigenvalues (ascending) and, when `vectors` is true, the orthonormal eigenvectors as
    /// the columns of a row-major matrix (GSL's `gsl_eigen_symm` / `gsl_eigen_symmv`).
    public static func eigen(_ a: [Double], dimension n: Int, vectors: Bool) throws -> (values: [Double], vectors: [Double]) {
        guard n >= 1, a.count == n * n else { throw GANError.invalidSetting("eigen: a \(n)x\(n) matrix needs \(n * n) values, got \(a.count)") }
        guard a.allSatisfy(\.isFinite) else { throw GANError.invalidSetting("eigen: the matrix has non-finite entries") }
        var work = a
        var values = [Double](repeating: 0, count: n)
        var vectorStore = [Double](repeating: 0, count: vectors ? n * n : 0)
        let status: Int32 = work.withUnsafeMutableBufferPointer { w in
            var matrix = gsl_matrix_view_array(w.baseAddress, n, n)
            guard let eval = gsl_vector_alloc(n) else { return Int32(GSL_ENOMEM) }
            defer { gsl_vector_free(eval) }
            var status: Int32
            if vectors {
                guard let evec = gsl_matrix_alloc(n, n), let space = gsl_eigen_symmv_alloc(n) else { return Int32(GSL_ENOMEM) }
                defer { gsl_matrix_free(evec); gsl_eigen_symmv_free(space) }
                status = gsl_eigen_symmv(&matrix.matrix, eval, evec, space)
                if status == 0 { status = gsl_eigen_symmv_sort(eval, evec, GSL_EIGEN_SORT_VAL_ASC) }
                for i in 0..<n { for j in 0..<n { vectorStore[i * n + j] = gsl_matrix_get(evec, i, j) } }
            } else {
                guard let space = gsl_eigen_symm_alloc(n) else { return Int32(GSL_ENOMEM) }
                defer { gsl_eigen_symm_free(space) }
                status = gsl_eigen_symm(&matrix.matrix, eval, space)
            }
            for i in 0..<n { values[i] = gsl_vector_get(eval, i) }
            return status
        }
        guard status == 0 else { throw GANError.invalidSetting("eigen: GSL's eigensolver failed (\(String(cString: gsl_strerror(status))))") }
        return (vectors ? values : values.sorted(), vectorStore)
    }

    /// The principal square root `V max(Λ, 0)^½ Vᵀ` of a symmetric positive semi-definite
    /// matrix (eigenvalues below zero from rounding count as zero).
    public static func squareRoot(_ a: [Double], dimension n: Int) throws -> [Double] {
        let (values, v) = try eigen(a, dimension: n, vectors: true)
        // V scaled column by column by the roots, times Vᵀ.
        var scaled = v
        for i in 0..<n { for j in 0..<n { scaled[i * n + j] *= values[j] > 0 ? values[j].squareRoot() : 0 } }
        return symmetrized(product(scaled, v, dimension: n, transposeB: true), dimension: n)
    }

    /// `A B A` for symmetric `A` and `B`, symmetrized.
    static func sandwich(_ a: [Double], _ b: [Double], dimension n: Int) -> [Double] {
        symmetrized(product(product(a, b, dimension: n), a, dimension: n), dimension: n)
    }

    /// `A B` (`A Bᵀ` with `transposeB`) of two row-major `n x n` matrices.
    private static func product(_ a: [Double], _ b: [Double], dimension n: Int, transposeB: Bool = false) -> [Double] {
        var c = [Double](repeating: 0, count: n * n)
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
            BLAS.dgemm(transposeA: false, transposeB: transposeB, m: n, n: n, k: n, a: pa.baseAddress!, lda: n,
                       b: pb.baseAddress!, ldb: n, c: pc.baseAddress!, ldc: n)
        } } }
        return c
    }
}

/// The Fréchet distance between two Gaussians fitted to feature vectors (the FID recipe,
/// Heusel et al. 2017), against one fixed reference side whose square root is computed once:
///
/// `d² = |μ₁ - μ₂|² + tr Σ₁ + tr Σ₂ - 2 tr (Σ₁^½ Σ₂ Σ₁^½)^½`
///
/// The last trace equals `tr (Σ₁Σ₂)^½` (the product `Σ₁^½ Σ₂ Σ₁^½` is similar to `Σ₁Σ₂`),
/// but is symmetric positive semi-definite, so its root's trace is the sum of the square
/// roots of its eigenvalues from a symmetric eigensolver, in double precision; no
/// non-symmetric square root (scipy's `sqrtm`) and no complex parts to discard.
public struct FrechetReference: Sendable {
    /// The reference side (real images).
    public let statistics: FeatureStatistics
    /// `Σ₁^½`.
    let root: [Double]

    /// Prepares the distance to `statistics` (one eigendecomposition).
    public init(_ statistics: FeatureStatistics) throws {
        self.statistics = statistics
        root = try SymmetricMatrix.squareRoot(statistics.covariance, dimension: statistics.dimension)
    }

    /// The Fréchet distance (the squared form FID reports) from the reference to `other`.
    ///
    /// - Throws: ``GANError/invalidSetting(_:)`` when the dimensions differ or the
    ///   statistics are not finite.
    public func distance(to other: FeatureStatistics) throws -> Double {
        let n = statistics.dimension
        guard other.dimension == n else {
            throw GANError.invalidSetting("Fréchet distance between \(n)- and \(other.dimension)-dimensional features")
        }
        let product = SymmetricMatrix.sandwich(root, other.covariance, dimension: n)
        let values = try SymmetricMatrix.eigen(product, dimension: n, vectors: false).values
        let traceOfRoot = values.reduce(0) { $0 + ($1 > 0 ? $1.squareRoot() : 0) }
        var meanTerm = 0.0
        for i in 0..<n { let d = statistics.mean[i] - other.mean[i]; meanTerm += d * d }
        return meanTerm + statistics.trace + other.trace - 2 * traceOfRoot
    }

    /// The Fréchet distance between two sets of statistics.
    public static func distance(_ a: FeatureStatistics, _ b: FeatureStatistics) throws -> Double {
        try FrechetReference(a).distance(to: b)
    }
}
