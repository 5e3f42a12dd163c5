/// How a layer fills its parameters at creation.
///
/// `fanIn`/`fanOut` are inputs/outputs per unit: for a dense layer its in/out features,
/// for a convolution channels × kernel area.
public enum Initializer: Sendable, Equatable {
    /// All zeros.
    case zeros
    /// Every element `value`.
    case constant(Float)
    /// Normal(0, stddev) (DCGAN uses 0.02).
    case normal(standardDeviation: Float)
    /// Uniform in [low, high).
    case uniform(low: Float, high: Float)
    /// Glorot/Xavier uniform: U(±sqrt(6 / (fanIn + fanOut))) (Keras' Dense default).
    case glorotUniform
    /// Glorot/Xavier normal: N(0, sqrt(2 / (fanIn + fanOut))) (PyTorch's `xavier_normal_`;
    /// Keras truncates its normal at 2 sigma, this does not).
    case glorotNormal
    /// He/Kaiming uniform for ReLU: U(±sqrt(6 / fanIn)).
    case heUniform
    /// He/Kaiming normal for ReLU: N(0, sqrt(2 / fanIn)).
    case heNormal
    /// PyTorch's `nn.Linear`/`nn.Conv2d` default: U(±1 / sqrt(fanIn)), for weights and biases.
    case fanInUniform
    /// A (semi-)orthogonal matrix times `gain` (PyTorch's `orthogonal_`, which SB3's
    /// policies use with gains sqrt(2), 0.01 and 1): the Q factor of a standard normal
    /// matrix, signs fixed so R's diagonal is positive. Tensors of rank > 2 are treated as
    /// `[shape[0], rest]`; a rank-1 tensor (a bias) is filled with zeros, as SB3 does.
    case orthogonal(gain: Float)

    /// A tensor of `shape` initialised by this rule.
    public func make(_ shape: [Int], fanIn: Int, fanOut: Int, source: RandomSource) -> Tensor {
        let fi = Float(Swift.max(fanIn, 1)), fo = Float(Swift.max(fanOut, 1))
        func symmetric(_ limit: Float) -> Tensor { .uniform(shape, low: -limit, high: limit, source: source) }
        switch self {
        case .zeros: return .zeros(shape)
        case .constant(let v): return .filled(shape, with: v)
        case .normal(let s): return .normal(shape, standardDeviation: s, source: source)
        case .uniform(let lo, let hi): return .uniform(shape, low: lo, high: hi, source: source)
        case .glorotUniform: return symmetric((6 / (fi + fo)).squareRoot())
        case .glorotNormal: return .normal(shape, standardDeviation: (2 / (fi + fo)).squareRoot(), source: source)
        case .heUniform: return symmetric((6 / fi).squareRoot())
        case .heNormal: return .normal(shape, standardDeviation: (2 / fi).squareRoot(), source: source)
        case .fanInUniform: return symmetric(1 / fi.squareRoot())
        case .orthogonal(let gain):
            guard shape.count >= 2 else { return .zeros(shape) }
            let rows = shape[0], columns = shape.dropFirst().reduce(1, *)
            return Tensor(shape: shape, scalars: Initializer.orthogonalMatrix(rows: rows, columns: columns, gain: gain, source: source))
        }
    }

    /// A `rows x columns` row-major matrix with orthonormal rows or columns (whichever are
    /// fewer), times `gain`.
    ///
    /// As `torch.nn.init.orthogonal_`: draw a normal matrix with at least as many rows as
    /// columns (transposing a wide one), take Q of its QR decomposition with R's diagonal
    /// made positive, transpose back. Gram-Schmidt in double gives that same Q (the QR
    /// factorization with a positive diagonal is unique).
    static func orthogonalMatrix(rows: Int, columns: Int, gain: Float, source: RandomSource) -> [Float] {
        let transpose = rows < columns
        let m = transpose ? columns : rows, n = transpose ? rows : columns
        // Draw row-major m x n, then orthonormalize its n columns.
        var a = [Double](repeating: 0, count: m * n)
        for k in a.indices { a[k] = source.gaussian() }
        for j in 0..<n {
            // Two passes of modified Gram-Schmidt keep Q orthogonal to double precision.
            for _ in 0..<2 {
                for p in 0..<j {
                    var dot = 0.0
                    for i in 0..<m { dot += a[i * n + p] * a[i * n + j] }
                    for i in 0..<m { a[i * n + j] -= dot * a[i * n + p] }
                }
            }
            var norm = 0.0
            for i in 0..<m { norm += a[i * n + j] * a[i * n + j] }
            norm = norm.squareRoot()
            // A zero column (probability 0) stays zero rather than dividing by zero.
            if norm > 0 { for i in 0..<m { a[i * n + j] /= norm } }
        }
        var out = [Float](repeating: 0, count: rows * columns)
        for i in 0..<m {
            for j in 0..<n {
                let value = Float(a[i * n + j] * Double(gain))
                if transpose { out[j * columns + i] = value } else { out[i * columns + j] = value }
            }
        }
        return out
    }
}
