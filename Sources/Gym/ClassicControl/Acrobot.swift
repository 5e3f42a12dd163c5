import LabCore
import Foundation

/// The acrobot swing-up task of Sutton (1996), bit-exact with Gymnasium 1.4.0's
/// `AcrobotEnv` ("book" dynamics, RK4 over one 0.2 s step).
///
/// - Observation: `Box([-1, -1, -1, -1, -4π, -9π], [1, 1, 1, 1, 4π, 9π], (6,), float32)`:
///   cos θ1, sin θ1, cos θ2, sin θ2, θ1', θ2'.
/// - Actions: `Discrete(3)`: torque -1, 0, +1 on the joint between the links.
/// - Reward: -1 per step, 0 on the terminating step.
/// - Termination: `-cos θ1 - cos(θ2 + θ1) > 1` (the free end above the bar).
/// - Reset: θ1, θ2, θ1', θ2' uniform in [-0.1, 0.1), rounded to float32 as Gymnasium's
///   `astype(np.float32)`; the first observation is numpy's float32 cosine and sine of
///   that float32 state (``numpyFloat32Cos(_:)``), as Gymnasium's `_get_ob` computes it.
///
/// The integration repeats Gymnasium's `rk4`, `_dsdt`, `wrap` and `bound` operation
/// by operation in float64 (the step promotes a float32 state); `x**2` is the C
/// library's `pow(x, 2)`, as numpy computes it (``numpySquare(_:)``).
public final class Acrobot: InternalStateEnvironment {
    static let dt = 0.2
    static let linkLength1 = 1.0
    static let linkLength2 = 1.0
    static let linkMass1 = 1.0
    static let linkMass2 = 1.0
    static let linkCOMPosition1 = 0.5
    static let linkCOMPosition2 = 0.5
    static let linkMOI = 1.0
    static let maxVelocity1 = 4 * Double.pi
    static let maxVelocity2 = 9 * Double.pi
    static let availableTorque: [Double] = [-1.0, 0.0, 1.0]

    public let observationSpace: Space = .box(Box(
        low: [-1, -1, -1, -1, Float(-Acrobot.maxVelocity1), Float(-Acrobot.maxVelocity2)],
        high: [1, 1, 1, 1, Float(Acrobot.maxVelocity1), Float(Acrobot.maxVelocity2)]))
    public let actionSpace: Space = .discrete(Discrete(3))

    private var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    private var hasState = false
    /// Whether the state is Gymnasium's float32 array from `reset` (until the next step).
    private var stateIsFloat32 = false
    let random = EnvironmentRandom()

    public init() {}

    @discardableResult
    public func reset(seed: UInt64?, options: Info?) throws -> (observation: Observation, info: Info) {
        try random.reseed(seed)
        let (low, high) = try resetBounds(options, defaultLow: -0.1, defaultHigh: 0.1)
        let source = random.source
        s0 = Double(Float(source.uniform(low, high)))
        s1 = Double(Float(source.uniform(low, high)))
        s2 = Double(Float(source.uniform(low, high)))
        s3 = Double(Float(source.uniform(low, high)))
        hasState = true
        stateIsFloat32 = true
        return (observation, Info())
    }

    public func step(_ action: Action) throws -> StepResult {
        guard case .discrete(let a) = action, (0...2).contains(a) else {
            throw EnvironmentError.invalidAction(action, space: actionSpace)
        }
        guard hasState else { throw EnvironmentError(.resetNeeded, "Acrobot: call reset() before step()") }
        let torque = Acrobot.availableTorque[a]
        var ns = Acrobot.rk4((s0, s1, s2, s3), torque: torque, dt: Acrobot.dt)
        ns.0 = Acrobot.wrap(ns.0, -Double.pi, Double.pi)
        ns.1 = Acrobot.wrap(ns.1, -Double.pi, Double.pi)
        // Gymnasium's `bound`, Python's `min(max(x, m), M)`, is np.clip's comparisons.
        ns.2 = clip(ns.2, -Acrobot.maxVelocity1, Acrobot.maxVelocity1)
        ns.3 = clip(ns.3, -Acrobot.maxVelocity2, Acrobot.maxVelocity2)
        (s0, s1, s2, s3) = ns
        stateIsFloat32 = false
        let terminated = -cos(s0) - cos(s1 + s0) > 1.0
        return StepResult(observation: observation, reward: terminated ? 0.0 : -1.0, terminated: terminated, truncated: false)
    }

    /// The last observation's storage (see ``CartPole``'s note on observation buffers).
    private var observationBuffer: [Float] = [0, 0, 0, 0, 0, 0]

    private var observation: Observation {
        let float32 = stateIsFloat32
        observationBuffer.withUnsafeMutableBufferPointer { b in
            if float32 {
                // np.cos of a float32 array element is numpy's own float32 cosine.
                let (t0, t1) = (Float(s0), Float(s1))
                b[0] = numpyFloat32Cos(t0); b[1] = numpyFloat32Sin(t0); b[2] = numpyFloat32Cos(t1); b[3] = numpyFloat32Sin(t1)
            } else {
                b[0] = Float(cos(s0)); b[1] = Float(sin(s0)); b[2] = Float(cos(s1)); b[3] = Float(sin(s1))
            }
            b[4] = Float(s2); b[5] = Float(s3)
        }
        return .vector(observationBuffer)
    }

