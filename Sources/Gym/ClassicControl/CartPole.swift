import Foundation
import LabCore

/// The cart-pole balancing task of Barto, Sutton and Anderson (1983), bit-exact with
/// Gymnasium 1.4.0's `CartPoleEnv`.
///
/// - Observation: `Box([-4.8, -inf, -0.41887903, -inf], [4.8, inf, 0.41887903, inf], (4,), float32)`:
///   cart position, cart velocity, pole angle, pole angular velocity (the float64
///   state rounded to float32).
/// - Actions: `Discrete(2)`: 0 pushes the cart left, 1 right (force 10 N).
/// - Reward: 1 per step, including the terminating one; with `suttonBartoReward`,
///   0 per step and -1 on the terminating step.
/// - Termination: |x| > 2.4 or |theta| > 12 degrees (strict, on the float64 state).
/// - Reset: each state variable uniform in [-0.05, 0.05) (reset options `low`/`high`).
///
/// The step repeats Gymnasium's float64 operations in the same order (explicit Euler,
/// `(a * b) * c` grouping, squares as plain products), so states match bit for bit.
public final class CartPole: InternalStateEnvironment {
    // Constants exactly as Gymnasium computes them.
    @usableFromInline static let gravity = 9.8
    @usableFromInline static let massCart = 1.0
    @usableFromInline static let massPole = 0.1
    @usableFromInline static let totalMass = massPole + massCart
    @usableFromInline static let length = 0.5
    @usableFromInline static let poleMassLength = massPole * length
    @usableFromInline static let forceMagnitude = 10.0
    @usableFromInline static let tau = 0.02
    /// 12 degrees in radians, computed as Gymnasium does (`12 * 2 * math.pi / 360`).
    public static let thetaThresholdRadians = 12.0 * 2.0 * Double.pi / 360.0
    /// The cart position beyond which the episode terminates.
    public static let xThreshold = 2.4

    public let observationSpace: Space
    public let actionSpace: Space = .discrete(Discrete(2))

    /// Whether the reward follows Sutton and Barto (0 per step, -1 on failure).
    public let suttonBartoReward: Bool

    // The state lives in stored doubles so that a step does not allocate.
    @usableFromInline var x = 0.0
    @usableFromInline var xDot = 0.0
    @usableFromInline var theta = 0.0
    @usableFromInline var thetaDot = 0.0
    @usableFromInline var hasState = false
    /// Gymnasium's `steps_beyond_terminated`: nil until termination.
    @usableFromInline var stepsBeyondTerminated: Int? = nil

    let random = EnvironmentRandom()

    public init(suttonBartoReward: Bool = false) {
        self.suttonBartoReward = suttonBartoReward
        let high: [Float] = [Float(CartPole.xThreshold * 2), .infinity, Float(CartPole.thetaThresholdRadians * 2), .infinity]
        observationSpace = .box(Box(low: high.map { -$0 }, high: high))
    }

    @discardableResult
    public func reset(seed: UInt64?, options: Info?) throws -> (observation: Observation, info: Info) {
        try random.reseed(seed)
        let (low, high) = try resetBounds(options, defaultLow: -0.05, defaultHigh: 0.05)
        (x, xDot, theta, thetaDot) = CartPole.drawState(random.source, low: low, high: high)
        hasState = true
        stepsBeyondTerminated = nil
        return (observation, Info())
    }

    public func step(_ action: Action) throws -> StepResult {
        guard case .discrete(let a) = action, a == 0 || a == 1 else {
            throw EnvironmentError.invalidAction(action, space: actionSpace)
        }
        guard hasState else {
            throw EnvironmentError(.resetNeeded, "CartPole: call reset() before step()")
        }
        let terminated = advance(push: a == 1)
        let reward: Double
        if !terminated {
            reward = suttonBartoReward ? 0.0 : 1.0
        } else if stepsBeyondTerminated == nil {
            stepsBeyondTerminated = 0
            reward = suttonBartoReward ? -1.0 : 1.0
        } else {
            // Stepping after termination is undefined in Gymnasium; it returns these.
            stepsBeyondTerminated! += 1
            reward = suttonBartoReward ? -1.0 : 0.0
        }
        return StepResult(observation: observation, reward: reward, terminated: terminated, truncated: false)
    }

    /// Gymnasium's reset draw: `x, x_dot, theta, theta_dot` uniform in [low, high), in that
    /// order (the vector kernel's resets draw the same way).
    static func drawState(_ source: RandomSource, low: Double, high: Double) -> (Double, Double, Double, Double) {
        (source.uniform(low, high), source.uniform(low, high), source.uniform(low, high), source.uniform(low, high))
    }

