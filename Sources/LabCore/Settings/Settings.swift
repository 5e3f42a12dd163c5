import Foundation
import Yams

// One settings mechanism for environment options, agent hyperparameters and GAN settings.
//
// HOW TO ADD A SETTING: one line in the settings struct next to the code that uses it.
//
//     public struct Settings: LabCore.Settings {
//         @Setting("gamma", range: 0...1, help: "discount factor") public var gamma = 0.99
//         @Setting("net_arch", range: 1..., help: "hidden layer sizes") public var netArch = [64, 64]
//         @Setting("activation", help: "activation between layers") public var activation = Activation.relu
//         public init() {}
//     }
//
// The string is the name users write (YAML keys, `key=value`), the initial value is the
// default, the Swift type is the type (Bool, Int, Double, String, lists of these, optionals,
// and String enums that conform to `SettingType`, whose cases are the choices). Code reads
// `settings.gamma`, so a misspelled name does not compile. Parsing, range and choice
// checks, the error messages, YAML output and the CLI listings all come from the line.
// Checks between settings (say, a schedule's end needing a positive start) go in the
// struct's `validate()`.

/// A setting's value as stored, compared and written to YAML.
public enum SettingValue: Equatable, Sendable, CustomStringConvertible {
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([SettingValue])

    /// The value as written on the command line (lists in brackets).
    public var description: String {
        switch self {
        case .bool(let value): return String(value)
        case .int(let value): return String(value)
        case .double(let value): return value.description
        case .string(let value): return value
        case .list(let values): return "[" + values.map(\.description).joined(separator: ", ") + "]"
        }
    }

    /// The value as a YAML node (strings quoted, so `none` or `4x4` stay strings).
    public var yaml: Node {
        switch self {
        case .bool(let value): return Node(value ? "true" : "false", Tag(.bool))
        case .int(let value): return Node(String(value), Tag(.int))
        case .double(let value): return Node(value.description, Tag(.float))
        case .string(let value): return Node(value, Tag(.str), .singleQuoted)
        case .list(let values): return Node(values.map(\.yaml), Tag(.seq), .flow)
        }
    }

    /// The value as a Swift value (Bool, Int, Double, String or an array of them), for JSON.
    public var plainValue: Any {
        switch self {
        case .bool(let value): return value
        case .int(let value): return value
        case .double(let value): return value
        case .string(let value): return value
        case .list(let values): return values.map(\.plainValue)
        }
    }

    /// The numbers in the value (a list's elements), for range checks.
    var numbers: [Double] {
        switch self {
        case .int(let value): return [Double(value)]
        case .double(let value): return [value]
        case .list(let values): return values.flatMap(\.numbers)
        case .bool, .string: return []
        }
    }
}

/// What a user wrote for a setting: one scalar as text, or a list of them.
public indirect enum SettingInput: Sendable, CustomStringConvertible {
    case scalar(String)
    case list([SettingInput])

    /// A command-line value: `[a,b]` or `a,b` is a list, anything else one scalar.
    public init(text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let bracketed = trimmed.hasPrefix("[") && trimmed.hasSuffix("]")
        guard bracketed || trimmed.contains(",") else {
            self = .scalar(trimmed)
            return
        }
        let inner = bracketed ? trimmed.dropFirst().dropLast().trimmingCharacters(in: .whitespaces) : trimmed
        let items = inner.isEmpty ? [] : inner.split(separator: ",", omittingEmptySubsequences: false)
        self = .list(items.map { .scalar($0.trimmingCharacters(in: .whitespaces)) })
    }

    /// A YAML value: a sequence is a list, a scalar its text.
    public init(yaml node: Node) {
        switch node {
        case .sequence(let sequence): self = .list(sequence.map(SettingInput.init(yaml:)))
        case .scalar(let scalar): self = .scalar(scalar.string)
        case .mapping, .alias: self = .scalar(node.string ?? "")
        }
    }

    /// A stored value (values round-trip: a Double's description parses back to it).
    public init(_ value: SettingValue) {
        switch value {
        case .list(let items): self = .list(items.map(SettingInput.init))
        default: self = .scalar(value.description)
        }
    }

    /// The text of a scalar (nil for a list), for a ``SettingType`` that reads one.
    public var scalarText: String? {
        if case .scalar(let text) = self { return text }
        return nil
    }

    /// The input as the user wrote it, for messages.
    public var description: String {
        switch self {
        case .scalar(let text): return text
        case .list(let items): return items.map(\.description).joined(separator: ",")
        }
    }
}

