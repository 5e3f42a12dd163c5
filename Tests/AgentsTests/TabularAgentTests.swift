import Foundation
import Testing
@testable import Agents
import Gym

/// Trains `agent` on `environmentID` and returns the run's episodes and the agent.
func train(
    _ agent: String, on environmentID: String, options: [String: String] = [:], seed: UInt64 = 0,
    budget: TrainingBudget, overrides: [String] = [], configFile: URL? = nil
) throws -> (agent: any Agent, episodes: [EpisodeRecord], environment: Environment) {
    let type = try AgentCatalog.type(named: agent)
    var hyperparameters = type.defaultHyperparameters
    if let configFile { try hyperparameters.merge(file: configFile, environmentID: environmentID) }
    try hyperparameters.merge(overrides: overrides)
    let environment = try EnvironmentRegistry.shared.make(environmentID, options: options)
    let signature = EnvironmentSignature(id: environmentID, observationSpace: environment.observationSpace, actionSpace: environment.actionSpace)
    let instance = try type.init(environment: signature, hyperparameters: hyperparameters, random: try RandomSource(seed: seed).derived("agent"))
    var episodes: [EpisodeRecord] = []
    try instance.learn(EpisodeLoop(environment: environment, budget: budget, seed: seed, onEpisode: { episodes.append($0) }))
    return (instance, episodes, environment)
}

func mean(_ values: some Collection<Double>) -> Double { values.reduce(0, +) / Double(values.count) }

/// `agents/NAME.yml` of this checkout.
func agentsFile(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("agents/\(name).yml")
}

@Suite struct TabularAgentTests {
    /// The tuned default config balances CartPole-v0; a random policy averages about 22.
    @Test func qLearningTunedConfigSolvesCartPoleV0() throws {
        let run = try train("q-learning", on: "CartPole-v0", seed: 0, budget: .episodes(1000), configFile: agentsFile("q-learning"))
        let last100 = mean(run.episodes.suffix(100).map(\.return))
        #expect(last100 >= 195, "last-100 mean \(last100)")
        let evaluation = try evaluate(run.agent, in: try EnvironmentRegistry.shared.make("CartPole-v0"), episodes: 20, seed: 99)
        #expect(evaluation.mean >= 195)
    }

    /// The book's config (lr 0.8, gamma 0.9, epsilon 0.2, 10 bins) stays near the book's
    /// 10-30 average: it learns little, as the book reports.
    @Test func qLearningBookConfigLandsNearTheBook() throws {
        let run = try train("q-learning", on: "CartPole-v0", seed: 1, budget: .episodes(1000), configFile: agentsFile("q-learning-book"))
        let average = mean(run.episodes.map(\.return))
        #expect(average > 10 && average < 30, "average \(average)")
    }

    /// On slippery FrozenLake the tuned config's greedy policy succeeds (reaches the goal
    /// within the 100-step limit) as often as the optimal one, to 0.05. Success
    /// probabilities are computed exactly from the model, so no sampling noise hides a gap.
    @Test func qLearningMatchesTheOptimalSuccessRateOnFrozenLake() throws {
        let run = try train("q-learning", on: "FrozenLake-v1", seed: 0, budget: .episodes(10_000), configFile: agentsFile("q-learning"))
        let tabular = try #require(run.environment.unwrapped as? TabularModelEnvironment)
        let model = CompactModel(tabular.transitionModel)
        let learned = try (0..<model.stateCount).map { state -> Int in
            guard case .discrete(let action) = try run.agent.act(.discrete(state)) else { return -1 }
            return action
        }
        let optimal = try DynamicProgramming.valueIteration(model, gamma: 0.99, theta: 1e-12).policy
        /// Probability of collecting the goal's reward within `steps` steps from state 0.
        func success(_ policy: [Int], steps: Int = 100) -> Double {
            var p = [Double](repeating: 0, count: model.stateCount)
            for _ in 0..<steps {
                let q = DynamicProgramming.actionValues(model, values: p, gamma: 1)
                p = (0..<model.stateCount).map { q[$0][policy[$0]] }
            }
            return p[0]
        }
        let (learnedRate, optimalRate) = (success(learned), success(optimal))
        #expect(optimalRate > 0.7, "optimal \(optimalRate)")
        #expect(abs(learnedRate - optimalRate) <= 0.05, "q-learning \(learnedRate) vs optimal \(optimalRate)")
        // A policy that always moves left (the initial greedy choice) rarely succeeds.
        #expect(success([Int](repeating: 0, count: model.stateCount)) < optimalRate - 0.05)
    }

