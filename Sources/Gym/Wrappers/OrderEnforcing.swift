/// Checks that an environment is used in order and with valid actions: Gymnasium's
/// `OrderEnforcing` plus the action check of its `PassiveEnvChecker`, as errors
/// instead of undefined behaviour.
///
/// - `step` before the first `reset` throws (kind `.resetNeeded`).
/// - `step` after the wrapped environment returned `terminated` or `truncated` throws
///   until the next `reset` (Gymnasium leaves this undefined; RLLab refuses it).
/// - A discrete action outside the action space, or a continuous action of the wrong
///   size or with a NaN or infinite value, throws (kind `.invalidAction`). Finite
///   continuous values beyond the bounds are passed on: environments clip them as
///   Gymnasium's do (Pendulum's `np.clip`).
public final class OrderEnforcing: Wrapper {
    /// Whether `reset` has been called at least once.
    public internal(set) var hasBeenReset = false
    var episodeEnded = false
    private let discreteActions: Discrete?
    private let boxActions: Box?

    public override init(_ env: Environment) {
        let space = env.actionSpace
        discreteActions = space.discrete
        boxActions = space.box
        super.init(env)
    }

    @discardableResult
    public override func reset(seed: UInt64?, options: Info?) throws -> (observation: Observation, info: Info) {
        let result = try env.reset(seed: seed, options: options)
        hasBeenReset = true
        episodeEnded = false
        return result
    }

    public override func step(_ action: Action) throws -> StepResult {
        guard hasBeenReset else {
            throw EnvironmentError(.resetNeeded, "cannot call step() before reset(): call reset() to start an episode")
        }
        guard !episodeEnded else {
            throw EnvironmentError(.resetNeeded, "cannot call step() after the episode ended (terminated or truncated): call reset() to start a new episode")
        }
        let valid: Bool
        switch action {
        case .discrete(let a): valid = discreteActions?.contains(a) == true
        case .continuous(let values): valid = values.count == boxActions?.count && values.allSatisfy { $0.isFinite }
        }
        guard valid else { throw EnvironmentError.invalidAction(action, space: env.actionSpace) }
        let result = try env.step(action)
        if result.terminated || result.truncated { episodeEnded = true }
        return result
    }
}
