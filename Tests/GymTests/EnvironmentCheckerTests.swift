import Foundation
import LabCore
import Testing
@testable import Gym

/// `EnvironmentChecker` (`rllab check`): every built-in environment and example file
/// passes; each broken environment fails, and fails on the check that names its flaw.
@Suite struct EnvironmentCheckerTests {
    /// The names of the failed checks.
    static func failures(_ report: EnvironmentCheckReport) -> [String] {
        report.failures.map(\.name)
    }

    @Test func everyBuiltInEnvironmentPasses() {
        for spec in EnvironmentRegistry.shared.specs {
            let report = EnvironmentChecker.check(id: spec.id, steps: 1000)
            #expect(report.passed, "\(spec.id): \(report.failures.map { "\($0.name): \($0.detail)" })")
            #expect(report.checks.count == 11, "\(spec.id)")
        }
    }

    @Test func classicControlResetOptionsAreChecked() {
        for id in ["CartPole-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Acrobot-v1", "Pendulum-v1"] {
            let check = EnvironmentChecker.check(id: id, steps: 10).check("reset-options")
            #expect(check?.outcome == .passed && check?.detail.contains("honoured") == true, "\(id): \(String(describing: check))")
        }
        let model = EnvironmentChecker.check(id: "FrozenLake-v1", steps: 10).check("model")
        #expect(model?.outcome == .passed)
        #expect(EnvironmentChecker.check(id: "CartPole-v1", steps: 10).check("model")?.outcome == .skipped)
    }

    @Test func exampleFilesPass() {
        for name in ["maze.txt", "chain.yml", "two_state.json"] {
            let report = EnvironmentChecker.check(id: envsPath(name), steps: 1000)
            #expect(report.passed, "\(name): \(report.failures.map { "\($0.name): \($0.detail)" })")
        }
    }

    // MARK: Broken Swift environments

    /// A one-dimensional walk (Box observation, two actions) with one deliberate flaw.
    final class Walk: ResetOptionsDeclaring {
        enum Flaw { case none, resetIgnoresSeed, unseededResetIgnoresStream, observationOutOfSpace, nanReward,
                    randomStep, rejectsLastAction, ignoresResetOptions, neverEnds }
        let flaw: Flaw
        let observationSpace: Space = .box(Box(low: [-10], high: [10]))
        let actionSpace: Space = .discrete(Discrete(2))
        var x = 0.0
        let random = EnvironmentRandom()

        init(_ flaw: Flaw) { self.flaw = flaw }

        var resetOptionProbes: [ResetOptionProbe] { [.resetBounds(low: 3, high: 3.5, indices: [0])] }

        func reset(seed: UInt64?, options: Info?) throws -> (observation: Observation, info: Info) {
            switch flaw {
            case .resetIgnoresSeed:
                var system = SystemRandomNumberGenerator()
                try random.reseed(system.next())
            case .unseededResetIgnoresStream:
                var system = SystemRandomNumberGenerator()
                try random.reseed(seed ?? system.next())
            default:
                try random.reseed(seed)
            }
            var (low, high) = try resetBounds(options, defaultLow: -1, defaultHigh: 1)
            if flaw == .ignoresResetOptions { (low, high) = (-1, 1) }
            x = random.source.uniform(low, high)
            return (.vector([Float(x)]), [:])
        }

        func step(_ action: Action) throws -> StepResult {
            guard case .discrete(let a) = action, a == 0 || a == 1 else { throw EnvironmentError.invalidAction(action, space: actionSpace) }
            if flaw == .rejectsLastAction && a == 1 {
                throw EnvironmentError(.invalidAction, "Walk does not take action 1")
            }
            var noise = random.source.uniform(-0.5, 0.5)
            if flaw == .randomStep { noise = Double.random(in: -0.5..<0.5) }
            x += (a == 1 ? 1 : -1) + noise
            let terminated = flaw != .neverEnds && abs(x) >= 5
            if flaw == .neverEnds { x = max(-4, min(4, x)) }
            let observed: Float = flaw == .observationOutOfSpace ? Float(x * 3) : Float(x)
            return StepResult(observation: .vector([observed]), reward: flaw == .nanReward && abs(x) > 2 ? .nan : 1,
                              terminated: terminated, truncated: false)
        }
    }

