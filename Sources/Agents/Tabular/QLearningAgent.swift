import Foundation
import Gym
import LabCore

/// Tabular Q-learning (Watkins): epsilon-greedy behaviour, a greedy target.
///
/// Box observations go through a ``Discretizer``. Learning rate and epsilon follow
/// ``Schedule``s over the budget. Truncated episodes bootstrap from the next state; only
/// termination stops the bootstrap.
public final class QLearningAgent: Agent {
    public static let name = "q-learning"
    public static let summary = "tabular Q-learning; Box observations through a discretizer"
    public struct Settings: LabCore.Settings {
        @ScheduleSetting("learning_rate", range: 0...1, help: "step size alpha") public var learningRate = Schedule.constant(0.1)
        @ScheduleSetting("epsilon", range: 0...1, help: "exploration rate of epsilon-greedy") public var epsilon = Schedule.constant(0.1)
        @Setting("gamma", range: 0...1, help: "discount factor") public var gamma = 0.99
        @Setting("bins", help: "bins per Box dimension (one value for all)") public var bins = [10]
        @Setting("low", help: "lower bounds per Box dimension ([]: the space's)") public var low: [Double] = []
        @Setting("high", help: "upper bounds per Box dimension ([]: the space's)") public var high: [Double] = []
        @Setting("velocity_bound", help: "bound used for a Box dimension whose space bound is infinite") public var velocityBound = 1.0
        @Setting("initial_q", help: "initial value of every Q entry") public var initialQ = 0.0
        @Setting("bootstrap_terminal", help: "bootstrap from the next state even on termination (the book's loop does; it blurs the failure signal)")
        public var bootstrapTerminal = false
        public init() {}
    }

    private let settings: Settings
    private let discretizer: Discretizer
    private let actionCount: Int
    private let random: RandomSource
    /// Q values, row-major [state][action].
    public private(set) var table: [Double]

    public init(environment: EnvironmentSignature, hyperparameters: Hyperparameters, random: RandomSource) throws {
        let (actions, settings, discretizer) = try Self.parts(environment, hyperparameters)
        self.discretizer = discretizer
        actionCount = actions.n
        self.settings = settings
        self.random = random
        table = Array(repeating: settings.initialQ, count: discretizer.stateCount * actions.n)
    }

    public static func check(environment: EnvironmentSignature, hyperparameters: Hyperparameters) throws {
        _ = try parts(environment, hyperparameters)
    }

    /// The action space, the settings and the discretizer (its sizes checked; no table is made).
    private static func parts(_ environment: EnvironmentSignature, _ hyperparameters: Hyperparameters) throws -> (Discrete, Settings, Discretizer) {
        let actions = try environment.discreteActions(for: name)
        let settings = try hyperparameters.settings(Settings.self)
        let discretizer = try Discretizer(space: environment.observationSpace, bins: settings.bins, lows: settings.low, highs: settings.high,
                                          velocityBound: settings.velocityBound)
        return (actions, settings, discretizer)
    }

    public func learn(_ loop: EpisodeLoop) throws {
        let explorer = EpsilonGreedy(epsilon: settings.epsilon, actionCount: actionCount, random: random)
        try loop.run(
            policy: { observation in
                if explorer.explores(at: loop.progress) { return .discrete(explorer.randomAction()) }
                return .discrete(self.greedyAction(self.discretizer.index(observation)))
            },
            learn: { t in
                let state = self.discretizer.index(t.observation)
                guard case .discrete(let action) = t.action else { return }
                let next = self.discretizer.index(t.nextObservation)
                let bootstrap = t.terminated && !self.settings.bootstrapTerminal
                    ? 0 : self.settings.gamma * self.table[next * self.actionCount + self.greedyAction(next)]
                let index = state * self.actionCount + action
                self.table[index] += self.settings.learningRate.value(at: loop.progress) * (t.reward + bootstrap - self.table[index])
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

    public func save(to url: URL) throws {
        try AgentState.save(["q_table": (table, [discretizer.stateCount, actionCount])], agent: Self.name, to: url)
    }

    public func load(from url: URL) throws {
        let state = try AgentState.load(from: url, agent: Self.name)
        table = try state.values("q_table", shape: [discretizer.stateCount, actionCount])
    }
}

/// Training checkpoints: the Q table and the exploration stream (the schedules follow the
/// loop's progress, which the loop restores).
extension QLearningAgent: ResumableAgent {
    public func archiveTrainingState(into archive: inout StateArchive) throws {
        archive.set("agent.q_table", float64: table)
        archive.set("agent.random", random: random)
    }

    public func restoreTrainingState(from archive: StateArchive) throws {
        let values = try archive.float64("agent.q_table", count: table.count)
        try archive.restore(random, from: "agent.random")
        table = values
    }
}
