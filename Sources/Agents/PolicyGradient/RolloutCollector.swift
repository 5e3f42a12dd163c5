import Gym
import LabCore

/// Fills a ``RolloutBuffer`` from N copies of the environment with an
/// ``ActorCriticPolicy``, as Stable-Baselines3's `OnPolicyAlgorithm.collect_rollouts`
/// over a `VecEnv` (optionally wrapped in `VecNormalize`).
///
/// Per vector step: sample an action, value and log-probability for each copy; step
/// every copy (continuous actions clipped to the bounds); normalize the rewards and
/// observations; for a copy cut by a time limit (truncated, not terminated), add
/// `gamma * V(final observation)` to its reward, SB3's timeout bootstrap; store the
/// step. After `steps` steps: the values of the last observations and GAE.
///
/// Copies reset in the step that ends their episode (same-step autoreset, as SB3's
/// `VecEnv`), so every copy fills every slot of the rollout.
public final class RolloutCollector {
    public let vector: VectorEpisodeLoop
    public let policy: ActorCriticPolicy
    public let normalizer: VectorNormalizer?
    private let random: RandomSource
    private let copies: Int
    private let width: Int
    /// Encoded (and normalized) observations the next actions are chosen for.
    private var lastObservations: [Float]
    private var lastEpisodeStarts: [Bool]
    // Scratch, allocated once.
    private var actions: [Float]
    private var clippedActions: [Float]
    private var discreteActions: [Int]
    private var values: [Float]
    private var logProbabilities: [Float]
    private var rewards: [Float]
    private var normalizedRewards: [Double]
    private var dones: [Bool]
    private var terminalObservation: [Float]
    private var started = false
    /// Whether this collector is part of its loop's training checkpoints yet.
    private var attached = false
    /// Restored from a checkpoint taken mid-rollout: the next ``collect(into:gamma:gaeLambda:afterStep:)``
    /// continues the rollout its buffer holds instead of starting one.
    private var continuesRollout = false

    /// - Parameter normalizer: SB3's `VecNormalize` settings, or nil for raw observations
    ///   and rewards. Only for Box observations (as SB3's `VecNormalize`): the statistics
    ///   are of the environment's floats.
    public init(vector: VectorEpisodeLoop, policy: ActorCriticPolicy, normalizer: VectorNormalizer?, random: RandomSource) {
        self.vector = vector
        self.policy = policy
        self.normalizer = normalizer
        self.random = random
        copies = vector.copies
        width = policy.encoder.width
        lastObservations = [Float](repeating: 0, count: copies * width)
        lastEpisodeStarts = [Bool](repeating: true, count: copies)
        actions = [Float](repeating: 0, count: copies * policy.actionSize)
        clippedActions = actions
        discreteActions = [Int](repeating: 0, count: copies)
        values = [Float](repeating: 0, count: copies)
        logProbabilities = values
        rewards = values
        normalizedRewards = [Double](repeating: 0, count: copies)
        dones = lastEpisodeStarts
        terminalObservation = [Float](repeating: 0, count: width)
        // All copies through the networks in one pass per step.
        policy.reserveRows(copies)
    }

    /// Encodes and normalizes copy `copy`'s raw observation `raw` into `output` at `offset`.
    private func prepare<C: Collection<Float>>(_ raw: C, into output: inout [Float], at offset: Int) where C.Index == Int {
        policy.encoder.encode(raw, into: &output, at: offset)
        normalizer?.normalize(&output, at: offset, count: width)
    }

    /// Prepares every copy's current observation as the one its next action is chosen for.
    private func prepareLastObservations() {
        let raw = vector.environment.observations, rawWidth = policy.encoder.rawWidth
        for i in 0..<copies { prepare(raw[i * rawWidth..<(i + 1) * rawWidth], into: &lastObservations, at: i * width) }
    }

    /// Resets every copy (seeds `seed + i`) on first use.
    private func start() throws {
        guard !started else { return }
        try vector.start()
        normalizer?.reset(observations: vector.environment.observations)
        prepareLastObservations()
        started = true
    }

