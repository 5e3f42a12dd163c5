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
        @SettingGroup({ $0.normalizeAdvantage = false }) public var common: PolicyGradientSettings
        @SettingGroup({ $0.steps = 5; $0.gaeLambda = 1 }) public var rollout: RolloutSettings
        @Setting("use_rms_prop", help: "RMSprop (SB3's default for A2C); false: Adam") public var useRMSprop = true
        @Setting("rms_prop_eps", range: 0..., help: "RMSprop epsilon") public var rmsPropEpsilon = 1e-5
        @SettingGroup public var policy: ActorCriticPolicy.Settings
        @SettingGroup public var normalization: NormalizationSettings
        public init() {}

        public func validate() throws {
            if common.normalizeAdvantage { try rollout.checkNormalizable(copies: common.copies) }
        }
    }

    public static func check(environment: EnvironmentSignature, hyperparameters: Hyperparameters) throws {
        try RolloutTraining.check(Settings.self, agent: name, environment: environment, hyperparameters: hyperparameters, gamma: \.common.gamma)
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
                                       copies: settings.common.copies, steps: settings.rollout.steps, gamma: settings.common.gamma) { parameters in
            settings.useRMSprop ? RMSprop(parameters, learningRate: rate, alpha: 0.99, epsilon: settings.rmsPropEpsilon) as Optimizer
                                : Adam(parameters, learningRate: rate, epsilon: 1e-5)
        }
        batch = rollouts.makeBatch(size: rollouts.buffer.count)
    }

    public func learn(_ loop: EpisodeLoop) throws {
        try rollouts.learn(loop, gamma: settings.common.gamma, gaeLambda: settings.rollout.gaeLambda) { try train(progress: $0) }
    }

    /// One gradient step on the whole rollout (in SB3's shuffled order).
    func train(progress: Double) throws {
        rollouts.optimizer.learningRate = Float(settings.learningRate.value(at: progress))
        rollouts.buffer.shuffle(random: rollouts.batchRandom)
        rollouts.buffer.gather(from: 0, into: batch)
        let losses = PolicyGradientLosses.a2c(policy: policy, batch: batch, normalizeAdvantage: settings.common.normalizeAdvantage,
                                              entropyCoefficient: Float(settings.common.entropyCoefficient),
                                              valueCoefficient: Float(settings.common.valueCoefficient))
        lastLosses = losses.terms
        try rollouts.descend(losses.total, maxGradientNorm: Float(settings.common.maxGradientNorm))
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
