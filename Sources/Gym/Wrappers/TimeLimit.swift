/// Truncates episodes after a number of steps, as Gymnasium's `TimeLimit`.
///
/// `truncated` becomes `true` on step `maxEpisodeSteps` whether or not the step also
/// terminates (both flags can be set). Stepping again after the limit without a
/// `reset` throws.
public final class TimeLimit: Wrapper {
    /// The number of steps after which an episode is truncated.
    public let maxEpisodeSteps: Int
    /// Steps taken since the last reset.
    public internal(set) var elapsedSteps = 0
    var hasReset = false

    /// - Precondition: `maxEpisodeSteps > 0` (the registry validates user input first).
    public init(_ env: Environment, maxEpisodeSteps: Int) {
        precondition(maxEpisodeSteps > 0, "maxEpisodeSteps must be positive")
        self.maxEpisodeSteps = maxEpisodeSteps
        super.init(env)
    }

    @discardableResult
    public override func reset(seed: UInt64?, options: Info?) throws -> (observation: Observation, info: Info) {
        let result = try env.reset(seed: seed, options: options)
        elapsedSteps = 0
        hasReset = true
        return result
    }

    public override func step(_ action: Action) throws -> StepResult {
        guard hasReset else {
            throw EnvironmentError(.resetNeeded, "cannot call step() before reset(): call reset() to start an episode")
        }
        guard elapsedSteps < maxEpisodeSteps else {
            throw EnvironmentError(.resetNeeded, "cannot call step() after the episode was truncated at the time limit (\(maxEpisodeSteps) steps): call reset() to start a new episode")
        }
        var result = try env.step(action)
        elapsedSteps += 1
        if elapsedSteps >= maxEpisodeSteps { result.truncated = true }
        return result
    }
}
