import Foundation
import Gym
import LabCore

/// The policy and value networks of an on-policy agent, as Stable-Baselines3's
/// `ActorCriticPolicy` builds them for flat observations: separate networks by default
/// (`net_arch=dict(pi=..., vf=...)`, SB3's default for PPO and A2C), or, with
/// `shared_network`, one shared body and two linear heads (SB3 before 1.8 read a plain
/// `net_arch=[64, 64]` that way: `mlp_extractor.shared_net`, then `action_net` and
/// `value_net`).
///
/// - Separate: policy `obs -> net_arch -> action outputs` (logits for `Discrete(n)`, means
///   for a `Box`), value `obs -> net_arch -> 1`.
/// - Shared: `obs -> net_arch` (with the activation after its last layer too), then one
///   linear layer to the action outputs and one to the value. The gradient of the
///   combined loss reaches the shared layers from both heads.
/// - For a Box, a state-independent log standard deviation per dimension
///   (``DiagonalGaussianDistribution``).
/// - Orthogonal initialization (SB3's `ortho_init`): gain sqrt(2) for hidden layers, 0.01
///   for the action layer, 1 for the value layer, zero biases.
///
/// Training evaluates minibatches on the tape; acting runs one observation through the
/// same parameters without the tape or allocation.
public final class ActorCriticPolicy {
    /// Hyperparameters every actor-critic agent declares, with SB3's defaults.
    public struct Settings: LabCore.Settings {
        @Setting("net_arch", range: 1..., help: "hidden layer sizes of the policy network and of the value network") public var netArch = [64, 64]
        @Setting("activation", help: "activation between layers: tanh (SB3's default) or relu")
        public var activation = MultilayerPerceptron.Activation.tanh
        @Setting("ortho_init", help: "orthogonal initialization with SB3's gains (sqrt 2 hidden, 0.01 policy head, 1 value head)")
        public var orthogonalInit = true
        @Setting("log_std_init", help: "initial log standard deviation of Gaussian actions (Box action spaces)") public var logStdInit = 0.0
        @Setting("shared_network", help: "share the net_arch layers between policy and value, each then one linear head (false: two separate networks, SB3's default)")
        public var sharedNetwork = false
        public init() {}
    }

    public let encoder: ObservationEncoder
    /// The layers shared by both heads (`shared_network`), without the activation after
    /// their last layer; nil for separate networks.
    public let sharedNetwork: MultilayerPerceptron?
    /// The policy network (with shared layers: the policy head on their output).
    public let policyNetwork: MultilayerPerceptron
    /// The value network (with shared layers: the value head on their output).
    public let valueNetwork: MultilayerPerceptron
    private let activation: MultilayerPerceptron.Activation
    /// The shared layers' tanh off the tape, as the networks' own.
    private let tanhLayer = Tanh()
    /// The shared layers' activated output for one observation, allocated once.
    private let sharedFeatures: UnsafeMutableBufferPointer<Float>
    /// Log standard deviations of Gaussian actions; nil for discrete actions.
    public let logStd: Parameter?
    /// The number of discrete actions, or nil for a Box.
    public let actionCount: Int?
    /// The Box of continuous actions (bounds for clipping), or nil.
    public let actionBox: Box?

    /// Checks the spaces and the policy's settings without building the networks, and
    /// returns the observation encoder (see ``Agent/check(environment:hyperparameters:)``).
    ///
    /// - Throws: ``AgentError`` for unsupported spaces, ``ConfigurationError`` for bad settings.
    public static func check(agent: String, environment: EnvironmentSignature, hyperparameters: Hyperparameters) throws -> ObservationEncoder {
        let encoder = try ObservationEncoder(space: environment.observationSpace, agent: agent, environmentID: environment.id)
        _ = try actionOutputs(agent: agent, environment: environment)
        _ = try hyperparameters.settings(Settings.self)
        return encoder
    }

    /// The policy head's width: one logit per discrete action, or one mean per Box dimension.
    private static func actionOutputs(agent: String, environment: EnvironmentSignature) throws -> Int {
        switch environment.actionSpace {
        case .discrete(let d): return d.n
        case .box(let box) where box.shape.count == 1 && box.count > 0: return box.count
        default: throw AgentError("\(agent) needs a Discrete or flat Box action space; \(environment.id) has \(environment.actionSpace)")
        }
    }

