/// Registers the built-in environments with Gymnasium 1.4.0's ids, time limits and
/// reward thresholds (`gymnasium.envs.registry`), and its deprecated ids. Each
/// environment's keyword options are declared once, in its options struct below.
enum BuiltinEnvironments {
    struct CartPoleOptions: Settings {
        @Setting("sutton_barto_reward", help: "reward 0 per step and -1 on failure instead of 1 per step") var suttonBartoReward = false
    }

    struct MountainCarOptions: Settings {
        @Setting("goal_velocity", help: "velocity the car must have at the goal") var goalVelocity = 0.0
    }

    struct PendulumOptions: Settings {
        @Setting("g", help: "gravity (m/s^2)") var g = 10.0
    }

    struct CliffWalkingOptions: Settings {
        @Setting("is_slippery", help: "moves go sideways with probability 2/3") var isSlippery = false
    }

    struct TaxiOptions: Settings {
        @Setting("is_rainy", help: "moves slip sideways with probability 1 - rainy_probability") var isRainy = false
        @Setting("fickle_passenger", help: "the passenger may change destination once after boarding") var ficklePassenger = false
        @Setting("rainy_probability", range: 0...1, help: "probability that a rainy move goes as intended") var rainyProbability = 0.8
        @Setting("fickle_probability", range: 0...1, help: "probability that the passenger is fickle in an episode") var fickleProbability = 0.3
    }

    /// FrozenLake's keyword options (grid map files take them too, without `desc` and `map_name`).
    struct FrozenLakeOptions: Settings {
        @Setting("desc", help: "custom map, rows separated by commas (S start, F frozen, H hole, G goal, W wall); overrides map_name")
        var desc: [String]? = nil
        @Setting("map_name", choices: ["4x4", "8x8"], help: "built-in map") var mapName = "4x4"
        @Setting("is_slippery", help: "moves go sideways with probability 1 - success_rate") var isSlippery = true
        @Setting("success_rate", range: 0...1, help: "probability of the intended move when slippery") var successRate = 1.0 / 3.0
        @Setting("reward_schedule", count: 3, help: "rewards for reaching G, H and F/S") var rewardSchedule: [Double] = [1, 0, 0]

        func validate() throws {
            if let desc, desc.isEmpty || desc.contains(where: \.isEmpty) {
                throw ConfigurationError("desc: expected comma-separated rows with no empty row", kind: .invalidValue)
            }
        }

        func make(name: String, defaultDesc: [String]? = nil) throws -> FrozenLake {
            let map = desc ?? defaultDesc ?? FrozenLake.maps[mapName] ?? FrozenLake.maps["4x4"]!
            return try FrozenLake(desc: map, isSlippery: isSlippery, successRate: successRate,
                                  rewardSchedule: (rewardSchedule[0], rewardSchedule[1], rewardSchedule[2]), name: name)
        }
    }

    static func register(in registry: EnvironmentRegistry) {
        for id in ["CartPole-v0", "CartPole-v1"] {
            registry.register(EnvironmentSpec(
                id: id, maxEpisodeSteps: id == "CartPole-v0" ? 200 : 500, rewardThreshold: id == "CartPole-v0" ? 195.0 : 475.0,
                options: CartPoleOptions.self,
                summary: "balance a pole on a cart by pushing it left or right",
                make: { CartPole(suttonBartoReward: $0.suttonBartoReward) },
                vector: { options, count, maxEpisodeSteps, threads in
                    try CartPoleVector(count: count, maxEpisodeSteps: maxEpisodeSteps, suttonBartoReward: options.suttonBartoReward, threads: threads)
                }))
        }
        registry.register(EnvironmentSpec(
            id: "MountainCar-v0", maxEpisodeSteps: 200, rewardThreshold: -110.0, options: MountainCarOptions.self,
            summary: "drive an underpowered car up a hill by building momentum",
            make: { MountainCar(goalVelocity: $0.goalVelocity) }))
        registry.register(EnvironmentSpec(
            id: "MountainCarContinuous-v0", maxEpisodeSteps: 999, rewardThreshold: 90.0,
            options: MountainCarOptions.self,
            summary: "drive an underpowered car up a hill with a continuous force",
            make: { MountainCarContinuous(goalVelocity: $0.goalVelocity) }))
        registry.register(EnvironmentSpec(
            id: "Acrobot-v1", maxEpisodeSteps: 500, rewardThreshold: -100.0,
            summary: "swing the end of a two-link chain above a bar",
            make: { Acrobot() }))
        registry.register(EnvironmentSpec(
            id: "Pendulum-v1", maxEpisodeSteps: 200, rewardThreshold: nil, options: PendulumOptions.self,
            summary: "swing a pendulum up and keep it upright with a continuous torque",
            make: { Pendulum(g: $0.g) }))

        for (id, mapName, steps, threshold) in [("FrozenLake-v1", "4x4", 100, 0.7), ("FrozenLake8x8-v1", "8x8", 200, 0.85)] {
            registry.register(EnvironmentSpec(
                id: id, maxEpisodeSteps: steps, rewardThreshold: threshold,
                options: FrozenLakeOptions.self, defaults: ["map_name": .string(mapName)],
                summary: "cross a frozen lake from S to G without falling into a hole",
                make: { try $0.make(name: id) }))
        }
        for (id, slippery) in [("CliffWalking-v1", false), ("CliffWalkingSlippery-v1", true)] {
            registry.register(EnvironmentSpec(
                id: id, maxEpisodeSteps: nil, rewardThreshold: nil,
                options: CliffWalkingOptions.self, defaults: ["is_slippery": .bool(slippery)],
                summary: "walk along a cliff from start to goal",
                make: { try CliffWalking(isSlippery: $0.isSlippery) }))
        }
        registry.register(EnvironmentSpec(
            id: "Taxi-v4", maxEpisodeSteps: 200, rewardThreshold: 8, options: TaxiOptions.self,
            summary: "pick up a passenger and drop them at their destination",
            make: {
                try Taxi(isRainy: $0.isRainy, ficklePassenger: $0.ficklePassenger,
                         rainyProbability: $0.rainyProbability, fickleProbability: $0.fickleProbability)
            }))
        registry.registerDeprecated("Taxi-v3", replacement: "Taxi-v4")
        registry.registerDeprecated("CliffWalking-v0", replacement: "CliffWalking-v1")
        registry.registerDeprecated("FrozenLake-v0", replacement: "FrozenLake-v1")
        registry.registerDeprecated("FrozenLake8x8-v0", replacement: "FrozenLake8x8-v1")
    }
}
