#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A layer that also runs without the tape, for acting: on rows of numbers in buffers the
/// caller owns, recording nothing and allocating nothing.
///
/// A conforming layer computes in ``infer(_:rows:inputWidth:into:)`` exactly what its
/// `callAsFunction` computes in training, through the same kernels in the same order, so
/// acting and training run one network; a new layer or activation is written once, here
/// and in its tensor operation side by side.
public protocol InferenceLayer: Layer {
    /// The numbers per output row for input rows of `inputWidth` numbers, or nil when the
    /// layer does not take rows of that width (default: `inputWidth`, an element-wise layer).
    func inferenceWidth(forInputWidth inputWidth: Int) -> Int?
    /// Writes the outputs for `rows` rows of `inputWidth` numbers at `input` to `output`
    /// (which may be `input` itself for an element-wise layer).
    func infer(_ input: UnsafePointer<Float>, rows: Int, inputWidth: Int, into output: UnsafeMutablePointer<Float>)
}

extension InferenceLayer {
    public func inferenceWidth(forInputWidth inputWidth: Int) -> Int? { inputWidth }
}

/// A network evaluated off the tape into buffers allocated once: what an agent calls on
/// every environment step.
///
/// It holds the network's layers, not copies of their parameters, so it always evaluates
/// the current weights (an optimizer may replace a parameter's storage between calls).
public final class Inference {
    public let inputWidth: Int
    public let outputWidth: Int
    /// The most rows one call takes.
    public let maximumRows: Int
    private let layers: [InferenceLayer]
    /// The input width of each layer.
    private let widths: [Int]
    /// One output buffer per layer, `maximumRows` rows each.
    private let buffers: [UnsafeMutablePointer<Float>]

    /// Plans `network` for input rows of `inputWidth` numbers, up to `maximumRows` per call.
    ///
    /// Every layer (nested ``Sequential``s are flattened) must be an ``InferenceLayer`` that
    /// takes the width its predecessor gives: a network built by code, not by user input.
    public init(_ network: Layer, inputWidth: Int, maximumRows: Int = 1) {
        func flattened(_ layer: Layer) -> [Layer] {
            (layer as? Sequential).map { $0.layers.flatMap(flattened) } ?? [layer]
        }
        var layers: [InferenceLayer] = [], widths: [Int] = []
        var width = inputWidth
        for layer in flattened(network) {
            guard let inference = layer as? InferenceLayer, let next = inference.inferenceWidth(forInputWidth: width) else {
                preconditionFailure("Inference: \(type(of: layer)) cannot run on rows of \(width) numbers off the tape")
            }
            layers.append(inference)
            widths.append(width)
            width = next
        }
        precondition(maximumRows >= 1, "Inference: maximumRows must be positive")
        self.layers = layers
        self.widths = widths
        self.inputWidth = inputWidth
        self.outputWidth = width
        self.maximumRows = maximumRows
        buffers = widths.indices.map { index in
            let count = maximumRows * (index + 1 < widths.count ? widths[index + 1] : width)
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(count, 1))
            buffer.initialize(repeating: 0, count: Swift.max(count, 1))
            return buffer
        }
    }

    deinit { for buffer in buffers { buffer.deallocate() } }

    /// The outputs for `rows` rows of ``inputWidth`` numbers at `input`.
    ///
    /// - Returns: `rows * outputWidth` numbers, valid until the next call (they live in a
    ///   buffer this object reuses).
    public func callAsFunction(_ input: UnsafePointer<Float>, rows: Int = 1) -> UnsafeBufferPointer<Float> {
        precondition(rows >= 1 && rows <= maximumRows, "Inference: \(rows) rows, planned for at most \(maximumRows)")
        var previous = input
        for index in layers.indices {
            layers[index].infer(previous, rows: rows, inputWidth: widths[index], into: buffers[index])
            previous = UnsafePointer(buffers[index])
        }
        return UnsafeBufferPointer(start: previous, count: rows * outputWidth)
    }
}

extension Dense: InferenceLayer {
    public func inferenceWidth(forInputWidth inputWidth: Int) -> Int? { inputWidth == inputSize ? outputSize : nil }

    public func infer(_ input: UnsafePointer<Float>, rows: Int, inputWidth: Int, into output: UnsafeMutablePointer<Float>) {
        Tensor.linearKernel(input, rows: rows, inFeatures: inputSize, weight: weight.value.storage.base,
                            bias: bias?.value.storage.base, outFeatures: outputSize, into: output)
    }
}

// Element-wise layers keep the width and apply the element function their tensor operation applies.

extension ReLU: InferenceLayer {
    public func infer(_ input: UnsafePointer<Float>, rows: Int, inputWidth: Int, into output: UnsafeMutablePointer<Float>) {
        for i in 0..<(rows * inputWidth) { output[i] = reluElement(input[i]) }
    }
}

extension LeakyReLU: InferenceLayer {
    public func infer(_ input: UnsafePointer<Float>, rows: Int, inputWidth: Int, into output: UnsafeMutablePointer<Float>) {
        for i in 0..<(rows * inputWidth) { output[i] = leakyReluElement(input[i], slope: slope) }
    }
}

extension Sigmoid: InferenceLayer {
    public func infer(_ input: UnsafePointer<Float>, rows: Int, inputWidth: Int, into output: UnsafeMutablePointer<Float>) {
        for i in 0..<(rows * inputWidth) { output[i] = stableSigmoid(input[i]) }
    }
}

extension Tanh: InferenceLayer {
    /// The tape's ``tanhKernel``, so acting computes what training computes (the C library's
    /// `tanhf` differs in the last bit for about 5% of inputs and between C libraries).
    public func infer(_ input: UnsafePointer<Float>, rows: Int, inputWidth: Int, into output: UnsafeMutablePointer<Float>) {
        tanhKernel(input, output, count: rows * inputWidth)
    }
}