    typealias State = (Double, Double, Double, Double)

    // Python's `lc1**2` etc. of the constant link sizes (libm pow; exact for these values).
    static let lc1Squared = libmPow(linkCOMPosition1, 2)
    static let lc2Squared = libmPow(linkCOMPosition2, 2)
    static let l1Squared = libmPow(linkLength1, 2)

    /// Gymnasium's `_dsdt` ("book" variant) for state `s` and torque `a`.
    @inline(__always)
    static func derivatives(_ s: State, _ a: Double) -> State {
        let m1 = linkMass1, m2 = linkMass2, l1 = linkLength1
        let lc1 = linkCOMPosition1, lc2 = linkCOMPosition2
        let I1 = linkMOI, I2 = linkMOI
        let g = 9.8
        let (theta1, theta2, dtheta1, dtheta2) = s
        let d1 = m1 * lc1Squared + m2 * (l1Squared + lc2Squared + 2 * l1 * lc2 * cos(theta2)) + I1 + I2
        let d2 = m2 * (lc2Squared + l1 * lc2 * cos(theta2)) + I2
        let phi2 = m2 * lc2 * g * cos(theta1 + theta2 - Double.pi / 2.0)
        let phi1 = -m2 * l1 * lc2 * numpySquare(dtheta2) * sin(theta2)
            - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin(theta2)
            + (m1 * lc1 + m2 * l1) * g * cos(theta1 - Double.pi / 2)
            + phi2
        let ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * numpySquare(dtheta1) * sin(theta2) - phi2)
            / (m2 * lc2Squared + I2 - numpySquare(d2) / d1)
        let ddtheta1 = -(d2 * ddtheta2 + phi1) / d1
        return (dtheta1, dtheta2, ddtheta1, ddtheta2)
    }

    /// Gymnasium's `rk4(derivs, s_augmented, [0, dt])`: one classical Runge-Kutta step.
    /// The torque (the augmented fifth component) has derivative 0, so it stays `torque`.
    static func rk4(_ y0: State, torque a: Double, dt: Double) -> State {
        let dt2 = dt / 2.0
        let k1 = derivatives(y0, a)
        let k2 = derivatives((y0.0 + dt2 * k1.0, y0.1 + dt2 * k1.1, y0.2 + dt2 * k1.2, y0.3 + dt2 * k1.3), a)
        let k3 = derivatives((y0.0 + dt2 * k2.0, y0.1 + dt2 * k2.1, y0.2 + dt2 * k2.2, y0.3 + dt2 * k2.3), a)
        let k4 = derivatives((y0.0 + dt * k3.0, y0.1 + dt * k3.1, y0.2 + dt * k3.2, y0.3 + dt * k3.3), a)
        let h = dt / 6.0
        return (y0.0 + h * (k1.0 + 2 * k2.0 + 2 * k3.0 + k4.0),
                y0.1 + h * (k1.1 + 2 * k2.1 + 2 * k3.1 + k4.1),
                y0.2 + h * (k1.2 + 2 * k2.2 + 2 * k3.2 + k4.2),
                y0.3 + h * (k1.3 + 2 * k2.3 + 2 * k3.3 + k4.3))
    }

    /// Gymnasium's `wrap`: shifts `x` by whole periods into [m, M].
    static func wrap(_ x: Double, _ m: Double, _ M: Double) -> Double {
        let diff = M - m
        var x = x
        while x > M { x = x - diff }
        while x < m { x = x + diff }
        return x
    }

    /// Sets a float32 state as Gymnasium's `reset` leaves it and returns the observation
    /// `reset` would return for it (tests compare it with Gymnasium's).
    func setResetState(_ state: [Float]) -> Observation {
        (s0, s1, s2, s3) = (Double(state[0]), Double(state[1]), Double(state[2]), Double(state[3]))
        hasState = true
        stateIsFloat32 = true
        return observation
    }

    /// `theta1, theta2, dtheta1, dtheta2` in float64.
    public var internalState: [Double] { [s0, s1, s2, s3] }

    public func setInternalState(_ state: [Double]) throws {
        let s = try checkedState(state, count: 4, names: "theta1, theta2, dtheta1, dtheta2", environment: "Acrobot")
        (s0, s1, s2, s3) = (s[0], s[1], s[2], s[3])
        hasState = true
        stateIsFloat32 = false
    }
}

extension Acrobot: StateArchiving {
    public func archive(into archive: inout StateArchive, prefix: String) {
        PhysicalState(values: [s0, s1, s2, s3], hasState: hasState, flags: ["state_is_float32": stateIsFloat32])
            .archive(random: random, into: &archive, prefix: prefix)
    }

    public func restore(from archive: StateArchive, prefix: String) throws {
        let saved = try PhysicalState(from: archive, prefix: prefix, count: 4, flags: ["state_is_float32"], restoring: random)
        (s0, s1, s2, s3) = (saved.values[0], saved.values[1], saved.values[2], saved.values[3])
        (hasState, stateIsFloat32) = (saved.hasState, saved.flag("state_is_float32"))
    }
}
