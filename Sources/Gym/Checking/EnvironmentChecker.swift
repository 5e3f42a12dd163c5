import Foundation
import LabCore

/// The outcome of one check of ``EnvironmentChecker``.
public struct EnvironmentCheck: Equatable, Sendable {
    /// Whether the check passed, failed, or does not apply to the environment.
    public enum Outcome: String, Equatable, Sendable {
        case passed = "pass"
        case failed = "fail"
        case skipped = "skip"
    }

    /// The check's name, e.g. `reset-seed` (stable; tests and scripts match on it).
    public let name: String
    /// The outcome.
    public let outcome: Outcome
    /// What was found: the evidence for a pass, the reason for a failure or a skip.
    public let detail: String

    static func passed(_ name: String, _ detail: String) -> EnvironmentCheck { EnvironmentCheck(name: name, outcome: .passed, detail: detail) }
    static func failed(_ name: String, _ detail: String) -> EnvironmentCheck { EnvironmentCheck(name: name, outcome: .failed, detail: detail) }
    static func skipped(_ name: String, _ detail: String) -> EnvironmentCheck { EnvironmentCheck(name: name, outcome: .skipped, detail: detail) }
}

/// Every check's outcome for one environment.
public struct EnvironmentCheckReport: Sendable {
    /// The checks in the order they ran.
    public let checks: [EnvironmentCheck]

    /// Whether no check failed.
    public var passed: Bool { !checks.contains { $0.outcome == .failed } }

    /// The failed checks.
    public var failures: [EnvironmentCheck] { checks.filter { $0.outcome == .failed } }

    /// The check named `name`, if it ran.
    public func check(_ name: String) -> EnvironmentCheck? { checks.first { $0.name == name } }
}

/// Gymnasium's `check_env` for RLLab environments (built-in, files, or your own Swift
/// types): it makes the environment, resets and steps it, and reports each property
/// with pass, fail or skip.
///
/// ```swift
/// let report = EnvironmentChecker.check { MyEnvironment() }
/// for check in report.checks { print(check.outcome.rawValue, check.name, check.detail) }
/// ```
///
/// The checks, by name:
/// - `make`: the environment can be made (ids and files: the registry or the file parser
///   accepts it).
/// - `spaces`: box bounds are numbers with `low <= high`.
/// - `reset-seed`: `reset(seed: 42)` twice gives the same observation and info, and so
///   does `reset()` after each of them (Gymnasium's `check_reset_seed_determinism`).
/// - `observation-space`: every observation of `reset` and of a few hundred random steps
///   lies in the observation space.
/// - `step-returns`: rewards are finite and observations have the space's form.
/// - `action-samples`: actions sampled from the action space lie in it and `step`
///   accepts them.
/// - `step-determinism`: two copies reset with the same seed and given the same actions
///   return identical steps (skipped for specs marked nondeterministic).
/// - `reset-options`: `reset(options: [:])` is accepted, and the reset options the
///   environment declares (``ResetOptionsDeclaring``) have their declared effect.
/// - `model`: for an environment with a transition model (Gymnasium's `P`):
///   probabilities are non-negative and sum to 1 per state and action, next states are
///   in range, rewards are finite, the start distribution is one, and a state whose
///   every outcome is terminal is absorbing (`(1.0, s, 0, terminal)`, as FrozenLake's
///   holes).
/// - `model-matches-steps`: the random steps are outcomes the model gives positive
///   probability, and reset states are possible starts (discrete observations are
///   state indices, as in Gymnasium's toy-text environments).
/// - `episode-end`: an episode can end: a terminal outcome is reachable from a start
///   state (models), a random episode terminated, or a time limit is set.
public enum EnvironmentChecker {
    /// The seed of every seeded reset and of the action sampling.
    public static let seed: UInt64 = 42

    /// Checks the environment `id` (a registered id or an environment file) made with
    /// keyword `options`, as `gymnasium.make(id, **options)` would be checked.
    public static func check(id: String, options: [String: String] = [:],
                             registry: EnvironmentRegistry = .shared, steps: Int = 2000) -> EnvironmentCheckReport {
        do {
            let nondeterministic = try registry.resolve(id).nondeterministic
            return check(nondeterministic: nondeterministic, steps: steps) { try registry.make(id, options: options) }
        } catch {
            return EnvironmentCheckReport(checks: [.failed("make", "\(error)")])
        }
    }

