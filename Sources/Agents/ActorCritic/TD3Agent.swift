import Foundation
import Gym
import LabCore

/// Twin Delayed DDPG (Fujimoto et al. 2018) with Stable-Baselines3's semantics, CleanRL-style.
///
/// Per environment step, through the off-policy loop (``OffPolicyLoop``, SB3's
/// `collect_rollouts` with one environment):
/// 1. act: during the first `learning_starts` steps a uniform action from the Box, then
///    the deterministic actor `tanh(mu(s))`; in both cases the action noise (`noise_type`
///    `normal` or `ornstein-uhlenbeck`, `noise_std`) is added in [-1, 1] and the sum
///    clipped to [-1, 1]; the buffer stores that, the environment gets it in its bounds;
/// 2. the loop stores the transition (a time-limit truncation is stored as non-terminal);
///    when an episode ends the noise is reset;
/// 3. every `train_freq` steps, once more than `learning_starts` steps were taken, the
///    loop runs `gradient_steps` updates.
///
/// One update (SB3's `TD3.train`), on `batch_size` transitions:
/// - critics: target `y = r + gamma (1 - terminated) min_i Q'_i(s', a')` with the smoothed
///   target action `a' = clip(mu'(s') + clip(eps, -c, c), -1, 1)`, `eps ~ N(0, sigma)`
///   (`target_policy_noise` sigma, `target_noise_clip` c); loss `sum_i mse(Q_i(s, a), y)`;
/// - every `policy_delay`-th update: actor loss `-Q_1(s, mu(s)).mean()`, then Polyak
///   updates (`tau`) of the target critics and the target actor.
///
/// DDPG (``DDPGAgent``) is this algorithm with one critic, `policy_delay` 1 and no target
/// smoothing, as SB3 builds it.
///
/// Randomness: stream `exploration` (warm-up actions), `action_noise`, `replay`,
/// `target_noise` (smoothing), `actor` and `critic` (initial weights).
public final class TD3Agent: Agent {
    public static let name = "td3"
    public static let summary = "Twin Delayed DDPG (SB3 semantics): twin critics, delayed actor updates, target policy smoothing"
    public struct Settings: LabCore.Settings {
        @SettingGroup public var common: CommonSettings
        @Setting("policy_delay", range: 1..., help: "update the actor and the targets every this many critic updates")
        public var policyDelay = 2
        @Setting("target_policy_noise", range: 0..., help: "standard deviation of the target action smoothing noise")
        public var targetPolicyNoise = 0.2
        @Setting("target_noise_clip", range: 0..., help: "the smoothing noise is clipped to [-c, c]") public var targetNoiseClip = 0.5
        public init() {}
    }

    /// Hyperparameters TD3 and DDPG share (SB3's defaults for both).
    public struct CommonSettings: LabCore.Settings {
        @Setting("learning_rate", range: 0..., help: "Adam step size of the actor and the critics") public var learningRate = 1e-3
        @SettingGroup public var offPolicy: OffPolicySettings
        @SettingGroup public var noise: ActionNoise.Settings
        @Setting("net_arch", range: 1..., help: "hidden layer sizes of the actor and of each critic") public var netArch = [400, 300]
        @Setting("activation", help: "activation between layers: relu or tanh") public var activation = MultilayerPerceptron.Activation.relu
        public init() {}
    }

    // Hyperparameters.
    private let learningRate: Float
    private let gamma: Float
    private let tau: Float
    private let learningStarts: Int
    let batchSize: Int
    private let offPolicy: OffPolicySettings
    let policyDelay: Int
    private let targetPolicyNoise: Float
    private let targetNoiseClip: Float

    // Learned state and its machinery.
    /// `observation -> net_arch -> k`, squashed by `tanh` (SB3's `Actor`, `squash_output`).
    let actor: MultilayerPerceptron
    let actorTarget: MultilayerPerceptron
    let critic: ContinuousCritic
    let criticTarget: ContinuousCritic
    let actorOptimizer: Adam
    let criticOptimizer: Adam
    let replay: ReplayBuffer
    private let batch: ReplayBatch
    let noise: ActionNoise
    let scaling: BoxActionScaling
    private let actionBox: Box
    let observationSize: Int
    let actionSize: Int
    private let explorationRandom: RandomSource
    private let replayRandom: RandomSource
    private let targetNoiseRandom: RandomSource
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

