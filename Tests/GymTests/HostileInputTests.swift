import Foundation
import LabCore
import Testing
@testable import Gym

/// Issue 15: MDP files bounded before allocating and parsed in linear time; episodes
/// that can never end refused; states that are not finite refused.
@Suite struct GymHostileInputTests {
    @Test func hugeStateAndActionCountsAreRefusedBeforeAllocating() throws {
        let text = "states: 1000000\nactions: 100000000\nstart: 0\ntransitions: []\n"
        let path = "huge.yml"
        let pairs = 96 * 100_000_000_000_000, names = 64 * 1_000_000 + 64 * 100_000_000
        let expected = "\(path):2: 1000000 states x 100000000 actions would need \(MemoryBudget.format(pairs + names)), more than this machine's \(MemoryBudget.format(MemoryBudget.machineBytes)) of memory"
        #expect(throws: EnvironmentError(.malformedFile, expected)) { try TabularMDPFile.parse(text, path: path) }
        let overflow = "states: 4000000000000000000\nactions: 4000000000\nstart: 0\ntransitions: []\n"
        #expect(throws: EnvironmentError(.malformedFile, "\(path):2: 4000000000000000000 states x 4000000000 actions would need 4000000000000000000 x 4000000000 x 96 bytes, more than 2^63 (a 64-bit size overflows); this machine has \(MemoryBudget.format(MemoryBudget.machineBytes))")) {
            try TabularMDPFile.parse(overflow, path: path)
        }
    }

    @Test func largeFilesParseInLinearTime() throws {
        // 5,000 named states, looked up by name on every row: a linear search per row (the
        // old parser) made large files quadratic; hashing makes them linear.
        let n = 5_000
        var text = "states: [" + (0..<n).map { "s\($0)" }.joined(separator: ", ") + "]\nactions: [left, right]\nstart: s0\n"
        text += "terminal_states: [s\(n - 1)]\ntransitions:\n"
        for s in 0..<(n - 1) {
            text += "  - {state: s\(s), action: left, next: s\(max(s - 1, 0))}\n"
            text += "  - {state: s\(s), action: right, next: s\(s + 1), reward: \(s + 1 == n - 1 ? 1 : 0)}\n"
        }
        let clock = ContinuousClock(), start = clock.now
        let file = try TabularMDPFile.parse(text, path: "chain.yml")
        let elapsed = clock.now - start
        #expect(file.model.stateCount == n && file.model.actionCount == 2)
        #expect(file.model.transitions(state: n - 2, action: 1) == [ModelOutcome(probability: 1, nextState: n - 1, reward: 1, terminal: false)])
        #expect(file.model.transitions(state: n - 1, action: 0) == [ModelOutcome(probability: 1, nextState: n - 1, reward: 0, terminal: true)])
        // Not a timing assertion: only a guard that the parser did not go quadratic
        // (4e8 string comparisons), with a wide margin for a loaded debug build.
        #expect(elapsed < .seconds(60))
    }

    @Test func episodesThatCanNeverEndAreRefused() throws {
        let text = "states: 2\nactions: 1\nstart: 0\ntransitions:\n  - {state: 0, action: 0, next: 1}\n  - {state: 1, action: 0, next: 0, reward: 1}\n"
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cycle-\(UUID().uuidString).yml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let env = try EnvironmentRegistry.shared.make(url.path)
        #expect(throws: EnvironmentError(.invalidState, "\(url.path) can never end an episode: no terminal state is reachable from a start state and it has no time limit; add a terminal transition or max_episode_steps to the file, or pass max_episode_steps=N as an option")) {
            try EpisodeEnding.requireEnding(env)
        }
        // A time limit makes it fine.
        try EpisodeEnding.requireEnding(try EnvironmentRegistry.shared.make(url.path, options: ["max_episode_steps": "10"]))
        try EpisodeEnding.requireEnding(try EnvironmentRegistry.shared.make("FrozenLake-v1"))
    }

    @Test func statesThatAreNotFiniteAreRefused() throws {
        let env = try EnvironmentRegistry.shared.make("CartPole-v1")
        try env.reset(seed: 0)
        let stateful = try #require(env.unwrapped as? InternalStateEnvironment)
        #expect(throws: EnvironmentError(.invalidState, "CartPole state value 3 (of x, x_dot, theta, theta_dot) is nan; a state must be finite numbers")) {
            try stateful.setInternalState([0, 0, .nan, 0])
        }
        #expect(throws: EnvironmentError(.invalidState, "CartPole state value 1 (of x, x_dot, theta, theta_dot) is inf; a state must be finite numbers")) {
            try stateful.setInternalState([.infinity, 0, 0, 0])
        }
    }

    @Test func tooManyVectorCopiesAreRefused() throws {
        let count = 1 << 50
        #expect(throws: EnvironmentError(.invalidOptionValue, "\(count) environment copies (num_envs) would need \(MemoryBudget.format(count * 1024)) (\(count) x 1024 bytes), more than this machine's \(MemoryBudget.format(MemoryBudget.machineBytes)) of memory")) {
            try EnvironmentRegistry.shared.makeVector("CartPole-v1", count: count)
        }
    }
}
