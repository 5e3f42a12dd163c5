/// What an environment shows the agent after `reset` or `step`.
///
/// Gymnasium's built-in environments return either an integer (toy text: the state
/// index) or a float32 vector (classic control); RLLab keeps exactly those two forms.
public enum Observation: Equatable, Sendable, CustomStringConvertible {
    /// The index of a state in a ``Discrete`` observation space.
    case discrete(Int)
    /// A float32 vector in a ``Box`` observation space (flattened, row-major).
    case vector([Float])

    /// The vector, or `nil` for a discrete observation.
    @inlinable public var vector: [Float]? {
        if case .vector(let values) = self { return values }
        return nil
    }

    /// The state index, or `nil` for a vector observation.
    @inlinable public var discrete: Int? {
        if case .discrete(let index) = self { return index }
        return nil
    }

    /// The observation as float values: a discrete observation gives one value.
    public var floatValues: [Float] {
        switch self {
        case .discrete(let index): return [Float(index)]
        case .vector(let values): return values
        }
    }

    public var description: String {
        switch self {
        case .discrete(let index): return "\(index)"
        case .vector(let values): return "[" + values.map { "\($0)" }.joined(separator: ", ") + "]"
        }
    }
}

/// What the agent does in a `step`.
public enum Action: Equatable, Sendable, CustomStringConvertible {
    /// An element of a ``Discrete`` action space.
    case discrete(Int)
    /// A float32 vector in a ``Box`` action space (e.g. Pendulum's torque).
    case continuous([Float])

    /// The discrete action, or `nil` for a continuous one.
    @inlinable public var discrete: Int? {
        if case .discrete(let index) = self { return index }
        return nil
    }

    /// The continuous action, or `nil` for a discrete one.
    @inlinable public var continuous: [Float]? {
        if case .continuous(let values) = self { return values }
        return nil
    }

    public var description: String {
        switch self {
        case .discrete(let index): return "\(index)"
        case .continuous(let values):
            return values.count == 1 ? "\(values[0])" : "[" + values.map { "\($0)" }.joined(separator: ", ") + "]"
        }
    }
}
