import LabCore
import Yams

/// Where and how often a training run saves its whole state (the runner sets it on the
/// ``EpisodeLoop``; agents that support it save through ``EpisodeLoop/checkpointIfDue()``).
public struct TrainingCheckpointing {
    /// Environment steps between checkpoints: one is taken at the first episode boundary
    /// at or after each multiple of it.
    public let every: Int
    /// Saves the run's state; the loop passes itself, standing between two episodes.
    public let save: (EpisodeLoop) throws -> Void

    public init(every: Int, save: @escaping (EpisodeLoop) throws -> Void) {
        self.every = every
        self.save = save
    }
}

/// An agent whose whole training state can be saved in the middle of training and
/// restored into a fresh agent, after which ``Agent/learn(_:)`` on a restored
/// ``EpisodeLoop`` continues exactly as the uninterrupted run would have: the same
/// actions, updates and random draws, so the same bytes in every output file.
///
/// The contract: the agent calls ``EpisodeLoop/checkpointIfDue(midEpisode:)`` (or learns
/// through ``EpisodeLoop/run(policy:learn:)`` or ``OffPolicyLoop``, which do) only where
/// everything its `learn` needs to go on is in its fields and in the parts it attached to
/// the loop (``EpisodeLoop/attach(_:as:)``): networks, optimizer moments, buffers,
/// schedule positions, counters and every random stream, all of which
/// ``archiveTrainingState(into:)`` stores. Agents that do not conform refuse
/// `--checkpoint-every`.
public protocol ResumableAgent: Agent {
    /// Stores the training state under names that start with `agent.`.
    func archiveTrainingState(into archive: inout StateArchive) throws
    /// Restores a state stored by ``archiveTrainingState(into:)`` into an agent made with
    /// the same environment, hyperparameters and seed.
    func restoreTrainingState(from archive: StateArchive) throws
    /// Why this agent, with its hyperparameters, cannot take checkpoints (nil: it can).
    var checkpointRefusal: String? { get }
    /// Whether the agent takes checkpoints in the middle of episodes (it collects from
    /// vector copies, which never all stand between episodes at once), so that every
    /// layer of the environment must save its whole state (``EnvironmentState``).
    var checkpointsNeedEnvironmentState: Bool { get }
}

extension ResumableAgent {
    public var checkpointRefusal: String? { nil }
    public var checkpointsNeedEnvironmentState: Bool { false }
}

extension AgentCatalog {
    /// The agents that support training checkpoints, in catalog order.
    public static var resumableNames: [String] {
        all.filter { $0 is any ResumableAgent.Type }.map { $0.name }
    }
}

extension Hyperparameters {
    /// Resolved hyperparameters read back from their ``yamlText()`` (a training
    /// checkpoint stores them so that a resumed run uses exactly the settings it began with,
    /// whatever the config files say now).
    public static func restoring(agent: String, yaml text: String, source: String) throws -> Hyperparameters {
        var hyperparameters = try AgentCatalog.type(named: agent).defaultHyperparameters
        guard !text.isEmpty else { return hyperparameters }
        guard let mapping = try Yams.compose(yaml: text)?.mapping else {
            throw ConfigurationError("\(source): the saved hyperparameters are not a YAML mapping")
        }
        try hyperparameters.merge(yaml: mapping, source: source)
        return hyperparameters
    }
}

extension EpisodeRecord {
    /// Stores the episodes a run has finished (the runner's summary needs them after a resume).
    public static func archive(_ records: [EpisodeRecord], into archive: inout StateArchive) {
        archive.set("episodes.return", float64: records.map(\.return))
        archive.set("episodes.length", ints: records.map(\.length))
        archive.set("episodes.wall_time", float64: records.map(\.wallTime))
        archive.set("episodes.total_steps", ints: records.map(\.totalSteps))
    }

    /// The episodes stored by ``archive(_:into:)``, numbered from 0.
    public static func restoring(from archive: StateArchive) throws -> [EpisodeRecord] {
        let returns = try archive.float64("episodes.return")
        let lengths = try archive.ints("episodes.length", count: returns.count)
        let wallTimes = try archive.float64("episodes.wall_time", count: returns.count)
        let steps = try archive.ints("episodes.total_steps", count: returns.count)
        return returns.indices.map {
            EpisodeRecord(episode: $0, return: returns[$0], length: lengths[$0], wallTime: wallTimes[$0], totalSteps: steps[$0])
        }
    }
}