    public convenience init(environment: EnvironmentSignature, hyperparameters: Hyperparameters, random: RandomSource) throws {
        let settings = try hyperparameters.settings(Settings.self)
        try self.init(environment: environment, settings: settings.common,
                      variant: .td3(policyDelay: settings.policyDelay, targetPolicyNoise: settings.targetPolicyNoise,
                                    targetNoiseClip: settings.targetNoiseClip),
                      random: random)
    }

    /// TD3 itself, or DDPG: one critic, no delay, no target smoothing.
    enum Variant {
        case td3(policyDelay: Int, targetPolicyNoise: Double, targetNoiseClip: Double)
        case ddpg
        var name: String {
            if case .td3 = self { return TD3Agent.name }
            return DDPGAgent.name
        }
    }

    init(environment: EnvironmentSignature, settings: CommonSettings, variant: Variant, random: RandomSource) throws {
        let agent = variant.name
        let spaces = try ContinuousControlSpaces(agent: agent, environment: environment)
        scaling = spaces.scaling
        actionBox = spaces.actionBox
        observationSize = spaces.observations.count
        actionSize = scaling.count

        let offPolicy = settings.offPolicy
        learningRate = Float(settings.learningRate)
        gamma = Float(offPolicy.gamma)
        tau = Float(offPolicy.tau)
        learningStarts = offPolicy.learningStarts
        batchSize = offPolicy.batchSize
        self.offPolicy = offPolicy
        encoder = spaces.encoder
        let criticCount: Int
        switch variant {
        case .td3(let delay, let smoothing, let clip):
            criticCount = 2
            policyDelay = delay
            targetPolicyNoise = Float(smoothing)
            targetNoiseClip = Float(clip)
        case .ddpg:
            // SB3's DDPG: TD3 with these fixed.
            criticCount = 1
            policyDelay = 1
            targetPolicyNoise = 0.1
            targetNoiseClip = 0
        }
        let activation = settings.activation

        let hidden = settings.netArch
        let actorSource = random.derived("actor")
        actor = try MultilayerPerceptron(inputSize: observationSize, hiddenSizes: hidden, outputSize: actionSize,
                                         activation: activation, source: actorSource)
        actorTarget = try MultilayerPerceptron(inputSize: observationSize, hiddenSizes: hidden, outputSize: actionSize,
                                               activation: activation, source: actorSource)
        actorTarget.update(towards: actor, tau: 1)
        let criticSource = random.derived("critic")
        critic = try ContinuousCritic(count: criticCount, observationSize: observationSize, actionSize: actionSize,
                                      hiddenSizes: hidden, activation: activation, source: criticSource)
        criticTarget = try ContinuousCritic(count: criticCount, observationSize: observationSize, actionSize: actionSize,
                                            hiddenSizes: hidden, activation: activation, source: criticSource)
        criticTarget.update(towards: critic, tau: 1)
        actorOptimizer = Adam(actor.parameters, learningRate: learningRate)
        criticOptimizer = Adam(critic.parameters, learningRate: learningRate)
        replay = try ReplayBuffer(capacity: offPolicy.bufferSize, observationSize: observationSize, actionSize: actionSize)
        batch = ReplayBatch(size: batchSize, observationSize: observationSize, actionSize: actionSize)
        noise = ActionNoise(settings.noise, size: actionSize, random: random.derived("action_noise"))
        explorationRandom = random.derived("exploration")
        replayRandom = random.derived("replay")
        targetNoiseRandom = random.derived("target_noise")
        scaledAction = [Float](repeating: 0, count: actionSize)
        boxSample = scaledAction
        targetScratch = [Float](repeating: 0, count: batchSize)
    }