    /// One Euler step of the dynamics; returns whether the new state is terminal.
    @inlinable @inline(__always)
    func advance(push right: Bool) -> Bool {
        let next = CartPole.eulerStep(x: x, xDot: xDot, theta: theta, thetaDot: thetaDot, pushRight: right)
        (x, xDot, theta, thetaDot) = (next.x, next.xDot, next.theta, next.thetaDot)
        return next.terminated
    }

    /// Gymnasium's Euler step from a state: the same float64 operations in the same order
    /// (shared with the vector kernel, so both stay bit-exact).
    @inlinable @inline(__always)
    static func eulerStep(x: Double, xDot: Double, theta: Double, thetaDot: Double, pushRight: Bool)
        -> (x: Double, xDot: Double, theta: Double, thetaDot: Double, terminated: Bool) {
        let (sintheta, costheta) = sineAndCosine(theta)
        return eulerStep(x: x, xDot: xDot, theta: theta, thetaDot: thetaDot, sinTheta: sintheta, cosTheta: costheta, pushRight: pushRight)
    }

    /// The Euler step given `sin(theta)` and `cos(theta)`: plain arithmetic, no calls, so
    /// the vector kernel can take the trigonometry out of its main loop.
    @inlinable @inline(__always)
    static func eulerStep(x: Double, xDot: Double, theta: Double, thetaDot: Double, sinTheta sintheta: Double,
                          cosTheta costheta: Double, pushRight: Bool)
        -> (x: Double, xDot: Double, theta: Double, thetaDot: Double, terminated: Bool) {
        let force = pushRight ? CartPole.forceMagnitude : -CartPole.forceMagnitude
        let temp = (force + CartPole.poleMassLength * (thetaDot * thetaDot) * sintheta) / CartPole.totalMass
        let thetaacc = (CartPole.gravity * sintheta - costheta * temp)
            / (CartPole.length * (4.0 / 3.0 - CartPole.massPole * (costheta * costheta) / CartPole.totalMass))
        let xacc = temp - CartPole.poleMassLength * thetaacc * costheta / CartPole.totalMass
        let newX = x + CartPole.tau * xDot
        let newXDot = xDot + CartPole.tau * xacc
        let newTheta = theta + CartPole.tau * thetaDot
        let newThetaDot = thetaDot + CartPole.tau * thetaacc
        let terminated = newX < -CartPole.xThreshold || newX > CartPole.xThreshold
            || newTheta < -CartPole.thetaThresholdRadians || newTheta > CartPole.thetaThresholdRadians
        return (newX, newXDot, newTheta, newThetaDot, terminated)
    }

    /// The last observation's storage. A caller that drops each observation before the
    /// next step leaves this buffer uniquely referenced, so the next step overwrites it
    /// in place instead of allocating; a caller that keeps observations gets a fresh
    /// copy (copy-on-write), so returned observations never change.
    private var observationBuffer: [Float] = [0, 0, 0, 0]

    @inline(__always)
    private var observation: Observation {
        observationBuffer.withUnsafeMutableBufferPointer { b in
            b[0] = Float(x); b[1] = Float(xDot); b[2] = Float(theta); b[3] = Float(thetaDot)
        }
        return .vector(observationBuffer)
    }

    /// `x, x_dot, theta, theta_dot` in float64.
    public var internalState: [Double] { [x, xDot, theta, thetaDot] }

    public func setInternalState(_ state: [Double]) throws {
        let s = try checkedState(state, count: 4, names: "x, x_dot, theta, theta_dot", environment: "CartPole")
        (x, xDot, theta, thetaDot) = (s[0], s[1], s[2], s[3])
        hasState = true
    }
}

extension CartPole: StateArchiving {
    public func archive(into archive: inout StateArchive, prefix: String) {
        PhysicalState(values: [x, xDot, theta, thetaDot], hasState: hasState).archive(random: random, into: &archive, prefix: prefix)
        archive.set("\(prefix).steps_beyond_terminated", optional: stepsBeyondTerminated)
    }

    public func restore(from archive: StateArchive, prefix: String) throws {
        let beyond = try archive.optionalInt("\(prefix).steps_beyond_terminated")
        let saved = try PhysicalState(from: archive, prefix: prefix, count: 4, restoring: random)
        (x, xDot, theta, thetaDot) = (saved.values[0], saved.values[1], saved.values[2], saved.values[3])
        hasState = saved.hasState
        stepsBeyondTerminated = beyond
    }
}
