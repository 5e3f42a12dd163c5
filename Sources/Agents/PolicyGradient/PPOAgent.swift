import Foundation
import Gym
import LabCore

/// Proximal Policy Optimization (Schulman et al. 2017) with Stable-Baselines3's
/// semantics, CleanRL-style.
///
/// Until the budget is spent:
/// 1. collect a rollout of `n_steps` steps from each of `n_envs` copies
///    (``RolloutCollector``: sampled actions, SB3's timeout bootstrap, optional
///    `VecNormalize`-style normalization) and compute GAE(`gamma`, `gae_lambda`);
/// 2. set the learning rate and clip range from their schedules (fraction of the budget
///    spent, RL-Zoo's `lin_` is a linear schedule to 0);
/// 3. for `n_epochs` passes over the rollout in a fresh random order, for each minibatch
///    of `batch_size` transitions: normalize the advantages over the minibatch, ratio
///    `r = exp(log π(a|s) - log π_old(a|s))`, policy loss `-mean(min(A r, A clip(r, 1 ± ε)))`,
///    value loss `mean((R - V)²)` (with `clip_range_vf`, `V` is kept within ± of the
///    rollout's value), entropy loss `-mean(H)`; the total
///    `policy + ent_coef entropy + vf_coef value` is minimized by one Adam step (eps 1e-5)
///    after clipping the gradients' global norm to `max_grad_norm`. With `target_kl`,
///    training stops for this rollout once the approximate KL
///    `mean((r - 1) - log r)` of a minibatch exceeds 1.5 `target_kl`.
public final class PPOAgent: RolloutAgent, Agent, ResumableAgent {
    public static let name = "ppo"
    public static let summary = "Proximal Policy Optimization (SB3 semantics): clipped surrogate, GAE, minibatch epochs, optional normalization"
    public struct Settings: LabCore.Settings {
        @ScheduleSetting("learning_rate", range: 0...Double.infinity, help: "Adam step size") public var learningRate = Schedule.constant(3e-4)
        @ScheduleSetting("clip_range", range: 0...Double.infinity, help: "PPO clipping parameter epsilon") public var clipRange = Schedule.constant(0.2)
        @SettingGroup public var common: PolicyGradientSettings
        @SettingGroup public var rollout: RolloutSettings
        @Setting("batch_size", range: 1..., help: "minibatch size") public var batchSize = 64
        @Setting("n_epochs", range: 1..., help: "passes over each rollout") public var epochs = 10
        @Setting("clip_range_vf", range: 0..., help: "clip the value change to this range (0: no value clipping, SB3's None)") public var clipRangeValue = 0.0
        @Setting("target_kl", range: 0..., help: "stop a rollout's epochs when the approximate KL passes 1.5 x this (0: never, SB3's None)")
        public var targetKL = 0.0
        @SettingGroup public var policy: ActorCriticPolicy.Settings
        @SettingGroup public var normalization: NormalizationSettings
        public init() {}

        public func validate() throws {
            // SB3 refuses batch_size 1 when advantages are normalized (the std of one value is NaN).
            let least = common.normalizeAdvantage ? 2 : 1
            guard batchSize >= least else { throw ConfigurationError("batch_size must be at least \(least), got \(batchSize)") }
            if common.normalizeAdvantage { try rollout.checkNormalizable(copies: common.copies) }
        }
    }

    public static func check(environment: EnvironmentSignature, hyperparameters: Hyperparameters) throws {
        try RolloutTraining.check(Settings.self, agent: name, environment: environment, hyperparameters: hyperparameters, gamma: \.common.gamma)
    }

    private let settings: Settings
    /// Minibatches of the rollout. (``RolloutAgent/updates`` counts minibatches; SB3's
    /// `_n_updates` counts epochs.)
    private let batch: RolloutBatch
    /// The fused categorical loss's saved values, reused from minibatch to minibatch.
    private let lossScratch = PolicyGradientLosses.CategoricalScratch()

    public init(environment: EnvironmentSignature, hyperparameters h: Hyperparameters, random: RandomSource) throws {
        let settings = try h.settings(Settings.self)
        self.settings = settings
        let rollouts = try RolloutTraining(agent: Self.name, environment: environment, hyperparameters: h, random: random,
                                           copies: settings.common.copies, steps: settings.rollout.steps, gamma: settings.common.gamma) {
            Adam($0, learningRate: Float(settings.learningRate.value(at: 0)), epsilon: 1e-5)
        }
        batch = rollouts.makeBatch(size: settings.batchSize)
        super.init(rollouts)
    }

    public func learn(_ loop: EpisodeLoop) throws {
        try rollouts.learn(loop, gamma: settings.common.gamma, gaeLambda: settings.rollout.gaeLambda) { try train(progress: $0) }
    }

    /// `n_epochs` passes of minibatch updates on the collected rollout.
    func train(progress: Double) throws {
        rollouts.optimizer.learningRate = Float(settings.learningRate.value(at: progress))
        let epsilon = settings.clipRange.value(at: progress)
        let clipRangeValue = settings.clipRangeValue > 0 ? Float(settings.clipRangeValue) : nil
        let targetKL = settings.targetKL > 0 ? Float(settings.targetKL) : nil
        let buffer = rollouts.buffer
        for _ in 0..<settings.epochs {
            buffer.shuffle(random: rollouts.batchRandom)
            for start in stride(from: 0, to: buffer.count, by: batch.capacity) {
                buffer.gather(from: start, into: batch)
                let losses = PolicyGradientLosses.ppo(
                    policy: policy, batch: batch, clipRange: epsilon, clipRangeValue: clipRangeValue,
                    normalizeAdvantage: settings.common.normalizeAdvantage, entropyCoefficient: Float(settings.common.entropyCoefficient),
                    valueCoefficient: Float(settings.common.valueCoefficient), scratch: lossScratch)
                lastLosses = losses.terms
                if let targetKL, losses.terms.approximateKL > 1.5 * targetKL { return }
                try rollouts.descend(losses.total, maxGradientNorm: Float(settings.common.maxGradientNorm))
            }
        }
    }
}
