/// An environment whose state between two episodes is its random stream alone, so that
/// a training run saved between episodes (after an episode ended, before the next reset)
/// continues with exactly the resets and dynamics it would have had.
///
/// Everything else an environment or its wrappers hold (the physical state, `TimeLimit`'s
/// step counter, `OrderEnforcing`'s flags) is set by the next `reset`, which is why agents
/// that learn from whole episodes take their checkpoints at episode boundaries; saving in
/// the middle of an episode needs every layer's whole state (``EnvironmentState``). Every
/// built-in environment conforms to both; an environment of your own that carries
/// something else from one episode to the next (a curriculum level, a counter) should not,
/// and a run on it then refuses `--checkpoint-every` rather than resume differently.
public protocol EpisodeBoundaryState: Environment {
    /// The stream `reset` and `step` draw from (Gymnasium's `np_random`).
    var environmentRandom: EnvironmentRandom { get }
}

extension CartPole: EpisodeBoundaryState { public var environmentRandom: EnvironmentRandom { random } }
extension MountainCar: EpisodeBoundaryState { public var environmentRandom: EnvironmentRandom { random } }
extension MountainCarContinuous: EpisodeBoundaryState { public var environmentRandom: EnvironmentRandom { random } }
extension Acrobot: EpisodeBoundaryState { public var environmentRandom: EnvironmentRandom { random } }
extension Pendulum: EpisodeBoundaryState { public var environmentRandom: EnvironmentRandom { random } }
extension TabularEnvironment: EpisodeBoundaryState { public var environmentRandom: EnvironmentRandom { random } }
