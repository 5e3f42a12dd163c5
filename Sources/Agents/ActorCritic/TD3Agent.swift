import Foundation
import Gym
import LabCore

/// Twin Delayed DDPG (Fujimoto et al. 2018) with Stable-Baselines3's semantics, CleanRL-style.
///
/// Collection, warm-up, action noise and the training schedule are
/// ``OffPolicyActorCritic``'s; TD3's behaviour policy after the warm-up is the
/// deterministic actor `tanh(mu(s))` plus the action noise (`noise_type` `normal` or
/// `ornstein-uhlenbeck`, `noise_std`).
///
/// One update (SB3's `TD3.train`), on `batch_size` transitions:
/// - critics: target `y = r + gamma (1 - terminated) min_i Q'_i(s', a')` with the smoothed
///   target action `a' = clip(mu'(s') + clip(eps, -c, c), -1, 1)`, `eps ~ N(0, sigma)`
///   (`target_policy_noise` sigma, `target_noise_clip` c); loss `sum_i mse(Q_i(s, a), y)`;
/// - every `policy_delay`-th update: actor loss `-Q_1(s, mu(s)).mean()`, then Polyak
///   updates (`tau`) of the target critics and the target actor.
///
/// ``TD3Agent`` and ``DDPGAgent`` (this update with one critic, `policy_delay` 1 and no
/// target smoothing, as SB3 builds DDPG) are its two configurations.
///
/// Randomness: the shared streams and `target_noise` (smoothing).
public class TwinDelayedActorCritic: OffPolicyActorCritic {
    let policyDelay: Int
    private let targetPolicyNoise: Float
    private let targetNoiseClip: Float
    /// The target actor (SB3's `actor_target`): the actor `observation -> net_arch -> k`,
    /// squashed by `tanh`, Polyak-averaged.
    let actorTarget: MultilayerPerceptron
    private let targetNoiseRandom: RandomSource

    init(agent: String, environment: EnvironmentSignature, settings: TD3Agent.CommonSettings, critics: Int, policyDelay: Int,
         targetPolicyNoise: Double, targetNoiseClip: Double, random: RandomSource) throws {
        self.policyDelay = policyDelay
        self.targetPolicyNoise = Float(targetPolicyNoise)
        self.targetNoiseClip = Float(targetNoiseClip)
        // Drawn as the actor is (stream `actor`), then made its copy below.
        let spaces = try ContinuousControlSpaces(agent: agent, environment: environment)
        actorTarget = try MultilayerPerceptron(inputSize: spaces.observations.count, hiddenSizes: settings.netArch,
                                               outputSize: spaces.scaling.count, activation: settings.activation,
                                               source: random.derived("actor"))
        targetNoiseRandom = random.derived("target_noise")
        try super.init(agent: agent, environment: environment, offPolicy: settings.offPolicy, learningRate: settings.learningRate,
                       netArch: settings.netArch, activation: settings.activation, actorOutputsPerAction: 1, critics: critics,
                       noise: settings.noise, random: random)
        actorTarget.update(towards: actor, tau: 1)
    }
    override var algorithmParts: AlgorithmParts {
        AlgorithmParts(networks: [(prefix: "actor_target", network: actorTarget)],
                       streams: [(name: "target_noise_random", random: targetNoiseRandom)])
    }

    override func gradientStep(_ batch: ReplayBatch) -> (critic: Float, actor: Float?) {
        update(batch, smoothingNoise: Tensor.normal([batchSize, actionSize], standardDeviation: targetPolicyNoise,
                                                    source: targetNoiseRandom))
    }

    /// One TD3 update on `batch` (SB3's `TD3.train` body) with the target smoothing noise
    /// given (`N(0, target_policy_noise)` draws `[B, k]`, clipped here). Returns the losses
    /// (`actor` is nil when the actor waited).
    @discardableResult
    func update(_ batch: ReplayBatch, smoothingNoise: Tensor) -> (critic: Float, actor: Float?) {
        updates += 1
        // Critics: the sum of each critic's mean squared error to the targets, with the
        // smoothed target action.
        let targets: Tensor = withoutGradient {
            let smoothing = smoothingNoise.clamped(min: -targetNoiseClip, max: targetNoiseClip)
            let nextActions = (actorTarget(batch.nextObservations).tanh() + smoothing).clamped(min: -1, max: 1)
            return criticTargets(batch, nextActions: nextActions)
        }
        let criticLoss = updateCritics(batch, targets: targets)

        // Delayed actor update through the first critic, then the targets.
        guard updates % policyDelay == 0 else { return (criticLoss, nil) }
        let actorLoss = updateActor { critic in -critic.first(batch.observations, actor(batch.observations).tanh()).mean() }
        criticTarget.update(towards: critic, tau: tau)
        actorTarget.update(towards: actor, tau: tau)
        return (criticLoss, actorLoss)
    }
}

/// TD3 (see ``TwinDelayedActorCritic``).
public final class TD3Agent: TwinDelayedActorCritic, ResumableAgent {
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

    public init(environment: EnvironmentSignature, hyperparameters: Hyperparameters, random: RandomSource) throws {
        let settings = try hyperparameters.settings(Settings.self)
        try super.init(agent: Self.name, environment: environment, settings: settings.common, critics: 2, policyDelay: settings.policyDelay,
                       targetPolicyNoise: settings.targetPolicyNoise, targetNoiseClip: settings.targetNoiseClip, random: random)
    }
}

/// Deep Deterministic Policy Gradient (Lillicrap et al. 2016) as Stable-Baselines3 builds
/// it: TD3's update (``TwinDelayedActorCritic``) with one critic, `policy_delay` 1 and no
/// target policy smoothing.
public final class DDPGAgent: TwinDelayedActorCritic, ResumableAgent {
    public static let name = "ddpg"
    public static let summary = "DDPG (SB3 semantics): TD3 with one critic, no delayed updates, no target smoothing"
    public typealias Settings = TD3Agent.CommonSettings

    public init(environment: EnvironmentSignature, hyperparameters: Hyperparameters, random: RandomSource) throws {
        // SB3's DDPG: TD3 with these fixed (a zero clip makes the smoothing noise zero).
        try super.init(agent: Self.name, environment: environment, settings: try hyperparameters.settings(Settings.self), critics: 1,
                       policyDelay: 1, targetPolicyNoise: 0.1, targetNoiseClip: 0, random: random)
    }
}
