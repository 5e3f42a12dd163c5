import Gym
import LabCore
import Testing

/// `Environment.playEpisode`: the one step-by-step episode of rollouts and videos.
@Suite struct PlayedEpisodeTests {
    /// Random seeds and random action lists: the played episode is the hand-written loop's.
    @Test func playsWhatAHandWrittenLoopPlays() throws {
        let random = try RandomSource(seed: 11)
        for _ in 0..<40 {
            let seed = UInt64(random.uniformIndex(below: 1_000_000))
            let actions = (0..<random.uniformIndex(below: 40)).map { _ in Action.discrete(random.uniformIndex(below: 2)) }
            let limit = random.uniformIndex(below: 50)
            let played = try EnvironmentRegistry.shared.make("CartPole-v1")
            var seen: [StepResult] = []
            var resets = 0
            let episode = try played.playEpisode(seed: seed, maxSteps: limit, policy: { _, step in
                step < actions.count ? actions[step] : nil
            }) { step, soFar in
                guard let (action, result) = step else { resets += 1; return }
                #expect(action == actions[soFar.steps - 1])
                seen.append(result)
            }

            let reference = try EnvironmentRegistry.shared.make("CartPole-v1")
            _ = try reference.reset(seed: seed)
            var expected = PlayedEpisode()
            for action in actions.prefix(limit) {
                let result = try reference.step(action)
                expected.steps += 1
                expected.totalReward += result.reward
                (expected.terminated, expected.truncated) = (result.terminated, result.truncated)
                #expect(seen[expected.steps - 1].observation == result.observation)
                if result.terminated || result.truncated { break }
            }
            #expect(episode == expected)
            #expect(resets == 1 && seen.count == episode.steps)
            #expect(episode.ending == (expected.terminated ? "terminated" : nil))
        }
    }

    @Test func setsTheInternalStateAfterTheReset() throws {
        let env = try EnvironmentRegistry.shared.make("CartPole-v1")
        // Far past the angle limit: the first step terminates.
        let episode = try env.playEpisode(seed: 0, internalState: [0, 0, 1, 0], policy: { _, _ in .discrete(0) })
        #expect(episode.steps == 1 && episode.terminated && episode.ending == "terminated")
    }

    @Test func refusesAStateTheEnvironmentCannotTake() throws {
        let env = try EnvironmentRegistry.shared.make("FrozenLake-v1")
        var steps = 0
        #expect(throws: EnvironmentError.self) {
            try env.playEpisode(seed: 0, internalState: [1], policy: { _, _ in steps += 1; return .discrete(0) })
        }
        #expect(steps == 0)
    }

    @Test func endsAtTheTimeLimitAsTruncated() throws {
        let env = try EnvironmentRegistry.shared.make("CartPole-v1", options: ["max_episode_steps": "5"])
        // Alternating pushes keep the pole up for 5 steps.
        let episode = try env.playEpisode(seed: 3, policy: { _, step in .discrete(step % 2) })
        #expect(episode.steps == 5 && episode.truncated && !episode.terminated && episode.ending == "truncated")
    }
}