/// A Swift type a setting can have.
public protocol SettingType: Sendable {
    /// What a valid value looks like, for messages and listings (`an integer`).
    static var expectation: String { get }
    /// The value the user wrote, or `nil` when it is not one of this type.
    static func read(_ input: SettingInput) -> Self?
    /// The value as stored (`nil`: an optional that is not set).
    var settingValue: SettingValue? { get }
    /// The choices, for a type that has a fixed set of values.
    static var choices: [String]? { get }
}

extension SettingType {
    public static var choices: [String]? { nil }
}

extension Bool: SettingType {
    public static var expectation: String { "true or false" }
    public static func read(_ input: SettingInput) -> Bool? {
        guard let text = input.scalarText else { return nil }
        switch text {
        case "true", "True", "1": return true
        case "false", "False", "0": return false
        default: return nil
        }
    }
    public var settingValue: SettingValue? { .bool(self) }
}

extension Int: SettingType {
    public static var expectation: String { "an integer" }
    public static func read(_ input: SettingInput) -> Int? {
        guard let text = input.scalarText else { return nil }
        if let value = Int(text) { return value }
        // 1e6 or 1000.0 in a YAML file: an integer written as a number.
        if let value = Double(text), value.rounded() == value, abs(value) < 1e15 { return Int(value) }
        return nil
    }
    public var settingValue: SettingValue? { .int(self) }
}

extension UInt64: SettingType {
    public static var expectation: String { "a non-negative integer" }
    public static func read(_ input: SettingInput) -> UInt64? { input.scalarText.flatMap { UInt64($0) } }
    public var settingValue: SettingValue? { self <= UInt64(Int.max) ? .int(Int(self)) : .string(String(self)) }
}

extension Double: SettingType {
    public static var expectation: String { "a number" }
    public static func read(_ input: SettingInput) -> Double? { input.scalarText.flatMap { Double($0) } }
    public var settingValue: SettingValue? { .double(self) }
}

extension Float: SettingType {
    public static var expectation: String { "a number" }
    public static func read(_ input: SettingInput) -> Float? { input.scalarText.flatMap { Float($0) } }
    /// Stored through the shortest decimal that reads back as this Float (2e-4, not
    /// 0.00019999999494757503), so listings and recorded configurations show what was set.
    public var settingValue: SettingValue? { .double(Double(description) ?? Double(self)) }
}

extension String: SettingType {
    public static var expectation: String { "a string" }
    public static func read(_ input: SettingInput) -> String? { input.description }
    public var settingValue: SettingValue? { .string(self) }
}

extension Array: SettingType where Element: SettingType {
    public static var expectation: String { "a list of values, each \(Element.expectation)" }
    public static func read(_ input: SettingInput) -> [Element]? {
        switch input {
        case .list(let items):
            let values = items.compactMap(Element.read)
            return values.count == items.count ? values : nil
        case .scalar:
            // A single value where a list is expected: a one-element list.
            return Element.read(input).map { [$0] }
        }
    }
    public var settingValue: SettingValue? { .list(compactMap(\.settingValue)) }
}

extension Optional: SettingType where Wrapped: SettingType {
    public static var expectation: String { Wrapped.expectation }
    public static func read(_ input: SettingInput) -> Wrapped?? { Wrapped.read(input).map { .some($0) } }
    public var settingValue: SettingValue? { self?.settingValue }
    public static var choices: [String]? { Wrapped.choices }
}

/// String enums are settings whose cases are the choices: declare the conformance only.
extension SettingType where Self: RawRepresentable & CaseIterable, RawValue == String {
    public static var expectation: String { "one of " + allCases.map(\.rawValue).joined(separator: ", ") }
    public static func read(_ input: SettingInput) -> Self? { input.scalarText.flatMap { Self(rawValue: $0) } }
    public var settingValue: SettingValue? { .string(rawValue) }
    public static var choices: [String]? { allCases.map(\.rawValue) }
}

