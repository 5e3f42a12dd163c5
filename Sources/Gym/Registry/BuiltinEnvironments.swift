/// Registers the built-in environments with Gymnasium 1.4.0's ids, time limits and
/// reward thresholds (`gymnasium.envs.registry`), and its deprecated ids.
enum BuiltinEnvironments {
    static func register(in registry: EnvironmentRegistry) {
        for id in ["CartPole-v0", "CartPole-v1"] {
            registry.register(EnvironmentSpec(
                id: id,
                maxEpisodeSteps: id == "CartPole-v0" ? 200 : 500,
                rewardThreshold: id == "CartPole-v0" ? 195.0 : 475.0,
                options: [
                    OptionSpec("sutton_barto_reward", .bool, default: .bool(false),
                               doc: "reward 0 per step and -1 on failure instead of 1 per step"),
                ],
                summary: "balance a pole on a cart by pushing it left or right",
                make: { CartPole(suttonBartoReward: $0.bool("sutton_barto_reward")) }))
        }
        registry.register(EnvironmentSpec(
            id: "MountainCar-v0", maxEpisodeSteps: 200, rewardThreshold: -110.0,
            options: [OptionSpec("goal_velocity", .double, default: .double(0), doc: "velocity the car must have at the goal")],
            summary: "drive an underpowered car up a hill by building momentum",
            make: { MountainCar(goalVelocity: $0.double("goal_velocity") ?? 0) }))
        registry.register(EnvironmentSpec(
            id: "MountainCarContinuous-v0", maxEpisodeSteps: 999, rewardThreshold: 90.0,
            options: [OptionSpec("goal_velocity", .double, default: .double(0), doc: "velocity the car must have at the goal")],
            summary: "drive an underpowered car up a hill with a continuous force",
            make: { MountainCarContinuous(goalVelocity: $0.double("goal_velocity") ?? 0) }))
        registry.register(EnvironmentSpec(
            id: "Acrobot-v1", maxEpisodeSteps: 500, rewardThreshold: -100.0,
            summary: "swing the end of a two-link chain above a bar",
            make: { _ in Acrobot() }))
        registry.register(EnvironmentSpec(
            id: "Pendulum-v1", maxEpisodeSteps: 200, rewardThreshold: nil,
            options: [OptionSpec("g", .double, default: .double(10.0), doc: "gravity (m/s^2)")],
            summary: "swing a pendulum up and keep it upright with a continuous torque",
            make: { Pendulum(g: $0.double("g") ?? 10.0) }))

        for (id, mapName, steps, threshold) in [("FrozenLake-v1", "4x4", 100, 0.7), ("FrozenLake8x8-v1", "8x8", 200, 0.85)] {
            registry.register(EnvironmentSpec(
                id: id, maxEpisodeSteps: steps, rewardThreshold: threshold,
                options: frozenLakeOptions(mapName: mapName),
                summary: "cross a frozen lake from S to G without falling into a hole",
                make: { try makeFrozenLake($0, name: id) }))
        }
        for (id, slippery) in [("CliffWalking-v1", false), ("CliffWalkingSlippery-v1", true)] {
            registry.register(EnvironmentSpec(
                id: id, maxEpisodeSteps: nil, rewardThreshold: nil,
                options: [OptionSpec("is_slippery", .bool, default: .bool(slippery),
                                     doc: "moves go sideways with probability 2/3")],
                summary: "walk along a cliff from start to goal",
                make: { try CliffWalking(isSlippery: $0.bool("is_slippery")) }))
        }
        registry.register(EnvironmentSpec(
            id: "Taxi-v4", maxEpisodeSteps: 200, rewardThreshold: 8,
            options: [
                OptionSpec("is_rainy", .bool, default: .bool(false), doc: "moves slip sideways with probability 1 - rainy_probability"),
                OptionSpec("fickle_passenger", .bool, default: .bool(false), doc: "the passenger may change destination once after boarding"),
                OptionSpec("rainy_probability", .double, default: .double(0.8), doc: "probability that a rainy move goes as intended", range: 0...1),
                OptionSpec("fickle_probability", .double, default: .double(0.3), doc: "probability that the passenger is fickle in an episode", range: 0...1),
            ],
            summary: "pick up a passenger and drop them at their destination",
            make: {
                try Taxi(isRainy: $0.bool("is_rainy"), ficklePassenger: $0.bool("fickle_passenger"),
                         rainyProbability: $0.double("rainy_probability") ?? 0.8,
                         fickleProbability: $0.double("fickle_probability") ?? 0.3)
            }))
        registry.registerDeprecated("Taxi-v3", replacement: "Taxi-v4")
        registry.registerDeprecated("CliffWalking-v0", replacement: "CliffWalking-v1")
        registry.registerDeprecated("FrozenLake-v0", replacement: "FrozenLake-v1")
        registry.registerDeprecated("FrozenLake8x8-v0", replacement: "FrozenLake8x8-v1")
    }

    /// FrozenLake's keyword options (shared by grid map files).
    static func frozenLakeOptions(mapName: String?) -> [OptionSpec] {
        var options: [OptionSpec] = []
        options.append(OptionSpec("desc", .stringList, default: nil,
                                  doc: "custom map, rows separated by commas (S start, F frozen, H hole, G goal, W wall); overrides map_name"))
        if let mapName {
            options.append(OptionSpec("map_name", .string, default: .string(mapName), doc: "built-in map", choices: ["4x4", "8x8"]))
        }
        options.append(OptionSpec("is_slippery", .bool, default: .bool(true), doc: "moves go sideways with probability 1 - success_rate"))
        options.append(OptionSpec("success_rate", .double, default: .double(1.0 / 3.0),
                                  doc: "probability of the intended move when slippery", range: 0...1))
        options.append(OptionSpec("reward_schedule", .doubleList, default: .doubleList([1, 0, 0]),
                                  doc: "rewards for reaching G, H and F/S", count: 3))
        return options
    }

    static func makeFrozenLake(_ values: OptionValues, name: String, defaultDesc: [String]? = nil) throws -> FrozenLake {
        let desc: [String]
        if let custom = values.stringList("desc") {
            desc = custom
        } else if let defaultDesc {
            desc = defaultDesc
        } else {
            desc = FrozenLake.maps[values.string("map_name") ?? "4x4"] ?? FrozenLake.maps["4x4"]!
        }
        let schedule = values.doubleList("reward_schedule") ?? [1, 0, 0]
        return try FrozenLake(desc: desc, isSlippery: values.bool("is_slippery"),
                              successRate: values.double("success_rate") ?? 1.0 / 3.0,
                              rewardSchedule: (schedule[0], schedule[1], schedule[2]), name: name)
    }
}
