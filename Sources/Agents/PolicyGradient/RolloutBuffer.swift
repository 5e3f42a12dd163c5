import LabCore

/// The experience of one rollout of an on-policy agent: `steps` vector steps of `copies`
/// copies, as Stable-Baselines3's `RolloutBuffer`, with its generalized advantage
/// estimation and its minibatches. Storage is allocated once and reused every rollout.
///
/// Arrays are step-major (`[step][copy]`), as SB3 stores them; minibatches index the
/// copy-major flattening SB3's `swap_and_flatten` makes (flat index `copy * steps + step`).
public final class RolloutBuffer {
    public let steps: Int
    public let copies: Int
    public let observationSize: Int
    /// Floats per action: 1 for a discrete action (its index), the dimension for a Box.
    public let actionSize: Int

    public private(set) var observations: [Float]
    public private(set) var actions: [Float]
    public private(set) var rewards: [Float]
    /// 1 where the observation is the first of an episode (SB3's `episode_starts`).
    public private(set) var episodeStarts: [Float]
    public private(set) var values: [Float]
    public private(set) var logProbabilities: [Float]
    public private(set) var advantages: [Float]
    public private(set) var returns: [Float]
    /// Vector steps stored so far in this rollout.
    public private(set) var position = 0
    /// Where each transition of the minibatch order is stored, worked out once per pass
    /// instead of once per column gathered.
    private var storageOrder: [Int]

    /// - Throws: ``MemoryLimitError`` when the rollout could not fit in memory (checked,
    ///   before anything is allocated).
    public init(steps: Int, copies: Int, observationSize: Int, actionSize: Int) throws {
        // observations + actions + 6 per-transition numbers, Float32, plus the Int order.
        try MemoryBudget.bytes(for: "rollout buffer (n_steps \(steps) x num_envs \(copies), observations of \(observationSize) numbers)",
                               parts: [([steps, copies, observationSize], 4), ([steps, copies, actionSize], 4), ([steps, copies, 6], 4),
                                       ([steps, copies], 8)])
        self.steps = steps
        self.copies = copies
        self.observationSize = observationSize
        self.actionSize = actionSize
        let n = steps * copies
        observations = [Float](repeating: 0, count: n * observationSize)
        actions = [Float](repeating: 0, count: n * actionSize)
        rewards = [Float](repeating: 0, count: n)
        episodeStarts = rewards
        values = rewards
        logProbabilities = rewards
        advantages = rewards
        returns = rewards
        storageOrder = [Int](repeating: 0, count: n)
        unshuffle()
    }

    /// Puts the storage index of flat index `copy * steps + step` (SB3's swap_and_flatten
    /// order) at `storageOrder[copy * steps + step]`: arrays here are step-major.
    private func unshuffle() {
        for flat in storageOrder.indices { storageOrder[flat] = (flat % steps) * copies + flat / steps }
    }

    /// Transitions per rollout (`steps * copies`).
    public var count: Int { steps * copies }
    public var isFull: Bool { position == steps }

    /// Starts a new rollout (the storage is overwritten as it fills).
    public func reset() { position = 0 }

    /// Stores one vector step: per copy the observation the action was chosen for
    /// (`copies x observationSize`), the action, the reward (time-limit bootstrap
    /// included), whether the observation starts an episode, the value and the
    /// log-probability of the action.
    public func add(observations newObservations: [Float], actions newActions: [Float], rewards newRewards: [Float],
                    episodeStarts starts: [Bool], values newValues: [Float], logProbabilities newLogProbabilities: [Float]) {
        precondition(position < steps, "RolloutBuffer.add: the rollout is full; call reset()")
        let base = position * copies
        for k in 0..<(copies * observationSize) { observations[base * observationSize + k] = newObservations[k] }
        for k in 0..<(copies * actionSize) { actions[base * actionSize + k] = newActions[k] }
        for i in 0..<copies {
            rewards[base + i] = newRewards[i]
            episodeStarts[base + i] = starts[i] ? 1 : 0
            values[base + i] = newValues[i]
            logProbabilities[base + i] = newLogProbabilities[i]
        }
        position += 1
    }

    /// Generalized advantage estimation (Schulman et al. 2016) backwards over the rollout,
    /// as SB3's `compute_returns_and_advantage`, in its float32 arithmetic:
    /// `δ = r + γ V(s') (1 - done) - V(s)`, `A = δ + γλ (1 - done) A'`, returns `A + V`.
    ///
    /// - Parameters:
    ///   - lastValues: The value of each copy's observation after the last step.
    ///   - dones: Whether each copy's last step ended its episode.
    public func computeReturnsAndAdvantage(lastValues: [Float], dones: [Bool], gamma: Double, gaeLambda: Double) {
        let g = Float(gamma), gl = Float(gamma * gaeLambda)
        for i in 0..<copies {
            var last: Float = 0
            for step in stride(from: steps - 1, through: 0, by: -1) {
                let nextNonTerminal: Float, nextValue: Float
                if step == steps - 1 {
                    nextNonTerminal = 1 - (dones[i] ? 1 : 0)
                    nextValue = lastValues[i]
                } else {
                    nextNonTerminal = 1 - episodeStarts[(step + 1) * copies + i]
                    nextValue = values[(step + 1) * copies + i]
                }
                let k = step * copies + i
                let delta = rewards[k] + g * nextValue * nextNonTerminal - values[k]
                last = delta + gl * nextNonTerminal * last
                advantages[k] = last
            }
        }
        for k in 0..<count { returns[k] = advantages[k] + values[k] }
    }