/// The numbers a setting accepts: an interval, each end open or closed, either infinite.
public struct SettingRange: Sendable, Equatable {
    public var lower: Double
    public var upper: Double
    public var lowerOpen: Bool
    public var upperOpen = false

    public init(_ range: ClosedRange<Double>) { (lower, upper, lowerOpen) = (range.lowerBound, range.upperBound, false) }
    public init(_ range: PartialRangeFrom<Double>) { (lower, upper, lowerOpen) = (range.lowerBound, .infinity, false) }
    /// Above `lower` (excluded) and at most `upper`.
    public init(above lower: Double, atMost upper: Double = .infinity) { (self.lower, self.upper, lowerOpen) = (lower, upper, true) }
    /// At least `lower` and below `upper` (excluded), as Adam's betas or a dropout rate.
    public init(atLeast lower: Double, below upper: Double) { (self.lower, self.upper, lowerOpen, upperOpen) = (lower, upper, false, true) }

    /// Greater than 0.
    public static let positive = SettingRange(above: 0)

    public func contains(_ value: Double) -> Bool {
        (lowerOpen ? value > lower : value >= lower) && (upperOpen ? value < upper : value <= upper)
    }

    /// `in [0, 1]`, `at least 1`, `positive`, `in (0, 1]`, `in [0, 1)`.
    public var description: String {
        if upper == .infinity {
            if lowerOpen { return lower == 0 ? "positive" : "greater than \(shortNumber(lower))" }
            return "at least \(shortNumber(lower))"
        }
        return "in \(lowerOpen ? "(" : "[")\(shortNumber(lower)), \(shortNumber(upper))\(upperOpen ? ")" : "]")"
    }
}

/// A number in messages: a whole number without `.0`.
private func shortNumber(_ x: Double) -> String { x.rounded() == x && abs(x) < 1e15 ? String(Int(x)) : x.description }

/// An error in a setting: an unknown name, a value of the wrong type or out of range, a bad
/// file. The message names the source (`--set gamma`, a file) and what is expected.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable { case unknownSetting, invalidValue, other }
    public let description: String
    public let kind: Kind
    public init(_ description: String, kind: Kind = .other) {
        self.description = description
        self.kind = kind
    }
    public static func == (lhs: ConfigurationError, rhs: ConfigurationError) -> Bool { lhs.description == rhs.description }
}

/// One declared setting: its name, meaning, default and the values it accepts.
public struct SettingDeclaration: Sendable {
    public let name: String
    public let help: String
    /// The default (`nil`: an optional setting that is absent unless given).
    public let defaultValue: SettingValue?
    /// What a valid value looks like (`a number`, `one of relu, tanh`).
    public let expectation: String
    public let range: SettingRange?
    /// Accepted values of a string setting.
    public let choices: [String]?
    /// Required number of elements of a list setting.
    public let count: Int?
    fileprivate let read: @Sendable (SettingInput) -> SettingValue??

    /// Checks `input` and returns it as stored.
    ///
    /// - Parameters:
    ///   - source: Where the value comes from, prefixed to messages (`--set gamma`).
    ///   - noun: `hyperparameter`, `option`, `setting`.
    public func validate(_ input: SettingInput, source: String, noun: String) throws -> SettingValue? {
        let prefix = source.isEmpty ? "" : "\(source): "
        guard let read = read(input) else {
            throw ConfigurationError("\(prefix)\(noun) '\(name)' expects \(choices.map { "one of " + $0.joined(separator: ", ") } ?? expectation), got '\(input)'",
                                     kind: .invalidValue)
        }
        guard let value = read else { return nil }
        if let range, let bad = value.numbers.first(where: { !range.contains($0) }) {
            let shown = value.numbers.count == 1 ? value.description : shortNumber(bad)
            throw ConfigurationError("\(prefix)\(name) must be \(range.description), got \(shown)", kind: .invalidValue)
        }
        // NaN or an infinity is never a meaningful setting (initial_q=nan would fill a Q-table with NaN).
        if let bad = value.numbers.first(where: { !$0.isFinite }) {
            throw ConfigurationError("\(prefix)\(name) must be a finite number, got \(bad)", kind: .invalidValue)
        }
        if let choices, case .string(let text) = value, !choices.contains(text) {
            throw ConfigurationError("\(prefix)\(noun) '\(name)' expects one of \(choices.joined(separator: ", ")), got '\(text)'", kind: .invalidValue)
        }
        if let count, case .list(let items) = value, items.count != count {
            throw ConfigurationError("\(prefix)\(noun) '\(name)' expects \(count) values, got \(items.count)", kind: .invalidValue)
        }
        return value
    }

