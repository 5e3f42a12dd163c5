import Foundation

// The reset options of the classic-control environments (Gymnasium's
// `maybe_parse_reset_bounds` and Pendulum's `x_init`/`y_init`), declared for
// `rllab check`: each probe narrows the reset range far from the default one.

extension CartPole: ResetOptionsDeclaring {
    public var resetOptionProbes: [ResetOptionProbe] {
        [.resetBounds(low: 0.3, high: 0.301, indices: [0, 1, 2, 3])]
    }
}

extension MountainCar: ResetOptionsDeclaring {
    public var resetOptionProbes: [ResetOptionProbe] {
        [.resetBounds(low: -1.0, high: -0.99, indices: [0], others: [(1, 0...0)])]
    }
}

extension MountainCarContinuous: ResetOptionsDeclaring {
    public var resetOptionProbes: [ResetOptionProbe] {
        [.resetBounds(low: -1.0, high: -0.99, indices: [0], others: [(1, 0...0)])]
    }
}

extension Acrobot: ResetOptionsDeclaring {
    public var resetOptionProbes: [ResetOptionProbe] {
        // Velocities are observed as they are; the angles through float32 cos and sin
        // (an ulp of slack for numpy's float32 rounding of the angle and of the result).
        [.resetBounds(low: 0.5, high: 0.501, indices: [4, 5],
                      others: [(0, Float(cos(0.501) - 1e-6)...Float(cos(0.5) + 1e-6)),
                               (1, Float(sin(0.5) - 1e-6)...Float(sin(0.501) + 1e-6))])]
    }
}

extension Pendulum: ResetOptionsDeclaring {
    public var resetOptionProbes: [ResetOptionProbe] {
        [ResetOptionProbe(options: ["x_init": .double(0.01), "y_init": .double(0.02)],
                          expectation: "|theta| <= 0.01 and |theta_dot| <= 0.02") { observation in
            guard let v = observation.vector, v.count == 3 else { return false }
            return v[0] >= Float(cos(0.01)) && abs(v[1]) <= Float(sin(0.01)) && abs(v[2]) <= 0.02
        }]
    }
}
