import Foundation
import Gym
import LabCore

/// Soft Actor-Critic (Haarnoja et al. 2018) with Stable-Baselines3's semantics, CleanRL-style.
///
/// Per environment step, through the off-policy loop (``OffPolicyLoop``, SB3's
/// `collect_rollouts` with one environment):
/// 1. act: during the first `learning_starts` steps a uniform action from the Box, then a
///    sample of the squashed Gaussian policy `tanh(mean + std * n)`; the replay buffer
///    stores the action scaled to [-1, 1], the environment gets it in its own bounds;
/// 2. the loop stores the transition (a time-limit truncation is stored as non-terminal);
/// 3. every `train_freq` steps, once more than `learning_starts` steps were taken, the
///    loop runs `gradient_steps` updates of ``train(gradientSteps:)``.
///
/// One update (SB3's `SAC.train`), on `batch_size` transitions:
/// - the policy samples `a~ = tanh(u)` with log-probability `log pi(a~|s)` for the batch;
/// - entropy coefficient (with `ent_coef: auto`): `alpha = exp(log_alpha)` is read, then
///   `log_alpha` takes one Adam step on `-(log_alpha (log pi + target_entropy)).mean()`;
/// - critics: target `y = r + gamma (1 - terminated) (min_i Q'_i(s', a') - alpha log pi(a'|s'))`
///   with `a'` sampled from the policy at `s'`; loss `0.5 sum_i mse(Q_i(s, a), y)`;
/// - actor: loss `(alpha log pi(a~|s) - min_i Q_i(s, a~)).mean()` through the updated critics;
/// - targets: every `target_update_interval` updates, `Q' <- tau Q + (1 - tau) Q'`.
///
/// Randomness: stream `exploration` (warm-up actions and the policy's sampling while
/// collecting), `replay` (minibatches), `policy_noise` (the policy's samples in updates),
/// `actor` and `critic` (initial weights).
public final class SACAgent: Agent {
    public static let name = "sac"
    public static let summary = "Soft Actor-Critic (SB3 semantics): twin critics, squashed Gaussian actor, automatic entropy tuning"
    public struct Settings: LabCore.Settings {
        @Setting("learning_rate", range: 0..., help: "Adam step size of the actor, the critics and the entropy coefficient")
        public var learningRate = 3e-4
        @SettingGroup public var offPolicy: OffPolicySettings
        @Setting("ent_coef", help: "entropy coefficient: a number (fixed), auto (learned, starting at 1) or auto_X (learned, starting at X)")
        public var entropyCoefficient = EntropyCoefficient.auto
        @Setting("target_entropy", help: "entropy the coefficient tunes towards: auto is -dim(action), or a number")
        public var targetEntropy = TargetEntropy.auto
        @Setting("target_update_interval", range: 1..., help: "update the target critics every this many gradient steps")
        public var targetUpdateInterval = 1
        @Setting("net_arch", range: 1..., help: "hidden layer sizes of the actor and of each critic") public var netArch = [256, 256]
        @Setting("activation", help: "activation between layers: relu or tanh") public var activation = MultilayerPerceptron.Activation.relu
        public init() {}
    }

    /// SB3's `ent_coef`: learned from an initial value (`auto` starts at 1, `auto_X` at X),
    /// or a fixed number. Kept as written, so the resolved configuration shows it so.
    public struct EntropyCoefficient: SettingType, Equatable {
        public let text: String
        /// The initial value of a learned coefficient, or nil when it is fixed.
        public let learnedInitialValue: Double?
        /// The fixed coefficient, or nil when it is learned.
        public let fixedValue: Double?

        public static let auto = EntropyCoefficient(text: "auto", learnedInitialValue: 1, fixedValue: nil)
        public static var expectation: String { "auto, auto_X (X positive) or a number at least 0" }
        public static func read(_ input: SettingInput) -> EntropyCoefficient? {
            guard case .scalar(let text) = input else { return nil }
            if text == "auto" { return .auto }
            if text.hasPrefix("auto_") {
                guard let value = Double(text.dropFirst(5)), value > 0, value.isFinite else { return nil }
                return EntropyCoefficient(text: text, learnedInitialValue: value, fixedValue: nil)
            }
            guard let value = Double(text), value >= 0, value.isFinite else { return nil }
            return EntropyCoefficient(text: text, learnedInitialValue: nil, fixedValue: value)
        }
        public var settingValue: SettingValue? { .string(text) }
    }

