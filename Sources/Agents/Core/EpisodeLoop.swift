import Gym
import LabCore

/// One step of experience, the (s, a, r, s', done) tuple: what the agent saw, did and got.
/// (``VectorTransition`` is the same for one copy of a vector step; an environment model's
/// rows are ``ModelOutcome``s.)
public struct Transition {
    public var observation: Observation
    public var action: Action
    public var reward: Double
    public var nextObservation: Observation
    /// The episode ended in a terminal state: do not bootstrap from `nextObservation`.
    public var terminated: Bool
    /// The episode was cut by a time limit: `nextObservation` is not terminal.
    public var truncated: Bool

    public init(observation: Observation, action: Action, reward: Double, nextObservation: Observation,
                terminated: Bool, truncated: Bool) {
        self.observation = observation
        self.action = action
        self.reward = reward
        self.nextObservation = nextObservation
        self.terminated = terminated
        self.truncated = truncated
    }
}

/// A finished training episode.
public struct EpisodeRecord: Equatable, Sendable {
    /// 0-based index of the episode within the run.
    public let episode: Int
    public let `return`: Double
    public let length: Int
    /// Seconds since the run started when the episode ended.
    public let wallTime: Double
    /// Environment steps taken in the run so far, this episode included.
    public let totalSteps: Int
}

/// A greedy evaluation every `frequency` environment steps of training (SB3's
/// `EvalCallback`), run by the loop that counts the steps.
///
/// The evaluation plays its own environment with its own seeds; it must not touch the
/// agent's training state (acting greedily does not), so training is the same with or
/// without it.
public struct PeriodicEvaluation {
    /// Environment steps between evaluations (evaluations at `frequency`, `2 frequency`, ...).
    public let frequency: Int
    /// Evaluates after `steps` training steps; returns true to stop training (SB3's
    /// `StopTrainingOnRewardThreshold`).
    public let evaluate: (_ steps: Int) throws -> Bool

    public init(frequency: Int, evaluate: @escaping (_ steps: Int) throws -> Bool) {
        self.frequency = frequency
        self.evaluate = evaluate
    }
}

/// Raised inside a loop when the run was cancelled (Ctrl-C, SIGTERM); finished episodes are
/// kept. Not Swift's `CancellationError`, which concerns tasks, not runs.
public struct LearningInterrupted: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "interrupted" }
}

/// The episode bookkeeping every agent shares: stepping, resets, truncation, returns.
///
/// The first reset uses the run's seed and later resets continue the environment's own
/// stream, as in Gymnasium and Stable-Baselines3. Each finished episode goes to
/// `onEpisode` as it ends (the CSV writers flush it at once).
public final class EpisodeLoop {
    public let environment: Environment
    public let budget: TrainingBudget
    /// The seed of the first reset.
    let seed: UInt64
    private let onEpisode: (EpisodeRecord) throws -> Void
    /// Whether the run was cancelled (Ctrl-C).
    let isCancelled: () -> Bool
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant

    /// Environment steps taken so far.
    public private(set) var totalSteps = 0
    /// Episodes finished so far.
    public private(set) var finishedEpisodes = 0
    private var needsReset = true
    private var seeded = false
    private var currentObservation: Observation = .discrete(0)
    private var episodeReturn = 0.0
    private var episodeLength = 0
    /// Whether a time limit bounds episodes (else an endless one is stopped with an error).
    private lazy var hasTimeLimit = EpisodeEnding.timeLimit(of: environment) != nil

    /// The resolved environment this loop's environment was made from (the runner sets
    /// it): agents that collect from several copies get them from it through
    /// ``vectorized(copies:threads:autoreset:)`` (its native vector implementation when it has one).
    public var resolvedEnvironment: ResolvedEnvironment?
    /// Evaluations during training (the runner sets it).
    public var periodicEvaluation: PeriodicEvaluation?
    /// A periodic evaluation asked to stop: the budget counts as spent.
    public private(set) var stopRequested = false
    /// Training checkpoints (the runner sets it; see ``checkpointIfDue()``).
    public var checkpointing: TrainingCheckpointing? {
        didSet { scheduleNextCheckpoint() }
    }
    /// The step count at or after which the next checkpoint is taken.
    private var nextCheckpointStep = Int.max
    private func scheduleNextCheckpoint() {
        nextCheckpointStep = checkpointing.map { (totalSteps / $0.every + 1) * $0.every } ?? .max
    }
    /// Seconds of training before this loop was restored from a checkpoint.
    private var elapsedBeforeRestore = 0.0
    /// The collection machinery an agent builds inside `learn` (a vector loop, the
    /// off-policy loop, a rollout collector), saved with each checkpoint (see ``attach(_:as:)``).
    private var parts: [(name: String, part: StateArchiving)] = []
    /// The checkpoint this loop was restored from: parts attached later restore from it.
    private var restoredFrom: StateArchive?
    /// Whether every layer of the environment can save its state mid-episode.
    private lazy var environmentIsArchivable = EnvironmentState.isArchivable(environment)