    /// - Throws: ``AgentError`` for unsupported spaces, ``ConfigurationError`` for bad settings.
    public init(agent: String, environment: EnvironmentSignature, hyperparameters h: Hyperparameters, random: RandomSource) throws {
        encoder = try ObservationEncoder(space: environment.observationSpace, agent: agent, environmentID: environment.id)
        let outputs = try Self.actionOutputs(agent: agent, environment: environment)
        (actionCount, actionBox) = environment.actionSpace.discrete.map { ($0.n, nil) } ?? (nil, environment.actionSpace.box)
        let settings = try h.settings(Settings.self)
        let activation = settings.activation
        let hidden = settings.netArch
        let orthogonal = settings.orthogonalInit
        self.activation = activation
        let hiddenGain = Initializer.orthogonal(gain: Float(2.0.squareRoot()))
        func initializers(hidden: Int, head: Float) -> [Initializer]? {
            orthogonal ? Array(repeating: hiddenGain, count: hidden) + [.orthogonal(gain: head)] : nil
        }
        if settings.sharedNetwork, let width = hidden.last {
            let body = try MultilayerPerceptron(inputSize: encoder.width, hiddenSizes: Array(hidden.dropLast()), outputSize: width,
                                                activation: activation, weightInitializers: orthogonal ? Array(repeating: hiddenGain, count: hidden.count) : nil,
                                                source: random.derived("shared"))
            sharedNetwork = body
            sharedFeatures = .allocate(capacity: width)
            sharedFeatures.initialize(repeating: 0)
            policyNetwork = try MultilayerPerceptron(inputSize: width, hiddenSizes: [], outputSize: outputs, activation: activation,
                                                     weightInitializers: initializers(hidden: 0, head: 0.01), source: random.derived("pi"))
            valueNetwork = try MultilayerPerceptron(inputSize: width, hiddenSizes: [], outputSize: 1, activation: activation,
                                                    weightInitializers: initializers(hidden: 0, head: 1), source: random.derived("vf"))
        } else {
            sharedNetwork = nil
            sharedFeatures = .allocate(capacity: 0)
            policyNetwork = try MultilayerPerceptron(inputSize: encoder.width, hiddenSizes: hidden, outputSize: outputs, activation: activation,
                                                     weightInitializers: initializers(hidden: hidden.count, head: 0.01), source: random.derived("pi"))
            valueNetwork = try MultilayerPerceptron(inputSize: encoder.width, hiddenSizes: hidden, outputSize: 1, activation: activation,
                                                    weightInitializers: initializers(hidden: hidden.count, head: 1), source: random.derived("vf"))
        }
        logStd = actionBox == nil ? nil : Parameter(Tensor.filled([outputs], with: Float(settings.logStdInit)), name: "log_std")
    }

    deinit { sharedFeatures.deallocate() }

    /// Floats per action in a rollout: 1 (the index) for a discrete action, else the dimension.
    public var actionSize: Int { actionCount == nil ? actionBox!.count : 1 }

    /// Every trainable parameter: the shared layers', the policy network's, the value
    /// network's, then the log std. Built once: every gradient step reads it (the layers
    /// keep their parameter objects; loading replaces only their values).
    public private(set) lazy var parameters: [Parameter] =
        (sharedNetwork?.parameters ?? []) + policyNetwork.parameters + valueNetwork.parameters + (logStd.map { [$0] } ?? [])

    // MARK: Training (on the tape)

    /// Values, log-probabilities of `actions` and entropies for a batch of (encoded)
    /// observations `[B, width]`, as SB3's `evaluate_actions`.
    ///
    /// - Parameter actions: `B x actionSize` floats (discrete actions as indices).
    public func evaluate(observations: Tensor, actions: [Float]) -> (values: Tensor, logProbability: Tensor, entropy: Tensor) {
        let rows = observations.shape[0]
        let (output, values) = outputs(observations: observations)
        if let logStd {
            let d = logStd.shape[0]
            let actionTensor = Tensor(shape: [rows, d], scalars: Array(actions[0..<(rows * d)]))
            let (logProbability, entropy) = DiagonalGaussianDistribution.logProbabilityAndEntropy(mean: output, logStd: logStd.tensor, actions: actionTensor)
            return (values, logProbability, entropy)
        }
        let indices = (0..<rows).map { Int(actions[$0]) }
        let (logProbability, entropy) = CategoricalDistribution.logProbabilityAndEntropy(logits: output, actions: indices)
        return (values, logProbability, entropy)
    }

