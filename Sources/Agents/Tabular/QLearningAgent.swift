import Foundation
import Gym

/// Tabular Q-learning (Watkins): epsilon-greedy behaviour, a greedy target.
///
/// Box observations go through a ``Discretizer``. Learning rate and epsilon follow
/// ``Schedule``s over the budget. Truncated episodes bootstrap from the next state; only
/// termination stops the bootstrap.
public final class QLearningAgent: Agent {
    public static let name = "q-learning"
    public static let summary = "tabular Q-learning; Box observations through a discretizer"
    public static let hyperparameterSpecs: [HyperparameterSpec] =
        Schedule.specs("learning_rate", start: 0.1, end: 0.1, allowed: 0...1, help: "step size alpha")
        + Schedule.specs("epsilon", start: 0.1, end: 0.1, allowed: 0...1, help: "exploration rate of epsilon-greedy")
        + [
            HyperparameterSpec("gamma", .double(0.99), "discount factor", allowed: 0...1),
            HyperparameterSpec("bins", .list([.int(10)]), "bins per Box dimension (one value for all)"),
            HyperparameterSpec("low", .list([]), "lower bounds per Box dimension ([]: the space's)"),
            HyperparameterSpec("high", .list([]), "upper bounds per Box dimension ([]: the space's)"),
            HyperparameterSpec("velocity_bound", .double(1), "bound used for a Box dimension whose space bound is infinite"),
            HyperparameterSpec("initial_q", .double(0), "initial value of every Q entry"),
            HyperparameterSpec("bootstrap_terminal", .bool(false),
                               "bootstrap from the next state even on termination (the book's loop does; it blurs the failure signal)"),
        ]

    private let discretizer: Discretizer
    private let actionCount: Int
    private let gamma: Double
    private let learningRate: Schedule
    private let epsilon: Schedule
    private let random: RandomSource
    private let bootstrapTerminal: Bool
    /// Q values, row-major [state][action].
    public private(set) var table: [Double]

    public init(environment: EnvironmentSignature, hyperparameters: Hyperparameters, random: RandomSource) throws {
        guard case .discrete(let actions) = environment.actionSpace else {
            throw AgentError("q-learning needs a Discrete action space; \(environment.id) has \(environment.actionSpace)")
        }
        discretizer = try Discretizer(
            space: environment.observationSpace, bins: hyperparameters.ints("bins"),
            lows: hyperparameters.doubles("low"), highs: hyperparameters.doubles("high"), velocityBound: hyperparameters.double("velocity_bound"))
        actionCount = actions.n
        gamma = hyperparameters.double("gamma")
        learningRate = try Schedule(hyperparameters: hyperparameters, name: "learning_rate")
        epsilon = try Schedule(hyperparameters: hyperparameters, name: "epsilon")
        self.random = random
        bootstrapTerminal = hyperparameters.bool("bootstrap_terminal")
        table = Array(repeating: hyperparameters.double("initial_q"), count: discretizer.stateCount * actions.n)
    }

    public func learn(_ loop: EpisodeLoop) throws {
        try loop.run(
            policy: { observation in
                if self.random.uniform() < self.epsilon.value(at: loop.progress) {
                    return .discrete(self.random.uniformIndex(below: self.actionCount))
                }
                return .discrete(self.greedyAction(self.discretizer.index(observation)))
            },
            learn: { t in
                let state = self.discretizer.index(t.observation)
                guard case .discrete(let action) = t.action else { return }
                let next = self.discretizer.index(t.nextObservation)
                let bootstrap = t.terminated && !self.bootstrapTerminal ? 0 : self.gamma * self.maxValue(next)
                let index = state * self.actionCount + action
                self.table[index] += self.learningRate.value(at: loop.progress) * (t.reward + bootstrap - self.table[index])
            })
    }

    public func act(_ observation: Observation) throws -> Action {
        .discrete(greedyAction(discretizer.index(observation)))
    }

    /// The lowest action with the largest Q value (numpy's argmax).
    @inline(__always)
    func greedyAction(_ state: Int) -> Int {
        let base = state * actionCount
        var best = 0
        for action in 1..<actionCount where table[base + action] > table[base + best] { best = action }
        return best
    }

    @inline(__always)
    func maxValue(_ state: Int) -> Double {
        table[greedyAction(state) + state * actionCount]
    }

    public func save(to url: URL) throws {
        try AgentState.save(["q_table": (table, [discretizer.stateCount, actionCount])], agent: Self.name, to: url)
    }

    public func load(from url: URL) throws {
        let state = try AgentState.load(from: url, agent: Self.name)
        table = try state.values("q_table", shape: [discretizer.stateCount, actionCount])
    }
}
