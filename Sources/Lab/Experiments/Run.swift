import Agents
import Foundation
import Gym
import LabCore

/// Everything that defines one training run: agent x environment x seed.
public struct RunSpec: Sendable {
    public var agent: String
    /// The environment, resolved once (id or file, options checked): every copy the run
    /// makes (training, vector copies, evaluation, animation) is made from it.
    public var environment: ResolvedEnvironment
    public var seed: UInt64
    public var budget: TrainingBudget
    public var hyperparameters: Hyperparameters
    /// Greedy episodes played after training (0 for none), and at each periodic evaluation.
    public var evaluationEpisodes: Int
    /// Evaluate greedily every this many training steps (0: never), SB3's `EvalCallback`.
    public var evaluationFrequency: Int = 0
    /// Stop training at the first periodic evaluation whose mean reaches this
    /// (SB3's `StopTrainingOnRewardThreshold`); also the threshold of "solved".
    public var stopAt: Double?

    public init(
        agent: String, environment: ResolvedEnvironment, seed: UInt64, budget: TrainingBudget,
        hyperparameters: Hyperparameters, evaluationEpisodes: Int, evaluationFrequency: Int = 0, stopAt: Double? = nil
    ) {
        self.agent = agent
        self.environment = environment
        self.seed = seed
        self.budget = budget
        self.hyperparameters = hyperparameters
        self.evaluationEpisodes = evaluationEpisodes
        self.evaluationFrequency = evaluationFrequency
        self.stopAt = stopAt
    }

    /// The environment's id (a file environment's path), as result files record it.
    public var environmentID: String { environment.id }

    /// The environment's options as given, as result files record them.
    public var environmentOptions: [String: String] { environment.options }

    /// How far from the run's seed evaluation seeds start: primes far above any seed list a
    /// comparison uses, so no evaluation reset repeats another run's training reset.
    static let evaluationSeedOffset: UInt64 = 1_000_003
    static let periodicEvaluationSeedOffset: UInt64 = 2_000_003
    static let periodicEvaluationSeedStride: UInt64 = 1_000_033

    /// The seed of the evaluation environment's first reset: distinct from training's.
    public var evaluationSeed: UInt64 { seed &+ Self.evaluationSeedOffset }

    /// The seed of periodic evaluation `index` (1, 2, ...): each has its own, none is training's.
    public func periodicEvaluationSeed(_ index: Int) -> UInt64 {
        seed &+ Self.periodicEvaluationSeedOffset &+ UInt64(index) &* Self.periodicEvaluationSeedStride
    }

    /// Checks an evaluation plan: `episodes` greedy episodes (after training and at each
    /// periodic evaluation), every `frequency` steps (0: never), stopping at `stopAt`.
    /// `train`, comparisons and runs check through this one function, so each mistake has
    /// one message (named by the command-line flags, which users of the library set too).
    public static func checkEvaluation(episodes: Int, frequency: Int, stopAt: Double?) throws {
        guard frequency >= 0 else { throw ConfigurationError("--eval-freq must be at least 0, got \(frequency)") }
        guard episodes >= 0 else { throw ConfigurationError("--eval-episodes must be at least 0, got \(episodes)") }
        guard frequency == 0 || episodes > 0 else { throw ConfigurationError("--eval-freq needs --eval-episodes of at least 1") }
        guard stopAt == nil || frequency > 0 else { throw ConfigurationError("--stop-at needs --eval-freq") }
    }

    /// The mean return that counts as solved: `stopAt`, else the environment's
    /// `reward_threshold` (nil when it has none).
    public var solveThreshold: Double? {
        stopAt ?? environment.spec.rewardThreshold
    }
}

/// One periodic evaluation of a run.
public struct PeriodicEvaluationRecord: Sendable {
    /// Training steps taken when it ran.
    public let step: Int
    /// Seconds since the run started (evaluations included, as SB3's wall clock).
    public let wallTime: Double
    public let result: EvaluationResult
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
    /// Periodic evaluations, in order.
    public var evaluations: [PeriodicEvaluationRecord] = []
    /// The first periodic evaluation at or above ``RunSpec/solveThreshold``: its step and wall time.
    public var solvedStep: Int?
    public var solvedSeconds: Double?

    public var stepsPerSecond: Double { trainingSeconds > 0 ? Double(steps) / trainingSeconds : 0 }
}

/// Runs one agent on one environment with one seed.
public enum Run {
    /// Makes an untrained agent for `spec` in `environment`, with its own random stream.
    public static func makeAgent(_ spec: RunSpec, for environment: Environment) throws -> any Agent {
        let type = try AgentCatalog.type(named: spec.agent)
        let signature = EnvironmentSignature(id: spec.environmentID, environment: environment)
        let master = try RandomSource(seed: spec.seed)
        return try type.init(environment: signature, hyperparameters: spec.hyperparameters, random: master.derived("agent"))
    }

