/// A reset option an environment honours, with the effect it must have on the first
/// observation, so that ``EnvironmentChecker`` can verify it is not ignored.
public struct ResetOptionProbe {
    /// The options passed to `reset(seed:options:)`.
    public let options: Info
    /// The effect in words, e.g. "every state variable in [0.3, 0.301]".
    public let expectation: String
    /// Whether the observation returned by `reset` shows the effect.
    public let holds: (Observation) -> Bool

    /// Creates a probe: `reset` with `options` must return an observation for which
    /// `holds` is true.
    public init(options: Info, expectation: String, holds: @escaping (Observation) -> Bool) {
        self.options = options
        self.expectation = expectation
        self.holds = holds
    }
}

/// An environment whose `reset` takes options (Gymnasium's `reset(options=...)`) and
/// that declares them with probes, so that `rllab check` can see they are honoured.
public protocol ResetOptionsDeclaring: Environment {
    /// One probe per option (or combination) the environment honours.
    var resetOptionProbes: [ResetOptionProbe] { get }
}

extension ResetOptionProbe {
    /// A probe of the classic-control `low`/`high` options on environments whose
    /// observation is the state rounded to float32: with a narrow range, the observation
    /// elements at `indices` lie in it.
    static func resetBounds(low: Double, high: Double, indices: [Int], others: [(Int, ClosedRange<Float>)] = []) -> ResetOptionProbe {
        ResetOptionProbe(options: ["low": .double(low), "high": .double(high)],
                         expectation: "observation elements \(indices.map(String.init).joined(separator: ", ")) in [\(low), \(high)]") { observation in
            guard let v = observation.vector else { return false }
            let range = Float(low)...Float(high)
            return indices.allSatisfy { $0 < v.count && range.contains(v[$0]) }
                && others.allSatisfy { $0.0 < v.count && $0.1.contains(v[$0.0]) }
        }
    }
}
