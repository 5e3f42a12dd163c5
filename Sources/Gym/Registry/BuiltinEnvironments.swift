/// Registers the built-in environments with Gymnasium 1.4.0's ids, time limits and
/// reward thresholds (`gymnasium.envs.registry`).
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
    }
}
