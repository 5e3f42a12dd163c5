import LabCore
/// N copies of one environment stepped together, with Gymnasium 1.x vector semantics.
///
/// Results are batched in structure-of-arrays buffers the environment owns and reuses
/// (so stepping does not allocate): ``observations`` (row-major, `count x
/// observationWidth` floats), ``rewards``, ``terminations`` and ``truncations``.
/// Read them after each call; the next call overwrites them.
///
/// Autoreset follows Gymnasium's default `AutoresetMode.NEXT_STEP`: when copy `i`
/// ends an episode (terminated or truncated) in step `t`, step `t + 1` ignores its
/// action and resets it instead, reporting the first observation of the new episode
/// with reward 0 and both flags false. The final observation of the finished episode is
/// the one returned by step `t`.
///
/// Seeding follows `SyncVectorEnv.reset`: `reset(seed: s)` seeds copy `i` with `s + i`;
/// `reset(seed: nil)` continues each copy's stream; autoresets continue the streams.
public protocol VectorEnvironment: AnyObject {
    /// The number of copies (Gymnasium's `num_envs`).
    var count: Int { get }
    /// The observation space of one copy.
    var singleObservationSpace: Space { get }
    /// The action space of one copy.
    var singleActionSpace: Space { get }
    /// Floats per copy in ``observations``: the flat size of a Box observation, or 1 for
    /// a discrete observation (the state index, exact as a float below 2^24).
    var observationWidth: Int { get }

    /// The observations of the last `reset` or `step`, copy after copy.
    var observations: [Float] { get }
    /// The rewards of the last `step` (0 for copies that were autoreset).
    var rewards: [Double] { get }
    /// Which copies reached a terminal state in the last `step`.
    var terminations: [Bool] { get }
    /// Which copies were truncated (time limit) in the last `step`.
    var truncations: [Bool] { get }

    /// Resets every copy: copy `i` with `seed + i`, or continuing its stream when `seed`
    /// is nil.
    func reset(seed: UInt64?, options: Info?) throws

    /// Steps every copy with its action (`actions.count == count`); copies whose previous
    /// step ended an episode are reset instead (next-step autoreset).
    ///
    /// - Throws: ``EnvironmentError`` (`.invalidAction`) for a wrong number of actions
    ///   or an action outside the space, `.resetNeeded` before the first `reset`.
    func step(discrete actions: [Int]) throws

    /// Steps with actions of any kind (continuous action spaces).
    func step(_ actions: [Action]) throws
}

extension VectorEnvironment {
    /// The observation of copy `index` in the single observation space's form.
    public func observation(at index: Int) -> Observation {
        let start = index * observationWidth
        if singleObservationSpace.isDiscrete { return .discrete(Int(observations[start])) }
        return .vector(Array(observations[start..<start + observationWidth]))
    }

    /// Whether copy `index` ended an episode in the last step (and will be reset by the next).
    @inlinable public func isDone(_ index: Int) -> Bool {
        terminations[index] || truncations[index]
    }

    /// The default: wraps each discrete action.
    public func step(_ actions: [Action]) throws {
        try step(discrete: actions.enumerated().map { i, action in
            guard let a = action.discrete else {
                throw EnvironmentError(.invalidAction, "copy \(i): action \(action) is not in \(singleActionSpace)")
            }
            return a
        })
    }

    /// `reset(seed: seed, options: nil)`.
    public func reset(seed: UInt64? = nil) throws {
        try reset(seed: seed, options: nil)
    }
}

/// Checks that a batch of actions has one action per copy.
@inline(__always)
func checkActionCount(_ actual: Int, _ expected: Int) throws {
    guard actual == expected else {
        throw EnvironmentError(.invalidAction, "expected \(expected) actions, one per copy, got \(actual)")
    }
}

extension EnvironmentRegistry {
    /// Refuses, before any copy is made, a number of copies that could not fit in memory.
    public static func checkCopyCount(_ count: Int) throws {
        do {
            // 1 KiB, a lower bound of a copy: the object, its state, its share of the buffers.
            try MemoryBudget.bytes(for: "\(count) environment copies (num_envs)", counts: [count], bytesPerElement: 1024)
        } catch let error as MemoryLimitError {
            throw EnvironmentError(.invalidOptionValue, error.description)
        }
    }

    /// Makes `count` copies of environment `id` as one vector environment, as
    /// `gymnasium.make_vec(id, num_envs=count)` (see ``ResolvedEnvironment/makeVector(count:threads:native:)``).
    ///
    /// - Throws: ``EnvironmentError`` for an unknown id or option, or `count < 1`.
    public func makeVector(
        _ id: String, options: [String: String] = [:], count: Int, threads: Int = 1, native: Bool = true
    ) throws -> VectorEnvironment {
        try resolve(id, options: options).makeVector(count: count, threads: threads, native: native)
    }
}
