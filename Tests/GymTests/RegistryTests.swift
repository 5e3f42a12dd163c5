import Testing
@testable import Gym

/// The registry: ids, options, wrapping order, and its errors for bad input.
@Suite struct RegistryTests {
    let registry = EnvironmentRegistry.shared

    @Test func registersGymnasiumIdsWithTheirLimits() throws {
        let expected: [String: (Int?, Double?)] = [
            "CartPole-v0": (200, 195), "CartPole-v1": (500, 475), "MountainCar-v0": (200, -110),
            "MountainCarContinuous-v0": (999, 90),
            "Acrobot-v1": (500, -100), "Pendulum-v1": (200, nil), "FrozenLake-v1": (100, 0.7),
            "FrozenLake8x8-v1": (200, 0.85), "CliffWalking-v1": (nil, nil), "CliffWalkingSlippery-v1": (nil, nil),
            "Taxi-v4": (200, 8),
        ]
        #expect(Set(registry.specs.map(\.id)).isSuperset(of: expected.keys))
        #expect(registry.specs.map(\.id) == registry.specs.map(\.id).sorted())
        for (id, (steps, threshold)) in expected {
            let spec = try #require(registry.spec(id))
            #expect(spec.maxEpisodeSteps == steps && spec.rewardThreshold == threshold, "\(id)")
        }
    }

    @Test func makeWrapsAsGymnasiumDoes() throws {
        let env = try registry.make("CartPole-v1")
        let timeLimit = try #require(env as? TimeLimit)
        #expect(timeLimit.maxEpisodeSteps == 500)
        #expect(timeLimit.env is OrderEnforcing)
        #expect((timeLimit.env as! OrderEnforcing).env is CartPole)
        #expect(env.unwrapped is CartPole)
        #expect(env.spec?.id == "CartPole-v1")
        let cliff = try registry.make("CliffWalking-v1")
        #expect(cliff is OrderEnforcing)  // no TimeLimit, as in Gymnasium
    }

    @Test func maxEpisodeStepsOverridesTheLimit() throws {
        let env = try registry.make("CartPole-v1", options: ["max_episode_steps": "3"])
        try env.reset(seed: 0)
        try (env.unwrapped as! CartPole).setInternalState([0, 0, 0, 0])
        let flags = try (0..<3).map { _ in try env.step(0).truncated }
        #expect(flags == [false, false, true])
        let cliff = try registry.make("CliffWalking-v1", options: ["max_episode_steps": "2"])
        #expect((cliff as? TimeLimit)?.maxEpisodeSteps == 2)
    }

    @Test func typedOptions() throws {
        let sutton = try registry.make("CartPole-v1", options: ["sutton_barto_reward": "1"])
        #expect((sutton.unwrapped as! CartPole).suttonBartoReward)
        for text in ["true", "True", "1"] {
            let env = try registry.make("FrozenLake-v1", options: ["is_slippery": text])
            #expect((env.unwrapped as! TabularModelEnvironment).transitionModel.transitions(state: 0, action: 0).count == 3)
        }
        for text in ["false", "0"] {
            let env = try registry.make("FrozenLake-v1", options: ["is_slippery": text])
            #expect((env.unwrapped as! TabularModelEnvironment).transitionModel.transitions(state: 0, action: 0).count == 1)
        }
        let slipperyCliff = try registry.make("CliffWalking-v1", options: ["is_slippery": "true"])
        #expect((slipperyCliff.unwrapped as! TabularModelEnvironment).transitionModel.rowCount == 576)
    }

    @Test func unknownIdSuggestsClosestIds() {
        expectEnvironmentError(.unknownEnvironment, containing: ["unknown environment id 'Cartpole-v1'", "CartPole-v1", "EnvironmentRegistry.specs"]) {
            _ = try registry.make("Cartpole-v1")
        }
        expectEnvironmentError(.unknownEnvironment, containing: ["FrozenLake-v1"]) {
            _ = try registry.make("FrozenLak-v1")
        }
    }

    @Test func unknownVersionListsTheVersions() {
        expectEnvironmentError(.unknownEnvironment, containing: ["v2", "CartPole", "v0, v1"]) {
            _ = try registry.make("CartPole-v2")
        }
    }

    @Test func deprecatedIdsNameTheirReplacement() {
        expectEnvironmentError(.deprecatedEnvironment, containing: ["deprecated", "Taxi-v4"]) {
            _ = try registry.make("Taxi-v3")
        }
        expectEnvironmentError(.deprecatedEnvironment, containing: ["deprecated", "CliffWalking-v1"]) {
            _ = try registry.make("CliffWalking-v0")
        }
    }

