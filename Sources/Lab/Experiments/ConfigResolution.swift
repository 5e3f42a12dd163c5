import Agents
import Foundation

/// Finds and applies hyperparameter files: `agents/<agent>.yml` (RL-Zoo style, keyed by
/// environment id) or, when given, a user's `--config` file instead (as RL-Zoo's
/// `--conf-file` replaces its default file), then `--set` overrides.
public struct HyperparameterSources: Sendable {
    /// The folder holding `<agent>.yml` files, if one was found.
    public var agentsFolder: URL?
    public var configFile: URL?
    public var overrides: [String]

    public init(agentsFolder: URL? = HyperparameterSources.defaultAgentsFolder(), configFile: URL? = nil, overrides: [String] = []) {
        self.agentsFolder = agentsFolder
        self.configFile = configFile
        self.overrides = overrides
    }

    /// `./agents` if it exists, else the `agents` folder of the checkout the executable was built in.
    public static func defaultAgentsFolder() -> URL? {
        let manager = FileManager.default
        let local = URL(fileURLWithPath: manager.currentDirectoryPath).appendingPathComponent("agents")
        if manager.fileExists(atPath: local.path) { return local }
        var folder = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = folder.appendingPathComponent("agents")
            if manager.fileExists(atPath: candidate.appendingPathComponent("dqn.yml").path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return nil
    }

    /// The overrides that apply to `agent`: plain `key=value` ones, and `agent.key=value`
    /// ones (how `rllab compare` targets one of several agents), without the prefix.
    func overrides(for agent: String) -> [String] {
        overrides.compactMap { item in
            let key = item.split(separator: "=", maxSplits: 1).first.map(String.init) ?? item
            guard let dot = key.firstIndex(of: ".") else { return item }
            return key[..<dot] == agent ? String(item[item.index(after: dot)...]) : nil
        }
    }

    /// Checks that every `agent.key=value` override names one of `agents` (a typo in the
    /// agent, or an agent that is not in the run, would otherwise be ignored).
    public func checkOverrides(agents: [String]) throws {
        for item in overrides {
            let key = item.split(separator: "=", maxSplits: 1).first.map(String.init) ?? item
            guard let dot = key.firstIndex(of: ".") else { continue }
            let agent = String(key[..<dot])
            guard agents.contains(agent) else {
                let known = (try? AgentCatalog.type(named: agent)) != nil
                throw ConfigurationError("--set \(item): \(known ? "agent '\(agent)' is not in this run" : "there is no agent '\(agent)'") (the run's \(agents.count == 1 ? "agent" : "agents"): \(agents.joined(separator: ", ")))")
            }
        }
    }

    /// The resolved hyperparameters of `agent` on `environmentID`.
    public func resolve(agent: String, environmentID: String) throws -> Hyperparameters {
        let type = try AgentCatalog.type(named: agent)
        var hyperparameters = type.defaultHyperparameters
        if configFile == nil, let folder = agentsFolder {
            let file = folder.appendingPathComponent("\(agent).yml")
            if FileManager.default.fileExists(atPath: file.path) {
                try hyperparameters.merge(file: file, environmentID: environmentID)
            }
        }
        if let configFile {
            guard FileManager.default.fileExists(atPath: configFile.path) else {
                throw ConfigurationError("config file \(configFile.path) does not exist")
            }
            try hyperparameters.merge(file: configFile, environmentID: environmentID, requiringSection: true)
        }
        try hyperparameters.merge(overrides: overrides(for: agent))
        return hyperparameters
    }
}
