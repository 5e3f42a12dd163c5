import Foundation

/// The type of an environment option.
public enum OptionKind: String, Sendable, CaseIterable {
    case bool, int, double, string, stringList, doubleList

    /// How a user writes a value of this kind on the command line.
    public var syntax: String {
        switch self {
        case .bool: return "true, false, 1 or 0"
        case .int: return "an integer"
        case .double: return "a number"
        case .string: return "a string"
        case .stringList: return "comma-separated strings"
        case .doubleList: return "comma-separated numbers"
        }
    }
}

/// A typed option value, as a keyword argument of `gymnasium.make`.
public enum OptionValue: Equatable, Sendable, CustomStringConvertible {
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case stringList([String])
    case doubleList([Double])

    /// The value as it is written on the command line (`--option key=value`).
    public var description: String {
        switch self {
        case .bool(let v): return v ? "true" : "false"
        case .int(let v): return "\(v)"
        case .double(let v): return "\(v)"
        case .string(let v): return v
        case .stringList(let v): return v.joined(separator: ",")
        case .doubleList(let v): return v.map { "\($0)" }.joined(separator: ",")
        }
    }
}

/// One keyword option an environment accepts, with its type, default and meaning.
public struct OptionSpec: Sendable {
    /// Gymnasium's keyword name (`is_slippery`, `map_name`, ...).
    public let name: String
    /// The value type.
    public let kind: OptionKind
    /// The default, or `nil` when the option is absent unless given.
    public let defaultValue: OptionValue?
    /// One line saying what the option does.
    public let doc: String
    /// For string options: the accepted values (any when `nil`).
    public let choices: [String]?
    /// For numeric options and list elements: the accepted closed range.
    public let range: ClosedRange<Double>?
    /// For list options: the required number of elements.
    public let count: Int?

    public init(_ name: String, _ kind: OptionKind, default defaultValue: OptionValue?, doc: String,
                choices: [String]? = nil, range: ClosedRange<Double>? = nil, count: Int? = nil) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.doc = doc
        self.choices = choices
        self.range = range
        self.count = count
    }

    /// Parses and validates `text` as this option's value.
    ///
    /// - Parameter context: Names the environment in error messages.
    /// - Throws: ``EnvironmentError`` (`.invalidOptionValue`) saying what is expected.
    public func parse(_ text: String, context: String) throws -> OptionValue {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        func fail(_ why: String) -> EnvironmentError {
            EnvironmentError(.invalidOptionValue, "invalid value '\(text)' for option \(name) of \(context): \(why)")
        }
        func number(_ s: String) throws -> Double {
            guard let v = Double(s.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                throw fail("'\(s)' is not a finite number")
            }
            if let range, !range.contains(v) { throw fail("\(v) is outside \(range.lowerBound)...\(range.upperBound)") }
            return v
        }
        func list(_ s: String) -> [String] {
            s.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        func checkCount(_ n: Int) throws {
            if let count, n != count { throw fail("expected \(count) comma-separated values, got \(n)") }
        }
        switch kind {
        case .bool:
            switch trimmed.lowercased() {
            case "true", "1": return .bool(true)
            case "false", "0": return .bool(false)
            default: throw fail("expected \(kind.syntax)")
            }
        case .int:
            guard let v = Int(trimmed) else { throw fail("expected an integer") }
            if let range, !range.contains(Double(v)) {
                throw fail("\(v) is outside \(Int(range.lowerBound))...\(range.upperBound >= Double(Int.max) ? "" : "\(Int(range.upperBound))")")
            }
            return .int(v)
        case .double:
            return .double(try number(trimmed))
        case .string:
            if let choices, !choices.contains(trimmed) {
                throw fail("expected one of \(choices.joined(separator: ", "))")
            }
            return .string(trimmed)
        case .stringList:
            let items = list(trimmed)
            guard !trimmed.isEmpty, !items.contains(where: \.isEmpty) else { throw fail("expected \(kind.syntax) with no empty item") }
            try checkCount(items.count)
            return .stringList(items)
        case .doubleList:
            let items = list(trimmed)
            try checkCount(items.count)
            return .doubleList(try items.map(number))
        }
    }
}


/// The option values an environment is made with: every option of its spec, with
/// defaults filled in and types already checked by the registry.
public struct OptionValues: Sendable {
    /// The values by option name (options without default and not given are absent).
    public let values: [String: OptionValue]

    public init(_ values: [String: OptionValue]) {
        self.values = values
    }

    /// Whether the option has a value (given or defaulted).
    public func has(_ name: String) -> Bool { values[name] != nil }

    /// The option as a bool (false when absent or of another type).
    public func bool(_ name: String) -> Bool {
        if case .bool(let v)? = values[name] { return v }
        return false
    }

    /// The option as an int, if present.
    public func int(_ name: String) -> Int? {
        if case .int(let v)? = values[name] { return v }
        return nil
    }

    /// The option as a double (ints convert), if present.
    public func double(_ name: String) -> Double? {
        switch values[name] {
        case .double(let v)?: return v
        case .int(let v)?: return Double(v)
        default: return nil
        }
    }

    /// The option as a string, if present.
    public func string(_ name: String) -> String? {
        if case .string(let v)? = values[name] { return v }
        return nil
    }

    /// The option as a list of strings, if present.
    public func stringList(_ name: String) -> [String]? {
        if case .stringList(let v)? = values[name] { return v }
        return nil
    }

    /// The option as a list of doubles, if present.
    public func doubleList(_ name: String) -> [Double]? {
        if case .doubleList(let v)? = values[name] { return v }
        return nil
    }
}
