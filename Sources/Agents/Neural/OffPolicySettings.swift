import LabCore

/// The replay and training schedule every off-policy agent declares (DQN, SAC, TD3, DDPG),
/// with Stable-Baselines3's names and SAC/TD3/DDPG's defaults; an agent whose defaults
/// differ (DQN) changes them where it includes the group.
public struct OffPolicySettings: Settings {
    @Setting("buffer_size", range: 1..., help: "replay buffer capacity (transitions)") public var bufferSize = 1_000_000
    @Setting("learning_starts", range: 0..., help: "environment steps of uniform random play before learning") public var learningStarts = 100
    @Setting("batch_size", range: 1..., help: "transitions per gradient step") public var batchSize = 256
    @Setting("tau", range: SettingRange(above: 0, atMost: 1), help: "target network update coefficient: 1 copies, below 1 is a Polyak average")
    public var tau = 0.005
    @Setting("gamma", range: 0...1, help: "discount factor") public var gamma = 0.99
    @Setting("train_freq", range: 1..., help: "train every this many environment steps") public var trainFrequency = 1
    @Setting("gradient_steps", range: (-1)..., help: "gradient steps per training round (-1: as many as train_freq, 0: none)") public var gradientSteps = 1
    public init() {}

    /// Gradient steps per training round, with SB3's -1 resolved.
    public var gradientStepsPerRound: Int { gradientSteps == -1 ? trainFrequency : gradientSteps }
}

/// `num_envs`: how many copies of the environment an agent collects from at once (a vector
/// environment), for the agents that take it by this name (random, DQN).
public struct CopiesSettings: Settings {
    @Setting("num_envs", range: 1..., help: "copies of the environment to collect from (a vector environment)") public var numEnvs = 1
    public init() {}
}
