import Foundation
import LabCore

/// A fixed-capacity ring buffer of transitions in Float32, as Stable-Baselines3's
/// `ReplayBuffer` (without `optimize_memory_usage`): once full, each new transition
/// overwrites the oldest.
///
/// Every array is allocated when the buffer is made; adding and sampling only copy
/// numbers, so the per-step path does not allocate.
public final class ReplayBuffer {
    /// The most transitions the buffer holds.
    public let capacity: Int
    /// Numbers per observation.
    public let observationSize: Int
    /// Transitions held, at most ``capacity``.
    public private(set) var count = 0
    /// Where the next transition goes.
    public private(set) var position = 0

    private var observations: [Float]
    private var nextObservations: [Float]
    private var actions: [Int]
    private var rewards: [Float]
    /// 1 where the transition ended in a terminal state (no bootstrap), else 0. A
    /// transition cut by a time limit stores 0: its next state still has a value (SB3's
    /// `handle_timeout_termination`).
    private var terminals: [Float]

    public init(capacity: Int, observationSize: Int) throws {
        guard capacity > 0 else { throw ConfigurationError("buffer_size must be positive, got \(capacity)") }
        self.capacity = capacity
        self.observationSize = observationSize
        observations = [Float](repeating: 0, count: capacity * observationSize)
        nextObservations = [Float](repeating: 0, count: capacity * observationSize)
        actions = [Int](repeating: 0, count: capacity)
        rewards = [Float](repeating: 0, count: capacity)
        terminals = [Float](repeating: 0, count: capacity)
    }

    /// Stores one transition. `terminated` is whether `nextObservation` is terminal; a
    /// truncated episode passes `false`.
    public func add<Row: RandomAccessCollection<Float>>(
        observation: Row, action: Int, reward: Float, nextObservation: Row, terminated: Bool
    ) where Row.Index == Int {
        precondition(observation.count == observationSize && nextObservation.count == observationSize,
                     "ReplayBuffer.add: observations of \(observation.count) and \(nextObservation.count) numbers, buffer holds \(observationSize)")
        let base = position * observationSize
        let (o, n) = (observation.startIndex, nextObservation.startIndex)
        for j in 0..<observationSize {
            observations[base + j] = observation[o + j]
            nextObservations[base + j] = nextObservation[n + j]
        }
        actions[position] = action
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
        precondition(batch.observationSize == observationSize, "ReplayBuffer.gather: batch of another observation size")
        let d = observationSize
        batch.observations.withUnsafeMutableBufferPointer { obs in
            batch.nextObservations.withUnsafeMutableBufferPointer { next in
                batch.rewards.withUnsafeMutableBufferPointer { reward in
                    batch.terminals.withUnsafeMutableBufferPointer { terminal in
                        for i in 0..<batch.size {
                            let slot = batch.indices[i]
                            precondition(slot >= 0 && slot < count, "ReplayBuffer.gather: slot \(slot) is not filled")
                            for j in 0..<d {
                                obs[i * d + j] = observations[slot * d + j]
                                next[i * d + j] = nextObservations[slot * d + j]
                            }
                            batch.actions[i] = actions[slot]
                            reward[i] = rewards[slot]
                            terminal[i] = terminals[slot]
                        }
                    }
                }
            }
        }
    }
}

/// A minibatch of transitions, allocated once and refilled by ``ReplayBuffer/sample(into:random:)``.
///
/// The arrays are tensors so the network reads them directly; rows are transitions.
public final class ReplayBatch {
    public let size: Int
    public let observationSize: Int
    /// Ring slots of the transitions, in batch order.
    public var indices: [Int]
    /// `[size, observationSize]`.
    public var observations: Tensor
    /// `[size, observationSize]`.
    public var nextObservations: Tensor
    public var actions: [Int]
    /// `[size]`.
    public var rewards: Tensor
    /// `[size]`: 1 for a terminal transition, else 0.
    public var terminals: Tensor

    public init(size: Int, observationSize: Int) {
        self.size = size
        self.observationSize = observationSize
        indices = [Int](repeating: 0, count: size)
        observations = .zeros([size, observationSize])
        nextObservations = .zeros([size, observationSize])
        actions = [Int](repeating: 0, count: size)
        rewards = .zeros([size])
        terminals = .zeros([size])
    }
}
