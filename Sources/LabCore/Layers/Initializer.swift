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

    /// A tensor of `shape` initialised by this rule.
    public func make(_ shape: [Int], fanIn: Int, fanOut: Int, source: RandomSource) -> Tensor {
        let fi = Float(Swift.max(fanIn, 1)), fo = Float(Swift.max(fanOut, 1))
        switch self {
        case .zeros: return .zeros(shape)
        case .constant(let v): return .filled(shape, with: v)
        case .normal(let s): return .normal(shape, standardDeviation: s, source: source)
        case .uniform(let lo, let hi): return .uniform(shape, low: lo, high: hi, source: source)
        case .glorotUniform:
            let limit = (6 / (fi + fo)).squareRoot()
            return .uniform(shape, low: -limit, high: limit, source: source)
        case .glorotNormal: return .normal(shape, standardDeviation: (2 / (fi + fo)).squareRoot(), source: source)
        case .heUniform:
            let limit = (6 / fi).squareRoot()
            return .uniform(shape, low: -limit, high: limit, source: source)
        case .heNormal: return .normal(shape, standardDeviation: (2 / fi).squareRoot(), source: source)
        case .fanInUniform:
            let limit = 1 / fi.squareRoot()
            return .uniform(shape, low: -limit, high: limit, source: source)
        }
    }
}
