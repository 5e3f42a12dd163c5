import Agents
import Foundation
import Gym

/// Everything that defines one training run: agent x environment x seed.
public struct RunSpec: Sendable {
    public var agent: String
    public var environmentID: String
    public var environmentOptions: [String: String]
    public var seed: UInt64
    public var budget: TrainingBudget
    public var hyperparameters: Hyperparameters
    /// Greedy episodes played after training (0 for none).
    public var evaluationEpisodes: Int

    public init(
        agent: String, environmentID: String, environmentOptions: [String: String] = [:], seed: UInt64,
        budget: TrainingBudget, hyperparameters: Hyperparameters, evaluationEpisodes: Int
    ) {
        self.agent = agent
        self.environmentID = environmentID
        self.environmentOptions = environmentOptions
        self.seed = seed
        self.budget = budget
        self.hyperparameters = hyperparameters
        self.evaluationEpisodes = evaluationEpisodes
    }

    /// The seed of the evaluation environment's first reset: distinct from training's.
    public var evaluationSeed: UInt64 { seed &+ 1_000_003 }
}

/// What one run produced.
public struct RunResult: Sendable {
    public let spec: RunSpec
    public let episodes: [EpisodeRecord]
    public let evaluation: EvaluationResult?
    /// Seconds spent learning (evaluation excluded).
    public let trainingSeconds: Double
    public let steps: Int
    /// The run was cut short by an interrupt.
    public let interrupted: Bool

    public var stepsPerSecond: Double { trainingSeconds > 0 ? Double(steps) / trainingSeconds : 0 }
}

/// Runs one agent on one environment with one seed.
public enum Run {
    /// Makes the environment of `spec`.
    public static func makeEnvironment(_ spec: RunSpec) throws -> Environment {
        try EnvironmentRegistry.shared.make(spec.environmentID, options: spec.environmentOptions)
    }

    /// Makes an untrained agent for `spec` in `environment`, with its own random stream.
    public static func makeAgent(_ spec: RunSpec, for environment: Environment) throws -> any Agent {
        let type = try AgentCatalog.type(named: spec.agent)
        let signature = EnvironmentSignature(
            id: spec.environmentID, observationSpace: environment.observationSpace, actionSpace: environment.actionSpace)
        let master = try RandomSource(seed: spec.seed)
        return try type.init(environment: signature, hyperparameters: spec.hyperparameters, random: master.derived("agent"))
    }

    /// Trains (and evaluates) an agent. Each finished training episode goes to `onEpisode`
    /// as it ends. On interrupt the episodes finished so far are returned, flagged.
    public static func execute(
        _ spec: RunSpec,
        onEpisode: @escaping (EpisodeRecord) throws -> Void = { _ in },
        isCancelled: @escaping () -> Bool = { false },
        trainedAgent: ((any Agent) throws -> Void)? = nil
    ) throws -> RunResult {
        let environment = try makeEnvironment(spec)
        let agent = try makeAgent(spec, for: environment)
        var episodes: [EpisodeRecord] = []
        let loop = EpisodeLoop(
            environment: environment, budget: spec.budget, seed: spec.seed,
            onEpisode: { record in
                episodes.append(record)
                try onEpisode(record)
            },
            isCancelled: isCancelled)
        loop.makeCopies = { count, threads in
            try EnvironmentRegistry.shared.makeVector(spec.environmentID, options: spec.environmentOptions, count: count, threads: threads)
        }
        loop.makeEnvironment = { try makeEnvironment(spec) }
        var interrupted = false
        do {
            try agent.learn(loop)
        } catch is CancellationError {
            interrupted = true
        }
        let trainingSeconds = loop.elapsedSeconds
        try trainedAgent?(agent)
        var evaluation: EvaluationResult?
        if !interrupted && spec.evaluationEpisodes > 0 {
            do {
                let evaluationEnvironment = try makeEnvironment(spec)
                evaluation = try evaluate(
                    agent, in: evaluationEnvironment, episodes: spec.evaluationEpisodes,
                    seed: spec.evaluationSeed, isCancelled: isCancelled)
            } catch is CancellationError {
                interrupted = true
            }
        }
        return RunResult(
            spec: spec, episodes: episodes, evaluation: evaluation, trainingSeconds: trainingSeconds,
            steps: loop.totalSteps, interrupted: interrupted)
    }
}
