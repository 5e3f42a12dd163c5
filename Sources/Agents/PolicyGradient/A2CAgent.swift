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
public final class A2CAgent: RolloutAgent, Agent, ResumableAgent {
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
    /// The whole rollout, in SB3's shuffled order (one update per rollout).
    private let batch: RolloutBatch

    public init(environment: EnvironmentSignature, hyperparameters h: Hyperparameters, random: RandomSource) throws {
        let settings = try h.settings(Settings.self)
        self.settings = settings
        let rate = Float(settings.learningRate.value(at: 0))
        let rollouts = try RolloutTraining(agent: Self.name, environment: environment, hyperparameters: h, random: random,
                                           copies: settings.common.copies, steps: settings.rollout.steps, gamma: settings.common.gamma) {
            settings.useRMSprop ? RMSprop($0, learningRate: rate, alpha: 0.99, epsilon: settings.rmsPropEpsilon) as Optimizer
                                : Adam($0, learningRate: rate, epsilon: 1e-5)
        }
        batch = rollouts.makeBatch(size: rollouts.buffer.count)
        super.init(rollouts)
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
}
