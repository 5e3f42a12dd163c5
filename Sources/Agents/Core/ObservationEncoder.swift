import Gym

/// Turns observations into the network inputs Stable-Baselines3's `preprocess_obs` makes:
/// a `Discrete(n)` observation becomes a one-hot vector of `n` floats, a `Box`
/// observation its flattened floats.
///
/// Vector environments report a discrete observation as its state index in one float;
/// ``encode(_:into:at:)`` reads either form without allocating.
public struct ObservationEncoder: Sendable {
    /// How many floats the environment gives per observation (1 for a discrete one).
    public let rawWidth: Int
    /// How many floats the encoded observation has (the network's input size).
    public let width: Int
    /// The number of states of a discrete observation space, nil for a Box.
    public let states: Int?
    /// The first state index of a discrete space (Gymnasium's `Discrete(n, start=)`).
    private let start: Int

    /// - Throws: ``AgentError`` for an empty observation space (a Box of any rank is flattened).
    public init(space: Space, agent: String, environmentID: String) throws {
        switch space {
        case .discrete(let discrete):
            rawWidth = 1
            width = discrete.n
            states = discrete.n
            start = discrete.start
        case .box(let box):
            rawWidth = box.count
            width = box.count
            states = nil
            start = 0
        }
        guard width > 0 else {
            throw AgentError("\(agent) needs a non-empty observation space; \(environmentID) has \(space)")
        }
    }

    /// Writes the encoding of `raw` (`rawWidth` floats from a vector environment) into
    /// `output[offset..<offset + width]`.
    @inline(__always)
    public func encode<C: Collection<Float>>(_ raw: C, into output: inout [Float], at offset: Int) where C.Index == Int {
        if let states {
            for k in 0..<states { output[offset + k] = 0 }
            let index = Int(raw[raw.startIndex]) - start
            if index >= 0 && index < states { output[offset + index] = 1 }
        } else {
            var k = offset
            for v in raw { output[k] = v; k += 1 }
        }
    }

    /// The encoding of one observation of the environment's own form.
    ///
    /// - Throws: ``AgentError`` when the observation does not fit the space.
    public func encode(_ observation: Observation, agent: String) throws -> [Float] {
        var output = [Float](repeating: 0, count: width)
        try encode(observation, into: &output, at: 0, agent: agent)
        return output
    }

    /// Writes the encoding of one observation of the environment's own form into
    /// `output[offset..<offset + width]`, without allocating.
    ///
    /// - Throws: ``AgentError`` when the observation does not fit the space.
    public func encode(_ observation: Observation, into output: inout [Float], at offset: Int, agent: String) throws {
        switch (observation, states) {
        case (.discrete(let index), let n?) where index - start >= 0 && index - start < n:
            for k in 0..<n { output[offset + k] = 0 }
            output[offset + index - start] = 1
        case (.vector(let values), nil) where values.count == rawWidth:
            for k in 0..<width { output[offset + k] = values[k] }
        default:
            throw AgentError("\(agent) expects observations of its environment's space, got \(observation)")
        }
    }
}
