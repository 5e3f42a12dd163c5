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
        guard spec.evaluationFrequency == 0 else {
            throw ConfigurationError("training checkpoints do not cover periodic evaluations yet: use --checkpoint-every without --eval-freq")
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
        archive.set("run.hyperparameters", hyperparameters.yamlLines.joined(separator: "\n"))
        archive.set("run.evaluation_episodes", evaluationEpisodes)
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
        let lines = try archive.string("run.hyperparameters").split(separator: "\n").map(String.init)
        self.init(
            agent: agent, environment: try EnvironmentRegistry.shared.resolve(try archive.string("run.environment_id"), options: options),
            seed: try archive.uint64("run.seed"),
            budget: budgetWords[0] == "timesteps" ? .timesteps(count) : .episodes(count),
            hyperparameters: try Hyperparameters.restoring(agent: agent, yamlLines: lines, source: "\(archive.source) (hyperparameters)"),
            evaluationEpisodes: try archive.int("run.evaluation_episodes"))
    }
}
