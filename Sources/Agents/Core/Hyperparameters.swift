import Foundation
import LabCore
import Yams

/// The resolved hyperparameters of one agent on one environment.
///
/// Resolution order, later wins: the defaults the agent's `Settings` struct declares, the
/// `agents/<agent>.yml` entry for the environment id (RL-Zoo style), a `--config` file,
/// then `--set key=value` overrides. Names the agent does not declare are errors. The
/// agent reads them as its typed struct (``settings(_:)``).
public struct Hyperparameters: Equatable, Sendable, SettingSink {
    /// The validated values, with the agent's declarations.
    public private(set) var settingValues: SettingValues
    public let agent: String
    /// The budget a config file suggests (RL-Zoo's `n_timesteps`, or `n_episodes`), used
    /// when the command line gives none.
    public private(set) var suggestedBudget: TrainingBudget?

    /// The defaults of `declarations`.
    public init(agent: String, declarations: [SettingDeclaration]) {
        self.agent = agent
        settingValues = SettingValues(declarations, owner: "agent '\(agent)'", noun: "hyperparameter", sortsNames: true)
    }

    /// The values by name.
    public var values: [String: SettingValue] { settingValues.values }

    /// The agent's typed settings.
    public func settings<S: Settings>(_ type: S.Type) throws -> S { try settingValues.decode(type) }

    /// Sets `key`, checking that the agent declares it (or that it is a budget key) and
    /// that the value fits; YAML, `key=value` and typed settings are read through it
    /// (``SettingSink``).
    public mutating func set(_ key: String, _ input: SettingInput, source: String) throws {
        if let budget = try TrainingBudget.read(key, input, source: source) {
            suggestedBudget = budget
        } else {
            try settingValues.set(key, input, source: source)
        }
    }

    /// Loads a config file: either a mapping of hyperparameters, or RL-Zoo style keyed by
    /// environment id (then the entry for `environmentID` is used, if any).
    ///
    /// With `requiringSection` (a file the user gave), a file keyed by environment id must
    /// have a section for `environmentID`: a typo in an id would otherwise be ignored. A
    /// top-level key beside environment sections is an error in any file, since it would
    /// apply to no environment.
    public mutating func merge(file url: URL, environmentID: String, requiringSection: Bool = false) throws {
        guard let node = try SettingValues.readYAML(url) else { return }
        guard let mapping = node.mapping else {
            throw ConfigurationError("config file \(url.path): expected a mapping of hyperparameters or of environment ids")
        }
        var sections: [String] = [], others: [String] = []
        for key in mapping.keys {
            guard let name = key.string else { continue }
            if settingValues.declaration(name) == nil && mapping[key]?.mapping != nil { sections.append(name) } else { others.append(name) }
        }
        if !sections.isEmpty {
            if !others.isEmpty {
                throw ConfigurationError("config file \(url.path): top-level \(others.count == 1 ? "key" : "keys") \(others.map { "'\($0)'" }.joined(separator: ", ")) beside the environment sections (\(sections.joined(separator: ", "))) would apply to no environment; move \(others.count == 1 ? "it" : "them") into a section")
            }
            if let entry = mapping[Node(environmentID)]?.mapping {
                try merge(yaml: entry, source: "\(url.lastPathComponent) [\(environmentID)]")
            } else if requiringSection {
                throw ConfigurationError("config file \(url.path) has no section for environment '\(environmentID)'; its sections: \(sections.joined(separator: ", ")) (a typo in an id? a file for one environment can be a flat mapping of hyperparameters)")
            }
        } else {
            try merge(yaml: mapping, source: url.lastPathComponent)
        }
    }

    /// The values as a YAML mapping, names sorted, for the resolved configuration
    /// (written through Yams; a `Float` setting as its shortest decimal).
    public var yaml: Node { settingValues.yaml }

    /// The values as YAML text, one `name: value` line each (the mapping of ``yaml``),
    /// without a final line break; ``restoring(agent:yaml:source:)`` reads it back.
    public func yamlText() throws -> String {
        values.isEmpty ? "" : String(try Yams.serialize(node: yaml, width: -1).dropLast())
    }
}
