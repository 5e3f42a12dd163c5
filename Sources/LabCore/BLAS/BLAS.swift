import CGSL
import CLabKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The matrix-multiply kernel behind every tensor product, chosen once per process.
///
/// Why this is not a plain `cblas_sgemm` call: Debian's OpenBLAS 0.3.21 does not
/// recognise recent CPUs and silently falls back to generic kernels (about 4x slower)
/// unless `OPENBLAS_CORETYPE` is set *before* the library initialises, and the `CGSL`
/// module links GSL's reference `gslcblas`, whose `cblas_sgemm` would win symbol
/// resolution (about 30x slower). So OpenBLAS is not linked at all: on first use we pick
/// the kernel set from the CPU's features, set the environment, and `dlopen` it with
/// `RTLD_DEEPBIND` so its symbols bind to itself. If OpenBLAS is missing we warn once
/// and use `gslcblas`.
///
/// Small products (every layer of DQN, PPO and MLP-GAN networks, acting on one row
/// included) skip OpenBLAS on CPUs with AVX2 or AVX-512: the register-tiled kernels in
/// `CLabKernels` are faster at these shapes, where OpenBLAS's per-call packing dominates,
/// and give the same bits on either instruction set (the shape alone decides which
/// products they take), so an agent's run does not depend on the CPU model. With
/// `RLLAB_BLAS_THREADS` above 1 they split products into row or column blocks over that
/// many threads, which leaves every bit of the result unchanged.
///
/// Reproducibility: the kernel choice depends only on the CPU and the shape. OpenBLAS
/// always runs on one thread, whole, whatever `RLLAB_BLAS_THREADS` says: its bits depend
/// on the block each of its threads computes (0.3.21's Haswell sgemm on a block differs in
/// the last bits from one call on the whole product).
public enum BLAS {
    /// Which library provides `sgemm`.
    public enum Backend: String, Sendable {
        case openBLAS = "OpenBLAS"
        case gslReference = "gslcblas"
    }

