import Foundation
import LabCore

/// A fully connected network as Stable-Baselines3 builds one from `net_arch`: Dense
/// layers with an activation between them and none after the last.
///
/// Training runs ``network`` (a LabCore ``Sequential``) on the autodiff tape. Acting
/// (``forward(_:)``) runs the same layers off the tape through LabCore's ``Inference``,
/// into buffers allocated once: agents call it on every environment step, where the
/// design rules forbid allocation.
public final class MultilayerPerceptron {
    /// The nonlinearity between layers.
    public enum Activation: String, CaseIterable, Sendable, SettingType {
        case relu, tanh
    }

    /// The network as LabCore layers (parameter names `0.weight`, `0.bias`, `2.weight`, ...
    /// as in a `torch.nn.Sequential`).
    public let network: Sequential
    /// The Dense layers, input to output.
    public let denseLayers: [Dense]
    public let inputSize: Int
    public let outputSize: Int
    /// The network off the tape, for ``forward(_:)`` (replanned by ``reserveRows(_:)``).
    private var inference: Inference

    /// A network `inputSize -> hiddenSizes... -> outputSize`, drawing from `source` layer
    /// by layer (weight, then bias).
    ///
    /// - Parameter weightInitializers: One per Dense layer, input to output, with zero
    ///   biases (SB3's orthogonal initialization); nil for PyTorch's default `nn.Linear`
    ///   initialization of weights and biases.
    public init(inputSize: Int, hiddenSizes: [Int], outputSize: Int, activation: Activation,
                weightInitializers: [Initializer]? = nil, source: RandomSource) throws {
        let sizes = [inputSize] + hiddenSizes + [outputSize]
        guard sizes.allSatisfy({ $0 > 0 }) else {
            throw ConfigurationError("network sizes must be positive, got \(sizes)")
        }
        // Each Dense layer holds weights, gradients and two Adam moments (Float32) of
        // in x out numbers: refuse a net_arch that could not fit before allocating it.
        do {
            try MemoryBudget.bytes(for: "a network of layer sizes \(sizes)",
                                   parts: zip(sizes, sizes.dropFirst()).map { ([$0, $1 + 1, 4], 4) })
        } catch let error as MemoryLimitError {
            throw ConfigurationError("\(error); choose a smaller net_arch")
        }
        precondition(weightInitializers == nil || weightInitializers!.count == sizes.count - 1,
                     "one weight initializer per Dense layer")
        var layers: [Layer] = []
        for i in 0..<(sizes.count - 1) {
            layers.append(weightInitializers.map {
                Dense(sizes[i], sizes[i + 1], weightInitializer: $0[i], biasInitializer: .zeros, source: source)
            } ?? Dense(sizes[i], sizes[i + 1], source: source))
            if i < sizes.count - 2 { layers.append(activation == .relu ? ReLU() as Layer : Tanh()) }
        }
        network = Sequential(layers)
        denseLayers = layers.compactMap { $0 as? Dense }
        self.inputSize = inputSize
        self.outputSize = outputSize
        inference = Inference(network, inputWidth: inputSize)
    }

    /// The network on a batch `[B, inputSize]`, recorded for differentiation.
    public func callAsFunction(_ input: Tensor) -> Tensor { network(input) }

    /// The parameters in a stable order (for an optimizer or a checkpoint).
    public var parameters: [Parameter] { network.parameters }

    /// The outputs for one input, computed by the network's layers off the tape, without
    /// any allocation.
    ///
    /// - Returns: `outputSize` values, valid until the next call (they live in a buffer
    ///   this network reuses).
    @discardableResult
    public func forward<Input: Collection<Float>>(_ input: Input) -> UnsafeBufferPointer<Float> {
        precondition(input.count == inputSize, "forward: \(input.count) inputs, network takes \(inputSize)")
        // Arrays and array slices (a row of a batch) are read in place.
        return input.withContiguousStorageIfAvailable { inference($0.baseAddress!) } ?? forward(Array(input))
    }

    /// The most inputs ``forward(rows:count:)`` takes at once.
    public var plannedRows: Int { inference.maximumRows }

    /// Plans ``forward(rows:count:)`` for up to `rows` inputs at once. It allocates, so
    /// call it once before the loop that acts.
    public func reserveRows(_ rows: Int) {
        guard rows > inference.maximumRows else { return }
        inference = Inference(network, inputWidth: inputSize, maximumRows: rows)
    }

    /// The outputs for `count` inputs stored one after another at `inputs`
    /// (`count * inputSize` numbers; at most ``plannedRows``), without allocation.
    ///
    /// Row for row the same bits as ``forward(_:)`` on each input: every kernel computes a
    /// row of a product alone.
    ///
    /// - Returns: `count * outputSize` values, valid until the next call.
    public func forward(rows inputs: UnsafePointer<Float>, count: Int) -> UnsafeBufferPointer<Float> {
        precondition(count >= 1 && count <= plannedRows, "forward: \(count) rows, planned for at most \(plannedRows)")
        return inference(inputs, rows: count)
    }

    /// The index of the largest output for `input` (lowest index on ties, as numpy's argmax).
    public func argmax<Input: Collection<Float>>(_ input: Input) -> Int {
        let output = forward(input)
        var best = 0
        for j in 1..<output.count where output[j] > output[best] { best = j }
        return best
    }

    /// Moves every parameter towards `source`'s: `self = tau * source + (1 - tau) * self`
    /// (SB3's `polyak_update`); `tau = 1` copies exactly (a DQN hard target update).
    public func update(towards source: MultilayerPerceptron, tau: Float) {
        for (target, online) in zip(parameters, source.parameters) {
            if tau == 1 {
                // A copy of the values, not a shared storage: the optimizer updates the online
                // parameters in place and must not move the target with them.
                target.value = Tensor(shape: online.value.shape, scalars: online.value.scalars)
                continue
            }
            target.value.withUnsafeMutableBufferPointer { t in
                online.value.withUnsafeBufferPointer { o in
                    for j in 0..<t.count { t[j] = t[j] * (1 - tau) + tau * o[j] }
                }
            }
        }
    }

    /// The parameters by name, prefixed (`q_net.0.weight`), for a checkpoint.
    func add(to file: inout SafeTensorsFile, prefix: String) {
        for (name, parameter) in network.namedParameters {
            file.add("\(prefix).\(name)", float32: parameter.value.scalars, shape: parameter.shape)
        }
    }

    /// Restores parameters written by ``add(to:prefix:)``, checking every shape.
    func load(from file: SafeTensorsFile, prefix: String, source url: URL) throws {
        try NetworkCheckpoint.check([(prefix, self)], in: file, source: url)
        let parameters = network.namedParameters
        let values = try parameters.map { try Tensor(validatingShape: $0.parameter.shape, scalars: try file.float32("\(prefix).\($0.name)")) }
        // Only after every tensor was read, so a bad file leaves the network as it was.
        for ((_, parameter), value) in zip(parameters, values) { parameter.value = value }
    }
}
