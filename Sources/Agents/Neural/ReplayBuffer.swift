import LabCore

/// A fixed-capacity ring buffer of transitions in Float32, as Stable-Baselines3's
/// `ReplayBuffer` (without `optimize_memory_usage`): once full, each new transition
/// overwrites the oldest. One type serves every off-policy agent: DQN stores a discrete
/// action (its index, one number), SAC, TD3 and DDPG a continuous action of
/// ``actionSize`` numbers (scaled to [-1, 1], as SB3 stores them).
///
/// Timeouts follow SB3's `handle_timeout_termination=True`: a transition cut by a time
/// limit is stored as non-terminal, so its target bootstraps from the next state; only a
/// real termination stops the bootstrap.
///
/// Every array is allocated when the buffer is made; adding and sampling only copy
/// numbers, so the per-step path does not allocate.
public final class ReplayBuffer {
    /// The most transitions the buffer holds.
    public let capacity: Int
    /// Numbers per observation.
    public let observationSize: Int
    /// Numbers per action: 1 for a discrete action (its index), the Box size otherwise.
    public let actionSize: Int
    /// Transitions held, at most ``capacity``.
    public private(set) var count = 0
    /// Where the next transition goes.
    public private(set) var position = 0

    private var observations: [Float]
    private var nextObservations: [Float]
    /// Row-major `capacity x actionSize`. A discrete index is stored as a Float, which is
    /// exact for every index below 2^24.
    private var actions: [Float]
    private var rewards: [Float]
    /// 1 where the transition ended in a terminal state (no bootstrap), else 0 (also for a
    /// time-limit truncation, as the type's notes say).
    private var terminals: [Float]

    /// - Throws: ``ConfigurationError`` when `capacity` is not positive or the sizes
    ///   would not fit in memory.
    public init(capacity: Int, observationSize: Int, actionSize: Int = 1) throws {
        guard capacity > 0 else { throw ConfigurationError("buffer_size must be positive, got \(capacity)") }
        guard observationSize > 0, actionSize > 0 else {
            throw ConfigurationError("replay buffer: observation and action sizes must be positive, got \(observationSize) and \(actionSize)")
        }
        // Refused before anything is allocated: two observation arrays, the actions, rewards
        // and terminals, all Float32.
        do {
            try MemoryBudget.bytes(for: "replay buffer (buffer_size \(capacity) x observations of \(observationSize) numbers)",
                                   parts: [([capacity, observationSize, 2], 4), ([capacity, actionSize], 4), ([capacity, 2], 4)])
        } catch let error as MemoryLimitError {
            throw ConfigurationError("\(error); choose a smaller buffer_size")
        }
        self.capacity = capacity
        self.observationSize = observationSize
        self.actionSize = actionSize
        observations = [Float](repeating: 0, count: capacity * observationSize)
        nextObservations = [Float](repeating: 0, count: capacity * observationSize)
        actions = [Float](repeating: 0, count: capacity * actionSize)
        rewards = [Float](repeating: 0, count: capacity)
        terminals = [Float](repeating: 0, count: capacity)
    }

    /// Stores one transition with a discrete action. `terminated` is whether
    /// `nextObservation` is terminal; a truncated episode passes `false`.
    public func add<Row: RandomAccessCollection<Float>>(
        observation: Row, action: Int, reward: Float, nextObservation: Row, terminated: Bool
    ) where Row.Index == Int {
        precondition(actionSize == 1, "ReplayBuffer.add: a discrete action in a buffer of \(actionSize)-number actions")
        actions[position] = Float(action)
        store(observation: observation, reward: reward, nextObservation: nextObservation, terminated: terminated)
    }

    /// Stores one transition with an action of ``actionSize`` numbers (continuous, or a
    /// discrete index as a float). `terminated` is as in the discrete `add`.
    public func add<Row: RandomAccessCollection<Float>, ActionRow: RandomAccessCollection<Float>>(
        observation: Row, action: ActionRow, reward: Float, nextObservation: Row, terminated: Bool
    ) where Row.Index == Int, ActionRow.Index == Int {
        precondition(action.count == actionSize, "ReplayBuffer.add: an action of \(action.count) numbers, buffer holds \(actionSize)")
        let base = position * actionSize, a = action.startIndex
        for j in 0..<actionSize { actions[base + j] = action[a + j] }
        store(observation: observation, reward: reward, nextObservation: nextObservation, terminated: terminated)
    }

    private func store<Row: RandomAccessCollection<Float>>(
        observation: Row, reward: Float, nextObservation: Row, terminated: Bool
    ) where Row.Index == Int {
        precondition(observation.count == observationSize && nextObservation.count == observationSize,
                     "ReplayBuffer.add: observations of \(observation.count) and \(nextObservation.count) numbers, buffer holds \(observationSize)")
        let base = position * observationSize
        let (o, n) = (observation.startIndex, nextObservation.startIndex)
        for j in 0..<observationSize {
            observations[base + j] = observation[o + j]
            nextObservations[base + j] = nextObservation[n + j]
        }
        rewards[position] = reward
        terminals[position] = terminated ? 1 : 0
        position = (position + 1) % capacity
        count = Swift.min(count + 1, capacity)
    }

