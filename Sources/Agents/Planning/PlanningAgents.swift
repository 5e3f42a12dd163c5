import Foundation
import Gym
import LabCore

/// Value iteration and policy iteration as agents.
///
/// On an environment that exposes its transition model (FrozenLake, CliffWalking, Taxi,
/// file MDPs) the agent solves that model exactly, then plays its budget greedily.
/// On any other discrete-action environment it uses *certainty equivalence*: it plays
/// epsilon-greedily with respect to its current plan, counts the transitions it sees on
/// a discretized observation space, and re-solves the estimated model (empirical
/// probabilities, mean rewards, observed terminations) every `replan_every` episodes.
/// State-action pairs it has never tried keep a value of 0.
public class PlanningAgent {
    /// The solver, named as the agent that uses it.
    enum Method: String { case valueIteration = "value-iteration", policyIteration = "policy-iteration" }

    public struct Settings: LabCore.Settings {
        @Setting("gamma", help: "discount factor") public var gamma = 0.99
        @Setting("theta", help: "stop when a sweep changes no value by more than this") public var theta = 1e-12
        @Setting("bins", help: "estimated model: bins per Box dimension") public var bins = [10]
        @Setting("low", help: "estimated model: lower bounds per Box dimension ([]: the space's)") public var low: [Double] = []
        @Setting("high", help: "estimated model: upper bounds per Box dimension ([]: the space's)") public var high: [Double] = []
        @Setting("velocity_bound", help: "estimated model: bound for a dimension whose space bound is infinite") public var velocityBound = 1.0
        @Setting("replan_every", range: 1..., help: "estimated model: episodes between re-solves") public var replanEvery = 10
        @ScheduleSetting("epsilon", range: 0...1, help: "estimated model: exploration rate")
        public var epsilon = Schedule(.linear, start: 1.0, end: 0.05, fraction: 0.5)
        public init() {}
    }

    private let method: Method
    private let settings: Settings
    private let discretizer: Discretizer
    private let actionCount: Int
    private let random: RandomSource
    /// The greedy action per (discretized) state.
    public private(set) var policy: [Int]
    /// V per (discretized) state.
    public private(set) var values: [Double]
    /// Sweeps (VI) or improvement rounds (PI) of the last solve.
    public private(set) var lastIterations = 0
    /// The model estimated from experience so far (certainty equivalence), once learning began.
    var estimate: EmpiricalModel?
    /// Episodes since the estimated model was last solved.
    var episodesSincePlan = 0

    init(method: Method, environment: EnvironmentSignature, hyperparameters: Hyperparameters, random: RandomSource) throws {
        let (actions, settings, discretizer) = try Self.parts(method, environment, hyperparameters)
        self.method = method
        self.settings = settings
        self.discretizer = discretizer
        actionCount = actions.n
        self.random = random
        policy = Array(repeating: 0, count: discretizer.stateCount)
        values = Array(repeating: 0, count: discretizer.stateCount)
    }

    /// The action space, the settings and the discretizer of a planner (its sizes checked;
    /// nothing is allocated per state), checked without building the agent.
    static func parts(_ method: Method, _ environment: EnvironmentSignature, _ hyperparameters: Hyperparameters) throws
        -> (Discrete, Settings, Discretizer) {
        let actions = try environment.discreteActions(for: method.rawValue)
        let settings = try hyperparameters.settings(Settings.self)
        let discretizer = try Discretizer(space: environment.observationSpace, bins: settings.bins, lows: settings.low, highs: settings.high,
                                          velocityBound: settings.velocityBound)
        try DynamicProgramming.validate(gamma: settings.gamma, theta: settings.theta)
        return (actions, settings, discretizer)
    }

    func solve(_ model: CompactModel) throws {
        let solution = method == .valueIteration
            ? try DynamicProgramming.valueIteration(model, gamma: settings.gamma, theta: settings.theta)
            : try DynamicProgramming.policyIteration(model, gamma: settings.gamma, theta: settings.theta)
        policy = solution.policy
        values = solution.values
        lastIterations = solution.iterations
    }

