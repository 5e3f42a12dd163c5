/// A building block of a network: maps a tensor to a tensor and owns parameters.
///
/// Layers are classes (like PyTorch modules): a model is built once and its parameters
/// are updated in place by an optimizer. Parameter names follow PyTorch's `state_dict`
/// (`weight`, `bias`; ``Sequential`` prefixes the index, `0.weight`), so checkpoints load
/// into the equivalent `torch.nn.Sequential`.
public protocol Layer: AnyObject {
    /// Applies the layer.
    func callAsFunction(_ input: Tensor) -> Tensor
    /// Parameters with their names relative to this layer.
    var namedParameters: [(name: String, parameter: Parameter)] { get }
    /// Switches training behaviour (dropout) on or off.
    func setTraining(_ training: Bool)
}

extension Layer {
    public var namedParameters: [(name: String, parameter: Parameter)] { [] }
    public func setTraining(_ training: Bool) {}
    /// The parameters, in a stable order (hand them to an optimizer).
    public var parameters: [Parameter] { namedParameters.map { $0.parameter } }
    /// Training mode (PyTorch's `model.train()`).
    public func train() { setTraining(true) }
    /// Evaluation mode (PyTorch's `model.eval()`): dropout off.
    public func eval() { setTraining(false) }
    /// Freezes or unfreezes every parameter (Keras' `trainable`).
    public func setTrainable(_ trainable: Bool) { for p in parameters { p.isTrainable = trainable } }
}

/// A fully connected layer: `y = x · weightᵀ + bias`.
///
/// Layout: `weight` is `[out, in]` as in PyTorch's `nn.Linear` (Keras stores the
/// transpose `[in, out]`); `bias` is `[out]`. Default initialisation is PyTorch's
/// U(±1/sqrt(in)) for both.
public final class Dense: Layer {
    public let weight: Parameter
    public let bias: Parameter?
    public let inputSize: Int
    public let outputSize: Int

    public init(_ inputSize: Int, _ outputSize: Int, useBias: Bool = true,
                weightInitializer: Initializer = .fanInUniform, biasInitializer: Initializer = .fanInUniform,
                source: RandomSource) {
        self.inputSize = inputSize
        self.outputSize = outputSize
        weight = Parameter(weightInitializer.make([outputSize, inputSize], fanIn: inputSize, fanOut: outputSize, source: source), name: "weight")
        bias = useBias ? Parameter(biasInitializer.make([outputSize], fanIn: inputSize, fanOut: outputSize, source: source), name: "bias") : nil
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        Tensor.linear(input, weight: weight.tensor, bias: bias?.tensor)
    }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        bias.map { [("weight", weight), ("bias", $0)] } ?? [("weight", weight)]
    }
}

/// A 2-D convolution on NCHW tensors with weight `[out, in, kh, kw]` (PyTorch layout).
public final class Conv2D: Layer {
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: Int
    public let padding: Padding

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Padding = .valid,
                useBias: Bool = true, weightInitializer: Initializer = .fanInUniform,
                biasInitializer: Initializer = .fanInUniform, source: RandomSource) {
        precondition(stride >= 1 && kernelSize >= 1, "Conv2D: stride and kernel size must be positive")
        let fanIn = inChannels * kernelSize * kernelSize, fanOut = outChannels * kernelSize * kernelSize
        weight = Parameter(weightInitializer.make([outChannels, inChannels, kernelSize, kernelSize], fanIn: fanIn, fanOut: fanOut, source: source), name: "weight")
        bias = useBias ? Parameter(biasInitializer.make([outChannels], fanIn: fanIn, fanOut: fanOut, source: source), name: "bias") : nil
        self.stride = stride
        self.padding = padding
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        Tensor.conv2d(input, weight: weight.tensor, bias: bias?.tensor, stride: stride, padding: padding)
    }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        bias.map { [("weight", weight), ("bias", $0)] } ?? [("weight", weight)]
    }
}

/// Upsampling of NCHW tensors by an integer factor (Keras' `UpSampling2D`), nearest
/// neighbour by default.
public final class UpSampling2D: Layer {
    /// How output pixels between input pixels get their values.
    public enum Interpolation: String, CaseIterable, Sendable {
        /// Each input pixel repeated in a factor x factor block.
        case nearest
        /// Half-pixel-centred bilinear interpolation (``Tensor/upsampledBilinear(factor:)``).
        case bilinear
    }
    public let factor: Int
    public let interpolation: Interpolation
    public init(factor: Int = 2, interpolation: Interpolation = .nearest) {
        self.factor = factor
        self.interpolation = interpolation
    }
    public func callAsFunction(_ input: Tensor) -> Tensor {
        switch interpolation {
        case .nearest: return input.upsampledNearest(factor: factor)
        case .bilinear: return input.upsampledBilinear(factor: factor)
        }
    }
}