    @Test func discretizerFollowsTheBookFormula() throws {
        let space = Space.box(Box(low: [-4.8, -Float.infinity], high: [4.8, Float.infinity]))
        let d = try Discretizer(space: space, bins: [10], lows: [], highs: [], velocityBound: 1)
        #expect(d.stateCount == 100)
        // round(9 * (0 + 4.8) / 9.6) = round(4.5) = 4 (halves to even, as Python), velocity 1.0 -> bin 9.
        #expect(d.index(.vector([0, 1])) == 4 * 10 + 9)
        #expect(d.index(.vector([100, -100])) == 9 * 10 + 0)
        #expect(throws: ConfigurationError.self) { try Discretizer(space: space, bins: [10, 0], lows: [], highs: [], velocityBound: 1) }
        #expect(throws: ConfigurationError.self) { try Discretizer(space: space, bins: [3], lows: [1, 1], highs: [0, 2], velocityBound: 1) }
    }

    @Test func qLearningSaveLoadRoundTrip() throws {
        let run = try train("q-learning", on: "CartPole-v0", seed: 2, budget: .episodes(200), configFile: agentsFile("q-learning"))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("q-\(UUID().uuidString).safetensors")
        try run.agent.save(to: url)
        let fresh = try train("q-learning", on: "CartPole-v0", seed: 5, budget: .episodes(1), configFile: agentsFile("q-learning")).agent
        try fresh.load(from: url)
        let learned = try #require(run.agent as? QLearningAgent)
        #expect((fresh as? QLearningAgent)?.table == learned.table)
        // A file saved by another agent is refused.
        let other = try train("random-linear", on: "CartPole-v0", budget: .episodes(1)).agent
        let otherURL = url.deletingLastPathComponent().appendingPathComponent("rl-\(UUID().uuidString).safetensors")
        try other.save(to: otherURL)
        #expect(throws: AgentError.self) { try fresh.load(from: otherURL) }
    }

    @Test func sameSeedSameEpisodes() throws {
        let a = try train("q-learning", on: "CartPole-v1", seed: 7, budget: .episodes(50), configFile: agentsFile("q-learning"))
        let b = try train("q-learning", on: "CartPole-v1", seed: 7, budget: .episodes(50), configFile: agentsFile("q-learning"))
        let c = try train("q-learning", on: "CartPole-v1", seed: 8, budget: .episodes(50), configFile: agentsFile("q-learning"))
        #expect(a.episodes.map(\.return) == b.episodes.map(\.return))
        #expect(a.episodes.map(\.return) != c.episodes.map(\.return))
    }

    @Test func randomLinearIsOneFixedPolicyPerSeed() throws {
        let run = try train("random-linear", on: "CartPole-v0", seed: 3, budget: .episodes(20))
        let agent = try #require(run.agent as? RandomLinearAgent)
        #expect(agent.theta.count == 4 && agent.theta.allSatisfy { abs($0) <= 1 })
        let again = try #require(try train("random-linear", on: "CartPole-v0", seed: 3, budget: .episodes(1)).agent as? RandomLinearAgent)
        #expect(again.theta == agent.theta)
        #expect(try agent.act(.vector([0, 0, 0.1, 0.1])) == .discrete(RandomLinearAgent.decide(agent.theta, .vector([0, 0, 0.1, 0.1]))))
    }

    @Test func budgetsAreRespected() throws {
        let steps = try train("random", on: "CartPole-v1", budget: .timesteps(1000))
        #expect(steps.episodes.last.map { $0.totalSteps <= 1000 } ?? true)
        let episodes = try train("random", on: "CartPole-v1", budget: .episodes(17))
        #expect(episodes.episodes.count == 17)
        #expect(episodes.episodes.map(\.episode) == Array(0..<17))
    }

    @Test func agentsRefuseSpacesTheyCannotHandle() throws {
        #expect(throws: AgentError.self) { try train("random-linear", on: "Pendulum-v1", budget: .episodes(1)) }
        #expect(throws: AgentError.self) { try train("q-learning", on: "Pendulum-v1", budget: .episodes(1)) }
    }
}