    /// Fills `batch` with transitions drawn uniformly with replacement from those held
    /// (SB3 and numpy's `randint(0, count, batch_size)`), using `random`.
    public func sample(into batch: ReplayBatch, random: RandomSource) {
        precondition(count > 0, "ReplayBuffer.sample: the buffer is empty")
        for i in 0..<batch.size { batch.indices[i] = random.uniformIndex(below: count) }
        gather(into: batch)
    }

    /// Fills `batch` with the transitions at `batch.indices` (slots of the ring).
    public func gather(into batch: ReplayBatch) {
        precondition(batch.observationSize == observationSize && batch.actionSize == actionSize,
                     "ReplayBuffer.gather: batch of another observation or action size")
        let d = observationSize, k = actionSize
        batch.observations.withUnsafeMutableBufferPointer { obs in
            batch.nextObservations.withUnsafeMutableBufferPointer { next in
                batch.actions.withUnsafeMutableBufferPointer { action in
                    batch.rewards.withUnsafeMutableBufferPointer { reward in
                        batch.terminals.withUnsafeMutableBufferPointer { terminal in
                            for i in 0..<batch.size {
                                let slot = batch.indices[i]
                                precondition(slot >= 0 && slot < count, "ReplayBuffer.gather: slot \(slot) is not filled")
                                for j in 0..<d {
                                    obs[i * d + j] = observations[slot * d + j]
                                    next[i * d + j] = nextObservations[slot * d + j]
                                }
                                for j in 0..<k { action[i * k + j] = actions[slot * k + j] }
                                if k == 1 { batch.actionIndices[i] = Int(actions[slot]) }
                                reward[i] = rewards[slot]
                                terminal[i] = terminals[slot]
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A minibatch of transitions, allocated once and refilled by ``ReplayBuffer/sample(into:random:)``.
///
/// The arrays are tensors so the networks read them directly; rows are transitions.
public final class ReplayBatch {
    public let size: Int
    public let observationSize: Int
    public let actionSize: Int
    /// Ring slots of the transitions, in batch order.
    public var indices: [Int]
    /// `[size, observationSize]`.
    public var observations: Tensor
    /// `[size, observationSize]`.
    public var nextObservations: Tensor
    /// `[size, actionSize]`: continuous actions (scaled to [-1, 1]), or discrete indices as floats.
    public var actions: Tensor
    /// The discrete actions as indices (filled when ``actionSize`` is 1).
    public var actionIndices: [Int]
    /// `[size]`.
    public var rewards: Tensor
    /// `[size]`: 1 for a terminal transition, else 0.
    public var terminals: Tensor

    public init(size: Int, observationSize: Int, actionSize: Int = 1) {
        self.size = size
        self.observationSize = observationSize
        self.actionSize = actionSize
        indices = [Int](repeating: 0, count: size)
        observations = .zeros([size, observationSize])
        nextObservations = .zeros([size, observationSize])
        actions = .zeros([size, actionSize])
        actionIndices = [Int](repeating: 0, count: size)
        rewards = .zeros([size])
        terminals = .zeros([size])
    }
}

/// The buffer in a training checkpoint: the rows filled so far (the rest of the ring was
/// never written and stays zero), its fill count and position.
extension ReplayBuffer: StateArchiving {
    public func archive(into archive: inout StateArchive, prefix: String) {
        archive.set("\(prefix).count", count)
        archive.set("\(prefix).position", position)
        archive.set("\(prefix).observations", float32: Array(observations[0..<(count * observationSize)]))
        archive.set("\(prefix).next_observations", float32: Array(nextObservations[0..<(count * observationSize)]))
        archive.set("\(prefix).actions", float32: Array(actions[0..<(count * actionSize)]))
        archive.set("\(prefix).rewards", float32: Array(rewards[0..<count]))
        archive.set("\(prefix).terminals", float32: Array(terminals[0..<count]))
    }

    public func restore(from archive: StateArchive, prefix: String) throws {
        let held = try archive.int("\(prefix).count"), next = try archive.int("\(prefix).position")
        guard (0...capacity).contains(held), (0..<capacity).contains(next), held == capacity || next == held else {
            throw StateArchiveError("\(archive.source): replay buffer count \(held) and position \(next) do not fit a buffer of \(capacity)")
        }
        let o = try archive.float32("\(prefix).observations", count: held * observationSize)
        let n = try archive.float32("\(prefix).next_observations", count: held * observationSize)
        let a = try archive.float32("\(prefix).actions", count: held * actionSize)
        let r = try archive.float32("\(prefix).rewards", count: held)
        let t = try archive.float32("\(prefix).terminals", count: held)
        observations.replaceSubrange(0..<o.count, with: o)
        nextObservations.replaceSubrange(0..<n.count, with: n)
        actions.replaceSubrange(0..<a.count, with: a)
        rewards.replaceSubrange(0..<r.count, with: r)
        terminals.replaceSubrange(0..<t.count, with: t)
        count = held
        position = next
    }
}