    /// Checks the environments `make` creates (it is called twice, for two copies).
    ///
    /// - Parameters:
    ///   - nondeterministic: Whether the environment is random even after seeding
    ///     (Gymnasium's `spec.nondeterministic`): determinism checks are then skipped.
    ///   - steps: The number of random steps taken (over several episodes).
    public static func check(nondeterministic: Bool = false, steps: Int = 2000,
                             make: () throws -> Environment) -> EnvironmentCheckReport {
        let env: Environment
        do {
            env = try make()
        } catch {
            return EnvironmentCheckReport(checks: [.failed("make", "\(error)")])
        }
        // The checks that use the environment run in the order they are listed.
        let made = EnvironmentCheck.passed(
            "make", "observation space \(env.observationSpace), action space \(env.actionSpace)")
        let spaces = checkSpaces(env)
        let resetSeed = guarded("reset-seed") { try checkResetSeed(env, nondeterministic: nondeterministic) }
        let rollout = Rollout(env, steps: steps)
        let model = (env.unwrapped as? TabularModelEnvironment)?.transitionModel
        return EnvironmentCheckReport(checks: [made, spaces, resetSeed] + rollout.stepChecks + [
            guarded("step-determinism") {
                nondeterministic
                    ? .skipped("step-determinism", "the spec marks the environment nondeterministic")
                    : try checkStepDeterminism(make: make, steps: min(steps, 500))
            },
            guarded("reset-options") { try checkResetOptions(env) },
            checkModel(model), rollout.modelCheck(model), checkEpisodeEnd(env, model: model, rollout: rollout),
        ])
    }

    // MARK: The checks

    /// Runs `body`; an error it throws fails the check `name`.
    private static func guarded(_ name: String, _ body: () throws -> EnvironmentCheck) -> EnvironmentCheck {
        do {
            return try body()
        } catch {
            return .failed(name, "\(error)")
        }
    }

    static func checkSpaces(_ env: Environment) -> EnvironmentCheck {
        var problems: [String] = []
        for (what, space) in [("observation", env.observationSpace), ("action", env.actionSpace)] {
            // Box's initializers already make the bound counts match the shape.
            guard case .box(let box) = space,
                  let i = box.low.indices.first(where: { !(box.low[$0] <= box.high[$0]) }) else { continue }
            problems.append("\(what) space element \(i): low \(box.low[i]) is not <= high \(box.high[i])")
        }
        return problems.isEmpty
            ? .passed("spaces", "bounds are ordered numbers")
            : .failed("spaces", problems.joined(separator: "; "))
    }

    static func checkResetSeed(_ env: Environment, nondeterministic: Bool) throws -> EnvironmentCheck {
        let name = "reset-seed"
        let first = try env.reset(seed: seed, options: nil)
        let next = try env.reset(seed: nil, options: nil)
        let again = try env.reset(seed: seed, options: nil)
        let nextAgain = try env.reset(seed: nil, options: nil)
        if nondeterministic {
            return .skipped(name, "the spec marks the environment nondeterministic")
        }
        guard same(first.observation, again.observation) else {
            return .failed(name, "reset(seed: \(seed)) twice gave different observations: \(first.observation) and \(again.observation)")
        }
        guard first.info == again.info else {
            return .failed(name, "reset(seed: \(seed)) twice gave different info: \(first.info) and \(again.info)")
        }
        guard same(next.observation, nextAgain.observation), next.info == nextAgain.info else {
            return .failed(name, "reset(seed: \(seed)) then reset() gave different observations or info: \(next.observation) and \(nextAgain.observation)")
        }
        return .passed(name, "reset(seed: \(seed)) and the reset() after it repeat exactly")
    }

    static func checkStepDeterminism(make: () throws -> Environment, steps: Int) throws -> EnvironmentCheck {
        let name = "step-determinism"
        let a = try make(), b = try make()
        let actions = try RandomSource(seed: seed)
        var episodeSeed = seed
        var resetA = try a.reset(seed: episodeSeed, options: nil), resetB = try b.reset(seed: episodeSeed, options: nil)
        guard same(resetA.observation, resetB.observation) else {
            return .failed(name, "two copies reset with seed \(episodeSeed) start from different observations: \(resetA.observation) and \(resetB.observation)")
        }
        for step in 0..<steps {
            let action = a.actionSpace.sample(using: actions)
            let ra = try a.step(action), rb = try b.step(action)
            guard same(ra.observation, rb.observation), ra.reward.bitPattern == rb.reward.bitPattern,
                  ra.terminated == rb.terminated, ra.truncated == rb.truncated, ra.info == rb.info else {
                return .failed(name, "two copies from equal states differ at step \(step + 1) (action \(action)): observation \(ra.observation) / \(rb.observation), reward \(ra.reward) / \(rb.reward), terminated \(ra.terminated) / \(rb.terminated), truncated \(ra.truncated) / \(rb.truncated)")
            }
            if ra.terminated || ra.truncated {
                episodeSeed += 1
                resetA = try a.reset(seed: episodeSeed, options: nil)
                resetB = try b.reset(seed: episodeSeed, options: nil)
                guard same(resetA.observation, resetB.observation) else {
                    return .failed(name, "two copies reset with seed \(episodeSeed) start from different observations")
                }
            }
        }
        return .passed(name, "two copies gave identical results over \(steps) steps with the same seeds and actions")
    }