    public init(
        environment: Environment,
        budget: TrainingBudget,
        seed: UInt64,
        onEpisode: @escaping (EpisodeRecord) throws -> Void = { _ in },
        isCancelled: @escaping () -> Bool = { false }
    ) {
        self.environment = environment
        self.budget = budget
        self.seed = seed
        self.onEpisode = onEpisode
        self.isCancelled = isCancelled
        self.start = clock.now
    }

    /// What the budget counts (steps or episodes) so far, and its limit.
    private var spent: (count: Int, limit: Int) {
        switch budget {
        case .timesteps(let n): (totalSteps, n)
        case .episodes(let n): (finishedEpisodes, n)
        }
    }

    /// Whether the budget is spent.
    public var isDone: Bool { stopRequested || spent.count >= spent.limit }

    /// The fraction of the budget spent, in [0, 1] (drives schedules and progress bars).
    public var progress: Double { spent.limit > 0 ? min(1, Double(spent.count) / Double(spent.limit)) : 1 }

    /// The observation the next action is chosen for, resetting the environment if the
    /// previous episode ended.
    public func observation() throws -> Observation {
        if needsReset {
            if !seeded { try EpisodeEnding.requireEnding(environment) }
            let (observation, _) = try environment.reset(seed: seeded ? nil : seed, options: nil)
            seeded = true
            currentObservation = observation
            episodeReturn = 0
            episodeLength = 0
            needsReset = false
        }
        return currentObservation
    }

    /// Takes one step with `action` from the current observation and returns the transition.
    /// When the episode ends, it is recorded and the next call to ``observation()`` resets.
    @discardableResult
    public func step(_ action: Action) throws -> Transition {
        if isCancelled() { throw LearningInterrupted() }
        let observation = try self.observation()
        let result = try environment.step(action)
        episodeReturn += result.reward
        episodeLength += 1
        currentObservation = result.observation
        needsReset = result.terminated || result.truncated
        try account(episodeReturn: episodeReturn, episodeLength: episodeLength, done: needsReset)
        return Transition(
            observation: observation, action: action, reward: result.reward,
            nextObservation: result.observation, terminated: result.terminated, truncated: result.truncated
        )
    }

    /// Accounts one transition, of this loop's environment or of a vector copy: counts the
    /// step, stops an episode that runs past the step cap without a time limit, and when
    /// `done` records the finished episode.
    func account(episodeReturn: Double, episodeLength: Int, done: Bool) throws {
        totalSteps += 1
        if episodeLength >= EpisodeEnding.unlimitedEpisodeStepCap, !done, !hasTimeLimit {
            throw EpisodeEnding.endlessEpisodeError(environment, episode: finishedEpisodes)
        }
        if done {
            let record = EpisodeRecord(
                episode: finishedEpisodes, return: episodeReturn, length: episodeLength,
                wallTime: elapsedSeconds, totalSteps: totalSteps)
            finishedEpisodes += 1
            try onEpisode(record)
        }
        // The periodic evaluation, when the step count reaches a multiple of its frequency.
        if let periodicEvaluation, periodicEvaluation.frequency > 0, totalSteps % periodicEvaluation.frequency == 0,
           try periodicEvaluation.evaluate(totalSteps) {
            stopRequested = true
        }
    }

    /// Runs until the budget is spent: `policy` chooses each action, `learn` sees each transition.
    ///
    /// Between episodes it takes the training checkpoints that are due, so an agent that
    /// learns through `run` and keeps its whole state in fields resumes exactly.
    public func run(policy: (Observation) throws -> Action, learn: (Transition) throws -> Void = { _ in }) throws {
        while !isDone {
            try checkpointIfDue()
            let action = try policy(try observation())
            try learn(try step(action))
        }
    }

    /// Plays on until the current episode ends or the budget is spent, whichever comes
    /// first, and returns the transitions and whether the episode ended (for agents that
    /// learn from whole episodes, such as the cross-entropy method).
    public func playEpisode(policy: (Observation) throws -> Action) throws -> (transitions: [Transition], finished: Bool) {
        var transitions: [Transition] = []
        while !isDone {
            let transition = try step(try policy(try observation()))
            transitions.append(transition)
            if transition.terminated || transition.truncated { return (transitions, true) }
        }
        return (transitions, false)
    }

    /// Seconds since the loop was created (plus the training time before a restore).
    public var elapsedSeconds: Double {
        elapsedBeforeRestore + (clock.now - start).inSeconds
    }

    // MARK: Training checkpoints

