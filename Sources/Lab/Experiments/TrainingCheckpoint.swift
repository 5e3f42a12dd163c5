import Agents
import Foundation
import Gym
import LabCore

/// Bit-exact resumable training: where a run writes its checkpoints, how often, and what
/// its caller adds to them.
///
/// A checkpoint is one ``StateArchive`` file, written atomically (a crash leaves the
/// previous checkpoint or the new one), holding the run's specification (agent,
/// environment and options, seed, budget, resolved hyperparameters), the episodes finished
/// so far, the episode loop (step and episode counters, the environment's random stream),
/// the agent's whole training state (``ResumableAgent``) and the caller's own state (the
/// CLI adds its output files' lengths). Checkpoints are taken between episodes, at the
/// first episode end at or after every `every` environment steps.
public struct TrainingCheckpointPlan {
    /// The archive kind of a training checkpoint.
    public static let kind = "rllab-training-state"
    /// The checkpoint's name in a run's output folder.
    public static let fileName = "checkpoint.safetensors"

    /// Environment steps between checkpoints.
    public let every: Int
    /// Where each checkpoint is written (replacing the previous one).
    public let url: URL
    /// Adds the caller's state to each checkpoint before it is written.
    public var addRunnerState: (inout StateArchive) throws -> Void
    /// Called after each checkpoint is on disk, with the steps taken.
    public var didSave: (_ steps: Int) throws -> Void

    public init(every: Int, url: URL, addRunnerState: @escaping (inout StateArchive) throws -> Void = { _ in },
                didSave: @escaping (_ steps: Int) throws -> Void = { _ in }) {
        self.every = every
        self.url = url
        self.addRunnerState = addRunnerState
        self.didSave = didSave
    }

    /// Throws a clear error unless `spec`'s agent, hyperparameters and environment can take
    /// training checkpoints (agents opt in with ``ResumableAgent``).
    public static func validate(_ spec: RunSpec, agent: any Agent, environment: Environment) throws {
        guard let resumable = agent as? any ResumableAgent else {
            throw ConfigurationError("agent '\(spec.agent)' does not support training checkpoints (--checkpoint-every) yet; agents that do: \(AgentCatalog.resumableNames.joined(separator: ", "))")
        }
        if let refusal = resumable.checkpointRefusal { throw ConfigurationError(refusal) }
        _ = try EpisodeLoop.boundaryState(of: environment)
        if resumable.checkpointsNeedEnvironmentState, let layer = EnvironmentState.unarchivableLayer(of: environment) {
            throw ConfigurationError("agent '\(spec.agent)' takes training checkpoints in the middle of episodes, and \(type(of: layer)) in environment '\(spec.environmentID)' cannot save its state there (conform it to StateArchiving)")
        }
    }

    /// Reads a checkpoint and the specification of its run.
    public static func read(_ url: URL) throws -> (spec: RunSpec, every: Int, archive: StateArchive) {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ConfigurationError("no training checkpoint at \(url.path); a run writes one with --checkpoint-every N")
        }
        let archive = try StateArchive(contentsOf: url, kind: kind)
        let spec = try RunSpec(restoringFrom: archive)
        let every = try archive.int("run.checkpoint_every")
        guard every > 0 else { throw StateArchiveError("\(url.path): checkpoint_every \(every) is not positive") }
        return (spec, every, archive)
    }
}

extension RunSpec {
    /// Stores everything that defines the run.
    func archive(into archive: inout StateArchive) throws {
        archive.set("run.agent", agent)
        archive.set("run.environment_id", environmentID)
        let options = try JSONSerialization.data(withJSONObject: environmentOptions, options: [.sortedKeys])
        archive.set("run.environment_options", String(decoding: options, as: UTF8.self))
        archive.set("run.seed", seed)
        switch budget {
        case .timesteps(let n): archive.set("run.budget", "timesteps \(n)")
        case .episodes(let n): archive.set("run.budget", "episodes \(n)")
        }
        archive.set("run.hyperparameters", try hyperparameters.yamlText())
        archive.set("run.evaluation_episodes", evaluationEpisodes)
        archive.set("run.evaluation_frequency", evaluationFrequency)
        if let stopAt { archive.set("run.stop_at", stopAt) }
    }

    /// Throws unless `archive` is a checkpoint of this very run (agent, environment and
    /// options, seed, budget, hyperparameters, evaluations): resuming another run's state
    /// would not continue either run.
    func checkSame(as archive: StateArchive) throws {
        var own = StateArchive(kind: TrainingCheckpointPlan.kind)
        try self.archive(into: &own)
        for key in own.file.metadata.keys.sorted() where key.hasPrefix("run.") {
            let saved = archive.file.metadata[key] ?? "none"
            guard saved == own.file.metadata[key] else {
                throw StateArchiveError("\(archive.source) is a checkpoint of another run: its \(key.dropFirst(4)) is '\(saved)', this run's is '\(own.file.metadata[key] ?? "none")'")
            }
        }
    }

