import Testing
@testable import Gym

/// TimeLimit, OrderEnforcing and RecordEpisodeStatistics.
@Suite struct WrapperTests {
    @Test func stepBeforeResetThrows() throws {
        let env = try EnvironmentRegistry.shared.make("CartPole-v1")
        expectEnvironmentError(.resetNeeded, containing: ["before reset()", "call reset()"]) {
            _ = try env.step(0)
        }
        expectEnvironmentError(.resetNeeded, containing: ["reset()"]) {
            _ = try CartPole().step(.discrete(0))
        }
        expectEnvironmentError(.resetNeeded, containing: ["reset()"]) {
            _ = try EnvironmentRegistry.shared.make("Taxi-v4").unwrapped.step(.discrete(0))
        }
    }

    @Test func stepAfterTerminationThrowsUntilReset() throws {
        let env = try EnvironmentRegistry.shared.make("CartPole-v1")
        try env.reset(seed: 0)
        try (env.unwrapped as! CartPole).setInternalState([2.39, 1, 0, 0])
        let result = try env.step(1)
        #expect(result.terminated)
        expectEnvironmentError(.resetNeeded, containing: ["after the episode ended", "reset()"]) {
            _ = try env.step(1)
        }
        try env.reset(seed: 1)
        _ = try env.step(1)
    }

    @Test func stepAfterTruncationThrowsUntilReset() throws {
        let env = try EnvironmentRegistry.shared.make("CliffWalking-v1", options: ["max_episode_steps": "2"])
        try env.reset(seed: 0)
        _ = try env.step(0)
        #expect(try env.step(0).truncated)
        expectEnvironmentError(.resetNeeded, containing: ["truncated", "2 steps", "reset()"]) {
            _ = try env.step(0)
        }
        try env.reset()
        #expect(!(try env.step(0).truncated))
    }

    @Test func invalidActionsThrow() throws {
        let env = try EnvironmentRegistry.shared.make("CartPole-v1")
        try env.reset(seed: 0)
        expectEnvironmentError(.invalidAction, containing: ["invalid discrete action 2", "Discrete(2)", "0...1"]) {
            _ = try env.step(2)
        }
        expectEnvironmentError(.invalidAction, containing: ["continuous action", "Discrete(2)"]) {
            _ = try env.step(.continuous([1]))
        }
        expectEnvironmentError(.invalidAction, containing: ["-1", "Discrete(4)"]) {
            let lake = try EnvironmentRegistry.shared.make("FrozenLake-v1")
            try lake.reset(seed: 0)
            _ = try lake.step(-1)
        }
        // The bare environments check too (no wrapper needed to avoid a crash).
        let taxi = try Taxi()
        try taxi.reset(seed: 0)
        expectEnvironmentError(.invalidAction, containing: ["6", "Discrete(6)"]) {
            _ = try taxi.step(.discrete(6))
        }
        // A rejected action does not end the episode.
        _ = try env.step(1)
    }

    @Test func timeLimitSetsBothFlagsWhenTheLastStepTerminates() throws {
        let env = TimeLimit(OrderEnforcing(CartPole()), maxEpisodeSteps: 1)
        try env.reset(seed: 0)
        try (env.unwrapped as! CartPole).setInternalState([2.4, 1, 0, 0])
        let result = try env.step(1)
        #expect(result.terminated && result.truncated)
        #expect(env.elapsedSteps == 1)
    }

    @Test func recordEpisodeStatisticsAddsEpisodeInfo() throws {
        let env = RecordEpisodeStatistics(try EnvironmentRegistry.shared.make("FrozenLake-v1", options: ["is_slippery": "false"]))
        try env.reset(seed: 0)
        var result = try env.step(1)
        #expect(result.info["episode"] == nil)
        for action in [1, 2, 2, 1] { result = try env.step(action) }
        result = try env.step(2)
        #expect(result.terminated)
        let episode = try #require(result.info["episode"]?.dictionaryValue)
        #expect(episode["r"] == .double(1))
        #expect(episode["l"] == .int(6))
        #expect((episode["t"]?.doubleValue ?? -1) >= 0)
        #expect(env.returnQueue == [1] && env.lengthQueue == [6])
        #expect(result.info["prob"] == .double(1))
    }

    @Test func customWrapperSubclass() throws {
        final class NegateReward: Wrapper {
            override func step(_ action: Action) throws -> StepResult {
                var result = try env.step(action)
                result.reward = -result.reward
                return result
            }
        }
        let env = NegateReward(try EnvironmentRegistry.shared.make("CartPole-v1"))
        try env.reset(seed: 0)
        #expect(try env.step(0).reward == -1)
        #expect(env.spec?.id == "CartPole-v1")
        #expect(env.unwrapped is CartPole)
    }
}
