import Foundation
import LabCore
import Testing
@testable import Agents
import Gym

/// Issue 15: planners never report non-convergence or overflow as a solution; saved
/// files are checked before conversion; sizes are bounded before allocating; episodes
/// that never end stop with an error.
@Suite struct AgentsHostileInputTests {
    static func loop(reward: Double) -> CompactModel {
        CompactModel(stateCount: 1, actionCount: 1) { _, _ in [ModelOutcome(probability: 1, nextState: 0, reward: reward, terminal: false)] }
    }

    @Test func valueIterationRefusesToReportNonConvergence() throws {
        #expect(throws: PlanningError.notConverged(method: "value iteration", sweeps: 1000, delta: 1, theta: 1e-8, gamma: 1)) {
            try DynamicProgramming.valueIteration(Self.loop(reward: 1), gamma: 1, theta: 1e-8, maxSweeps: 1000)
        }
        let error = PlanningError.notConverged(method: "value iteration", sweeps: 1000, delta: 1, theta: 1e-8, gamma: 1)
        #expect(error.description == "value iteration did not converge: after 1000 sweeps values still change by 1.0 (theta 1e-08); with gamma = 1 a cycle that never reaches a terminal state can have unbounded values: use gamma < 1, or give the cycle a way out")
        // A reward-free cycle with gamma 1 converges (V = 0) and is fine.
        #expect(try DynamicProgramming.valueIteration(Self.loop(reward: 0), gamma: 1, theta: 1e-8).values == [0])
    }

    @Test func valueIterationRefusesOverflowAndNaN() throws {
        #expect(throws: PlanningError.nonFinite(method: "value iteration", state: 0, value: .infinity, sweep: 2)) {
            try DynamicProgramming.valueIteration(Self.loop(reward: 1e308), gamma: 0.99, theta: 1e-8)
        }
        #expect(PlanningError.nonFinite(method: "value iteration", state: 0, value: .infinity, sweep: 2).description
            == "value iteration: the value of state 0 became inf at sweep 2 (rewards too large for a double, or a NaN in the model); these values are not a solution")
        do {
            _ = try DynamicProgramming.valueIteration(Self.loop(reward: .nan), gamma: 0.9, theta: 1e-8)
            Issue.record("a NaN reward gave a solution")
        } catch let PlanningError.nonFinite(_, state, value, sweep) {
            #expect(state == 0 && value.isNaN && sweep == 1)
        }
        #expect(throws: PlanningError.self) { try DynamicProgramming.policyIteration(Self.loop(reward: 1e308), gamma: 0.99, theta: 1e-8) }
        #expect(throws: PlanningError.notConverged(method: "policy iteration's evaluation of its final policy", sweeps: 500, delta: 1, theta: 1e-8, gamma: 1)) {
            try DynamicProgramming.policyIteration(Self.loop(reward: 1), gamma: 1, theta: 1e-8, maxEvaluationSweeps: 500)
        }
    }

    @Test func savedPolicyEntriesAreCheckedBeforeConversion() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("policy-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        for (bad, text) in [(1.7, "1.7"), (-0.5, "-0.5"), (1e300, "1e+300"), (4, "4.0")] {
            try AgentState.save(["policy": ([0, bad, 2], [3])], agent: "value-iteration", to: url)
            let state = try AgentState.load(from: url, agent: "value-iteration")
            do {
                _ = try state.indices("policy", shape: [3], below: 4, what: "an action")
                Issue.record("\(bad) was accepted as an action")
            } catch {
                #expect("\(error)" == "\(url.path): 'policy' entry 1 is \(text), not an action in 0..<4")
            }
        }
        try AgentState.save(["policy": ([0, .nan, 2], [3])], agent: "value-iteration", to: url)
        #expect(throws: CheckpointError("\(url.path): tensor 'policy' holds nan at index 1; a file with values that are not finite (from a run that diverged, or damaged) cannot be loaded")) {
            try AgentState.load(from: url, agent: "value-iteration")
        }
        try AgentState.save(["policy": ([0, 3, 2], [3])], agent: "value-iteration", to: url)
        #expect(try AgentState.load(from: url, agent: "value-iteration").indices("policy", shape: [3], below: 4, what: "an action") == [0, 3, 2])
    }

    @Test func allocationSizesAreBoundedBeforeAllocating() throws {
        let machine = MemoryBudget.format(MemoryBudget.machineBytes)
        let capacity = 1_000_000_000_000_000
        let bytes = capacity * 4 * 2 * 4 + capacity * 4 + capacity * 2 * 4
        #expect(throws: ConfigurationError("replay buffer (buffer_size \(capacity) x observations of 4 numbers) would need \(MemoryBudget.format(bytes)), more than this machine's \(machine) of memory; choose a smaller buffer_size")) {
            try ReplayBuffer(capacity: capacity, observationSize: 4)
        }
        #expect(throws: ConfigurationError("replay buffer (buffer_size \(Int.max / 2) x observations of 4 numbers) would need \(Int.max / 2) x 4 x 2 x 4 bytes, more than 2^63 (a 64-bit size overflows); this machine has \(machine); choose a smaller buffer_size")) {
            try ReplayBuffer(capacity: Int.max / 2, observationSize: 4)
        }
        let wide = 1 << 40
        #expect(throws: ConfigurationError.self) {
            try MultilayerPerceptron(inputSize: 4, hiddenSizes: [wide, wide], outputSize: 2, activation: .relu, source: try RandomSource(seed: 0))
        }
        do {
            _ = try MultilayerPerceptron(inputSize: 4, hiddenSizes: [1 << 20, 1 << 20], outputSize: 2, activation: .relu, source: try RandomSource(seed: 0))
            Issue.record("a 2^40-weight network was accepted")
        } catch {
            #expect("\(error)".hasPrefix("a network of layer sizes [4, 1048576, 1048576, 2] would need 16.0 TiB, more than this machine's"))
            #expect("\(error)".hasSuffix("of memory; choose a smaller net_arch"))
        }
        #expect(throws: MemoryLimitError.self) { try RolloutBuffer(steps: 2048, copies: 1 << 40, observationSize: 4, actionSize: 1) }
        #expect(throws: ConfigurationError.self) {
            try Discretizer(space: .box(Box(low: [Float](repeating: -1, count: 8), high: [Float](repeating: 1, count: 8))),
                            bins: [1000], lows: [], highs: [], velocityBound: 1)
        }
    }

    @Test func anEpisodeThatNeverEndsStopsWithAnError() throws {
        // A chain whose terminal state is reachable (going right), walked by a policy that
        // only goes left, with no time limit.
        let text = "states: 3\nactions: [left, right]\nstart: 0\nterminal_states: [2]\ntransitions:\n"
            + "  - {state: 0, action: left, next: 0}\n  - {state: 0, action: right, next: 1}\n"
            + "  - {state: 1, action: left, next: 0}\n  - {state: 1, action: right, next: 2, reward: 1}\n"
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("chain-\(UUID().uuidString).yml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let env = try EnvironmentRegistry.shared.make(url.path)
        let loop = EpisodeLoop(environment: env, budget: .episodes(1), seed: 0)
        #expect(throws: EnvironmentError(.invalidState, "episode 0 of \(url.path) took 1000000 steps without ending and \(url.path) has no time limit: the policy may never reach a terminal state; pass max_episode_steps=N as an option to bound episodes")) {
            try loop.run(policy: { _ in .discrete(0) })
        }
        // Without any reachable terminal state the loop refuses before the first step.
        let cycle = "states: 2\nactions: 1\nstart: 0\ntransitions:\n  - {state: 0, action: 0, next: 1}\n  - {state: 1, action: 0, next: 0}\n"
        try cycle.write(to: url, atomically: true, encoding: .utf8)
        let endless = EpisodeLoop(environment: try EnvironmentRegistry.shared.make(url.path), budget: .episodes(1), seed: 0)
        #expect(throws: EnvironmentError.self) { try endless.run(policy: { _ in .discrete(0) }) }
        #expect(endless.totalSteps == 0)
    }
}