    /// The policy network's outputs (logits for discrete actions, means for a Box;
    /// `[B, outputs]`) and the values (`[B]`) for a batch of encoded observations
    /// `[B, width]`, on the tape.
    public func outputs(observations: Tensor) -> (output: Tensor, values: Tensor) {
        let rows = observations.shape[0]
        guard let sharedNetwork else {
            // Separate networks share nothing they write: on two compute threads at once
            // when there are two, with the same bits as one after the other.
            var output: Tensor?, values: Tensor?
            runConcurrently({ output = self.policyNetwork(observations) },
                            { values = self.valueNetwork(observations).reshaped([rows]) })
            return (output!, values!)
        }
        let body = sharedNetwork(observations)
        let features = activation == .relu ? body.relu() : body.tanh()
        return (policyNetwork(features), valueNetwork(features).reshaped([rows]))
    }

    /// The parameters split for ``Tensor/backward(splittingBetween:and:)``: the policy
    /// side's (policy network, log std) and the value network's; nil with shared layers,
    /// which both sides lead to.
    public private(set) lazy var separateSides: (policy: [Parameter], value: [Parameter])? =
        sharedNetwork == nil ? (policyNetwork.parameters + (logStd.map { [$0] } ?? []), valueNetwork.parameters) : nil

    /// Back-propagates a loss on this policy's outputs (``Tensor/backward()``), with the
    /// policy's and the value network's parts on two compute threads at once when the
    /// networks are separate (the same bits as on one).
    public func backward(_ loss: Tensor) {
        if let sides = separateSides {
            loss.backward(splittingBetween: sides.policy, and: sides.value)
        } else {
            loss.backward()
        }
    }

    // MARK: Acting (no tape, no allocation)

    /// The shared layers' activated output for one observation (valid until the next
    /// call), or nil for separate networks.
    private func shared<C: Collection<Float>>(_ observation: C) -> UnsafeBufferPointer<Float>? where C.Index == Int {
        guard let sharedNetwork else { return nil }
        let body = sharedNetwork.forward(observation)
        switch activation {
        case .relu: for j in 0..<body.count { sharedFeatures[j] = max(body[j], 0) }
        case .tanh: tanhLayer.infer(body.baseAddress!, rows: 1, inputWidth: body.count, into: sharedFeatures.baseAddress!)
        }
        return UnsafeBufferPointer(sharedFeatures)
    }

    /// Samples an action for one encoded observation, writing it into
    /// `actions[offset..<offset + actionSize]`; returns the value and the action's
    /// log-probability (SB3's `policy.forward`).
    public func sample<C: Collection<Float>>(_ observation: C, random: RandomSource, into actions: inout [Float], at offset: Int)
        -> (value: Float, logProbability: Float) where C.Index == Int
    {
        let features = shared(observation)
        let value = (features.map { valueNetwork.forward($0) } ?? valueNetwork.forward(observation))[0]
        let output = features.map { policyNetwork.forward($0) } ?? policyNetwork.forward(observation)
        return (value, sampleAction(output, random: random, into: &actions, at: offset))
    }

    /// Samples an action from the policy network's `output` (logits or means) into
    /// `actions[offset..<offset + actionSize]` and returns its log-probability.
    private func sampleAction(_ output: UnsafeBufferPointer<Float>, random: RandomSource, into actions: inout [Float],
                              at offset: Int) -> Float {
        if let logStd {
            return logStd.value.withUnsafeBufferPointer { std in
                DiagonalGaussianDistribution.sample(mean: output, logStd: std, random: random, into: &actions, at: offset)
                let action = actions[offset..<offset + output.count]
                return DiagonalGaussianDistribution.logProbability(action: action, mean: output, logStd: std)
            }
        }
        let action = CategoricalDistribution.sample(logits: output, random: random)
        actions[offset] = Float(action)
        return CategoricalDistribution.logProbability(logits: output, action: action)
    }

    /// Plans ``sample(rows:count:random:actions:values:logProbabilities:)`` and
    /// ``values(rows:count:into:)`` for up to `rows` observations in one pass (it
    /// allocates: call it once, before collecting).
    public func reserveRows(_ rows: Int) {
        guard sharedNetwork == nil else { return }
        policyNetwork.reserveRows(rows)
        valueNetwork.reserveRows(rows)
    }

    /// Whether `count` rows go through the networks in one pass.
    private func takesRows(_ count: Int) -> Bool {
        sharedNetwork == nil && count <= policyNetwork.plannedRows && count <= valueNetwork.plannedRows
    }

