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
    enum Method { case valueIteration, policyIteration }

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
    private let gamma: Double
    private let theta: Double
    private let replanEvery: Int
    private let epsilon: Schedule
    private let discretizer: Discretizer
    private let actionCount: Int
    private let random: RandomSource
    /// The greedy action per (discretized) state.
    public private(set) var policy: [Int]
    /// V per (discretized) state.
    public private(set) var values: [Double]
    /// Sweeps (VI) or improvement rounds (PI) of the last solve.
    public private(set) var lastIterations = 0

    init(method: Method, environment: EnvironmentSignature, hyperparameters: Hyperparameters, random: RandomSource) throws {
        guard case .discrete(let actions) = environment.actionSpace else {
            throw AgentError("\(method == .valueIteration ? "value" : "policy")-iteration needs a Discrete action space; \(environment.id) has \(environment.actionSpace)")
        }
        self.method = method
        let settings = try hyperparameters.settings(Settings.self)
        gamma = settings.gamma
        theta = settings.theta
        replanEvery = settings.replanEvery
        epsilon = settings.epsilon
        discretizer = try Discretizer(space: environment.observationSpace, bins: settings.bins, lows: settings.low, highs: settings.high,
                                      velocityBound: settings.velocityBound)
        actionCount = actions.n
        self.random = random
        policy = Array(repeating: 0, count: discretizer.stateCount)
        values = Array(repeating: 0, count: discretizer.stateCount)
        try DynamicProgramming.validate(gamma: gamma, theta: theta)
    }

    func solve(_ model: CompactModel) throws {
        let solution = method == .valueIteration
            ? try DynamicProgramming.valueIteration(model, gamma: gamma, theta: theta)
            : try DynamicProgramming.policyIteration(model, gamma: gamma, theta: theta)
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
        var estimate = EmpiricalModel(stateCount: discretizer.stateCount, actionCount: actionCount)
        var episodesSincePlan = 0
        let explorer = EpsilonGreedy(epsilon: epsilon, actionCount: actionCount, random: random)
        try loop.run(
            policy: { observation in
                if explorer.explores(at: loop.progress) { return .discrete(explorer.randomAction()) }
                return try self.act(observation)
            },
            learn: { t in
                guard case .discrete(let action) = t.action else { return }
                estimate.record(
                    state: self.discretizer.index(t.observation), action: action,
                    nextState: self.discretizer.index(t.nextObservation), reward: t.reward, terminal: t.terminated)
                if t.terminated || t.truncated {
                    episodesSincePlan += 1
                    if episodesSincePlan >= self.replanEvery {
                        episodesSincePlan = 0
                        try self.solve(estimate.model)
                    }
                }
            })
        try solve(estimate.model)
    }

    public func act(_ observation: Observation) throws -> Action {
        .discrete(policy[discretizer.index(observation)])
    }

    func saveState(to url: URL, agent: String) throws {
        try AgentState.save(
            ["policy": (policy.map(Double.init), [policy.count]), "values": (values, [values.count])],
            agent: agent, to: url)
    }

    func loadState(from url: URL, agent: String) throws {
        let state = try AgentState.load(from: url, agent: agent)
        let loadedPolicy = try state.indices("policy", shape: [policy.count], below: actionCount, what: "an action")
        values = try state.values("values", shape: [values.count])
        policy = loadedPolicy
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

    /// The estimate; pairs never tried have no rows (Q = 0).
    var model: CompactModel {
        CompactModel(stateCount: stateCount, actionCount: actionCount) { state, action in
            let seen = outcomes[state * actionCount + action]
            let total = Double(seen.reduce(0) { $0 + $1.outcome.count })
            return seen.map { entry in
                Transition(
                    probability: Double(entry.outcome.count) / total, nextState: entry.key / 2,
                    reward: entry.outcome.rewardSum / Double(entry.outcome.count), terminal: entry.key % 2 == 1)
            }
        }
    }
}

/// Value iteration: solves a known model, or one estimated from experience.
public final class ValueIterationAgent: PlanningAgent, Agent {
    public static let name = "value-iteration"
    public static let summary = "value iteration on the environment's model, or on a model estimated from experience"

    public required init(environment: EnvironmentSignature, hyperparameters: Hyperparameters, random: RandomSource) throws {
        try super.init(method: .valueIteration, environment: environment, hyperparameters: hyperparameters, random: random)
    }

    public func save(to url: URL) throws { try saveState(to: url, agent: Self.name) }
    public func load(from url: URL) throws { try loadState(from: url, agent: Self.name) }
}

/// Policy iteration: solves a known model, or one estimated from experience.
public final class PolicyIterationAgent: PlanningAgent, Agent {
    public static let name = "policy-iteration"
    public static let summary = "policy iteration on the environment's model, or on a model estimated from experience"

    public required init(environment: EnvironmentSignature, hyperparameters: Hyperparameters, random: RandomSource) throws {
        try super.init(method: .policyIteration, environment: environment, hyperparameters: hyperparameters, random: random)
    }

    public func save(to url: URL) throws { try saveState(to: url, agent: Self.name) }
    public func load(from url: URL) throws { try loadState(from: url, agent: Self.name) }
}