    static func checkResetOptions(_ env: Environment) throws -> EnvironmentCheck {
        let name = "reset-options"
        let plain = try env.reset(seed: seed, options: [:])
        guard env.observationSpace.contains(plain.observation) else {
            return .failed(name, "reset(options: [:]) returned \(plain.observation), outside the observation space")
        }
        guard let declaring = env.unwrapped as? ResetOptionsDeclaring else {
            return .passed(name, "reset accepts empty options; the environment declares no reset options")
        }
        var honoured: [String] = []
        for probe in declaring.resetOptionProbes {
            let keys = probe.options.keys.sorted().map { "\($0)=\(probe.options[$0]!)" }.joined(separator: ", ")
            let result = try env.reset(seed: seed, options: probe.options)
            guard probe.holds(result.observation) else {
                return .failed(name, "reset(options: \(keys)) returned \(result.observation); expected \(probe.expectation): the option is ignored")
            }
            honoured.append(keys)
        }
        return .passed(name, honoured.isEmpty ? "reset accepts empty options" : "honoured: \(honoured.joined(separator: "; "))")
    }

    static func checkModel(_ model: TransitionModel?) -> EnvironmentCheck {
        let name = "model"
        guard let model else {
            return .skipped(name, "the environment has no transition model")
        }
        func fail(_ detail: String) -> EnvironmentCheck { .failed(name, detail) }
        let start = model.initialStateDistribution
        if let s = start.firstIndex(where: { !($0 >= 0) || !$0.isFinite }) {
            return fail("the start probability of state \(s) is \(start[s])")
        }
        let startTotal = start.reduce(0, +)
        guard abs(startTotal - 1) <= 1e-9 else { return fail("start probabilities sum to \(startTotal), not 1") }
        for s in 0..<model.stateCount {
            var allTerminal = true
            var absorbing = true
            for a in 0..<model.actionCount {
                // TransitionModel's initializer has already refused empty pairs and next
                // states out of range.
                var total = 0.0
                for (i, row) in model.transitions(state: s, action: a).enumerated() {
                    guard row.probability >= 0, row.probability.isFinite else {
                        return fail("P[\(s)][\(a)] row \(i) has probability \(row.probability)")
                    }
                    guard row.reward.isFinite else { return fail("P[\(s)][\(a)] row \(i) has reward \(row.reward)") }
                    total += row.probability
                    if !row.terminal { allTerminal = false }
                    if row.probability > 0 && (row.nextState != s || row.reward != 0) { absorbing = false }
                }
                guard abs(total - 1) <= 1e-9 else {
                    return fail("the probabilities of P[\(s)][\(a)] sum to \(total), not 1")
                }
            }
            if allTerminal && !absorbing {
                return fail("every outcome of state \(s) is terminal but it is not absorbing: a terminal state's rows must be (1.0, \(s), 0, terminal)")
            }
        }
        return .passed(name, "\(model.stateCount) states x \(model.actionCount) actions, \(model.rowCount) rows: probabilities sum to 1, next states in range, terminal states absorbing")
    }

    static func checkEpisodeEnd(_ env: Environment, model: TransitionModel?, rollout: Rollout) -> EnvironmentCheck {
        let name = "episode-end"
        let limit = EpisodeEnding.timeLimit(of: env)
        if let model {
            if let reachable = EpisodeEnding.reachableTerminal(model) {
                return .passed(name, "a terminal outcome is reachable from a start state (from state \(reachable.state), action \(reachable.action))")
            }
            if let limit {
                return .passed(name, "no terminal outcome is reachable; the time limit (\(limit) steps) ends episodes")
            }
            return .failed(name, "no terminal outcome is reachable from the start states and no time limit is set: episodes never end (add a terminal transition, or max_episode_steps)")
        }
        if let limit {
            return .passed(name, "a time limit of \(limit) steps is set" + (rollout.terminations > 0 ? "; \(rollout.terminations) random episodes terminated" : ""))
        }
        if rollout.terminations > 0 {
            return .passed(name, "\(rollout.terminations) random episodes terminated")
        }
        return .failed(name, "no random episode terminated in \(rollout.steps) steps and no time limit is set (set max_episode_steps)")
    }

    // MARK: Helpers

    /// Bit-for-bit equality of observations (so NaN equals NaN and -0.0 differs from 0.0).
    static func same(_ a: Observation, _ b: Observation) -> Bool {
        switch (a, b) {
        case (.discrete(let x), .discrete(let y)): return x == y
        case (.vector(let x), .vector(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0.bitPattern == $1.bitPattern }
        default: return false
        }
    }
}

/// Random episodes through an environment, recording what the per-step checks need.
struct Rollout {
    let steps: Int
    private(set) var terminations = 0
    private var observationProblem: String?
    private var stepProblem: String?
    private var actionProblem: String?
    private var error: String?
    /// (state, action, outcome) triples and reset states, for the model check.
    private var transitions: [(state: Int, action: Int, result: StepResult)] = []
    private var resets: [Int] = []
    private var observations = 0