    /// SB3's `target_entropy`: `auto` (minus the number of action dimensions) or a number.
    public struct TargetEntropy: SettingType, Equatable {
        public let text: String
        /// The number, or nil for `auto`.
        public let value: Float?

        public static let auto = TargetEntropy(text: "auto", value: nil)
        public static var expectation: String { "auto or a number" }
        public static func read(_ input: SettingInput) -> TargetEntropy? {
            guard case .scalar(let text) = input else { return nil }
            if text == "auto" { return .auto }
            guard let value = Float(text), value.isFinite else { return nil }
            return TargetEntropy(text: text, value: value)
        }
        public var settingValue: SettingValue? { .string(text) }
    }

    // Hyperparameters.
    private let learningRate: Float
    private let gamma: Float
    private let tau: Float
    private let learningStarts: Int
    let batchSize: Int
    private let offPolicy: OffPolicySettings
    private let targetUpdateInterval: Int
    /// The fixed coefficient, or nil when it is learned.
    private let fixedEntropyCoefficient: Float?
    let targetEntropy: Float

    // Learned state and its machinery.
    /// `observation -> net_arch -> 2 k`: the Gaussian's mean (first k) and log std (last k),
    /// SB3's `mu` and `log_std` heads side by side in one layer.
    let actor: MultilayerPerceptron
    let critic: ContinuousCritic
    let criticTarget: ContinuousCritic
    /// `log(alpha)`, SB3's `log_ent_coef` (learned with `ent_coef: auto`).
    let logEntropyCoefficient: Parameter
    let actorOptimizer: Adam
    let criticOptimizer: Adam
    let entropyOptimizer: Adam?
    let replay: ReplayBuffer
    private let batch: ReplayBatch
    let scaling: BoxActionScaling
    private let actionBox: Box
    let observationSize: Int
    let actionSize: Int
    private let explorationRandom: RandomSource
    private let replayRandom: RandomSource
    private let policyNoiseRandom: RandomSource
    let encoder: ObservationEncoder
    /// A warm-up action in the Box's bounds, before scaling.
    private var boxSample: [Float]
    /// The greedy action of ``act(_:)`` in [-1, 1].
    private var scaledAction: [Float]
    private var targetScratch: [Float]
    /// Gradient steps taken so far (SB3's `_n_updates`).
    public private(set) var updates = 0

    public static func check(environment: EnvironmentSignature, hyperparameters: Hyperparameters) throws {
        _ = try ContinuousControlSpaces(agent: name, environment: environment)
        _ = try hyperparameters.settings(Settings.self)
    }

    public init(environment: EnvironmentSignature, hyperparameters h: Hyperparameters, random: RandomSource) throws {
        let spaces = try ContinuousControlSpaces(agent: Self.name, environment: environment)
        scaling = spaces.scaling
        actionBox = spaces.actionBox
        observationSize = spaces.observations.count
        actionSize = scaling.count

        let settings = try h.settings(Settings.self)
        let offPolicy = settings.offPolicy
        learningRate = Float(settings.learningRate)
        gamma = Float(offPolicy.gamma)
        tau = Float(offPolicy.tau)
        learningStarts = offPolicy.learningStarts
        batchSize = offPolicy.batchSize
        self.offPolicy = offPolicy
        encoder = spaces.encoder
        targetUpdateInterval = settings.targetUpdateInterval
        let activation = settings.activation
        fixedEntropyCoefficient = settings.entropyCoefficient.fixedValue.map(Float.init)
        let initialCoefficient = settings.entropyCoefficient.learnedInitialValue ?? 1
        targetEntropy = settings.targetEntropy.value ?? -Float(actionSize)

        let hidden = settings.netArch
        actor = try MultilayerPerceptron(inputSize: observationSize, hiddenSizes: hidden, outputSize: 2 * actionSize,
                                         activation: activation, source: random.derived("actor"))
        let criticSource = random.derived("critic")
        critic = try ContinuousCritic(count: 2, observationSize: observationSize, actionSize: actionSize,
                                      hiddenSizes: hidden, activation: activation, source: criticSource)
        criticTarget = try ContinuousCritic(count: 2, observationSize: observationSize, actionSize: actionSize,
                                            hiddenSizes: hidden, activation: activation, source: criticSource)
        criticTarget.update(towards: critic, tau: 1)
        logEntropyCoefficient = Parameter(Tensor([Float(Foundation.log(initialCoefficient))]), name: "log_ent_coef")
        actorOptimizer = Adam(actor.parameters, learningRate: learningRate)
        criticOptimizer = Adam(critic.parameters, learningRate: learningRate)
        entropyOptimizer = fixedEntropyCoefficient == nil ? Adam([logEntropyCoefficient], learningRate: learningRate) : nil
        replay = try ReplayBuffer(capacity: offPolicy.bufferSize, observationSize: observationSize, actionSize: actionSize)
        batch = ReplayBatch(size: batchSize, observationSize: observationSize, actionSize: actionSize)
        explorationRandom = random.derived("exploration")
        replayRandom = random.derived("replay")
        policyNoiseRandom = random.derived("policy_noise")
        scaledAction = [Float](repeating: 0, count: actionSize)
        boxSample = scaledAction
        targetScratch = [Float](repeating: 0, count: batchSize)
    }