    /// Trains (and evaluates) an agent. Each finished training episode goes to `onEpisode`
    /// as it ends. On interrupt the episodes finished so far are returned, flagged.
    public static func execute(
        _ spec: RunSpec,
        onEpisode: @escaping (EpisodeRecord) throws -> Void = { _ in },
        isCancelled: @escaping () -> Bool = { false },
        onEvaluation: @escaping (PeriodicEvaluationRecord) throws -> Void = { _ in },
        bestModel: URL? = nil,
        trainedAgent: ((any Agent) throws -> Void)? = nil,
        evaluatedAgent: ((any Agent) throws -> Void)? = nil,
        checkpoint: TrainingCheckpointPlan? = nil,
        resumingFrom saved: StateArchive? = nil
    ) throws -> RunResult {
        let environment = try spec.environment.make()
        let agent = try makeAgent(spec, for: environment)
        var episodes: [EpisodeRecord] = []
        let loop = EpisodeLoop(
            environment: environment, budget: spec.budget, seed: spec.seed,
            onEpisode: { record in
                episodes.append(record)
                try onEpisode(record)
            },
            isCancelled: isCancelled)
        loop.resolvedEnvironment = spec.environment
        var evaluations: [PeriodicEvaluationRecord] = []
        var solvedStep: Int?
        var solvedSeconds: Double?
        // The best evaluation mean so far (best.safetensors holds the agent that scored it).
        var best = -Double.infinity
        // A spec built in code, not by a comparison or `train`, is checked here.
        try RunSpec.checkEvaluation(episodes: spec.evaluationEpisodes, frequency: spec.evaluationFrequency, stopAt: spec.stopAt)
        if spec.evaluationFrequency > 0 {
            // Each evaluation reseeds this environment, so nothing of it carries over from
            // one evaluation to the next (a checkpoint need not save it).
            let evaluationEnvironment = try spec.environment.make()
            let threshold = spec.solveThreshold
            loop.periodicEvaluation = PeriodicEvaluation(frequency: spec.evaluationFrequency) { [unowned loop] steps in
                let result = try evaluate(agent, in: evaluationEnvironment, episodes: spec.evaluationEpisodes,
                                          seed: spec.periodicEvaluationSeed(evaluations.count + 1), isCancelled: isCancelled)
                let record = PeriodicEvaluationRecord(step: steps, wallTime: loop.elapsedSeconds, result: result)
                evaluations.append(record)
                try onEvaluation(record)
                if result.mean > best {
                    best = result.mean
                    if let bestModel { try agent.save(to: bestModel) }
                }
                if let threshold, solvedStep == nil, result.mean >= threshold {
                    solvedStep = steps
                    solvedSeconds = record.wallTime
                }
                return spec.stopAt.map { result.mean >= $0 } ?? false
            }
        }
        if checkpoint != nil || saved != nil {
            try TrainingCheckpointPlan.validate(spec, agent: agent, environment: environment)
        }
        if let checkpoint, let resumable = agent as? any ResumableAgent {
            loop.checkpointing = TrainingCheckpointing(every: checkpoint.every) { loop in
                var archive = StateArchive(kind: TrainingCheckpointPlan.kind)
                try spec.archive(into: &archive)
                archive.set("run.checkpoint_every", checkpoint.every)
                EpisodeRecord.archive(episodes, into: &archive)
                PeriodicEvaluationRecord.archive(evaluations, best: best, solvedStep: solvedStep, solvedSeconds: solvedSeconds, into: &archive)
                try loop.archive(into: &archive)
                try resumable.archiveTrainingState(into: &archive)
                try checkpoint.addRunnerState(&archive)
                try archive.write(to: checkpoint.url)
                try checkpoint.didSave(loop.totalSteps)
            }
        }
        if let saved, let resumable = agent as? any ResumableAgent {
            try spec.checkSame(as: saved)
            try resumable.restoreTrainingState(from: saved)
            try loop.restore(from: saved)
            episodes = try EpisodeRecord.restoring(from: saved)
            guard episodes.count == loop.finishedEpisodes else {
                throw StateArchiveError("\(saved.source): \(episodes.count) episode records for \(loop.finishedEpisodes) finished episodes")
            }
            (evaluations, best, solvedStep, solvedSeconds) = try PeriodicEvaluationRecord.restoring(from: saved)
            let due = spec.evaluationFrequency > 0 ? loop.totalSteps / spec.evaluationFrequency : 0
            guard evaluations.count == due else {
                throw StateArchiveError("\(saved.source): \(evaluations.count) periodic evaluations after \(loop.totalSteps) steps, every \(spec.evaluationFrequency) steps")
            }
        }
        var interrupted = false
        do {
            try agent.learn(loop)
        } catch is LearningInterrupted {
            interrupted = true
        }
        let trainingSeconds = loop.elapsedSeconds
        try trainedAgent?(agent)
        var evaluation: EvaluationResult?
        if !interrupted && spec.evaluationEpisodes > 0 {
            do {
                evaluation = try evaluate(agent, in: try spec.environment.make(), episodes: spec.evaluationEpisodes,
                                          seed: spec.evaluationSeed, isCancelled: isCancelled)
            } catch is LearningInterrupted {
                interrupted = true
            }
        }
        // After the evaluation, so that what the hook draws from the agent's streams
        // cannot change the evaluation.
        if !interrupted { try evaluatedAgent?(agent) }
        return RunResult(
            spec: spec, episodes: episodes, evaluation: evaluation, trainingSeconds: trainingSeconds, steps: loop.totalSteps,
            interrupted: interrupted, evaluations: evaluations, solvedStep: solvedStep, solvedSeconds: solvedSeconds)
    }
}