    /// Draws a new order of the transitions for the next pass of minibatches
    /// (SB3 draws `np.random.permutation` per pass).
    public func shuffle(random: RandomSource) {
        // The permutation depends on the count alone: shuffling the storage indices is
        // mapping a shuffled 0..<count to them.
        unshuffle()
        random.shuffle(&storageOrder)
    }

    /// Fills `batch` with the transitions at positions `start..<start + batch.size` of the
    /// current order (the last minibatch of a pass may be smaller: `batch.resize`).
    public func gather(from start: Int, into batch: RolloutBatch) {
        let size = min(batch.capacity, count - start)
        batch.size = size
        storageOrder.withUnsafeBufferPointer { storageOrder in
            let rows = UnsafeBufferPointer(rebasing: storageOrder[start..<(start + size)])
            Self.gather(observations, width: observationSize, rows: rows, into: &batch.observations)
            Self.gather(actions, width: actionSize, rows: rows, into: &batch.actions)
            Self.gather(values, rows: rows, into: &batch.values)
            Self.gather(logProbabilities, rows: rows, into: &batch.logProbabilities)
            Self.gather(advantages, rows: rows, into: &batch.advantages)
            Self.gather(returns, rows: rows, into: &batch.returns)
        }
    }

    /// Row `b` of `target` is row `rows[b]` of `column`, for every `b` (`width` floats a row).
    ///
    /// Through buffer pointers taken once: element by element through the batch's array
    /// properties, every write checked the array's uniqueness again.
    @inline(__always)
    private static func gather(_ column: [Float], width: Int = 1, rows: UnsafeBufferPointer<Int>, into target: inout [Float]) {
        column.withUnsafeBufferPointer { column in
            target.withUnsafeMutableBufferPointer { target in
                for (b, k) in rows.enumerated() {
                    for j in 0..<width { target[b * width + j] = column[k * width + j] }
                }
            }
        }
    }
}

/// One minibatch of a ``RolloutBuffer``, in storage reused from batch to batch.
public final class RolloutBatch {
    public let capacity: Int
    public internal(set) var size: Int
    public let observationSize: Int
    public internal(set) var observations: [Float]
    public internal(set) var actions: [Float]
    public internal(set) var values: [Float]
    public internal(set) var logProbabilities: [Float]
    public internal(set) var advantages: [Float]
    public internal(set) var returns: [Float]

    public init(capacity: Int, observationSize: Int, actionSize: Int) {
        self.capacity = capacity
        size = capacity
        self.observationSize = observationSize
        observations = [Float](repeating: 0, count: capacity * observationSize)
        actions = [Float](repeating: 0, count: capacity * actionSize)
        values = [Float](repeating: 0, count: capacity)
        logProbabilities = values
        advantages = values
        returns = values
    }

    /// The first `size` rows of `array` (`width` floats a row) as a `[size, width]` tensor
    /// (or `[size]` when `width` is nil).
    public func tensor(_ array: [Float], width: Int?) -> Tensor {
        if let width { return Tensor(shape: [size, width], scalars: Array(array[0..<(size * width)])) }
        return Tensor(shape: [size], scalars: Array(array[0..<size]))
    }
}

/// Training checkpoints in the middle of a rollout: the steps stored so far (advantages
/// and returns are computed when the rollout is full, so they are not saved).
extension RolloutBuffer: StateArchiving {
    public func archive(into archive: inout StateArchive, prefix: String) {
        let n = position * copies
        archive.set("\(prefix).position", position)
        archive.set("\(prefix).observations", float32: Array(observations[0..<(n * observationSize)]))
        archive.set("\(prefix).actions", float32: Array(actions[0..<(n * actionSize)]))
        archive.set("\(prefix).rewards", float32: Array(rewards[0..<n]))
        archive.set("\(prefix).episode_starts", float32: Array(episodeStarts[0..<n]))
        archive.set("\(prefix).values", float32: Array(values[0..<n]))
        archive.set("\(prefix).log_probabilities", float32: Array(logProbabilities[0..<n]))
    }

    /// Checks every size before writing any row.
    public func restore(from archive: StateArchive, prefix: String) throws {
        let saved = try archive.int("\(prefix).position")
        guard (0..<steps).contains(saved) else {
            throw StateArchiveError("\(archive.source): rollout position \(saved) outside 0..<\(steps) (another n_steps?)")
        }
        let n = saved * copies
        let o = try archive.float32("\(prefix).observations", count: n * observationSize)
        let a = try archive.float32("\(prefix).actions", count: n * actionSize)
        let columns = try ["rewards", "episode_starts", "values", "log_probabilities"].map { try archive.float32("\(prefix).\($0)", count: n) }
        observations.replaceSubrange(0..<o.count, with: o)
        actions.replaceSubrange(0..<a.count, with: a)
        rewards.replaceSubrange(0..<n, with: columns[0])
        episodeStarts.replaceSubrange(0..<n, with: columns[1])
        values.replaceSubrange(0..<n, with: columns[2])
        logProbabilities.replaceSubrange(0..<n, with: columns[3])
        position = saved
    }
}
