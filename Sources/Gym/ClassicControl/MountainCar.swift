import LabCore
import Foundation

/// The mountain-car task of Moore (1990), bit-exact with Gymnasium 1.4.0's
/// `MountainCarEnv` (discrete actions).
///
/// - Observation: `Box([-1.2, -0.07], [0.6, 0.07], (2,), float32)`: position, velocity.
/// - Actions: `Discrete(3)`: 0 accelerate left, 1 do nothing, 2 accelerate right.
/// - Reward: -1 per step.
/// - Termination: position >= 0.5 and velocity >= `goalVelocity`.
/// - Reset: position uniform in [-0.6, -0.4), velocity 0.
///
/// Velocity and position are clipped as Gymnasium clips them; at the left wall a
/// negative velocity becomes 0 (an inelastic collision).
public final class MountainCar: InternalStateEnvironment {
    static let goalPosition = 0.5
    static let force = 0.001
    static let gravity = 0.0025

    /// The velocity the car must have at the goal (0 by default).
    public let goalVelocity: Double

    public let observationSpace = MountainCarTrack.space
    public let actionSpace: Space = .discrete(Discrete(3))

    private var track = MountainCarTrack()
    let random = EnvironmentRandom()

    public init(goalVelocity: Double = 0) {
        self.goalVelocity = goalVelocity
    }

    @discardableResult
    public func reset(seed: UInt64?, options: Info?) throws -> (observation: Observation, info: Info) {
        try track.reset(random, seed: seed, options: options)
        return (track.observation(), Info())
    }

    public func step(_ action: Action) throws -> StepResult {
        guard case .discrete(let a) = action, (0...2).contains(a) else {
            throw EnvironmentError.invalidAction(action, space: actionSpace)
        }
        guard track.hasState else { throw EnvironmentError(.resetNeeded, "MountainCar: call reset() before step()") }
        var (position, velocity) = (track.position, track.velocity)
        // velocity += (action - 1) * force + math.cos(3 * position) * (-gravity)
        velocity = velocity + (Double(a - 1) * MountainCar.force + cos(3 * position) * (-MountainCar.gravity))
        velocity = clip(velocity, -MountainCarTrack.maxSpeed, MountainCarTrack.maxSpeed)
        position = position + velocity
        position = clip(position, MountainCarTrack.minPosition, MountainCarTrack.maxPosition)
        if position == MountainCarTrack.minPosition && velocity < 0 { velocity = 0 }
        (track.position, track.velocity) = (position, velocity)
        let terminated = position >= MountainCar.goalPosition && velocity >= goalVelocity
        return StepResult(observation: track.observation(), reward: -1.0, terminated: terminated, truncated: false)
    }

    /// `position, velocity` in float64.
    public var internalState: [Double] { [track.position, track.velocity] }

    public func setInternalState(_ state: [Double]) throws {
        try track.set(state, environment: "MountainCar")
    }
}

/// What both mountain cars keep of the track (Gymnasium's `MountainCarEnv` and
/// `Continuous_MountainCarEnv` share it): its bounds, the float64 position and velocity,
/// their reset and the float32 observation made from them.
struct MountainCarTrack {
    static let minPosition = -1.2
    static let maxPosition = 0.6
    static let maxSpeed = 0.07
    /// `Box([-1.2, -0.07], [0.6, 0.07], (2,), float32)`: position, velocity.
    static let space: Space = .box(Box(low: [Float(minPosition), Float(-maxSpeed)], high: [Float(maxPosition), Float(maxSpeed)]))

    var position = 0.0
    var velocity = 0.0
    var hasState = false
    /// The last observation's storage (see ``CartPole``'s note on observation buffers).
    private var observationBuffer: [Float] = [0, 0]

    /// Reseeds `random` and draws the position uniform in [-0.6, -0.4) (reset options
    /// `low`/`high`), velocity 0.
    mutating func reset(_ random: EnvironmentRandom, seed: UInt64?, options: Info?) throws {
        try random.reseed(seed)
        let (low, high) = try resetBounds(options, defaultLow: -0.6, defaultHigh: -0.4)
        position = random.source.uniform(low, high)
        velocity = 0
        hasState = true
    }

    /// The observation of the current state: position and velocity in float32.
    mutating func observation() -> Observation {
        observationBuffer.withUnsafeMutableBufferPointer { b in
            b[0] = Float(position); b[1] = Float(velocity)
        }
        return .vector(observationBuffer)
    }

    /// Sets `position, velocity` (checked), as `env.unwrapped.state = ...`.
    mutating func set(_ state: [Double], environment: String) throws {
        let s = try checkedState(state, count: 2, names: "position, velocity", environment: environment)
        (position, velocity, hasState) = (s[0], s[1], true)
    }
}

/// `np.clip` for one float64: `minimum(maximum(x, low), high)`.
@inline(__always)
func clip(_ x: Double, _ low: Double, _ high: Double) -> Double {
    let above = x < low ? low : x
    return above > high ? high : above
}

extension MountainCar: StateArchiving {
    public func archive(into archive: inout StateArchive, prefix: String) {
        PhysicalState(values: internalState, hasState: track.hasState).archive(random: random, into: &archive, prefix: prefix)
    }

    public func restore(from archive: StateArchive, prefix: String) throws {
        let saved = try PhysicalState(from: archive, prefix: prefix, count: 2, restoring: random)
        (track.position, track.velocity, track.hasState) = (saved.values[0], saved.values[1], saved.hasState)
    }
}