    init(_ env: Environment, steps: Int) {
        self.steps = steps
        do {
            try run(env)
        } catch {
            self.error = "\(error)"
        }
    }

    private mutating func run(_ env: Environment) throws {
        let random = try RandomSource(seed: EnvironmentChecker.seed)
        let space = env.observationSpace
        let episodeCap = 1000
        var episodeSeed = EnvironmentChecker.seed
        var observation = try env.reset(seed: episodeSeed, options: nil).observation
        note(observation, space: space, after: "reset(seed: \(episodeSeed))")
        if case .discrete(let s) = observation { resets.append(s) }
        var length = 0
        for step in 0..<steps {
            let action = env.actionSpace.sample(using: random)
            if actionProblem == nil && !env.actionSpace.contains(action) {
                actionProblem = "the sampled action \(action) is outside the action space \(env.actionSpace)"
            }
            let result: StepResult
            do {
                result = try env.step(action)
            } catch {
                actionProblem = actionProblem ?? "step(\(action)) with a sampled action threw: \(error)"
                return
            }
            length += 1
            note(result.observation, space: space, after: "step \(step + 1)")
            if stepProblem == nil && !result.reward.isFinite {
                stepProblem = "step \(step + 1) returned the reward \(result.reward)"
            }
            if case .discrete(let s) = observation, case .discrete(let a) = action {
                transitions.append((s, a, result))
            }
            observation = result.observation
            if result.terminated { terminations += 1 }
            if result.terminated || result.truncated || length >= episodeCap {
                episodeSeed += 1
                observation = try env.reset(seed: episodeSeed, options: nil).observation
                note(observation, space: space, after: "reset(seed: \(episodeSeed))")
                if case .discrete(let s) = observation { resets.append(s) }
                length = 0
            }
        }
    }

    private mutating func note(_ observation: Observation, space: Space, after: String) {
        observations += 1
        if stepProblem == nil {
            switch (space, observation) {
            case (.discrete, .vector(let v)):
                stepProblem = "\(after) returned the vector observation \(v) for the discrete space \(space)"
            case (.box, .discrete(let s)):
                stepProblem = "\(after) returned the discrete observation \(s) for the box space \(space)"
            case (.box(let box), .vector(let v)) where v.count != box.count:
                stepProblem = "\(after) returned \(v.count) observation values for the space \(space) of \(box.count)"
            default:
                break
            }
        }
        if observationProblem == nil && !space.contains(observation) {
            observationProblem = "\(after) returned \(observation), outside the observation space \(space)"
        }
    }

    /// The checks `observation-space`, `step-returns` and `action-samples`, in that order.
    var stepChecks: [EnvironmentCheck] {
        [outcome("observation-space", observationProblem,
                 passed: "\(observations) observations from reset and \(steps) random steps lie in the space"),
         outcome("step-returns", stepProblem, passed: "finite rewards and observations of the space's form"),
         outcome("action-samples", actionProblem, passed: "\(steps) sampled actions lie in the action space and were accepted")]
    }

    private func outcome(_ name: String, _ problem: String?, passed detail: String) -> EnvironmentCheck {
        if let problem { return .failed(name, problem) }
        if let error { return .failed(name, "the random episodes stopped: \(error)") }
        return .passed(name, detail)
    }

    func modelCheck(_ model: TransitionModel?) -> EnvironmentCheck {
        let name = "model-matches-steps"
        guard let model else {
            return .skipped(name, "the environment has no transition model")
        }
        if let error { return .failed(name, "the random episodes stopped: \(error)") }
        for s in resets where !(s >= 0 && s < model.stateCount && model.initialStateDistribution[s] > 0) {
            return .failed(name, "reset returned state \(s), which the start distribution does not give")
        }
        for (s, a, result) in transitions {
            guard s >= 0, s < model.stateCount, a >= 0, a < model.actionCount, case .discrete(let next) = result.observation else {
                return .failed(name, "step from state \(s) with action \(a) is outside the model's states and actions")
            }
            let possible = model.transitions(state: s, action: a).contains {
                $0.probability > 0 && $0.nextState == next && $0.reward == result.reward && $0.terminal == result.terminated
            }
            guard possible else {
                return .failed(name, "step from state \(s) with action \(a) gave (next \(next), reward \(result.reward), terminated \(result.terminated)), which no row of P[\(s)][\(a)] gives")
            }
        }
        return .passed(name, "\(transitions.count) random steps and \(resets.count) resets are outcomes of the model")
    }
}