    /// Checks `Walk(flaw)` wrapped as the registry wraps it (no time limit).
    static func checkWalk(_ flaw: Walk.Flaw) -> EnvironmentCheckReport {
        EnvironmentChecker.check(steps: 500) { OrderEnforcing(Walk(flaw)) }
    }

    @Test func aSoundSwiftEnvironmentPasses() {
        let report = Self.checkWalk(.none)
        #expect(report.passed, "\(report.failures)")
        #expect(report.check("episode-end")?.detail.contains("terminated") == true)
    }

    @Test(arguments: [
        (Walk.Flaw.resetIgnoresSeed, "reset-seed"),
        (.unseededResetIgnoresStream, "reset-seed"),
        (.observationOutOfSpace, "observation-space"),
        (.nanReward, "step-returns"),
        (.randomStep, "step-determinism"),
        (.rejectsLastAction, "action-samples"),
        (.ignoresResetOptions, "reset-options"),
        (.neverEnds, "episode-end"),
    ])
    func eachFlawFailsItsCheck(flaw: Walk.Flaw, check: String) {
        let report = Self.checkWalk(flaw)
        let failed = Self.failures(report)
        #expect(failed.contains(check), "\(flaw): failed \(failed)")
        #expect(!report.passed)
        // The flaw is named first: no other check fails before it in the report.
        #expect(failed.first == check, "\(flaw): failed \(failed)")
    }

    @Test func aTimeLimitLetsANeverEndingEnvironmentPass() {
        let report = EnvironmentChecker.check(steps: 300) { TimeLimit(OrderEnforcing(Walk(.neverEnds)), maxEpisodeSteps: 50) }
        #expect(report.passed, "\(report.failures)")
        #expect(report.check("episode-end")?.detail.contains("time limit of 50") == true)
    }

    /// A model with `P[0][1]` summing to 0.9, and one whose environment steps elsewhere.
    static func chainModel(sum: Double = 1, terminal: Bool = true) throws -> TransitionModel {
        try TransitionModel(table: [
            [[ModelOutcome(probability: 1, nextState: 0, reward: 0, terminal: false)],
             [ModelOutcome(probability: sum, nextState: 1, reward: 0, terminal: false)]],
            [[ModelOutcome(probability: 1, nextState: 0, reward: 0, terminal: false)],
             [ModelOutcome(probability: 1, nextState: 2, reward: 1, terminal: terminal)]],
            [[ModelOutcome(probability: 1, nextState: 2, reward: 0, terminal: true)],
             [ModelOutcome(probability: 1, nextState: 2, reward: 0, terminal: true)]],
        ], initialStateDistribution: [1, 0, 0])
    }

    @Test func malformedModelRowsFailTheModelCheck() throws {
        let model = try Self.chainModel(sum: 0.9)
        let report = EnvironmentChecker.check { TimeLimit(OrderEnforcing(TabularEnvironment(name: "broken", model: model)), maxEpisodeSteps: 20) }
        #expect(Self.failures(report) == ["model"], "\(report.failures)")
        #expect(report.check("model")?.detail.contains("sum to 0.9") == true)
        let sound = try Self.chainModel()
        #expect(EnvironmentChecker.check { OrderEnforcing(TabularEnvironment(name: "chain", model: sound)) }.passed)
    }

    @Test func aModelWithoutReachableTerminalAndNoLimitFails() throws {
        // State 2 is terminal, but nothing leads to it.
        let endless = try TransitionModel(table: [
            [[ModelOutcome(probability: 1, nextState: 1, reward: 0, terminal: false)]],
            [[ModelOutcome(probability: 1, nextState: 0, reward: 1, terminal: false)]],
            [[ModelOutcome(probability: 1, nextState: 2, reward: 0, terminal: true)]],
        ], initialStateDistribution: [1, 0, 0])
        let broken = EnvironmentChecker.check { OrderEnforcing(TabularEnvironment(name: "endless", model: endless)) }
        #expect(Self.failures(broken) == ["episode-end"], "\(broken.failures)")
        let limited = EnvironmentChecker.check { TimeLimit(OrderEnforcing(TabularEnvironment(name: "endless", model: endless)), maxEpisodeSteps: 10) }
        #expect(limited.passed)
    }

