import Foundation
import Yams

/// A hyperparameter value as written in a YAML config or on the command line.
public enum HyperparameterValue: Equatable, Sendable, CustomStringConvertible {
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([HyperparameterValue])

    public var description: String {
        switch self {
        case .bool(let value): return String(value)
        case .int(let value): return String(value)
        case .double(let value): return value.description
        case .string(let value): return value
        case .list(let values): return "[" + values.map(\.description).joined(separator: ", ") + "]"
        }
    }

    /// Parses a command-line value: `true`/`false`, integers, numbers (`2.3e-3`), lists in
    /// brackets or with commas (`[256,256]`, `64,64`), otherwise a string.
    public init(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("[") && trimmed.hasSuffix("]") {
            let inner = trimmed.dropFirst().dropLast()
            self = .list(inner.isEmpty ? [] : inner.split(separator: ",").map { HyperparameterValue(parsing: String($0)) })
        } else if trimmed.contains(",") {
            self = .list(trimmed.split(separator: ",").map { HyperparameterValue(parsing: String($0)) })
        } else if trimmed == "true" || trimmed == "True" {
            self = .bool(true)
        } else if trimmed == "false" || trimmed == "False" {
            self = .bool(false)
        } else if let value = Int(trimmed) {
            self = .int(value)
        } else if let value = Double(trimmed) {
            self = .double(value)
        } else {
            self = .string(trimmed)
        }
    }

    init(yaml node: Node) {
        switch node {
        case .sequence(let sequence):
            self = .list(sequence.map { HyperparameterValue(yaml: $0) })
        case .scalar(let scalar):
            if scalar.tag.description.hasSuffix(":float"), let value = Double(scalar.string) {
                self = .double(value)
            } else if scalar.style == .singleQuoted || scalar.style == .doubleQuoted {
                self = .string(scalar.string)
            } else {
                self = HyperparameterValue(parsing: scalar.string)
            }
        case .mapping, .alias:
            self = .string(node.string ?? "")
        }
    }
}

/// Declares one hyperparameter of an agent: its name, default, meaning and, for numbers,
/// the values that make sense (a discount factor in [0, 1], a step size at least 0).
public struct HyperparameterSpec: Sendable {
    public let name: String
    public let defaultValue: HyperparameterValue
    public let help: String
    /// Numbers outside this range (or list elements outside it) are configuration errors.
    public let allowed: ClosedRange<Double>?

    public init(_ name: String, _ defaultValue: HyperparameterValue, _ help: String, allowed: ClosedRange<Double>? = nil) {
        self.name = name
        self.defaultValue = defaultValue
        self.help = help
        self.allowed = allowed
    }

    /// Throws when a number in `value` is outside ``allowed``.
    func check(_ value: HyperparameterValue, source: String) throws {
        guard let allowed else { return }
        let number: Double
        switch value {
        case .int(let integer): number = Double(integer)
        case .double(let double): number = double
        case .list(let items): for item in items { try check(item, source: source) }; return
        case .bool, .string: return
        }
        guard !allowed.contains(number) else { return }
        let bounds = allowed.upperBound == .infinity ? "at least \(allowed.lowerBound.boundDescription)"
            : "in [\(allowed.lowerBound.boundDescription), \(allowed.upperBound.boundDescription)]"
        throw ConfigurationError("\(source): \(name) must be \(bounds), got \(value)")
    }
}

private extension Double {
    /// 1 rather than 1.0 in messages about ranges.
    var boundDescription: String { rounded() == self && abs(self) < 1e15 ? String(Int(self)) : description }
}

/// An error in an agent configuration: an unknown key, a value of the wrong type, a bad file.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The resolved hyperparameters of one agent on one environment.
///
/// Resolution order, later wins: the agent's defaults, `agents/<agent>.yml` entry for the
/// environment id (RL-Zoo style), a `--config` file, then `--set key=value` overrides.
/// Keys the agent does not declare are errors.
public struct Hyperparameters: Equatable, Sendable {
    public private(set) var values: [String: HyperparameterValue]
    public let agent: String
    /// The budget a config file suggests (RL-Zoo's `n_timesteps`, or `n_episodes`), used
    /// when the command line gives none.
    public private(set) var suggestedBudget: TrainingBudget?
    private let specs: [String: HyperparameterSpec]