    /// Samples an action for each of `count` encoded observations stored one after another
    /// at `observations`, exactly as ``sample(_:random:into:at:)`` on each in order (the
    /// same draws and the same bits: every kernel computes a row alone), with one pass of
    /// each network over all of them when ``reserveRows(_:)`` planned for it. Row `i`'s
    /// action goes to `actions` at `i * actionSize`, its value and log-probability to
    /// `values[i]` and `logProbabilities[i]`.
    public func sample(rows observations: UnsafePointer<Float>, count: Int, random: RandomSource, actions: inout [Float],
                       values: inout [Float], logProbabilities: inout [Float]) {
        let width = encoder.width
        guard takesRows(count) else {
            for i in 0..<count {
                let row = UnsafeBufferPointer(start: observations + i * width, count: width)
                (values[i], logProbabilities[i]) = sample(row, random: random, into: &actions, at: i * actionSize)
            }
            return
        }
        self.values(rows: observations, count: count, into: &values)
        let outputs = policyNetwork.forward(rows: observations, count: count)
        let d = policyNetwork.outputSize
        for i in 0..<count {
            let output = UnsafeBufferPointer(rebasing: outputs[(i * d)..<((i + 1) * d)])
            logProbabilities[i] = sampleAction(output, random: random, into: &actions, at: i * actionSize)
        }
    }

    /// The values of `count` encoded observations stored one after another, as
    /// ``value(_:)`` on each, in one pass when planned.
    public func values(rows observations: UnsafePointer<Float>, count: Int, into values: inout [Float]) {
        let width = encoder.width
        guard takesRows(count) else {
            for i in 0..<count { values[i] = value(UnsafeBufferPointer(start: observations + i * width, count: width)) }
            return
        }
        let value = valueNetwork.forward(rows: observations, count: count)
        for i in 0..<count { values[i] = value[i] }
    }

    /// The value of one encoded observation (SB3's `predict_values`).
    public func value<C: Collection<Float>>(_ observation: C) -> Float where C.Index == Int {
        (shared(observation).map { valueNetwork.forward($0) } ?? valueNetwork.forward(observation))[0]
    }

    /// The greedy action for one encoded observation: the most likely action, or the mean
    /// clipped to the action bounds (SB3's `predict(deterministic=True)`).
    public func greedyAction<C: Collection<Float>>(_ observation: C) -> Action where C.Index == Int {
        let output = shared(observation).map { policyNetwork.forward($0) } ?? policyNetwork.forward(observation)
        if let box = actionBox {
            return .continuous((0..<output.count).map { min(max(output[$0], box.low[$0]), box.high[$0]) })
        }
        return .discrete(CategoricalDistribution.mode(logits: output))
    }

    /// Writes the environment's form of the sampled action at `offset` into `clipped`
    /// (continuous actions clipped to the bounds, as SB3 does before stepping).
    public func clip(_ actions: [Float], at offset: Int, into clipped: inout [Float]) {
        guard let box = actionBox else { clipped[offset] = actions[offset]; return }
        for k in 0..<box.count { clipped[offset + k] = min(max(actions[offset + k], box.low[k]), box.high[k]) }
    }

    // MARK: Saving

    /// Adds the parameters (`shared.*` with shared layers, `pi.*`, `vf.*`, `log_std`) to `file`.
    func add(to file: inout SafeTensorsFile) {
        sharedNetwork?.add(to: &file, prefix: "shared")
        policyNetwork.add(to: &file, prefix: "pi")
        valueNetwork.add(to: &file, prefix: "vf")
        if let logStd { file.add("log_std", float32: logStd.value.scalars, shape: logStd.shape) }
    }

    /// Restores parameters written by ``add(to:)``, checking every shape first.
    func load(from file: SafeTensorsFile, source url: URL) throws {
        let logStdValue = try logStd.map {
            try file.float32Tensor("log_std", shape: $0.shape, source: url, mismatch: " (different environment?)")
        }
        let networks = (sharedNetwork.map { [("shared", $0)] } ?? []) + [("pi", policyNetwork), ("vf", valueNetwork)]
        try NetworkCheckpoint.check(networks, in: file, source: url)
        for (prefix, network) in networks { try network.load(from: file, prefix: prefix, source: url) }
        if let logStd, let logStdValue { logStd.value = logStdValue }
    }
}