    /// An environment that publishes one model and steps another.
    final class LyingModel: TabularModelEnvironment {
        let transitionModel: TransitionModel
        let inner: TabularEnvironment
        init(claimed: TransitionModel, actual: TransitionModel) {
            transitionModel = claimed
            inner = TabularEnvironment(name: "actual", model: actual)
        }
        var observationSpace: Space { inner.observationSpace }
        var actionSpace: Space { inner.actionSpace }
        func reset(seed: UInt64?, options: Info?) throws -> (observation: Observation, info: Info) { try inner.reset(seed: seed, options: options) }
        func step(_ action: Action) throws -> StepResult { try inner.step(action) }
    }

    @Test func aModelThatDisagreesWithStepsFails() throws {
        let claimed = try Self.chainModel()
        let actual = try TransitionModel(table: [
            [[ModelOutcome(probability: 1, nextState: 0, reward: 0, terminal: false)],
             [ModelOutcome(probability: 1, nextState: 1, reward: 5, terminal: false)]],
            [[ModelOutcome(probability: 1, nextState: 0, reward: 0, terminal: false)],
             [ModelOutcome(probability: 1, nextState: 2, reward: 1, terminal: true)]],
            [[ModelOutcome(probability: 1, nextState: 2, reward: 0, terminal: true)],
             [ModelOutcome(probability: 1, nextState: 2, reward: 0, terminal: true)]],
        ], initialStateDistribution: [1, 0, 0])
        let report = EnvironmentChecker.check { OrderEnforcing(LyingModel(claimed: claimed, actual: actual)) }
        #expect(Self.failures(report) == ["model-matches-steps"], "\(report.failures)")
        #expect(report.check("model-matches-steps")?.detail.contains("reward 5.0") == true)
    }

    // MARK: Broken files

    static let header = """
        states: [a, b, c]
        actions: [stay, go]
        start: a

        """

    @Test func brokenFilesFailNamingTheCheck() throws {
        let cases: [(String, String, String)] = [
            // No terminal row and no time limit: episodes never end.
            ("""
             transitions:
               - {state: a, action: stay, next: a}
               - {state: a, action: go, next: b}
               - {state: b, action: stay, next: b}
               - {state: b, action: go, next: c}
               - {state: c, action: stay, next: c}
               - {state: c, action: go, next: a, reward: 1}
             """, "episode-end", "no terminal outcome is reachable"),
            // A terminal row exists, but only from c, which nothing reaches.
            ("""
             transitions:
               - {state: a, action: stay, next: a}
               - {state: a, action: go, next: b}
               - {state: b, action: stay, next: b}
               - {state: b, action: go, next: a}
               - {state: c, action: stay, next: c}
               - {state: c, action: go, next: c, reward: 1, terminal: true}
             """, "episode-end", "no terminal outcome is reachable"),
            // c is terminal on every action but jumps back to a with a reward.
            ("""
             max_episode_steps: 50
             transitions:
               - {state: a, action: stay, next: a}
               - {state: a, action: go, next: b}
               - {state: b, action: stay, next: b}
               - {state: b, action: go, next: c, reward: 1, terminal: true}
               - {state: c, action: stay, next: a, reward: 1, terminal: true}
               - {state: c, action: go, next: a, terminal: true}
             """, "model", "not absorbing"),
            // Probabilities of (a, go) sum to 0.9: the file does not load.
            ("""
             transitions:
               - {state: a, action: stay, next: a}
               - {state: a, action: go, next: b, probability: 0.5}
               - {state: a, action: go, next: c, probability: 0.4}
               - {state: b, action: stay, next: b}
               - {state: b, action: go, next: c, terminal: true}
             terminal_states: [c]
             """, "make", "sum to 0.9"),
        ]
        for (body, check, fragment) in cases {
            let path = try temporaryFile(Self.header + body, extension: "yml")
            defer { try? FileManager.default.removeItem(atPath: path) }
            let report = EnvironmentChecker.check(id: path, steps: 300)
            #expect(Self.failures(report) == [check], "\(check): \(report.failures)")
            #expect(report.check(check)?.detail.contains(fragment) == true, "\(String(describing: report.check(check)))")
        }
    }

    @Test func unknownIdsAndBadOptionsFailTheMakeCheck() {
        let unknown = EnvironmentChecker.check(id: "CartPol-v1")
        #expect(Self.failures(unknown) == ["make"] && unknown.checks.count == 1)
        #expect(unknown.checks[0].detail.contains("CartPole-v1"))
        let badOption = EnvironmentChecker.check(id: "CartPole-v1", options: ["sutton_barto_reward": "maybe"])
        #expect(Self.failures(badOption) == ["make"])
    }
}