    /// The specification stored by ``archive(into:)``.
    init(restoringFrom archive: StateArchive) throws {
        let agent = try archive.string("run.agent")
        let optionsText = try archive.string("run.environment_options")
        guard let options = try? JSONSerialization.jsonObject(with: Data(optionsText.utf8)) as? [String: String] else {
            throw StateArchiveError("\(archive.source): the environment options are not a JSON object of strings")
        }
        let budgetWords = try archive.string("run.budget").split(separator: " ")
        guard budgetWords.count == 2, let count = Int(budgetWords[1]), count > 0,
              budgetWords[0] == "timesteps" || budgetWords[0] == "episodes" else {
            throw StateArchiveError("\(archive.source): the budget is not 'timesteps N' or 'episodes N'")
        }
        self.init(
            agent: agent, environment: try EnvironmentRegistry.shared.resolve(try archive.string("run.environment_id"), options: options),
            seed: try archive.uint64("run.seed"),
            budget: budgetWords[0] == "timesteps" ? .timesteps(count) : .episodes(count),
            hyperparameters: try Hyperparameters.restoring(agent: agent, yaml: try archive.string("run.hyperparameters"), source: "\(archive.source) (hyperparameters)"),
            evaluationEpisodes: try archive.int("run.evaluation_episodes"))
        evaluationFrequency = archive.contains("run.evaluation_frequency") ? try archive.int("run.evaluation_frequency") : 0
        stopAt = archive.contains("run.stop_at") ? try archive.double("run.stop_at") : nil
        guard evaluationFrequency >= 0, evaluationEpisodes >= 0, evaluationFrequency == 0 || evaluationEpisodes > 0 else {
            throw StateArchiveError("\(archive.source): periodic evaluation every \(evaluationFrequency) steps over \(evaluationEpisodes) episodes is not a valid setting")
        }
    }
}

extension PeriodicEvaluationRecord {
    /// Stores the periodic evaluations run so far, the best mean and when the run was solved.
    static func archive(_ records: [PeriodicEvaluationRecord], best: Double, solvedStep: Int?, solvedSeconds: Double?,
                        into archive: inout StateArchive) {
        archive.set("evaluations.step", ints: records.map(\.step))
        archive.set("evaluations.wall_time", float64: records.map(\.wallTime))
        archive.set("evaluations.episodes", ints: records.map(\.result.returns.count))
        archive.set("evaluations.returns", float64: records.flatMap(\.result.returns))
        archive.set("evaluations.lengths", ints: records.flatMap(\.result.lengths))
        archive.set("evaluations.best", best)
        if let solvedStep, let solvedSeconds {
            archive.set("evaluations.solved_step", solvedStep)
            archive.set("evaluations.solved_seconds", solvedSeconds)
        }
    }

    /// What ``archive(_:best:solvedStep:solvedSeconds:into:)`` stored (none, from a
    /// checkpoint of a run without periodic evaluations).
    static func restoring(from archive: StateArchive) throws
        -> (records: [PeriodicEvaluationRecord], best: Double, solvedStep: Int?, solvedSeconds: Double?) {
        guard archive.contains("evaluations.step") else { return ([], -.infinity, nil, nil) }
        let steps = try archive.ints("evaluations.step")
        let wallTimes = try archive.float64("evaluations.wall_time", count: steps.count)
        let counts = try archive.ints("evaluations.episodes", count: steps.count)
        guard counts.allSatisfy({ $0 >= 0 }) else { throw StateArchiveError("\(archive.source): a negative evaluation episode count") }
        let total = counts.reduce(0, +)
        let returns = try archive.float64("evaluations.returns", count: total)
        let lengths = try archive.ints("evaluations.lengths", count: total)
        var records: [PeriodicEvaluationRecord] = []
        var start = 0
        for (index, count) in counts.enumerated() {
            let result = EvaluationResult(returns: Array(returns[start..<start + count]), lengths: Array(lengths[start..<start + count]))
            records.append(PeriodicEvaluationRecord(step: steps[index], wallTime: wallTimes[index], result: result))
            start += count
        }
        let solved = archive.contains("evaluations.solved_step")
        return (records, try archive.double("evaluations.best"),
                solved ? try archive.int("evaluations.solved_step") : nil,
                solved ? try archive.double("evaluations.solved_seconds") : nil)
    }
}
