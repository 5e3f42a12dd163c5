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

    /// A chain of `n` states written as `Benchmarks/large_mdp.py` writes it.
    static func chain(_ n: Int) -> String {
        var text = "name: chain-\(n)\nstates: \(n)\nactions: [left, right]\nstart: 0\nterminal_states: [\(n - 1)]\ntransitions:\n"
        text.reserveCapacity(n * 100)
        for s in 0..<(n - 1) {
            text += "  - {state: \(s), action: 0, next: \(max(s - 1, 0)), reward: 0}\n"
            text += "  - {state: \(s), action: 1, next: \(s + 1), reward: \(s + 1 == n - 1 ? 1 : 0)\(s + 1 == n - 1 ? ", terminal: true" : "")}\n"
        }
        return text
    }

    @Test func fiftyThousandStatesParseInLinearTime() throws {
        let n = 50_000
        let text = Self.chain(n)
        let clock = ContinuousClock(), start = clock.now
        let file = try TabularMDPFile.parse(text, path: "chain.yml")
        let elapsed = clock.now - start
        #expect(TabularMDPFile.parsedByFlowRows(Self.chain(20), path: "chain.yml") != nil)
        #expect(file.model.stateCount == n && file.model.rowCount == 2 * (n - 1) + 2)
        #expect(file.model.transitions(state: n - 2, action: 1) == [ModelOutcome(probability: 1, nextState: n - 1, reward: 1, terminal: true)])
        #expect(file.model.transitions(state: 17, action: 0) == [ModelOutcome(probability: 1, nextState: 16, reward: 0, terminal: false)])
        // Not a benchmark: a quadratic parser (a search per row: 2.5e9 string comparisons)
        // cannot pass, nor one that resolves YAML tags by regular expressions for every row
        // (about 7 s per 5e4 states in a release build, far more in a debug one); this one
        // takes a few seconds in a loaded debug build (1e6 states: seconds in release).
        #expect(elapsed < .seconds(30), "\(elapsed)")
    }

    /// Files whose rows are one flow mapping per line are read from the text (the fast
    /// path); the same model written in block style is read by YAML: both give the same
    /// model, names and limits, on generated files.
    @Test func flowRowsReadTheModelYAMLReads() throws {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        let numbers = ["0", "1", "-1", "0.5", "2.5e-3", "+3", "1e3", "-0.25", ".5", "7"]
        for trial in 0..<40 {
            let stateCount = 2 + next(12), actionCount = 1 + next(3)
            let named = next(2) == 0
            let stateName = { (s: Int) in named ? "s_\(s)" : String(s) }
            let actionNames = (0..<actionCount).map { "a\($0)" }
            let terminalState = stateCount - 1
            var flow = "name: trial-\(trial)\n"
            flow += "states: " + (named ? "[" + (0..<stateCount).map(stateName).joined(separator: ", ") + "]" : String(stateCount)) + "\n"
            flow += "actions: [" + actionNames.joined(separator: ", ") + "]\nstart: \(stateName(0))\n"
            flow += "terminal_states: [\(stateName(terminalState))]\n"
            var block = flow
            flow += "transitions:\n"
            block += "transitions:\n"
            for s in 0..<terminalState {
                for a in 0..<actionCount {
                    let outcomes = 1 + next(3)
                    for k in 0..<outcomes {
                        var fields = [("state", stateName(s)), ("action", next(2) == 0 ? actionNames[a] : String(a)),
                                      ("next", next(2) == 0 ? stateName(next(stateCount)) : String(next(stateCount)))]
                        if outcomes > 1 { fields.append(("probability", k == 0 ? "0.5" : (outcomes == 2 ? "0.5" : "0.25"))) }
                        if next(2) == 0 { fields.append(("reward", numbers[next(numbers.count)])) }
                        if next(3) == 0 { fields.append(("terminal", next(2) == 0 ? "true" : "false")) }
                        // Any order of the fields.
                        for i in stride(from: fields.count - 1, to: 0, by: -1) { fields.swapAt(i, next(i + 1)) }
                        flow += "  - {" + fields.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}\n"
                        block += "  - " + fields.map { "\($0.0): \($0.1)" }.joined(separator: "\n    ") + "\n"
                    }
                }
            }
            flow += "max_episode_steps: \(10 + trial)\n"
            block += "max_episode_steps: \(10 + trial)\n"
            #expect(TabularMDPFile.parsedByFlowRows(block, path: "block.yml") == nil)
            let fast = try #require(TabularMDPFile.parsedByFlowRows(flow, path: "flow.yml"), "trial \(trial): not read by the fast path")
            let yaml = try TabularMDPFile.parse(block, path: "block.yml")
            #expect(fast.model == yaml.model, "trial \(trial)")
            #expect(fast.stateNames == yaml.stateNames && fast.actionNames == yaml.actionNames && fast.maxEpisodeSteps == 10 + trial)
        }
    }

    /// Rows the fast path does not take (quoted or YAML-only scalars, comments, duplicates)
    /// go to YAML, which reads them as YAML does.
    @Test func rowsOutsideTheFastFormAreReadByYAML() throws {
        let head = "states: 3\nactions: 2\nstart: 0\nterminal_states: [2]\ntransitions:\n"
        let rows = [
            "  - {state: \"0\", action: 0x1, next: 1}",         // quoted, hexadecimal
            "  - {state: 0, action: 0, next: 1_0, reward: 1}",   // 1_0 is YAML's 10: unknown
        ]
        let hex = head + rows[0] + "\n  - {state: 0, action: 0, next: 0}\n  - {state: 1, action: 0, next: 2}\n  - {state: 1, action: 1, next: 2} # done\n"
        #expect(TabularMDPFile.parsedByFlowRows(hex, path: "hex.yml") == nil)
        let model = try TabularMDPFile.parse(hex, path: "hex.yml").model
        #expect(model.transitions(state: 0, action: 1) == [ModelOutcome(probability: 1, nextState: 1, reward: 0, terminal: false)])
        let underscore = head + rows[1] + "\n"
        #expect(throws: EnvironmentError(.malformedFile, "u.yml:6: unknown state '1_0'; states are 0...2")) {
            try TabularMDPFile.parse(underscore, path: "u.yml")
        }
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