    /// The declaration with another default (a file or preset that changes it).
    public func withDefault(_ value: SettingValue?) -> SettingDeclaration {
        SettingDeclaration(name: name, help: help, defaultValue: value, expectation: expectation, range: range,
                           choices: choices, count: count, read: read)
    }
}

/// The values a ``Setting`` initialiser reads while ``Settings/init(values:)`` builds a struct.
private enum SettingScope {
    @TaskLocal static var values: [String: SettingValue]?
}

/// Something in a settings struct that declares settings (``Setting``).
public protocol DeclaresSettings {
    var declarations: [SettingDeclaration] { get }
    var currentValues: [(String, SettingValue?)] { get }
    /// Checks between the settings it declares (a group such as a schedule).
    func check() throws
}

extension DeclaresSettings {
    public func check() throws {}
}

/// One setting of a settings struct; see the notes at the top of this file.
@propertyWrapper
public struct Setting<Value: SettingType>: Sendable, DeclaresSettings {
    public var wrappedValue: Value
    public let declaration: SettingDeclaration

    /// Declares a setting named `name` whose default is the property's initial value.
    public init(wrappedValue: Value, _ name: String, range: SettingRange? = nil, choices: [String]? = nil,
                count: Int? = nil, help: String) {
        declaration = SettingDeclaration(
            name: name, help: help, defaultValue: wrappedValue.settingValue, expectation: Value.expectation, range: range,
            choices: choices ?? Value.choices, count: count,
            read: { input in Value.read(input).map { $0.settingValue } })
        // Building from resolved values (`Settings.init(values:)`): they were validated.
        if let stored = SettingScope.values?[name], let value = Value.read(SettingInput(stored)) {
            self.wrappedValue = value
        } else {
            self.wrappedValue = wrappedValue
        }
    }

    public init(wrappedValue: Value, _ name: String, range: ClosedRange<Double>, count: Int? = nil, help: String) {
        self.init(wrappedValue: wrappedValue, name, range: SettingRange(range), count: count, help: help)
    }

    public init(wrappedValue: Value, _ name: String, range: PartialRangeFrom<Double>, count: Int? = nil, help: String) {
        self.init(wrappedValue: wrappedValue, name, range: SettingRange(range), count: count, help: help)
    }

    public var declarations: [SettingDeclaration] { [declaration] }
    public var currentValues: [(String, SettingValue?)] { [(declaration.name, wrappedValue.settingValue)] }
}

extension Setting: Equatable where Value: Equatable {
    /// Settings are equal when their values are (declarations are per property).
    public static func == (lhs: Setting, rhs: Setting) -> Bool { lhs.wrappedValue == rhs.wrappedValue }
}

/// A struct of settings: environment options, an agent's hyperparameters, a GAN's settings.
public protocol Settings: Sendable {
    /// The defaults.
    init()
    /// Checks that involve several settings; throws ``ConfigurationError``.
    func validate() throws
}

extension Settings {
    public func validate() throws {}

    /// Every setting the struct declares, in declaration order.
    public static var declarations: [SettingDeclaration] { Self().settingParts.flatMap(\.declarations) }

    /// The struct's properties that declare settings (``Setting``, ``SettingGroup``, ...), in order.
    fileprivate var settingParts: [DeclaresSettings] { Mirror(reflecting: self).children.compactMap { $0.value as? DeclaresSettings } }

    /// Each property's checks, then the struct's own.
    fileprivate func checkAll() throws {
        for part in settingParts { try part.check() }
        try validate()
    }

    /// The struct with `values` (already validated, by name) in place of the defaults.
    public init(values: [String: SettingValue]) {
        self = SettingScope.$values.withValue(values) { Self() }
    }

