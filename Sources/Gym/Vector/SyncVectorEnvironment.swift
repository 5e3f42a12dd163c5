import LabCore
/// When a vector environment resets a copy whose episode ended (Gymnasium's `AutoresetMode`).
public enum AutoresetMode: String, Sendable {
    /// The step after the one that ended the episode resets the copy and ignores its
    /// action (Gymnasium's default).
    case nextStep
    /// The step that ends the episode also resets the copy: it reports the new episode's
    /// first observation, with the final one kept in `finalObservations` (Gymnasium's
    /// `SAME_STEP`, and Stable-Baselines3's `VecEnv`, which keeps it in
    /// `info["terminal_observation"]`).
    case sameStep
}

/// N environments stepped one after the other on the calling thread, as Gymnasium's
/// `SyncVectorEnv`, by default in next-step autoreset mode (see ``VectorEnvironment``).
///
/// Works with any environment, including user-registered ones; environments with a
/// native kernel are faster through ``EnvironmentRegistry/makeVector(_:options:count:threads:native:)``.
public final class SyncVectorEnvironment: VectorEnvironment {
    /// The copies, in order.
    public let environments: [Environment]
    public let singleObservationSpace: Space
    public let singleActionSpace: Space
    public let observationWidth: Int
    public var count: Int { environments.count }

    public private(set) var observations: [Float]
    public private(set) var rewards: [Double]
    public private(set) var terminations: [Bool]
    public private(set) var truncations: [Bool]
    public let autoresetMode: AutoresetMode
    /// In ``AutoresetMode/sameStep`` mode, the final observation of each copy whose episode
    /// ended in the last step (rows of other copies are stale), laid out as ``observations``.
    public private(set) var finalObservations: [Float]
    /// Copies that ended an episode in the last step: the next step resets them.
    private var autoreset: [Bool]
    private var hasReset = false

    /// Vectorizes `environments`, which must share their observation and action spaces
    /// (Gymnasium checks the same).
    ///
    /// - Throws: ``EnvironmentError`` (`.invalidState`) for no environments or mismatched spaces.
    public init(_ environments: [Environment], autoresetMode: AutoresetMode = .nextStep) throws {
        guard let first = environments.first else {
            throw EnvironmentError(.invalidState, "a vector environment needs at least one environment")
        }
        for (i, env) in environments.enumerated() where env.observationSpace != first.observationSpace || env.actionSpace != first.actionSpace {
            throw EnvironmentError(.invalidState, "copy \(i) has spaces \(env.observationSpace), \(env.actionSpace); copy 0 has \(first.observationSpace), \(first.actionSpace)")
        }
        self.environments = environments
        singleObservationSpace = first.observationSpace
        singleActionSpace = first.actionSpace
        observationWidth = first.observationSpace.flatDimension
        let n = environments.count
        observations = [Float](repeating: 0, count: n * observationWidth)
        finalObservations = observations
        self.autoresetMode = autoresetMode
        rewards = [Double](repeating: 0, count: n)
        terminations = [Bool](repeating: false, count: n)
        truncations = [Bool](repeating: false, count: n)
        autoreset = [Bool](repeating: false, count: n)
    }

    public func reset(seed: UInt64?, options: Info?) throws {
        for (i, env) in environments.enumerated() {
            let (observation, _) = try env.reset(seed: seed.map { $0 &+ UInt64(i) }, options: options)
            store(observation, at: i, in: &observations)
        }
        rewards = [Double](repeating: 0, count: count)
        terminations = [Bool](repeating: false, count: count)
        truncations = terminations
        autoreset = terminations
        hasReset = true
    }

    public func step(discrete actions: [Int]) throws {
        try checkActionCount(actions.count, count)
        try step { .discrete(actions[$0]) }
    }

    public func step(_ actions: [Action]) throws {
        try checkActionCount(actions.count, count)
        try step { actions[$0] }
    }

    private func step(action: (Int) -> Action) throws {
        guard hasReset else {
            throw EnvironmentError(.resetNeeded, "call reset() on the vector environment before step()")
        }
        for (i, env) in environments.enumerated() {
            if autoreset[i] {
                try store(env.reset(seed: nil, options: nil).observation, at: i, in: &observations)
                rewards[i] = 0
                terminations[i] = false
                truncations[i] = false
            } else {
                let result = try env.step(action(i))
                rewards[i] = result.reward
                terminations[i] = result.terminated
                truncations[i] = result.truncated
                if autoresetMode == .sameStep && result.done {
                    store(result.observation, at: i, in: &finalObservations)
                    try store(env.reset(seed: nil, options: nil).observation, at: i, in: &observations)
                } else {
                    store(result.observation, at: i, in: &observations)
                }
            }
        }
        if autoresetMode == .nextStep {
            for i in 0..<count { autoreset[i] = terminations[i] || truncations[i] }
        }
    }

    private func store(_ observation: Observation, at index: Int, in buffer: inout [Float]) {
        let start = index * observationWidth
        switch observation {
        case .discrete(let state): buffer[start] = Float(state)
        case .vector(let values):
            for (k, v) in values.prefix(observationWidth).enumerated() { buffer[start + k] = v }
        }
    }
}

extension SyncVectorEnvironment: StateArchiving {
    /// Stores every copy's whole state (each layer of each copy) and the batch buffers.
    ///
    /// - Throws: ``StateArchiveError`` when a copy has a layer that cannot save its state.
    public func archive(into archive: inout StateArchive, prefix: String) throws {
        for (i, environment) in environments.enumerated() {
            try EnvironmentState.archive(environment, into: &archive, prefix: "\(prefix).copy.\(i)")
        }
        archive.set("\(prefix).autoreset", bools: autoreset)
        archive.set("\(prefix).has_reset", hasReset)
        archive.set("\(prefix).observations", float32: observations)
        archive.set("\(prefix).final_observations", float32: finalObservations)
        archive.set("\(prefix).rewards", float64: rewards)
        archive.set("\(prefix).terminations", bools: terminations)
        archive.set("\(prefix).truncations", bools: truncations)
    }

    public func restore(from archive: StateArchive, prefix: String) throws {
        let resetting = try archive.bools("\(prefix).autoreset", count: count)
        let has = try archive.bool("\(prefix).has_reset")
        let savedObservations = try archive.float32("\(prefix).observations", count: observations.count)
        let savedFinal = try archive.float32("\(prefix).final_observations", count: finalObservations.count)
        let savedRewards = try archive.float64("\(prefix).rewards", count: count)
        let savedTerminations = try archive.bools("\(prefix).terminations", count: count)
        let savedTruncations = try archive.bools("\(prefix).truncations", count: count)
        for (i, environment) in environments.enumerated() {
            try EnvironmentState.restore(environment, from: archive, prefix: "\(prefix).copy.\(i)")
        }
        autoreset = resetting
        hasReset = has
        observations = savedObservations
        finalObservations = savedFinal
        rewards = savedRewards
        terminations = savedTerminations
        truncations = savedTruncations
    }
}
