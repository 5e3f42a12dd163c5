/// One episode played by ``Environment/playEpisode(seed:internalState:maxSteps:policy:observe:)``.
public struct PlayedEpisode: Sendable, Equatable {
    /// Steps taken.
    public var steps = 0
    /// The sum of the rewards.
    public var totalReward = 0.0
    /// Whether the last step terminated the episode.
    public var terminated = false
    /// Whether the last step truncated the episode.
    public var truncated = false

    /// An episode not yet stepped.
    public init() {}

    /// How the episode ended, in words; nil when it stopped before an ending (the policy
    /// ran out of actions or the step limit was reached).
    public var ending: String? {
        terminated ? (truncated ? "terminated and truncated" : "terminated") : truncated ? "truncated" : nil
    }
}

extension Environment {
    /// Plays one episode step by step, for tools that look at every step (a rollout
    /// table, a video); agents learn and evaluate through the episode loops instead.
    ///
    /// Resets with `seed`, sets `internalState` if given (as `env.unwrapped.state = ...` in
    /// Gymnasium), then steps with `policy` until the episode terminates or truncates,
    /// `policy` returns nil, or `maxSteps` steps are taken.
    ///
    /// - Parameters:
    ///   - policy: The action for the current observation and the step index (0-based).
    ///   - observe: Called after the reset (and the state set) with `nil`, then after each
    ///     step with its action and result; `episode` counts that step.
    /// - Throws: ``EnvironmentError`` (`.invalidState`) when `internalState` is given and
    ///   the environment has no settable internal state, and whatever the environment,
    ///   `policy` or `observe` throw.
    @discardableResult
    public func playEpisode(
        seed: UInt64?, internalState: [Double]? = nil, maxSteps: Int = .max,
        policy: (Observation, Int) throws -> Action?,
        observe: (_ step: (action: Action, result: StepResult)?, _ episode: PlayedEpisode) throws -> Void = { _, _ in }
    ) throws -> PlayedEpisode {
        var (observation, _) = try reset(seed: seed, options: nil)
        if let internalState {
            guard let stateful = unwrapped as? InternalStateEnvironment else {
                throw EnvironmentError(.invalidState, "\(spec?.id ?? "this environment") has no settable internal state")
            }
            try stateful.setInternalState(internalState)
        }
        var episode = PlayedEpisode()
        try observe(nil, episode)
        while episode.steps < maxSteps, let action = try policy(observation, episode.steps) {
            let result = try step(action)
            episode.steps += 1
            episode.totalReward += result.reward
            episode.terminated = result.terminated
            episode.truncated = result.truncated
            observation = result.observation
            try observe((action, result), episode)
            if result.terminated || result.truncated { break }
        }
        return episode
    }
}
