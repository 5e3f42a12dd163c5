import Foundation
import Gym
import LabCore

/// Advantage Actor-Critic (Mnih et al. 2016, synchronous) with Stable-Baselines3's
/// semantics, CleanRL-style.
///
/// Until the budget is spent:
/// 1. collect a rollout of `n_steps` steps from each of `n_envs` copies
///    (``RolloutCollector``) and compute GAE(`gamma`, `gae_lambda`; SB3's default
///    `gae_lambda` 1 gives Monte-Carlo returns bootstrapped at the rollout's end);
/// 2. set the learning rate from its schedule;
/// 3. one gradient step on the whole rollout: policy loss `-mean(A log π(a|s))`
///    (advantages normalized if `normalize_advantage`), value loss `mean((R - V)²)`,
///    entropy loss `-mean(H)`, total `policy + ent_coef entropy + vf_coef value`,
///    gradients clipped to global norm `max_grad_norm`, then RMSprop (alpha 0.99,
///    eps `rms_prop_eps`, SB3's settings) or Adam (eps 1e-5).
public final class A2CAgent: Agent {
    public static let name = "a2c"
    public static let summary = "Advantage Actor-Critic (SB3 semantics): n-step rollouts from n_envs copies, RMSprop, one update per rollout"
    public struct Settings: LabCore.Settings {
        @ScheduleSetting("learning_rate", range: 0...Double.infinity, help: "optimizer step size") public var learningRate = Schedule.constant(7e-4)
        @Setting("n_envs", range: 1..., help: "copies of the environment collected from (SB3's n_envs)") public var copies = 1
        @Setting("n_steps", range: 1..., help: "steps per copy per rollout (one update per rollout)") public var steps = 5
        @Setting("gamma", range: 0...1, help: "discount factor") public var gamma = 0.99
        @Setting("gae_lambda", range: 0...1, help: "GAE lambda (1: Monte-Carlo advantages)") public var gaeLambda = 1.0
        @Setting("normalize_advantage", help: "normalize advantages over the rollout") public var normalizeAdvantage = false
        @Setting("ent_coef", help: "entropy coefficient") public var entropyCoefficient = 0.0
        @Setting("vf_coef", range: 0..., help: "value loss coefficient") public var valueCoefficient = 0.5
        @Setting("max_grad_norm", range: 0..., help: "clip gradients to this global L2 norm") public var maxGradientNorm = 0.5
        @Setting("use_rms_prop", help: "RMSprop (SB3's default for A2C); false: Adam") public var useRMSprop = true
        @Setting("rms_prop_eps", range: 0..., help: "RMSprop epsilon") public var rmsPropEpsilon = 1e-5
        @SettingGroup public var policy: ActorCriticPolicy.Settings
        @SettingGroup public var normalization: NormalizationSettings
        public init() {}

        public func validate() throws {
            // A product too large for Int is more than enough.
            let rollout = steps.multipliedReportingOverflow(by: copies)
            guard !normalizeAdvantage || rollout.overflow || rollout.partialValue >= 2 else {
                throw ConfigurationError("n_steps * n_envs must be at least 2 with normalize_advantage, got \(rollout.partialValue)")
            }
        }
    }

    public static func check(environment: EnvironmentSignature, hyperparameters: Hyperparameters) throws {
        try RolloutTraining.check(Settings.self, agent: name, environment: environment, hyperparameters: hyperparameters, gamma: \.gamma)
    }

    private let settings: Settings
    /// Collection, acting, the agent's file and checkpoints, shared with PPO.
    private let rollouts: RolloutTraining
    /// The whole rollout, in SB3's shuffled order.
    private let batch: RolloutBatch
    public var policy: ActorCriticPolicy { rollouts.policy }
    public var normalizer: VectorNormalizer? { rollouts.normalizer }
    /// Gradient steps taken so far (one per rollout).
    public var updates: Int { rollouts.updates }
    public private(set) var lastLosses = PolicyGradientLosses()

    public init(environment: EnvironmentSignature, hyperparameters h: Hyperparameters, random: RandomSource) throws {
        let settings = try h.settings(Settings.self)
        self.settings = settings
        let rate = Float(settings.learningRate.value(at: 0))
        rollouts = try RolloutTraining(agent: Self.name, environment: environment, hyperparameters: h, random: random,
                                       copies: settings.copies, steps: settings.steps, gamma: settings.gamma) { parameters in
            settings.useRMSprop ? RMSprop(parameters, learningRate: rate, alpha: 0.99, epsilon: settings.rmsPropEpsilon) as Optimizer
                                : Adam(parameters, learningRate: rate, epsilon: 1e-5)
        }
        batch = rollouts.makeBatch(size: rollouts.buffer.count)
    }

    public func learn(_ loop: EpisodeLoop) throws {
        try rollouts.learn(loop, gamma: settings.gamma, gaeLambda: settings.gaeLambda) { try train(progress: $0) }
    }

    /// One gradient step on the whole rollout (in SB3's shuffled order).
    func train(progress: Double) throws {
        rollouts.optimizer.learningRate = Float(settings.learningRate.value(at: progress))
        rollouts.buffer.shuffle(random: rollouts.batchRandom)
        rollouts.buffer.gather(from: 0, into: batch)
        let losses = PolicyGradientLosses.a2c(policy: policy, batch: batch, normalizeAdvantage: settings.normalizeAdvantage,
                                              entropyCoefficient: Float(settings.entropyCoefficient),
                                              valueCoefficient: Float(settings.valueCoefficient))
        lastLosses = losses.terms
        try rollouts.descend(losses.total, maxGradientNorm: Float(settings.maxGradientNorm))
    }

    public func act(_ observation: Observation) throws -> Action { try rollouts.act(observation) }

    public func save(to url: URL) throws { try rollouts.save(to: url) }

    public func load(from url: URL) throws { try rollouts.load(from: url) }
}

/// Training checkpoints, at any step of a rollout (``RolloutTraining``'s, with RMSprop's
/// or Adam's state).
extension A2CAgent: ResumableAgent {
    public var checkpointsNeedEnvironmentState: Bool { true }

    public func archiveTrainingState(into archive: inout StateArchive) throws { try rollouts.archive(into: &archive) }

    public func restoreTrainingState(from archive: StateArchive) throws { try rollouts.restore(from: archive) }
}
