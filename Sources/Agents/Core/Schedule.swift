import Foundation

/// A value that changes over the course of training, as a function of the fraction of
/// the budget spent (Stable-Baselines3's convention): exploration rates, learning rates.
public struct Schedule: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// Always `start`.
        case constant
        /// From `start` to `end` in a straight line over the first `fraction` of training.
        case linear
        /// From `start` to `end` geometrically over the first `fraction` of training.
        case exponential
    }

    public var kind: Kind
    public var start: Double
    public var end: Double
    public var fraction: Double

    public init(_ kind: Kind, start: Double, end: Double, fraction: Double) {
        self.kind = kind
        self.start = start
        self.end = end
        self.fraction = fraction
    }

    public static func constant(_ value: Double) -> Schedule { Schedule(.constant, start: value, end: value, fraction: 1) }

    /// Reads `<name>`, `<name>_schedule`, `<name>_final` and `<name>_fraction`.
    public init(hyperparameters: Hyperparameters, name: String) throws {
        let kindName = hyperparameters.string("\(name)_schedule")
        guard let kind = Kind(rawValue: kindName) else {
            throw ConfigurationError("\(name)_schedule: '\(kindName)' is not one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.init(kind, start: hyperparameters.double(name), end: hyperparameters.double("\(name)_final"),
                  fraction: hyperparameters.double("\(name)_fraction"))
        guard fraction > 0 else { throw ConfigurationError("\(name)_fraction must be positive, got \(fraction)") }
        if kind == .exponential && (start <= 0 || end <= 0) {
            throw ConfigurationError("\(name): an exponential schedule needs positive start and final values")
        }
    }

    /// The hyperparameters ``init(hyperparameters:name:)`` reads, with defaults; `allowed`
    /// bounds the start and final values.
    public static func specs(_ name: String, start: Double, kind: Kind = .constant, end: Double, fraction: Double = 1,
                             allowed: ClosedRange<Double>? = nil, help: String) -> [HyperparameterSpec] {
        [
            HyperparameterSpec(name, .double(start), help, allowed: allowed),
            HyperparameterSpec("\(name)_schedule", .string(kind.rawValue), "how \(name) changes: constant, linear or exponential"),
            HyperparameterSpec("\(name)_final", .double(end), "\(name) at the end of its schedule", allowed: allowed),
            HyperparameterSpec("\(name)_fraction", .double(fraction), "fraction of the budget over which \(name) moves to its final value"),
        ]
    }

    /// The value after `progress` (0...1) of the budget.
    @inline(__always)
    public func value(at progress: Double) -> Double {
        let t = min(1, max(0, progress) / fraction)
        if t >= 1 { return end }
        switch kind {
        case .constant: return start
        case .linear: return start + (end - start) * t
        case .exponential: return start * pow(end / start, t)
        }
    }

    public var description: String {
        kind == .constant ? "\(start)" : "\(kind.rawValue) \(start) -> \(end) over \(fraction) of training"
    }
}