    public func learn(_ loop: EpisodeLoop) throws {
        let collection = try OffPolicyLoop(loop, agent: actorName, copies: 1, encoder: encoder, replay: replay, actions: .continuous(scaling),
                                           schedule: offPolicy)
        try collection.run(
            act: {
                for i in 0..<collection.copies where !collection.isResetting(i) {
                    let offset = i * actionSize
                    if collection.totalSteps < learningStarts {
                        actionBox.sample(using: explorationRandom, into: &boxSample)
                        scaling.scale(boxSample, into: &collection.actions, at: offset)
                    } else {
                        let out = actor.forward(collection.observation(i))
                        for j in 0..<actionSize { collection.actions[offset + j] = tanhf(out[j]) }
                    }
                    // SB3: np.clip(scaled_action + action_noise(), -1, 1), in the warm-up too.
                    if noise.kind != .none {
                        noise.add(to: &collection.actions, at: offset, count: actionSize)
                        for j in offset..<(offset + actionSize) { collection.actions[j] = Swift.min(Swift.max(collection.actions[j], -1), 1) }
                    }
                }
            },
            // SB3 resets the noise when an episode ends.
            episodeEnded: { _ in noise.reset() },
            train: { gradientSteps in try train(gradientSteps: gradientSteps) })
    }

    private var actorName: String { critic.networks.count == 1 ? DDPGAgent.name : Self.name }

    /// `gradientSteps` updates on minibatches from the replay buffer (see the type's notes).
    func train(gradientSteps: Int) throws {
        for _ in 0..<gradientSteps {
            replay.sample(into: batch, random: replayRandom)
            let smoothing = Tensor.normal([batchSize, actionSize], standardDeviation: targetPolicyNoise, source: targetNoiseRandom)
            let losses = update(batch, smoothingNoise: smoothing)
            // A diverged update stops the run (the losses are scalars already computed).
            try NonFiniteTrainingError.check(loss: losses.critic, name: "critic loss", step: updates)
            if let actor = losses.actor { try NonFiniteTrainingError.check(loss: actor, name: "actor loss", step: updates) }
        }
    }

    /// The losses of one update, for tests and fixtures (`actor` is nil when the actor waited).
    struct Losses {
        var critic: Float
        var actor: Float?
    }

    /// One TD3 update on `batch` (SB3's `TD3.train` body) with the target smoothing noise
    /// given (`N(0, target_policy_noise)` draws `[B, k]`, clipped here).
    @discardableResult
    func update(_ batch: ReplayBatch, smoothingNoise: Tensor) -> Losses {
        updates += 1
        // Targets, off the tape, with the smoothed target action.
        let targets: Tensor = withoutGradient {
            let smoothing = smoothingNoise.clamped(min: -targetNoiseClip, max: targetNoiseClip)
            let nextActions = (actorTarget(batch.nextObservations).tanh() + smoothing).clamped(min: -1, max: 1)
            columnMinimum(criticTarget(batch.nextObservations, nextActions), into: &targetScratch)
            var y = Tensor.zeros([batchSize, 1])
            y.withUnsafeMutableBufferPointer { y in
                batch.rewards.withUnsafeBufferPointer { r in
                    batch.terminals.withUnsafeBufferPointer { done in
                        // SB3's float32 order: rewards + (1 - dones) * gamma * next_q.
                        for i in 0..<batchSize { y[i] = r[i] + (1 - done[i]) * gamma * targetScratch[i] }
                    }
                }
            }
            return y
        }

        // Critics: the sum of each critic's mean squared TD error.
        let values = critic(batch.observations, batch.actions)
        var criticLoss = Loss.meanSquaredError(values[0], targets)
        for value in values.dropFirst() { criticLoss = criticLoss + Loss.meanSquaredError(value, targets) }
        criticOptimizer.zeroGrad()
        criticLoss.backward()
        criticOptimizer.step()

        // Delayed actor update through the first critic, then the targets.
        guard updates % policyDelay == 0 else { return Losses(critic: criticLoss.scalar, actor: nil) }
        critic.setTrainable(false)
        let actorLoss = -critic.first(batch.observations, actor(batch.observations).tanh()).mean()
        critic.setTrainable(true)
        actorOptimizer.zeroGrad()
        actorLoss.backward()
        actorOptimizer.step()
        criticTarget.update(towards: critic, tau: tau)
        actorTarget.update(towards: actor, tau: tau)
        return Losses(critic: criticLoss.scalar, actor: actorLoss.scalar)
    }