    @Test func unknownOptionListsValidOptions() {
        expectEnvironmentError(.unknownOption, containing: ["unknown option 'slippery'", "FrozenLake-v1", "is_slippery", "map_name", "desc", "success_rate", "reward_schedule", "max_episode_steps"]) {
            _ = try registry.make("FrozenLake-v1", options: ["slippery": "true"])
        }
        expectEnvironmentError(.unknownOption, containing: ["unknown option 'foo'", "Acrobot-v1", "valid options: max_episode_steps"]) {
            _ = try registry.make("Acrobot-v1", options: ["foo": "1"])
        }
    }

    @Test func badOptionValuesSayWhatIsExpected() {
        expectEnvironmentError(.invalidOptionValue, containing: ["'maybe'", "is_slippery", "expects true or false"]) {
            _ = try registry.make("FrozenLake-v1", options: ["is_slippery": "maybe"])
        }
        expectEnvironmentError(.invalidOptionValue, containing: ["map_name", "4x4, 8x8"]) {
            _ = try registry.make("FrozenLake-v1", options: ["map_name": "5x5"])
        }
        expectEnvironmentError(.invalidOptionValue, containing: ["reward_schedule", "expects 3 values, got 2"]) {
            _ = try registry.make("FrozenLake-v1", options: ["reward_schedule": "1,0"])
        }
        expectEnvironmentError(.invalidOptionValue, containing: ["reward_schedule", "expects a list of values, each a number", "'1,x,0'"]) {
            _ = try registry.make("FrozenLake-v1", options: ["reward_schedule": "1,x,0"])
        }
        expectEnvironmentError(.invalidOptionValue, containing: ["success_rate", "must be in [0, 1], got 1.5"]) {
            _ = try registry.make("FrozenLake-v1", options: ["success_rate": "1.5"])
        }
        // gymnasium.make's own options are declared settings too, with the same messages.
        expectEnvironmentError(.invalidOptionValue, containing: ["CartPole-v1: max_episode_steps must be at least 1, got 0"]) {
            _ = try registry.make("CartPole-v1", options: ["max_episode_steps": "0"])
        }
        expectEnvironmentError(.invalidOptionValue, containing: ["option 'max_episode_steps' expects an integer, got '1.5'"]) {
            _ = try registry.make("CartPole-v1", options: ["max_episode_steps": "1.5"])
        }
        expectEnvironmentError(.invalidOptionValue, containing: ["option 'render_mode' expects one of ansi, rgb_array, got 'human'"]) {
            _ = try registry.make("FrozenLake-v1", options: ["render_mode": "human"])
        }
        #expect((try? registry.resolve("CartPole-v1", options: ["max_episode_steps": " 7 ", "render_mode": "rgb_array"]))?.maxEpisodeSteps == 7)
        expectEnvironmentError(.invalidOptionValue, containing: ["invalid map", "row 1", "same length"]) {
            _ = try registry.make("FrozenLake-v1", options: ["desc": "SFFF,FHF,FFFG"])
        }
        expectEnvironmentError(.invalidOptionValue, containing: ["invalid map", "'X'", "S (start)"]) {
            _ = try registry.make("FrozenLake-v1", options: ["desc": "SFX,FFG"])
        }
        expectEnvironmentError(.invalidOptionValue, containing: ["no start cell S"]) {
            _ = try registry.make("FrozenLake-v1", options: ["desc": "FFF,FFG"])
        }
    }

    @Test func customEnvironmentsCanBeRegistered() throws {
        let local = EnvironmentRegistry()
        struct CounterOptions: Settings {
            @Setting("step_reward", help: "reward per step") var stepReward = 1.0
        }
        local.register(EnvironmentSpec(id: "Counter-v0", maxEpisodeSteps: 4, rewardThreshold: 4, options: CounterOptions.self,
                                       make: { try TabularEnvironment(name: "Counter", model: TransitionModel(
                                           table: [[[ModelOutcome(probability: 1, nextState: 0, reward: $0.stepReward, terminal: false)]]],
                                           initialStateDistribution: [1])) }))
        let env = try local.make("Counter-v0", options: ["step_reward": "2.5"])
        try env.reset(seed: 0)
        var total = 0.0
        var result = try env.step(0)
        total += result.reward
        while !result.truncated { result = try env.step(0); total += result.reward }
        #expect(total == 10)
        #expect(local.specs.map(\.id) == ["Counter-v0"])
    }
}
