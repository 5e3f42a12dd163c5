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

    public init(agentsFolder: URL?, configFile: URL? = nil, overrides: [String] = []) {
        self.agentsFolder = agentsFolder
        self.configFile = configFile
        self.overrides = overrides
    }

    /// The environment variable that names the folder of `<agent>.yml` files.
    public static let agentsFolderVariable = "RLLAB_AGENTS_DIR"

    /// The folder of `<agent>.yml` files: `given` (a folder the user named: `--agents-dir`)
    /// when not nil, else `$RLLAB_AGENTS_DIR` when set, else `./agents` if it exists, else
    /// the repository's `agents` folder found by walking up from the executable's resolved
    /// path (the checkout it was built in), so that a run from any working directory reads
    /// the repository's settings; nil when there is none.
    ///
    /// - Throws: ``ConfigurationError`` when a folder the user named (`given`, or
    ///   `$RLLAB_AGENTS_DIR`) is not a folder: a typo must not fall back to other settings.
    public static func agentsFolder(given: String? = nil) throws -> URL? {
        let named = given.map { (path: $0, source: "agents folder") }
            ?? ProcessInfo.processInfo.environment[agentsFolderVariable].map { (path: $0, source: agentsFolderVariable) }
        if let named {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: named.path, isDirectory: &isFolder), isFolder.boolValue else {
                throw ConfigurationError("\(named.source) \(named.path) is not a folder")
            }
            return URL(fileURLWithPath: named.path)
        }
        return agentsFolderCandidates().first { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// `./agents`, then every folder above the executable with an `agents` folder that
    /// holds a known agent's file (the repository's, not any folder named so), nearest first.
    private static func agentsFolderCandidates() -> [URL] {
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("agents")]
        guard var folder = executableURL?.resolvingSymlinksInPath().deletingLastPathComponent() else { return candidates }
        while folder.path != "/" && !folder.path.isEmpty {
            let candidate = folder.appendingPathComponent("agents")
            if AgentCatalog.all.contains(where: { FileManager.default.fileExists(atPath: candidate.appendingPathComponent("\($0.name).yml").path) }) {
                candidates.append(candidate)
            }
            folder = folder.deletingLastPathComponent()
        }
        return candidates
    }

    /// The running executable: `/proc/self/exe` on Linux (argv[0] is a bare name when the
    /// executable is found on the `PATH`), else Foundation's idea of it.
    private static var executableURL: URL? {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return URL(fileURLWithPath: path) }
        return Bundle.main.executableURL
    }

    /// The overrides that apply to `agent`: plain `key=value` ones, and `agent.key=value`
    /// ones (how `rllab compare` targets one of several agents), without the prefix.
    func overrides(for agent: String) -> [String] {
        overrides.compactMap { item in
            guard let targeted = Self.targeted(item) else { return item }
            return targeted.agent == agent ? targeted.override : nil
        }
    }

    /// The agent an `agent.key=value` override names and the override without its prefix;
    /// nil for a plain `key=value` (a dot in the value does not count).
    private static func targeted(_ item: String) -> (agent: String, override: String)? {
        let key = item.prefix { $0 != "=" }
        guard let dot = key.firstIndex(of: ".") else { return nil }
        return (String(key[..<dot]), String(item[item.index(after: dot)...]))
    }

    /// Checks that every `agent.key=value` override names one of `agents` (a typo in the
    /// agent, or an agent that is not in the run, would otherwise be ignored).
    public func checkOverrides(agents: [String]) throws {
        for item in overrides {
            guard let agent = Self.targeted(item)?.agent else { continue }
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