    /// The current values by name (optionals that are not set are absent).
    public var values: [String: SettingValue] {
        var result: [String: SettingValue] = [:]
        for (name, value) in settingParts.flatMap(\.currentValues) { result[name] = value }
        return result
    }
}

/// Values set by name from what users write: ``SettingValues``, and an agent's
/// hyperparameters (which also take the budget keys). The YAML and `key=value` readers
/// are written once, here, for both.
public protocol SettingSink {
    /// Sets `name` from what the user wrote, checking name, type, range and choices.
    mutating func set(_ name: String, _ input: SettingInput, source: String) throws
}

extension SettingSink {
    /// Sets every value of a typed settings struct (as code builds one: a benchmark, a
    /// test), checked as a file's values are.
    public mutating func set<S: Settings>(_ settings: S, source: String = "") throws {
        for (name, value) in settings.values.sorted(by: { $0.key < $1.key }) {
            try set(name, SettingInput(value), source: source)
        }
    }

    /// Applies every entry of a YAML mapping.
    public mutating func merge(yaml mapping: Node.Mapping, source: String) throws {
        for (key, value) in mapping {
            guard let name = key.string else { throw ConfigurationError("\(source): a key is not a string") }
            try set(name, SettingInput(yaml: value), source: source)
        }
    }

    /// Applies `key=value` items (`--set`), each named `<flag> key` in messages.
    public mutating func merge(overrides: [String], flag: String = "--set") throws {
        for item in overrides {
            let (name, text) = try SettingValues.split(item, flag: flag)
            try set(name, SettingInput(text: text), source: "\(flag) \(name)")
        }
    }
}

/// Validated values for the settings of one owner (an agent, an environment, a GAN),
/// filled in from defaults, YAML and `key=value` overrides with the same checks and
/// messages, and written back as YAML.
public struct SettingValues: Sendable, Equatable, SettingSink {
    /// The declarations, in order.
    public let declarations: [SettingDeclaration]
    /// Whose settings these are, for messages (`agent 'dqn'`, `FrozenLake-v1`).
    public let owner: String
    /// What a setting is called in messages (`hyperparameter`, `option`).
    public let noun: String
    /// Names accepted besides the declared ones (listed in messages), handled by the caller.
    public let extraNames: [String]
    /// Sort the valid names in messages (otherwise declaration order).
    public let sortsNames: Bool
    /// The values by name (optionals that are not set are absent).
    public private(set) var values: [String: SettingValue]

    public init(_ declarations: [SettingDeclaration], owner: String, noun: String, extraNames: [String] = [], sortsNames: Bool = false) {
        self.declarations = declarations
        self.owner = owner
        self.noun = noun
        self.extraNames = extraNames
        self.sortsNames = sortsNames
        var values: [String: SettingValue] = [:]
        for declaration in declarations { values[declaration.name] = declaration.defaultValue }
        self.values = values
    }

    public static func == (lhs: SettingValues, rhs: SettingValues) -> Bool { lhs.owner == rhs.owner && lhs.values == rhs.values }

    /// The declaration called `name`, if any.
    public func declaration(_ name: String) -> SettingDeclaration? { declarations.first { $0.name == name } }

    /// The error for a name that is not declared.
    public func unknown(_ name: String, source: String = "") -> ConfigurationError {
        var names = declarations.map(\.name) + extraNames
        if sortsNames { names.sort() }
        let prefix = source.isEmpty ? "" : "\(source): "
        return ConfigurationError("\(prefix)unknown \(noun) '\(name)' for \(owner); valid \(noun)s: \(names.joined(separator: ", "))",
                                  kind: .unknownSetting)
    }

    /// Sets `name` from what the user wrote, checking name, type, range and choices.
    public mutating func set(_ name: String, _ input: SettingInput, source: String = "") throws {
        guard let declaration = declaration(name) else { throw unknown(name, source: source) }
        values[name] = try declaration.validate(input, source: source, noun: noun)
    }