/// A fixed separable blur of NCHW tensors (``Tensor/blurred(taps:)``), binomial
/// `[1, 2, 1] / 4` by default: placed before a stride-2 convolution it anti-aliases the
/// down-sampling and evens out the gradient between even and odd pixels. No parameters.
public final class Blur2D: Layer {
    public let taps: [Float]
    public init(taps: [Float] = [0.25, 0.5, 0.25]) { self.taps = taps }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.blurred(taps: taps) }
}

/// A lookup table `[count, dimension]`: integer ids to rows (PyTorch's `nn.Embedding`,
/// initialised N(0, 1)). Call ``lookup(_:)`` with the ids.
public final class Embedding: Layer {
    public let weight: Parameter
    public init(_ count: Int, _ dimension: Int, initializer: Initializer = .normal(standardDeviation: 1), source: RandomSource) {
        weight = Parameter(initializer.make([count, dimension], fanIn: count, fanOut: dimension, source: source), name: "weight")
    }
    /// Rows for `ids`: `[ids.count, dimension]`.
    public func lookup(_ ids: [Int]) -> Tensor { weight.tensor.rows(ids) }
    /// Rows for ids given as a float tensor of whole numbers (so it can sit in a ``Sequential``).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        weight.tensor.rows(input.scalars.map { Int($0.rounded()) }, indexShape: input.shape)
    }
    public var namedParameters: [(name: String, parameter: Parameter)] { [("weight", weight)] }
}

/// Flattens everything after the batch axis: `[N, ...] -> [N, rest]`.
public final class Flatten: Layer {
    public init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { input.flattenedBatch() }
}

/// Reshapes every sample, keeping the batch axis: `[N, ...] -> [N] + shape`.
public final class Reshape: Layer {
    public let shape: [Int]
    public init(_ shape: [Int]) { self.shape = shape }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.reshaped([input.shape.first ?? 1] + shape) }
}

/// Zeroes each element with probability `rate` while training and scales the kept ones
/// by 1/(1 - rate); the identity in evaluation mode.
public final class Dropout: Layer {
    public let rate: Float
    public private(set) var isTraining = true
    let source: RandomSource

    public init(rate: Float, source: RandomSource) {
        precondition(rate >= 0 && rate < 1, "Dropout: rate must be in [0, 1)")
        self.rate = rate
        self.source = source
    }

    public func setTraining(_ training: Bool) { isTraining = training }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        guard isTraining && rate > 0 else { return input }
        let mask = Tensor(uninitializedShape: input.shape)
        let keep = 1 / (1 - rate)
        // One uniform number per element, in order: element i is dropped when it is below the rate.
        source.fillDropoutMask(mask.storage.base, count: mask.count, rate: Double(rate), keep: keep)
        return input.masked(by: mask)
    }
}

/// max(x, 0).
public final class ReLU: Layer {
    public init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { input.relu() }
}

/// x for x > 0, slope · x otherwise.
public final class LeakyReLU: Layer {
    public let slope: Float
    public init(slope: Float = 0.01) { self.slope = slope }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.leakyRelu(slope: slope) }
}

/// Hyperbolic tangent.
public final class Tanh: Layer {
    public init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { input.tanh() }
}

/// Logistic sigmoid.
public final class Sigmoid: Layer {
    public init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { input.sigmoid() }
}

/// log(1 + e^x).
public final class Softplus: Layer {
    public init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { input.softplus() }
}

/// Softmax along an axis (default: the last).
public final class Softmax: Layer {
    public let axis: Int
    public init(axis: Int = -1) { self.axis = axis }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.softmax(axis: axis) }
}

/// Log-softmax along an axis (default: the last).
public final class LogSoftmax: Layer {
    public let axis: Int
    public init(axis: Int = -1) { self.axis = axis }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.logSoftmax(axis: axis) }
}

/// Layers applied in order. Parameter names are `<index>.<name>` as in
/// `torch.nn.Sequential`'s `state_dict`.
public final class Sequential: Layer {
    public let layers: [Layer]

    public init(_ layers: [Layer]) { self.layers = layers }
    public convenience init(_ layers: Layer...) { self.init(layers) }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        var x = input
        var i = 0
        while i < layers.count {
            // A Dense layer and the Tanh after it as one operation (the same bits, one
            // tensor and one tape node fewer: every tanh MLP of the agents has them).
            if let dense = layers[i] as? Dense, i + 1 < layers.count, layers[i + 1] is Tanh {
                x = Tensor.linearTanh(x, weight: dense.weight.tensor, bias: dense.bias?.tensor)
                i += 2
                continue
            }
            x = layers[i](x)
            i += 1
        }
        return x
    }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        layers.enumerated().flatMap { i, layer in
            layer.namedParameters.map { (name: "\(i).\($0.name)", parameter: $0.parameter) }
        }
    }

    public func setTraining(_ training: Bool) { for layer in layers { layer.setTraining(training) } }
}