    /// Collects `buffer.steps` vector steps into `buffer` and computes its advantages.
    ///
    /// - Parameter afterStep: Called after every vector step.
    /// - Returns: false when a periodic evaluation stopped training mid-rollout (the
    ///   rollout is then incomplete and must not be trained on, as in SB3).
    @discardableResult
    public func collect(into buffer: RolloutBuffer, gamma: Double, gaeLambda: Double, afterStep: () throws -> Void = {}) throws -> Bool {
        if !attached {
            try vector.episodeLoop.attach(self, as: "rollout")
            attached = true
        }
        try start()
        if !continuesRollout { buffer.reset() }
        continuesRollout = false
        let actionSize = policy.actionSize
        let environment = vector.environment
        while !buffer.isFull {
            // The whole state is in the agent (networks, optimizer, buffer, streams), this
            // collector, the loops and the environments: a checkpoint may be taken here, in
            // the middle of a rollout or at its start.
            try vector.episodeLoop.checkpointIfDue(midEpisode: true)
            lastObservations.withUnsafeBufferPointer { observations in
                policy.sample(rows: observations.baseAddress!, count: copies, random: random, actions: &actions,
                              values: &values, logProbabilities: &logProbabilities)
            }
            for i in 0..<copies { policy.clip(actions, at: i * actionSize, into: &clippedActions) }
            if policy.actionCount != nil {
                for i in 0..<copies { discreteActions[i] = Int(actions[i]) }
                try vector.step(actions: discreteActions)
            } else {
                try vector.step(continuousActions: clippedActions, size: actionSize)
            }
            for i in 0..<copies { dones[i] = environment.isDone(i) }
            if let normalizer {
                normalizer.step(observations: environment.observations, rewards: environment.rewards, dones: dones,
                                normalizedRewards: &normalizedRewards)
                for i in 0..<copies { rewards[i] = Float(normalizedRewards[i]) }
            } else {
                for i in 0..<copies { rewards[i] = Float(environment.rewards[i]) }
            }
            // SB3's timeout bootstrap: a copy cut by its time limit (not terminated) gets
            // gamma * V(final observation) added to its reward.
            for i in 0..<copies where environment.truncations[i] && !environment.terminations[i] {
                guard let final = vector.finalObservation(i) else { continue }
                prepare(final, into: &terminalObservation, at: 0)
                rewards[i] += Float(gamma) * policy.value(terminalObservation)
            }
            buffer.add(observations: lastObservations, actions: actions, rewards: rewards, episodeStarts: lastEpisodeStarts,
                       values: values, logProbabilities: logProbabilities)
            prepareLastObservations()
            for i in 0..<copies { lastEpisodeStarts[i] = dones[i] }
            try afterStep()
            if vector.episodeLoop.stopRequested { return false }
        }
        lastObservations.withUnsafeBufferPointer { policy.values(rows: $0.baseAddress!, count: copies, into: &values) }
        buffer.computeReturnsAndAdvantage(lastValues: values, dones: lastEpisodeStarts, gamma: gamma, gaeLambda: gaeLambda)
        return true
    }
}

/// Training checkpoints: the observations the next actions are chosen for, which copies
/// start an episode, and whether the copies were reset. The rollout buffer, the
/// normalizer and the action stream belong to the agent, which saves them.
extension RolloutCollector: StateArchiving {
    public func archive(into archive: inout StateArchive, prefix: String) {
        archive.set("\(prefix).started", started)
        archive.set("\(prefix).last_observations", float32: lastObservations)
        archive.set("\(prefix).last_episode_starts", bools: lastEpisodeStarts)
    }

    public func restore(from archive: StateArchive, prefix: String) throws {
        let wasStarted = try archive.bool("\(prefix).started")
        let observations = try archive.float32("\(prefix).last_observations", count: lastObservations.count)
        let starts = try archive.bools("\(prefix).last_episode_starts", count: lastEpisodeStarts.count)
        started = wasStarted
        lastObservations = observations
        lastEpisodeStarts = starts
        continuesRollout = true
    }
}
