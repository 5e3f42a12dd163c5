import LabCore
import Foundation

/// The inverted-pendulum swing-up task, bit-exact with Gymnasium 1.4.0's `PendulumEnv`.
///
/// - Observation: `Box([-1, -1, -8], [1, 1, 8], (3,), float32)`: cos θ, sin θ, θ'.
/// - Action: `Box(-2.0, 2.0, (1,), float32)`: the torque. It is a float32, as in a
///   Gymnasium `Box(float32)` action; values beyond ±2 are clipped, as `np.clip` does.
/// - Reward: `-(normalize(θ)² + 0.1 θ'² + 0.001 u²)`; never terminates (TimeLimit 200).
/// - Reset: θ uniform in [-π, π), θ' uniform in [-1, 1) (reset options `x_init`, `y_init`).
///
/// Gymnasium mixes float32 and float64 here (numpy's promotion rules): the clipped
/// torque `u` stays float32, so `0.001 * u**2` and `3.0 * u` are float32 products,
/// later added to float64 terms. Squares are numpy scalar powers, i.e. the C library's
/// `pow` and `powf` (``numpySquare(_:)``, ``libmPowf(_:_:)``), not products. This port
/// does the same.
public final class Pendulum: InternalStateEnvironment {
    static let maxSpeed = 8.0
    static let maxTorque: Float = 2.0
    static let dt = 0.05
    static let m = 1.0
    static let l = 1.0
    /// `3.0 / (m * l**2)`, a Python float that multiplies the float32 torque in float32.
    static let torqueScale = Float(3.0 / (m * libmPow(l, 2)))

    /// Gravity (10 by default).
    public let g: Double

    public let observationSpace: Space = .box(Box(low: [-1, -1, -8], high: [1, 1, 8]))
    public let actionSpace: Space = .box(Box(low: -Pendulum.maxTorque, high: Pendulum.maxTorque, shape: [1]))

    private var theta = 0.0
    private var thetaDot = 0.0
    private var hasState = false
    /// The clipped torque of the last step (Gymnasium's `last_u`).
    public private(set) var lastTorque: Float?
    let random = EnvironmentRandom()

    public init(g: Double = 10.0) {
        self.g = g
    }

    @discardableResult
    public func reset(seed: UInt64?, options: Info?) throws -> (observation: Observation, info: Info) {
        try random.reseed(seed)
        let x = try resetOption("x_init", in: options, default: Double.pi)
        let y = try resetOption("y_init", in: options, default: 1.0)
        let source = random.source
        theta = source.uniform(-x, x)
        thetaDot = source.uniform(-y, y)
        lastTorque = nil
        hasState = true
        return (observation, Info())
    }

    public func step(_ action: Action) throws -> StepResult {
        guard case .continuous(let values) = action, values.count == 1, !values[0].isNaN else {
            throw EnvironmentError.invalidAction(action, space: actionSpace)
        }
        guard hasState else { throw EnvironmentError(.resetNeeded, "Pendulum: call reset() before step()") }
        let u = min(max(values[0], -Pendulum.maxTorque), Pendulum.maxTorque)
        lastTorque = u
        let (th, thdot, dt) = (theta, thetaDot, Pendulum.dt)
        // numpy scalar powers are libm calls, not products (see numpySquare).
        let costs = numpySquare(Pendulum.angleNormalize(th)) + 0.1 * numpySquare(thdot) + Double(Float(0.001) * libmPowf(u, 2))
        let torqueTerm = Pendulum.torqueScale * u
        var newthdot = thdot + (3 * g / (2 * Pendulum.l) * sin(th) + Double(torqueTerm)) * dt
        newthdot = clip(newthdot, -Pendulum.maxSpeed, Pendulum.maxSpeed)
        let newth = th + newthdot * dt
        theta = newth
        thetaDot = newthdot
        return StepResult(observation: observation, reward: -costs, terminated: false, truncated: false)
    }

    /// Gymnasium's `angle_normalize`: `((x + π) % (2π)) - π` with numpy's floored modulo.
    static func angleNormalize(_ x: Double) -> Double {
        pythonRemainder(x + Double.pi, 2 * Double.pi) - Double.pi
    }

    /// numpy's `remainder` for float64 (`npy_divmod`): the result has the divisor's sign.
    static func pythonRemainder(_ a: Double, _ b: Double) -> Double {
        var mod = fmod(a, b)
        if mod != 0 {
            if (b < 0) != (mod < 0) { mod += b }
        } else {
            mod = b < 0 ? -0.0 : 0.0  // copysign(0, b)
        }
        return mod
    }

    /// The last observation's storage (see ``CartPole``'s note on observation buffers).
    private var observationBuffer: [Float] = [0, 0, 0]

    private var observation: Observation {
        observationBuffer.withUnsafeMutableBufferPointer { b in
            b[0] = Float(cos(theta)); b[1] = Float(sin(theta)); b[2] = Float(thetaDot)
        }
        return .vector(observationBuffer)
    }

    /// `theta, theta_dot` in float64.
    public var internalState: [Double] { [theta, thetaDot] }

    public func setInternalState(_ state: [Double]) throws {
        let s = try checkedState(state, count: 2, names: "theta, theta_dot", environment: "Pendulum")
        (theta, thetaDot) = (s[0], s[1])
        hasState = true
    }
}

extension Pendulum: StateArchiving {
    public func archive(into archive: inout StateArchive, prefix: String) {
        PhysicalState(values: [theta, thetaDot], hasState: hasState).archive(random: random, into: &archive, prefix: prefix)
        if let lastTorque { archive.set("\(prefix).last_torque", float32: [lastTorque]) }
    }

    public func restore(from archive: StateArchive, prefix: String) throws {
        let torque = archive.contains("\(prefix).last_torque") ? try archive.float32("\(prefix).last_torque", count: 1)[0] : nil
        let saved = try PhysicalState(from: archive, prefix: prefix, count: 2, restoring: random)
        (theta, thetaDot, hasState) = (saved.values[0], saved.values[1], saved.hasState)
        lastTorque = torque
    }
}