    public func learn(_ loop: EpisodeLoop) throws {
        let collection = try OffPolicyLoop(loop, agent: Self.name, copies: 1, encoder: encoder, replay: replay, actions: .continuous(scaling),
                                           schedule: offPolicy)
        try collection.run(
            act: {
                for i in 0..<collection.copies where !collection.isResetting(i) {
                    if collection.totalSteps < learningStarts {
                        // SB3 samples the Box and scales the sample into [-1, 1] for the buffer.
                        actionBox.sample(using: explorationRandom, into: &boxSample)
                        scaling.scale(boxSample, into: &collection.actions, at: i * actionSize)
                    } else {
                        samplePolicy(collection.observation(i), into: &collection.actions, at: i * actionSize)
                    }
                }
            },
            train: { gradientSteps in try train(gradientSteps: gradientSteps) })
    }

    /// `tanh(mean + std * n)` for one observation, off the tape (SB3's `predict(deterministic=False)`),
    /// into `action[offset..<offset + k]`.
    private func samplePolicy(_ observation: ArraySlice<Float>, into action: inout [Float], at offset: Int) {
        let out = actor.forward(observation)
        let range = SquashedDiagonalGaussian.logStandardDeviationRange
        for j in 0..<actionSize {
            let logStd = Swift.min(Swift.max(out[actionSize + j], range.lowerBound), range.upperBound)
            let u = out[j] + Float(explorationRandom.gaussian()) * expf(logStd)
            action[offset + j] = tanhf(u)
        }
    }

    /// The squashed Gaussian the actor gives for observations `[B, obs]`.
    func policy(_ observations: Tensor) -> SquashedDiagonalGaussian {
        let out = actor(observations)
        return SquashedDiagonalGaussian(mean: out.slice(axis: 1, 0..<actionSize),
                                        logStandardDeviation: out.slice(axis: 1, actionSize..<(2 * actionSize)))
    }

    /// `gradientSteps` updates on minibatches from the replay buffer (see the type's notes).
    func train(gradientSteps: Int) throws {
        for _ in 0..<gradientSteps {
            replay.sample(into: batch, random: replayRandom)
            let noise = Tensor.normal([batchSize, actionSize], source: policyNoiseRandom)
            let nextNoise = Tensor.normal([batchSize, actionSize], source: policyNoiseRandom)
            let losses = update(batch, noise: noise, nextNoise: nextNoise)
            // A diverged update stops the run (the losses are scalars already computed).
            try NonFiniteTrainingError.check(loss: losses.critic, name: "critic loss", step: updates)
            try NonFiniteTrainingError.check(loss: losses.actor, name: "actor loss", step: updates)
        }
    }

    /// The losses of one update, for tests and fixtures.
    struct Losses {
        var entropyCoefficient: Float
        var entropyCoefficientLoss: Float?
        var critic: Float
        var actor: Float
    }