    public func learn(_ loop: EpisodeLoop) throws {
        if let tabular = loop.environment.unwrapped as? TabularModelEnvironment {
            try solve(CompactModel(tabular.transitionModel))
            try loop.run(policy: { try self.act($0) })
            return
        }
        // In fields, not locals: a training checkpoint saves them (see `ResumableAgent`).
        if estimate == nil { estimate = EmpiricalModel(stateCount: discretizer.stateCount, actionCount: actionCount) }
        let explorer = EpsilonGreedy(epsilon: settings.epsilon, actionCount: actionCount, random: random)
        try loop.run(
            policy: { observation in
                if explorer.explores(at: loop.progress) { return .discrete(explorer.randomAction()) }
                return try self.act(observation)
            },
            learn: { t in
                guard case .discrete(let action) = t.action else { return }
                self.estimate?.record(
                    state: self.discretizer.index(t.observation), action: action,
                    nextState: self.discretizer.index(t.nextObservation), reward: t.reward, terminal: t.terminated)
                if t.terminated || t.truncated {
                    self.episodesSincePlan += 1
                    if self.episodesSincePlan >= self.settings.replanEvery, let model = self.estimate?.model {
                        self.episodesSincePlan = 0
                        try self.solve(model)
                    }
                }
            })
        if let model = estimate?.model { try solve(model) }
    }

    public func act(_ observation: Observation) throws -> Action {
        .discrete(policy[discretizer.index(observation)])
    }

    public func save(to url: URL) throws {
        try AgentState.save(
            ["policy": (policy.map(Double.init), [policy.count]), "values": (values, [values.count])],
            agent: method.rawValue, to: url)
    }

    public func load(from url: URL) throws {
        let state = try AgentState.load(from: url, agent: method.rawValue)
        let loadedPolicy = try state.indices("policy", shape: [policy.count], below: actionCount, what: "an action")
        values = try state.values("values", shape: [values.count])
        policy = loadedPolicy
    }
}

/// Training checkpoints: the plan, the estimated model and its counters, the exploration
/// stream. On a known model the plan is solved again on resume (the same solve gives the
/// same plan), and nothing else changes while it plays.
extension PlanningAgent {
    public func archiveTrainingState(into archive: inout StateArchive) {
        archive.set("agent.policy", ints: policy)
        archive.set("agent.values", float64: values)
        archive.set("agent.last_iterations", lastIterations)
        archive.set("agent.episodes_since_plan", episodesSincePlan)
        archive.set("agent.random", random: random)
        estimate?.archive(into: &archive, prefix: "agent.estimate")
    }

    public func restoreTrainingState(from archive: StateArchive) throws {
        let savedPolicy = try archive.ints("agent.policy", count: policy.count)
        guard savedPolicy.allSatisfy({ (0..<actionCount).contains($0) }) else {
            throw StateArchiveError("\(archive.source): 'agent.policy' holds an action outside 0..<\(actionCount)")
        }
        let savedValues = try archive.float64("agent.values", count: values.count)
        let savedEstimate = try archive.contains("agent.estimate.outcomes_per_pair")
            ? EmpiricalModel(stateCount: discretizer.stateCount, actionCount: actionCount,
                             from: archive, prefix: "agent.estimate")
            : nil
        lastIterations = try archive.int("agent.last_iterations")
        episodesSincePlan = try archive.int("agent.episodes_since_plan")
        try archive.restore(random, from: "agent.random")
        policy = savedPolicy
        values = savedValues
        estimate = savedEstimate
    }
}

/// Transition counts turned into a model: empirical probabilities and mean rewards.
struct EmpiricalModel {
    struct Outcome { var count: Int; var rewardSum: Double }
    let stateCount: Int
    let actionCount: Int
    /// Per (state, action): outcomes keyed by next state and terminal flag, in first-seen order.
    private var outcomes: [[(key: Int, outcome: Outcome)]]

    init(stateCount: Int, actionCount: Int) {
        self.stateCount = stateCount
        self.actionCount = actionCount
        outcomes = Array(repeating: [], count: stateCount * actionCount)
    }