    typealias SgemmFunction = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, Float,
        UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32, Float,
        UnsafeMutablePointer<Float>?, Int32
    ) -> Void
    typealias DgemmFunction = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, Double,
        UnsafePointer<Double>?, Int32, UnsafePointer<Double>?, Int32, Double,
        UnsafeMutablePointer<Double>?, Int32
    ) -> Void
    typealias StringFunction = @convention(c) () -> UnsafePointer<CChar>?
    typealias SetThreadsFunction = @convention(c) (Int32) -> Void

    struct Library: @unchecked Sendable {
        let backend: Backend
        let sgemm: SgemmFunction
        let dgemm: DgemmFunction
        let coreName: String
        let config: String
        let requestedCoreType: String
        let threads: Int
    }

    static let library: Library = load()

    /// The library that provides `sgemm` in this process.
    public static var backend: Backend { library.backend }
    /// OpenBLAS's name for the kernel set in use (lower case, e.g. `skylakex`), or `gslcblas`.
    public static var coreName: String { library.coreName }
    /// OpenBLAS's build configuration string (`openblas_get_config`).
    public static var configuration: String { library.config }
    /// The `OPENBLAS_CORETYPE` in effect when OpenBLAS was loaded.
    public static var requestedCoreType: String { library.requestedCoreType }
    /// Threads LabCore's kernels split work over (`RLLAB_BLAS_THREADS`, 1 when unset);
    /// OpenBLAS itself always uses one.
    public static var threads: Int { library.threads }

    /// The OpenBLAS core type that is safe and fast on this CPU, from its features.
    ///
    /// A kernel set the CPU lacks would die on an illegal instruction, so the choice
    /// only ever goes as high as the features the CPU reports.
    public static func coreTypeForThisCPU() -> String {
        if rllab_cpu_supports_avx512() != 0 { return "SkylakeX" }
        if rllab_cpu_supports_avx2() != 0 { return "Haswell" }
        if rllab_cpu_supports_avx() != 0 { return "Sandybridge" }
        return "Prescott"
    }

    /// A one-line description for logs and benchmarks.
    public static var summary: String {
        "\(backend.rawValue) core=\(coreName) threads=\(threads)"
    }

    private static func load() -> Library {
        // Respect a user's explicit choice; otherwise choose from the CPU features.
        setenv("OPENBLAS_CORETYPE", coreTypeForThisCPU(), 0)
        let coreType = String(cString: getenv("OPENBLAS_CORETYPE"))
        let requested = getenv("RLLAB_BLAS_THREADS").flatMap { Int(String(cString: $0)) } ?? 1
        let threads = requested > 0 ? requested : 1
        // One thread for OpenBLAS in any case (see the type's notes): set before it loads,
        // and again through its API below in case it was already loaded.
        setenv("OPENBLAS_NUM_THREADS", "1", 1)

        let flags = RTLD_NOW | RTLD_LOCAL | Int32(0x00008)  // RTLD_DEEPBIND
        for name in ["libopenblas.so.0", "libopenblas.so"] {
            guard let handle = dlopen(name, flags), let sgemm = dlsym(handle, "cblas_sgemm"),
                  let dgemm = dlsym(handle, "cblas_dgemm") else { continue }
            /// What OpenBLAS's function `name` returns, if it has one.
            func text(_ name: String) -> String? {
                dlsym(handle, name).flatMap { unsafeBitCast($0, to: StringFunction.self)() }.map { String(cString: $0) }
            }
            if let symbol = dlsym(handle, "openblas_set_num_threads") {
                unsafeBitCast(symbol, to: SetThreadsFunction.self)(1)
            }
            return Library(backend: .openBLAS, sgemm: unsafeBitCast(sgemm, to: SgemmFunction.self),
                           dgemm: unsafeBitCast(dgemm, to: DgemmFunction.self),
                           coreName: text("openblas_get_corename") ?? "unknown",
                           config: text("openblas_get_config") ?? "", requestedCoreType: coreType, threads: threads)
        }
        let message = "warning: libopenblas.so.0 not found (apt-get install libopenblas0); matrix products use GSL's slow reference BLAS\n"
        fputs(message, stderr)
        let reference: SgemmFunction = { order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
            cblas_sgemm(CBLAS_ORDER(UInt32(order)), CBLAS_TRANSPOSE(UInt32(ta)), CBLAS_TRANSPOSE(UInt32(tb)),
                        m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        }
        let referenceDouble: DgemmFunction = { order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
            cblas_dgemm(CBLAS_ORDER(UInt32(order)), CBLAS_TRANSPOSE(UInt32(ta)), CBLAS_TRANSPOSE(UInt32(tb)),
                        m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        }
        return Library(backend: .gslReference, sgemm: reference, dgemm: referenceDouble, coreName: "gslcblas", config: "",
                       requestedCoreType: coreType, threads: 1)
    }

    /// Row-major `C = alpha * op(A) * op(B) + beta * C` with `op(A)` of shape `m x k`
    /// and `op(B)` of shape `k x n`.
    ///
    /// - Parameters:
    ///   - transposeA: `A` is stored `k x m` and used transposed.
    ///   - transposeB: `B` is stored `n x k` and used transposed.
    @inline(__always)
    public static func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            // BLAS leaves C untouched when k == 0 only if beta == 1; make it explicit.
            if beta == 0 { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
            else if beta != 1 { for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } } }
            return
        }
        let ta: Int32 = transposeA ? 1 : 0, tb: Int32 = transposeB ? 1 : 0
        if alpha == 1 && rllab_sgemm_small_suits(ta, tb, m, n, k, beta) != 0 {
            // Row or column blocks of C are independent and computed exactly as in one
            // call, so splitting changes no bit of the result. Rows when there are at least
            // as many as columns: a weight gradient's rows are the output units whose
            // weights the same thread updates in Adam and reads in the next forward pass.
            if m * n * k >= 1 << 20 && Swift.max(m, n) >= 64 && ComputeThreads.isParallel && ComputeThreads.run({ part, parts in
                if m >= n {
                    let rows = ComputeThreads.range(part: part, of: parts, count: m, alignment: 16)
                    guard !rows.isEmpty else { return }
                    let i = rows.lowerBound
                    subproduct(ta, tb, rows.count, n, k, transposeA ? a + i : a + i * lda, lda, b, ldb, beta, c + i * ldc, ldc)
                } else {
                    let columns = ComputeThreads.range(part: part, of: parts, count: n, alignment: 32)
                    guard !columns.isEmpty else { return }
                    let j = columns.lowerBound
                    subproduct(ta, tb, m, columns.count, k, a, lda, transposeB ? b + j * ldb : b + j, ldb, beta, c + j, ldc)
                }
            }) {
                return
            }
            return subproduct(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc)
        }
        library.sgemm(101, transposeA ? 112 : 111, transposeB ? 112 : 111,
                      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Row-major `C = A · Bᵀ + bias` (a dense layer, `bias` one number per column of C)
    /// computed by the AVX2 small-matrix kernel with the bias added as it stores C, when it
    /// takes this product; `false`, with C untouched, otherwise. The same bits as
    /// ``sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` with beta 1 on
    /// a C whose rows hold the bias, without writing that C first.
    @inline(__always)
    static func sgemmAddingBias(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                                bias: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int) -> Bool {
        guard CPUFeatures.level == .avx2, m > 0, n > 0, k > 0, rllab_sgemm_small_suits(0, 1, m, n, k, 1) != 0 else { return false }
        // The products sgemm would split over threads go that way.
        if m * n * k >= 1 << 20 && Swift.max(m, n) >= 64 && ComputeThreads.isParallel { return false }
        return rllab_sgemm_avx2_bias(0, 1, m, n, k, a, lda, b, ldb, bias, c, ldc) != 0
    }

    /// Row-major double-precision `C = alpha * op(A) * op(B) + beta * C`, as ``sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``,
    /// for the statistics that need double precision (covariances, matrix square roots).
    /// Always the library's kernel, never split.
    public static func dgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Double = 1, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        library.dgemm(101, transposeA ? 112 : 111, transposeB ? 112 : 111,
                      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// A product (or one block of a split one) with alpha = 1: the small-matrix kernel, or
    /// BLAS if it declines.
    private static func subproduct(_ ta: Int32, _ tb: Int32, _ m: Int, _ n: Int, _ k: Int,
                                   _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                                   _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        // Three kernels, one result: each computes every element as the same fused
        // multiply-add chain, so the CPU model (or a forced level) changes no bit.
        let done: Int32
        switch CPUFeatures.level {
        case .avx512: done = rllab_sgemm_avx512(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc)
        case .avx2: done = rllab_sgemm_avx2(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc)
        case .portable: done = rllab_sgemm_portable(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc)
        }
        if done != 0 { return }
        library.sgemm(101, ta != 0 ? 112 : 111, tb != 0 ? 112 : 111, Int32(m), Int32(n), Int32(k),
                      1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
