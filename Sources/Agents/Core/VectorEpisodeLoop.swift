import Foundation
import Gym
import LabCore

/// One transition of one copy in a vector step, viewed in place (no copies made).
public struct VectorTransition {
    /// The copy it happened in.
    public let copy: Int
    /// The observation the action was chosen for (a view into the loop's buffer).
    public let observation: ArraySlice<Float>
    public let action: Int
    public let reward: Double
    /// The observation after the step: the last one of the episode when it ended.
    public let nextObservation: ArraySlice<Float>
    /// Do not bootstrap from `nextObservation`.
    public let terminated: Bool
    /// Cut by a time limit: `nextObservation` is not terminal; bootstrap from it.
    public let truncated: Bool
}

/// Experience collection from N copies of an environment, with the same episode
/// bookkeeping as ``EpisodeLoop`` (budget, episode records, CSV callbacks, Ctrl-C).
///
/// Made by ``EpisodeLoop/vectorized(copies:threads:autoreset:)``. Copy `i` is first reset with
/// the run's seed + i (Gymnasium's `SyncVectorEnv.reset(seed=)`), so one copy gives
/// exactly the episodes of the scalar loop. Budgets count real transitions: the steps in
/// which Gymnasium's next-step autoreset resets a copy are not transitions and are not
/// counted. A step batch can overshoot a step budget by up to `copies - 1` steps, as in
/// Stable-Baselines3. Finished episodes are recorded in copy order within a batch.
///
/// DQN-style learners call ``step(actions:learn:)`` with one action per copy (chosen
/// from ``observations``) and store each ``VectorTransition`` in their replay buffer.
public final class VectorEpisodeLoop {
    /// The vector environment stepped.
    public let environment: VectorEnvironment
    /// Set when the copies reset in the step that ends an episode (SB3's `VecEnv`).
    private let sameStep: SyncVectorEnvironment?
    /// The loop whose budget and records this one shares.
    public let episodeLoop: EpisodeLoop
    /// The observations the next actions are chosen for: row-major, `copies x observationWidth`.
    public private(set) var observations: [Float]
    private var returns: [Double]
    private var lengths: [Int]
    private var started = false
    /// The continuous actions handed to the environment, one array per copy, reused.
    private var continuousActions: [Action] = []

    init(loop: EpisodeLoop, environment: VectorEnvironment) {
        episodeLoop = loop
        self.environment = environment
        let sync = environment as? SyncVectorEnvironment
        sameStep = sync?.autoresetMode == .sameStep ? sync : nil
        observations = []
        returns = [Double](repeating: 0, count: environment.count)
        lengths = [Int](repeating: 0, count: environment.count)
    }

    /// The number of copies.
    public var copies: Int { environment.count }
    /// Whether the budget is spent.
    public var isDone: Bool { episodeLoop.isDone }

    /// Whether the next step resets copy `copy` (its episode ended in the last step) and so
    /// ignores its action: a policy may skip choosing one (and drawing random numbers for it).
    public func isResetting(_ copy: Int) -> Bool { lengths[copy] < 0 }

    /// Resets every copy on first use (seeds `seed + i`); afterwards autoreset keeps them going.
    public func start() throws {
        guard !started else { return }
        try EpisodeEnding.requireEnding(episodeLoop.environment)
        try environment.reset(seed: episodeLoop.seed, options: nil)
        // Our own buffer, copied into element-wise: holding the environment's array would
        // make its next write copy (allocate) it.
        observations = [Float](repeating: 0, count: copies * environment.observationWidth)
        copyObservations()
        started = true
    }

    /// Steps every copy with `actions[i]` and hands each real transition to `learn`, in
    /// copy order. Copies being autoreset produce no transition (their action is ignored).
    public func step(actions: [Int], learn: (VectorTransition) throws -> Void = { _ in }) throws {
        if episodeLoop.isCancelled() { throw LearningInterrupted() }
        try start()
        try environment.step(discrete: actions)
        try account(actions: actions, learn: learn)
    }

    /// Steps every copy with a continuous action, `actions[i * size..<(i + 1) * size]`
    /// (`size` numbers per copy), and hands each real transition to `learn` (its `action`
    /// is 0: the caller knows the actions it gave).
    public func step(continuousActions actions: [Float], size: Int, learn: (VectorTransition) throws -> Void = { _ in }) throws {
        if episodeLoop.isCancelled() { throw LearningInterrupted() }
        try start()
        if continuousActions.count != copies {
            continuousActions = [Action](repeating: .discrete(0), count: copies)
        }
        for i in 0..<copies {
            // Reuses each copy's array: taken out of its slot so it is uniquely referenced,
            // it is overwritten in place (no allocation per step once the sizes are set).
            var row: [Float] = []
            if case .continuous(let held) = continuousActions[i] { row = held }
            continuousActions[i] = .discrete(0)
            if row.count != size { row = [Float](repeating: 0, count: size) }
            for j in 0..<size { row[j] = actions[i * size + j] }
            continuousActions[i] = .continuous(row)
        }
        try environment.step(continuousActions)
        try account(actions: nil, learn: learn)
    }

    /// In same-step autoreset mode, the final observation of `copy`'s episode when it
    /// ended in the last step (``observations`` already holds the next episode's first).
    public func finalObservation(_ copy: Int) -> ArraySlice<Float>? {
        guard let sameStep, environment.isDone(copy) else { return nil }
        let width = environment.observationWidth
        return sameStep.finalObservations[copy * width..<(copy + 1) * width]
    }