    /// The agent's defaults.
    public init(agent: String, specs: [HyperparameterSpec]) {
        self.agent = agent
        self.specs = Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0) })
        self.values = Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0.defaultValue) })
    }

    public static func == (lhs: Hyperparameters, rhs: Hyperparameters) -> Bool {
        lhs.agent == rhs.agent && lhs.values == rhs.values && lhs.suggestedBudget == rhs.suggestedBudget
    }

    /// Sets `key`, checking that the agent declares it and that the type fits the default's.
    public mutating func set(_ key: String, _ value: HyperparameterValue, source: String) throws {
        if key == "n_timesteps" || key == "n_episodes" {
            guard case .int(let count) = try Hyperparameters.coerce(value, like: .int(0), key: key, source: source), count > 0 else {
                throw ConfigurationError("\(source): '\(key)' must be a positive integer, got '\(value)'")
            }
            suggestedBudget = key == "n_timesteps" ? .timesteps(count) : .episodes(count)
            return
        }
        guard let spec = specs[key] else {
            let known = specs.keys.sorted().joined(separator: ", ")
            throw ConfigurationError("\(source): unknown hyperparameter '\(key)' for agent '\(agent)'; known: \(known)")
        }
        let coerced = try Hyperparameters.coerce(value, like: spec.defaultValue, key: key, source: source)
        try spec.check(coerced, source: source)
        values[key] = coerced
    }

    /// Applies every entry of a YAML mapping.
    public mutating func merge(yaml mapping: Node.Mapping, source: String) throws {
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.string else { throw ConfigurationError("\(source): a key is not a string") }
            try set(key, HyperparameterValue(yaml: valueNode), source: source)
        }
    }

    /// Applies `key=value` overrides from the command line.
    public mutating func merge(overrides: [String]) throws {
        for item in overrides {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw ConfigurationError("--set '\(item)': expected key=value")
            }
            let key = String(item[..<equals])
            try set(key, HyperparameterValue(parsing: String(item[item.index(after: equals)...])), source: "--set \(key)")
        }
    }

    /// Loads a config file: either a mapping of hyperparameters, or RL-Zoo style keyed by
    /// environment id (then the entry for `environmentID` is used, if any).
    public mutating func merge(file url: URL, environmentID: String) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ConfigurationError("cannot read config file \(url.path): \(error.localizedDescription)")
        }
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw ConfigurationError("config file \(url.path) is not valid YAML: \(error)")
        }
        guard let node else { return }
        guard let mapping = node.mapping else {
            throw ConfigurationError("config file \(url.path): expected a mapping of hyperparameters or of environment ids")
        }
        let keyedByEnvironment = mapping.keys.contains { key in
            guard let name = key.string else { return false }
            return specs[name] == nil && mapping[key]?.mapping != nil
        }
        if keyedByEnvironment {
            if let entry = mapping[Node(environmentID)]?.mapping {
                try merge(yaml: entry, source: "\(url.lastPathComponent) [\(environmentID)]")
            }
        } else {
            try merge(yaml: mapping, source: url.lastPathComponent)
        }
    }

    // MARK: Typed access (keys are the agent's own, so a missing key is a programming error)

    public func int(_ key: String) -> Int {
        if case .int(let value)? = values[key] { return value }
        if case .double(let value)? = values[key] { return Int(value) }
        preconditionFailure("hyperparameter \(key) is not an integer")
    }

    public func double(_ key: String) -> Double {
        switch values[key] {
        case .double(let value)?: return value
        case .int(let value)?: return Double(value)
        default: preconditionFailure("hyperparameter \(key) is not a number")
        }
    }

    public func bool(_ key: String) -> Bool {
        if case .bool(let value)? = values[key] { return value }
        preconditionFailure("hyperparameter \(key) is not a boolean")
    }

    public func string(_ key: String) -> String {
        if case .string(let value)? = values[key] { return value }
        preconditionFailure("hyperparameter \(key) is not a string")
    }

    public func ints(_ key: String) -> [Int] {
        if case .list(let items)? = values[key] {
            return items.compactMap { if case .int(let v) = $0 { return v } else { return nil } }
        }
        preconditionFailure("hyperparameter \(key) is not a list")
    }

    public func doubles(_ key: String) -> [Double] {
        if case .list(let items)? = values[key] {
            return items.compactMap {
                switch $0 {
                case .int(let v): return Double(v)
                case .double(let v): return v
                default: return nil
                }
            }
        }
        preconditionFailure("hyperparameter \(key) is not a list")
    }

    /// The values as sorted `key: value` lines, for saving the resolved configuration.
    public var yamlLines: [String] {
        values.keys.sorted().map { "\($0): \(Hyperparameters.yamlScalar(values[$0]!))" }
    }

    static func yamlScalar(_ value: HyperparameterValue) -> String {
        switch value {
        case .string(let text): return "'\(text.replacingOccurrences(of: "'", with: "''"))'"
        case .list(let items): return "[" + items.map(yamlScalar).joined(separator: ", ") + "]"
        default: return value.description
        }
    }

    static func coerce(_ value: HyperparameterValue, like reference: HyperparameterValue, key: String, source: String) throws -> HyperparameterValue {
        func mismatch(_ expected: String) -> ConfigurationError {
            ConfigurationError("\(source): hyperparameter '\(key)' expects \(expected), got '\(value)'")
        }
        switch (reference, value) {
        case (.bool, .bool), (.int, .int), (.double, .double), (.string, .string):
            return value
        case (.double, .int(let v)):
            return .double(Double(v))
        case (.int, .double(let v)):
            guard v.rounded() == v, abs(v) < 1e15 else { throw mismatch("an integer") }
            return .int(Int(v))
        case (.list(let defaults), .list(let items)):
            // An empty default list holds numbers (bounds, sizes).
            let element = defaults.first ?? .double(0)
            return .list(try items.map { try coerce($0, like: element, key: key, source: source) })
        case (.list(let defaults), _):
            // A single value where a list is expected: a one-element list.
            return .list([try coerce(value, like: defaults.first ?? .double(0), key: key, source: source)])
        case (.bool, _): throw mismatch("true or false")
        case (.int, _): throw mismatch("an integer")
        case (.double, _): throw mismatch("a number")
        case (.string, _): return .string(value.description)
        }
    }
}