    /// Takes a training checkpoint if one is due: once at least
    /// ``TrainingCheckpointing/every`` steps were taken since the last one, unless the
    /// budget is spent. With `midEpisode` false it waits for the first episode boundary at
    /// or after each multiple of `every`; with `midEpisode` true it saves at once when the
    /// environment can save its state mid-episode (``EnvironmentState``; every built-in
    /// one can), else at the next boundary.
    ///
    /// Agents call it where their whole training state is in their fields and in the
    /// parts they attached (``attach(_:as:)``), and the next thing their `learn` does is
    /// choose an action (`midEpisode`) or start an episode; ``run(policy:learn:)`` calls it
    /// between episodes.
    public func checkpointIfDue(midEpisode: Bool = false) throws {
        guard let checkpointing, totalSteps >= nextCheckpointStep, !isDone else { return }
        guard needsReset || (midEpisode && environmentIsArchivable) else { return }
        try checkpointing.save(self)
        scheduleNextCheckpoint()
    }

    /// Adds a part of the collection machinery to every checkpoint, under `name`: what an
    /// agent builds inside `learn` and keeps between steps (a vector loop, the off-policy
    /// loop's counters, a rollout collector). On a loop restored from a checkpoint, the
    /// part is restored at once from what the checkpoint saved under `name`, so `learn`
    /// builds it as usual and continues where the saved run stood.
    public func attach(_ part: StateArchiving, as name: String) throws {
        // Only a run that checkpoints needs its parts (learn may be called on a fresh loop
        // more than once in tests, building its machinery again).
        guard checkpointing != nil || restoredFrom != nil else { return }
        guard !parts.contains(where: { $0.name == name }) else {
            throw AgentError("two parts of one training loop are both called '\(name)': a training checkpoint could not tell them apart")
        }
        parts.append((name, part))
        if let restoredFrom { try part.restore(from: restoredFrom, prefix: "loop.\(name)") }
    }

    /// Stores the loop's counters, its environment's state and its attached parts.
    ///
    /// Between episodes the environment's state is its random stream
    /// (``EpisodeBoundaryState``); in the middle of one it is every layer's whole state
    /// (``EnvironmentState``), with the episode's observation, return and length so far.
    ///
    /// - Throws: ``AgentError`` when the environment cannot save the state it is in.
    public func archive(into archive: inout StateArchive) throws {
        archive.set("loop.total_steps", totalSteps)
        archive.set("loop.finished_episodes", finishedEpisodes)
        archive.set("loop.seeded", seeded)
        archive.set("loop.elapsed_seconds", elapsedSeconds)
        archive.set("loop.mid_episode", !needsReset)
        if needsReset {
            let random = try EpisodeLoop.boundaryState(of: environment).environmentRandom
            if let state = random.savedState { archive.set("loop.environment_random", bytes: state) }
        } else {
            do { try EnvironmentState.archive(environment, into: &archive, prefix: "loop.environment") } catch let error as StateArchiveError {
                throw AgentError("a training checkpoint in the middle of an episode: \(error.description)")
            }
            switch currentObservation {
            case .discrete(let state): archive.set("loop.observation.discrete", state)
            case .vector(let values): archive.set("loop.observation.vector", float32: values)
            }
            archive.set("loop.episode_return", episodeReturn)
            archive.set("loop.episode_length", episodeLength)
        }
        for (name, part) in parts { try part.archive(into: &archive, prefix: "loop.\(name)") }
    }

    /// Restores a loop (made afresh for the same run) to the point ``archive(into:)`` saved;
    /// the parts `learn` attaches later restore from the same archive.
    public func restore(from archive: StateArchive) throws {
        let steps = try archive.int("loop.total_steps")
        let episodes = try archive.int("loop.finished_episodes")
        guard steps >= 0, episodes >= 0 else { throw AgentError("\(archive.source): negative step or episode count") }
        let midEpisode = archive.contains("loop.mid_episode") ? try archive.bool("loop.mid_episode") : false
        if midEpisode {
            try EnvironmentState.restore(environment, from: archive, prefix: "loop.environment")
            currentObservation = try archive.contains("loop.observation.discrete")
                ? .discrete(archive.int("loop.observation.discrete")) : .vector(archive.float32("loop.observation.vector"))
            episodeReturn = try archive.double("loop.episode_return")
            episodeLength = try archive.int("loop.episode_length")
        } else {
            let random = try EpisodeLoop.boundaryState(of: environment).environmentRandom
            try random.restore(savedState: archive.contains("loop.environment_random") ? try archive.bytes("loop.environment_random") : nil)
        }
        totalSteps = steps
        finishedEpisodes = episodes
        seeded = try archive.bool("loop.seeded")
        elapsedBeforeRestore = try archive.double("loop.elapsed_seconds")
        needsReset = !midEpisode
        restoredFrom = archive
        scheduleNextCheckpoint()
    }

    /// The environment's state between episodes, or an error naming it.
    public static func boundaryState(of environment: Environment) throws -> EpisodeBoundaryState {
        guard let state = environment.unwrapped as? EpisodeBoundaryState else {
            throw AgentError("training checkpoints need an environment whose state between episodes is its random stream (EpisodeBoundaryState); \(type(of: environment.unwrapped)) does not declare that")
        }
        return state
    }
}