    /// Splits `key=value`.
    public static func split(_ item: String, flag: String = "--set") throws -> (String, String) {
        guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
            throw ConfigurationError("\(flag) '\(item)': expected key=value")
        }
        return (String(item[..<equals]), String(item[item.index(after: equals)...]))
    }

    /// The typed struct, after its cross-setting checks.
    public func decode<S: Settings>(_ type: S.Type) throws -> S {
        let settings = S(values: values)
        try settings.checkAll()
        return settings
    }

    /// The values as a YAML mapping, names sorted.
    public var yaml: Node {
        Node(values.keys.sorted().map { (Node($0), values[$0]!.yaml) }, Tag(.map), .block)
    }
}

extension Settings {
    /// This struct's defaults as values to fill in.
    public static func values(owner: String, noun: String, extraNames: [String] = [], sortsNames: Bool = false) -> SettingValues {
        SettingValues(declarations, owner: owner, noun: noun, extraNames: extraNames, sortsNames: sortsNames)
    }
}

/// A settings struct inside another (settings several owners share, such as a policy
/// network's): its settings are listed and set as the outer struct's own.
///
/// An owner whose defaults differ from the group's changes them in place:
///
///     @SettingGroup({ $0.batchSize = 32; $0.tau = 1 }) public var offPolicy: OffPolicySettings
@propertyWrapper
public struct SettingGroup<Group: Settings>: Sendable, DeclaresSettings {
    public var wrappedValue: Group
    public let declarations: [SettingDeclaration]

    /// Built inside the outer struct's construction, so the group reads the same values.
    public init() {
        wrappedValue = Group()
        declarations = Group.declarations
    }

    /// The group with the owner's own defaults: `defaults` changes the group's defaults.
    public init(_ defaults: (inout Group) -> Void) {
        var adjusted = SettingScope.$values.withValue(nil) { Group() }
        defaults(&adjusted)
        self.init(wrappedValue: adjusted)
    }

    /// The group with the owner's own defaults: the values of `adjusted`.
    public init(wrappedValue adjusted: Group) {
        let values = adjusted.values
        declarations = Group.declarations.map { $0.withDefault(values[$0.name]) }
        if let given = SettingScope.values {
            // Values being resolved win over the owner's defaults.
            wrappedValue = SettingScope.$values.withValue(values.merging(given) { $1 }) { Group() }
        } else {
            wrappedValue = adjusted
        }
    }

    public var currentValues: [(String, SettingValue?)] { wrappedValue.settingParts.flatMap(\.currentValues) }
    public func check() throws { try wrappedValue.checkAll() }
}

extension SettingGroup: Equatable where Group: Equatable {
    public static func == (lhs: SettingGroup, rhs: SettingGroup) -> Bool { lhs.wrappedValue == rhs.wrappedValue }
}

extension Settings {
    /// Values to fill in that start from this struct's current values (a preset) rather
    /// than the declared defaults; listings show them as the defaults.
    public func settingValues(owner: String, noun: String = "setting", sortsNames: Bool = false) -> SettingValues {
        let current = values
        return SettingValues(Self.declarations.map { $0.withDefault(current[$0.name]) }, owner: owner, noun: noun, sortsNames: sortsNames)
    }

    /// Checks values set in code (a preset, a test) as those set from YAML or `key=value`
    /// are checked: each against its declaration, then the checks between settings.
    /// - Throws: ``ConfigurationError`` naming the setting.
    public func checkValues(owner: String) throws {
        var checked = Self.values(owner: owner, noun: "setting")
        for (name, value) in values { try checked.set(name, SettingInput(value)) }
        _ = try checked.decode(Self.self)
    }
}

extension SettingValues {
    /// Applies a YAML file that maps setting names to values.
    public mutating func merge(file url: URL) throws {
        guard let node = try SettingValues.readYAML(url) else { return }
        guard let mapping = node.mapping else { throw ConfigurationError("config file \(url.path): expected a mapping of settings") }
        try merge(yaml: mapping, source: url.lastPathComponent)
    }

    /// The YAML document in `url` (nil when it is empty), with errors that name the file.
    public static func readYAML(_ url: URL) throws -> Node? {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ConfigurationError("cannot read config file \(url.path): \(error.localizedDescription)")
        }
        do { return try Yams.compose(yaml: text) } catch {
            throw ConfigurationError("config file \(url.path) is not valid YAML: \(error)")
        }
    }
}