    mutating func record(state: Int, action: Int, nextState: Int, reward: Double, terminal: Bool) {
        let pair = state * actionCount + action
        let key = nextState * 2 + (terminal ? 1 : 0)
        if let index = outcomes[pair].firstIndex(where: { $0.key == key }) {
            outcomes[pair][index].outcome.count += 1
            outcomes[pair][index].outcome.rewardSum += reward
        } else {
            outcomes[pair].append((key, Outcome(count: 1, rewardSum: reward)))
        }
    }

    /// Stores the outcomes, pair by pair in first-seen order (the order the model's rows follow).
    func archive(into archive: inout StateArchive, prefix: String) {
        archive.set("\(prefix).outcomes_per_pair", ints: outcomes.map(\.count))
        archive.set("\(prefix).keys", ints: outcomes.flatMap { $0.map(\.key) })
        archive.set("\(prefix).counts", ints: outcomes.flatMap { $0.map(\.outcome.count) })
        archive.set("\(prefix).reward_sums", float64: outcomes.flatMap { $0.map(\.outcome.rewardSum) })
    }

    init(stateCount: Int, actionCount: Int, from archive: StateArchive, prefix: String) throws {
        self.init(stateCount: stateCount, actionCount: actionCount)
        let perPair = try archive.ints("\(prefix).outcomes_per_pair", count: stateCount * actionCount)
        guard perPair.allSatisfy({ $0 >= 0 }) else { throw StateArchiveError("\(archive.source): negative outcome count") }
        let total = perPair.reduce(0, +)
        let keys = try archive.ints("\(prefix).keys", count: total)
        let counts = try archive.ints("\(prefix).counts", count: total)
        let sums = try archive.float64("\(prefix).reward_sums", count: total)
        guard keys.allSatisfy({ (0..<(2 * stateCount)).contains($0) }), counts.allSatisfy({ $0 > 0 }) else {
            throw StateArchiveError("\(archive.source): the estimated model holds a next state out of range or an empty count")
        }
        var next = 0
        outcomes = perPair.map { n in
            defer { next += n }
            return (next..<(next + n)).map { (keys[$0], Outcome(count: counts[$0], rewardSum: sums[$0])) }
        }
    }

    /// The estimate; pairs never tried have no rows (Q = 0).
    var model: CompactModel {
        CompactModel(stateCount: stateCount, actionCount: actionCount) { state, action in
            let seen = outcomes[state * actionCount + action]
            let total = Double(seen.reduce(0) { $0 + $1.outcome.count })
            return seen.map { entry in
                ModelOutcome(
                    probability: Double(entry.outcome.count) / total, nextState: entry.key / 2,
                    reward: entry.outcome.rewardSum / Double(entry.outcome.count), terminal: entry.key % 2 == 1)
            }
        }
    }
}

/// Value iteration: solves a known model, or one estimated from experience.
public final class ValueIterationAgent: PlanningAgent, ResumableAgent {
    public static let name = Method.valueIteration.rawValue
    public static let summary = "value iteration on the environment's model, or on a model estimated from experience"

    public required init(environment: EnvironmentSignature, hyperparameters: Hyperparameters, random: RandomSource) throws {
        try super.init(method: .valueIteration, environment: environment, hyperparameters: hyperparameters, random: random)
    }
}

/// Policy iteration: solves a known model, or one estimated from experience.
public final class PolicyIterationAgent: PlanningAgent, ResumableAgent {
    public static let name = Method.policyIteration.rawValue
    public static let summary = "policy iteration on the environment's model, or on a model estimated from experience"

    public required init(environment: EnvironmentSignature, hyperparameters: Hyperparameters, random: RandomSource) throws {
        try super.init(method: .policyIteration, environment: environment, hyperparameters: hyperparameters, random: random)
    }
}

extension Agent where Self: PlanningAgent {
    /// The action space, the settings and the discretizer's sizes, checked without building the agent.
    public static func check(environment: EnvironmentSignature, hyperparameters: Hyperparameters) throws {
        _ = try parts(Method(rawValue: name)!, environment, hyperparameters)
    }
}
