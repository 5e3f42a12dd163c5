import Foundation
import LabCore

/// A value that changes over the course of training, as a function of the fraction of
/// the budget spent (Stable-Baselines3's convention): exploration rates, learning rates.
public struct Schedule: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable, SettingType {
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

/// A ``Schedule`` as four settings: `<name>` (the start), `<name>_schedule`, `<name>_final`
/// and `<name>_fraction`; the property's initial value gives their defaults.
@propertyWrapper
public struct ScheduleSetting: Sendable, DeclaresSettings {
    @Setting private var start: Double
    @Setting private var kind: Schedule.Kind
    @Setting private var end: Double
    @Setting private var fraction: Double
    private let name: String

    public var wrappedValue: Schedule {
        get { Schedule(kind, start: start, end: end, fraction: fraction) }
        set { (start, kind, end, fraction) = (newValue.start, newValue.kind, newValue.end, newValue.fraction) }
    }

    /// `range` bounds the start and final values.
    public init(wrappedValue: Schedule, _ name: String, range: ClosedRange<Double>? = nil, help: String) {
        let bounds = range.map(SettingRange.init)
        self.name = name
        _start = Setting(wrappedValue: wrappedValue.start, name, range: bounds, help: help)
        _kind = Setting(wrappedValue: wrappedValue.kind, "\(name)_schedule", help: "how \(name) changes: constant, linear or exponential")
        _end = Setting(wrappedValue: wrappedValue.end, "\(name)_final", range: bounds, help: "\(name) at the end of its schedule")
        _fraction = Setting(wrappedValue: wrappedValue.fraction, "\(name)_fraction", range: .positive,
                            help: "fraction of the budget over which \(name) moves to its final value")
    }

    public var declarations: [SettingDeclaration] { ([_start, _kind, _end, _fraction] as [DeclaresSettings]).flatMap { $0.declarations } }
    public var currentValues: [(String, SettingValue?)] { ([_start, _kind, _end, _fraction] as [DeclaresSettings]).flatMap { $0.currentValues } }

    public func check() throws {
        if kind == .exponential && (start <= 0 || end <= 0) {
            throw ConfigurationError("\(name): an exponential schedule needs positive start and final values", kind: .invalidValue)
        }
    }
}
