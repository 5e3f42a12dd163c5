import LabCore

/// The settings REINFORCE, A2C and PPO share, with Stable-Baselines3's names; an agent
/// whose defaults differ changes them where it includes the group.
public struct PolicyGradientSettings: Settings {
    @Setting("n_envs", range: 1..., help: "copies of the environment collected from (SB3's n_envs)") public var copies = 1
    @Setting("gamma", range: 0...1, help: "discount factor") public var gamma = 0.99
    @Setting("normalize_advantage", help: "normalize the advantages (PPO: per minibatch; A2C, REINFORCE: over the update's batch)")
    public var normalizeAdvantage = true
    @Setting("ent_coef", help: "entropy coefficient") public var entropyCoefficient = 0.0
    @Setting("vf_coef", range: 0..., help: "value loss coefficient") public var valueCoefficient = 0.5
    @Setting("max_grad_norm", range: 0..., help: "clip gradients to this global L2 norm") public var maxGradientNorm = 0.5
    public init() {}
}

/// A2C's and PPO's rollouts: `n_steps` from each copy, then GAE.
public struct RolloutSettings: Settings {
    @Setting("n_steps", range: 1..., help: "steps per copy per rollout") public var steps = 2048
    @Setting("gae_lambda", range: 0...1, help: "GAE lambda (1: Monte-Carlo advantages)") public var gaeLambda = 0.95
    public init() {}

    /// Normalized advantages need a rollout (`n_steps * n_envs`) of at least 2: the std of
    /// one value is NaN.
    func checkNormalizable(copies: Int) throws {
        // A product too large for Int is more than enough.
        let rollout = steps.multipliedReportingOverflow(by: copies)
        guard rollout.overflow || rollout.partialValue >= 2 else {
            throw ConfigurationError("n_steps * n_envs must be at least 2 with normalize_advantage, got \(rollout.partialValue)")
        }
    }
}
