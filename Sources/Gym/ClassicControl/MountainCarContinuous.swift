import LabCore
import Foundation

/// The mountain-car task with a continuous force, bit-exact with Gymnasium 1.4.0's
/// `Continuous_MountainCarEnv` (`MountainCarContinuous-v0`).
///
/// - Observation: `Box([-1.2, -0.07], [0.6, 0.07], (2,), float32)`: position, velocity.
/// - Action: `Box(-1.0, 1.0, (1,), float32)`: the force, clipped to [-1, 1]; values
///   beyond the bounds are accepted, as in Gymnasium.
/// - Reward: 100 on reaching the goal, minus 0.1 a² every step, with the action *before*
///   clipping (so out-of-bound actions cost more, as in Gymnasium).
/// - Termination: position >= 0.45 and velocity >= `goalVelocity`.
/// - Reset: position uniform in [-0.6, -0.4) (reset options `low`/`high`), velocity 0.
///
/// Gymnasium stores the state as float64 after `reset` and as float32 after every step,
/// and its step mixes numpy float32 scalars with Python floats (numpy 2's promotion:
/// a Python float next to a float32 is rounded to float32, in arithmetic and in
/// comparisons). Which operations run in float32 therefore depends on the state's type
/// and on whether the action was clipped (a clipped force is the Python float ±1.0).
/// This port follows those types operation by operation.
public final class MountainCarContinuous: InternalStateEnvironment {
    static let minAction: Float = -1.0
    static let maxAction: Float = 1.0
    static let goalPosition = 0.45
    static let power = 0.0015

    /// The velocity the car must have at the goal (0 by default).
    public let goalVelocity: Double

    public let observationSpace = MountainCarTrack.space
    public let actionSpace: Space = .box(Box(low: MountainCarContinuous.minAction, high: MountainCarContinuous.maxAction, shape: [1]))

    private var track = MountainCarTrack()
    /// Whether the state is Gymnasium's float32 array (after a step) rather than the
    /// float64 array of `reset` or of an assigned state.
    private var stateIsFloat32 = false
    let random = EnvironmentRandom()

    public init(goalVelocity: Double = 0) {
        self.goalVelocity = goalVelocity
    }

    @discardableResult
    public func reset(seed: UInt64?, options: Info?) throws -> (observation: Observation, info: Info) {
        try track.reset(random, seed: seed, options: options)
        stateIsFloat32 = false
        return (track.observation(), Info())
    }

    /// A numpy value as Gymnasium's step sees it: a float32 or float64 numpy scalar, or a
    /// Python float (which numpy rounds to float32 next to a float32 scalar).
    private enum Kind { case float32, float64, python }

    public func step(_ action: Action) throws -> StepResult {
        guard case .continuous(let values) = action, values.count == 1, !values[0].isNaN else {
            throw EnvironmentError.invalidAction(action, space: actionSpace)
        }
        guard track.hasState else {
            throw EnvironmentError(.resetNeeded, "MountainCarContinuous: call reset() before step()")
        }
        let (a, position, velocity) = (values[0], track.position, track.velocity)
        let stateKind: Kind = stateIsFloat32 ? .float32 : .float64

        // force = min(max(action[0], -1.0), 1.0): Python's max and min keep the float32
        // action unless a bound is strictly beyond it, and then return the Python float.
        // velocity += force * power - 0.0025 * math.cos(3 * position)
        let threePosition = stateIsFloat32 ? Double(Float(3) * Float(position)) : 3 * position
        let gravityTerm = 0.0025 * cos(threePosition)
        let change: Double
        if a < MountainCarContinuous.minAction || a > MountainCarContinuous.maxAction {
            let force = a < MountainCarContinuous.minAction ? -1.0 : 1.0
            change = force * MountainCarContinuous.power - gravityTerm
        } else {
            let forceTerm = a * Float(MountainCarContinuous.power)
            change = Double(forceTerm - Float(gravityTerm))
        }
        var v = stateIsFloat32 ? Double(Float(velocity) + Float(change)) : velocity + change
        var velocityKind = stateKind
        clip(&v, &velocityKind, -MountainCarTrack.maxSpeed, MountainCarTrack.maxSpeed)
        // position += velocity: in float32 when the state is float32 (a Python float
        // velocity is rounded to float32 first), in float64 otherwise.
        var p = stateIsFloat32 ? Double(Float(position) + Float(v)) : position + v
        var positionKind = stateKind
        clip(&p, &positionKind, MountainCarTrack.minPosition, MountainCarTrack.maxPosition)
        if compare(p, positionKind, ==, MountainCarTrack.minPosition) && v < 0 {
            v = 0
            velocityKind = .python
        }
        let terminated = compare(p, positionKind, >=, MountainCarContinuous.goalPosition)
            && compare(v, velocityKind, >=, goalVelocity)
        // reward -= math.pow(action[0], 2) * 0.1, from 0 or 100.0: the unclipped action.
        let reward = (terminated ? 100.0 : 0.0) - numpySquare(Double(a)) * 0.1
        // self.state = np.array([position, velocity], dtype=np.float32)
        (track.position, track.velocity) = (Double(Float(p)), Double(Float(v)))
        stateIsFloat32 = true
        return StepResult(observation: track.observation(), reward: reward, terminated: terminated, truncated: false)
    }

    /// Gymnasium's `if x > high: x = high` then `if x < low: x = low`; a bound that replaces
    /// `x` is a Python float.
    private func clip(_ x: inout Double, _ kind: inout Kind, _ low: Double, _ high: Double) {
        if compare(x, kind, >, high) { (x, kind) = (high, .python) }
        if compare(low, kind, >, x) { (x, kind) = (low, .python) }
    }

    /// numpy's comparison `op` between a scalar of `kind` and a Python float: in float32
    /// when the scalar is float32 (float32 values compare alike widened to float64).
    @inline(__always)
    private func compare(_ x: Double, _ kind: Kind, _ op: (Double, Double) -> Bool, _ y: Double) -> Bool {
        kind == .float32 ? op(Double(Float(x)), Double(Float(y))) : op(x, y)
    }

    /// `position, velocity` in float64 (float32 values after a step, as Gymnasium's
    /// float32 state).
    public var internalState: [Double] { [track.position, track.velocity] }

    /// Sets the state as `env.unwrapped.state = np.array(state, dtype=np.float64)`.
    public func setInternalState(_ state: [Double]) throws {
        try track.set(state, environment: "MountainCarContinuous")
        stateIsFloat32 = false
    }
}

extension MountainCarContinuous: StateArchiving {
    public func archive(into archive: inout StateArchive, prefix: String) {
        PhysicalState(values: internalState, hasState: track.hasState, flags: ["state_is_float32": stateIsFloat32])
            .archive(random: random, into: &archive, prefix: prefix)
    }

    public func restore(from archive: StateArchive, prefix: String) throws {
        let saved = try PhysicalState(from: archive, prefix: prefix, count: 2, flags: ["state_is_float32"], restoring: random)
        (track.position, track.velocity, track.hasState) = (saved.values[0], saved.values[1], saved.hasState)
        stateIsFloat32 = saved.flag("state_is_float32")
    }
}