    private func account(actions: [Int]?, learn: (VectorTransition) throws -> Void) throws {
        // Copies that ended an episode in the previous step are reset by this one.
        let width = environment.observationWidth
        let next = environment.observations
        for i in 0..<copies {
            let wasAutoreset = lengths[i] < 0
            if wasAutoreset {
                lengths[i] = 0
                returns[i] = 0
                continue
            }
            let reward = environment.rewards[i]
            let terminated = environment.terminations[i], truncated = environment.truncations[i]
            returns[i] += reward
            lengths[i] += 1
            let done = terminated || truncated
            try episodeLoop.account(episodeReturn: returns[i], episodeLength: lengths[i], done: done)
            let nextObservation = finalObservation(i) ?? next[i * width..<(i + 1) * width]
            try learn(VectorTransition(
                copy: i, observation: observations[i * width..<(i + 1) * width], action: actions?[i] ?? 0, reward: reward,
                nextObservation: nextObservation, terminated: terminated, truncated: truncated))
            // Marks the copy for the autoreset the next step performs (same-step mode: done).
            if done {
                if sameStep == nil { lengths[i] = -1 } else { lengths[i] = 0; returns[i] = 0 }
            }
        }
        copyObservations()
    }

    private func copyObservations() {
        let source = environment.observations
        for k in observations.indices { observations[k] = source[k] }
    }

    /// Runs until the budget is spent: `policy` fills one action per copy from the
    /// current observations (`copies x observationWidth` floats).
    public func run(policy: (_ observations: [Float], _ actions: inout [Int]) throws -> Void, learn: (VectorTransition) throws -> Void = { _ in }) throws {
        try start()
        var actions = [Int](repeating: 0, count: copies)
        while !isDone {
            // Before choosing: the state is in the policy's owner, this loop and the copies.
            try episodeLoop.checkpointIfDue(midEpisode: true)
            try policy(observations, &actions)
            try step(actions: actions, learn: learn)
        }
    }
}

extension EpisodeLoop {
    /// A loop over `copies` copies of this loop's environment sharing its budget and
    /// episode records (see ``VectorEpisodeLoop``), attached to this loop's checkpoints
    /// (restored, on a restored loop). Next-step autoreset (Gymnasium's) steps the
    /// environment's vector implementation; same-step mode (SB3's `VecEnv`, which on-policy
    /// agents use so every copy fills every rollout slot) steps scalar copies made by
    /// ``resolvedEnvironment`` one after the other.
    ///
    /// - Throws: ``AgentError`` when the runner gave no way to copy the environment, or the
    ///   copies cannot be made.
    public func vectorized(copies: Int, threads: Int = 1, autoreset: AutoresetMode = .nextStep) throws -> VectorEpisodeLoop {
        guard copies >= 1 else { throw AgentError("num_envs must be at least 1, got \(copies)") }
        try EnvironmentRegistry.checkCopyCount(copies)
        guard let resolvedEnvironment else {
            throw AgentError("this loop cannot make copies of its environment; run through Lab's Run, or set EpisodeLoop.resolvedEnvironment")
        }
        let environment: VectorEnvironment = autoreset == .sameStep
            ? try SyncVectorEnvironment((0..<copies).map { _ in try resolvedEnvironment.make() }, autoresetMode: .sameStep)
            : try resolvedEnvironment.makeVector(count: copies, threads: threads)
        let vector = VectorEpisodeLoop(loop: self, environment: environment)
        try attach(vector, as: "vector")
        return vector
    }
}

/// Training checkpoints of a vector loop: every copy's environment state, the copies'
/// episode returns and lengths so far, and the observations the next actions are chosen for.
extension VectorEpisodeLoop: StateArchiving {
    public func archive(into archive: inout StateArchive, prefix: String) throws {
        guard let environment = environment as? StateArchiving else {
            throw AgentError("a training checkpoint in the middle of vector collection: \(type(of: self.environment)) cannot save its state (it does not conform to StateArchiving)")
        }
        do { try environment.archive(into: &archive, prefix: "\(prefix).environment") } catch let error as StateArchiveError {
            throw AgentError("a training checkpoint in the middle of vector collection: \(error.description)")
        }
        archive.set("\(prefix).copies", copies)
        archive.set("\(prefix).started", started)
        archive.set("\(prefix).observations", float32: observations)
        archive.set("\(prefix).returns", float64: returns)
        archive.set("\(prefix).lengths", ints: lengths)
    }

    public func restore(from archive: StateArchive, prefix: String) throws {
        let savedCopies = try archive.int("\(prefix).copies")
        guard savedCopies == copies else {
            throw StateArchiveError("\(archive.source): the checkpoint's vector loop has \(savedCopies) copies, this run's has \(copies)")
        }
        guard let environment = environment as? StateArchiving else {
            throw AgentError("\(type(of: self.environment)) cannot restore its state (it does not conform to StateArchiving)")
        }
        let wasStarted = try archive.bool("\(prefix).started")
        let savedObservations = try archive.float32("\(prefix).observations")
        guard savedObservations.count == (wasStarted ? copies * self.environment.observationWidth : 0) else {
            throw StateArchiveError("\(archive.source): the vector loop's observations have \(savedObservations.count) numbers for \(copies) copies")
        }
        let savedReturns = try archive.float64("\(prefix).returns", count: copies)
        let savedLengths = try archive.ints("\(prefix).lengths", count: copies)
        try environment.restore(from: archive, prefix: "\(prefix).environment")
        started = wasStarted
        observations = savedObservations
        returns = savedReturns
        lengths = savedLengths
    }
}