    /// The actor's action `tanh(mu(s))` in the environment's bounds.
    public func act(_ observation: Observation) throws -> Action {
        guard case .vector(let values) = observation, values.count == observationSize else {
            throw AgentError("\(actorName) expects observations of \(observationSize) numbers, got \(observation)")
        }
        let out = actor.forward(values)
        for j in 0..<actionSize { scaledAction[j] = tanhf(out[j]) }
        return .continuous(scaling.unscale(scaledAction))
    }

    private var checkpointNetworks: [(prefix: String, network: MultilayerPerceptron)] {
        [("actor", actor), ("actor_target", actorTarget)] + critic.checkpointEntries("critic") + criticTarget.checkpointEntries("critic_target")
    }

    /// Saves the actor, the critics and their targets (F32, PyTorch names).
    public func save(to url: URL) throws {
        try NetworkCheckpoint.save(checkpointNetworks, agent: actorName, to: url)
    }

    public func load(from url: URL) throws {
        try NetworkCheckpoint.load(into: checkpointNetworks, agent: actorName, from: url)
    }
}

/// Deep Deterministic Policy Gradient (Lillicrap et al. 2016) as Stable-Baselines3 builds
/// it: ``TD3Agent`` with one critic, `policy_delay` 1 and no target policy smoothing.
public final class DDPGAgent: Agent {
    public static let name = "ddpg"
    public static let summary = "DDPG (SB3 semantics): TD3 with one critic, no delayed updates, no target smoothing"
    public typealias Settings = TD3Agent.CommonSettings

    /// The algorithm, configured as DDPG.
    let core: TD3Agent

    public static func check(environment: EnvironmentSignature, hyperparameters: Hyperparameters) throws {
        _ = try ContinuousControlSpaces(agent: name, environment: environment)
        _ = try hyperparameters.settings(Settings.self)
    }

    public init(environment: EnvironmentSignature, hyperparameters: Hyperparameters, random: RandomSource) throws {
        core = try TD3Agent(environment: environment, settings: try hyperparameters.settings(Settings.self), variant: .ddpg, random: random)
    }

    public func learn(_ loop: EpisodeLoop) throws { try core.learn(loop) }
    public func act(_ observation: Observation) throws -> Action { try core.act(observation) }
    public func save(to url: URL) throws { try core.save(to: url) }
    public func load(from url: URL) throws { try core.load(from: url) }
}

/// Training checkpoints, at any step: the actor, the critics and their targets, both
/// optimizers' moments, the replay buffer, the action noise (its stream and the
/// Ornstein-Uhlenbeck process's last value), the streams and the update count (which
/// paces the delayed policy updates).
extension TD3Agent: ResumableAgent {
    private var trainingState: OffPolicyTrainingState {
        OffPolicyTrainingState(parameters: checkpointNetworks.map { ($0.prefix, $0.network.parameters) },
                               optimizers: [("actor_optimizer", actorOptimizer), ("critic_optimizer", criticOptimizer)],
                               replay: replay, others: [("action_noise", noise)],
                               streams: [("exploration_random", explorationRandom), ("replay_random", replayRandom),
                                         ("target_noise_random", targetNoiseRandom)])
    }

    public func archiveTrainingState(into archive: inout StateArchive) throws { try trainingState.archive(into: &archive, updates: updates) }

    public func restoreTrainingState(from archive: StateArchive) throws { updates = try trainingState.restore(from: archive) }
}

/// DDPG's checkpoints are its TD3 core's.
extension DDPGAgent: ResumableAgent {
    public func archiveTrainingState(into archive: inout StateArchive) throws { try core.archiveTrainingState(into: &archive) }
    public func restoreTrainingState(from archive: StateArchive) throws { try core.restoreTrainingState(from: archive) }
}