    /// One SAC update on `batch`, with the policy's standard-normal draws given: `noise`
    /// for the actions at `s`, `nextNoise` for those at `s'` (SB3's `SAC.train` body).
    @discardableResult
    func update(_ batch: ReplayBatch, noise: Tensor, nextNoise: Tensor) -> Losses {
        // The policy's action and log-probability at s, kept on the tape for the actor loss.
        let (actionsPi, logProbability) = policy(batch.observations).sampleWithLogProbability(noise: noise)

        // Entropy coefficient: read alpha, then one step on log(alpha) (detached log-probabilities).
        let alpha: Float
        var entropyLoss: Float?
        if let fixedEntropyCoefficient {
            alpha = fixedEntropyCoefficient
        } else {
            alpha = expf(logEntropyCoefficient.value.scalars[0])
            let loss = -(logEntropyCoefficient.tensor * (logProbability.detached() + targetEntropy)).mean()
            entropyOptimizer?.zeroGrad()
            loss.backward()
            entropyOptimizer?.step()
            entropyLoss = loss.scalar
        }

        // Critic targets, off the tape: r + gamma (1 - terminated) (min Q'(s', a') - alpha log pi(a'|s')).
        let targets: Tensor = withoutGradient {
            let (nextActions, nextLogProbability) = policy(batch.nextObservations).sampleWithLogProbability(noise: nextNoise)
            columnMinimum(criticTarget(batch.nextObservations, nextActions), into: &targetScratch)
            var y = Tensor.zeros([batchSize, 1])
            y.withUnsafeMutableBufferPointer { y in
                batch.rewards.withUnsafeBufferPointer { r in
                    batch.terminals.withUnsafeBufferPointer { done in
                        nextLogProbability.withUnsafeBufferPointer { logP in
                            for i in 0..<batchSize {
                                let next = targetScratch[i] - alpha * logP[i]
                                // SB3's float32 order: rewards + (1 - dones) * gamma * next_q.
                                y[i] = r[i] + (1 - done[i]) * gamma * next
                            }
                        }
                    }
                }
            }
            return y
        }

        // Critics: 0.5 * sum of each critic's mean squared TD error.
        let values = critic(batch.observations, batch.actions)
        var criticLoss = Loss.meanSquaredError(values[0], targets)
        for value in values.dropFirst() { criticLoss = criticLoss + Loss.meanSquaredError(value, targets) }
        criticLoss = 0.5 * criticLoss
        criticOptimizer.zeroGrad()
        criticLoss.backward()
        criticOptimizer.step()

        // Actor: through the updated critics, whose own gradients are not needed.
        critic.setTrainable(false)
        let minimumValue = columnMinimum(critic(batch.observations, actionsPi))
        critic.setTrainable(true)
        let actorLoss = (alpha * logProbability.reshaped([batchSize, 1]) - minimumValue).mean()
        actorOptimizer.zeroGrad()
        actorLoss.backward()
        actorOptimizer.step()

        if updates % targetUpdateInterval == 0 { criticTarget.update(towards: critic, tau: tau) }
        updates += 1
        return Losses(entropyCoefficient: alpha, entropyCoefficientLoss: entropyLoss, critic: criticLoss.scalar, actor: actorLoss.scalar)
    }

    /// The greedy action `tanh(mean)` in the environment's bounds (SB3's `predict(deterministic=True)`).
    public func act(_ observation: Observation) throws -> Action {
        guard case .vector(let values) = observation, values.count == observationSize else {
            throw AgentError("sac expects observations of \(observationSize) numbers, got \(observation)")
        }
        let out = actor.forward(values)
        for j in 0..<actionSize { scaledAction[j] = tanhf(out[j]) }
        return .continuous(scaling.unscale(scaledAction))
    }

    private var checkpointNetworks: [(prefix: String, network: MultilayerPerceptron)] {
        [("actor", actor)] + critic.checkpointEntries("critic") + criticTarget.checkpointEntries("critic_target")
    }

    /// Saves the actor, both critics, their targets (F32, PyTorch names) and `log_ent_coef`.
    public func save(to url: URL) throws {
        try NetworkCheckpoint.save(checkpointNetworks, agent: Self.name, parameters: [logEntropyCoefficient], to: url)
    }

    public func load(from url: URL) throws {
        try NetworkCheckpoint.load(into: checkpointNetworks, agent: Self.name, parameters: [logEntropyCoefficient], from: url)
    }
}

/// Training checkpoints, at any step: the actor, the critics and their targets, the
/// entropy coefficient, the three optimizers' moments, the replay buffer, the streams and
/// the update count (which paces the target updates).
extension SACAgent: ResumableAgent {
    private var trainingState: OffPolicyTrainingState {
        OffPolicyTrainingState(
            parameters: checkpointNetworks.map { ($0.prefix, $0.network.parameters) } + [("log_ent_coef", [logEntropyCoefficient])],
            optimizers: [("actor_optimizer", actorOptimizer), ("critic_optimizer", criticOptimizer)]
                + (entropyOptimizer.map { [("entropy_optimizer", $0)] } ?? []),
            replay: replay,
            streams: [("exploration_random", explorationRandom), ("replay_random", replayRandom), ("policy_noise_random", policyNoiseRandom)])
    }

    public func archiveTrainingState(into archive: inout StateArchive) throws { try trainingState.archive(into: &archive, updates: updates) }

    public func restoreTrainingState(from archive: StateArchive) throws { updates = try trainingState.restore(from: archive) }
}
