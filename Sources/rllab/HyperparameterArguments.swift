import ArgumentParser
import Foundation
import Lab
import LabCore

/// Where the agents' hyperparameters come from, for every command that makes agents
/// (`train`, `eval`, `compare`, `render`): `<agent>.yml` in the agents folder (RL-Zoo's
/// files) or a `--config` file instead, then `--set` overrides.
struct HyperparameterArguments: ParsableArguments {
    @Option(help: "A YAML file of hyperparameters (flat, or keyed by environment id), used instead of the agents folder's <agent>.yml.")
    var config: String?

    @Option(name: .customLong("set"), parsing: .singleValue, help: ArgumentHelp(
        "Override a hyperparameter: key=value, or agent.key=value for one agent.", valueName: "key=value"))
    var overrides: [String] = []

    @Option(name: .customLong("agents-dir"), help: ArgumentHelp(
        "The folder of <agent>.yml hyperparameter files (default: $\(HyperparameterSources.agentsFolderVariable), else ./agents, else the agents folder of the checkout rllab was built in).",
        valueName: "dir"))
    var agentsDir: String?

    /// Whether none of these arguments was given.
    var isEmpty: Bool { config == nil && overrides.isEmpty && agentsDir == nil }

    /// The sources for a run of `agents`, with every `agent.key=value` override checked.
    /// Without `--config` and with no agents folder found, it says on stderr that the
    /// agents use their built-in defaults, since their budgets and settings then differ
    /// from the documented runs.
    func sources(agents: [String]) throws -> HyperparameterSources {
        let configFile = config.map { URL(fileURLWithPath: $0) }
        let folder = configFile == nil ? try HyperparameterSources.agentsFolder(given: agentsDir) : nil
        if configFile == nil && folder == nil {
            let names = agents.joined(separator: ", ")
            try? FileOutput.standardError.write("""
                warning: no agents folder found (not ./agents, not above the rllab executable, and \
                \(HyperparameterSources.agentsFolderVariable) is not set): \(names) \(agents.count == 1 ? "uses its" : "use their") \
                built-in default hyperparameters (`rllab agents` lists them)\(overrides.isEmpty ? "" : " with the --set overrides"); \
                give --agents-dir DIR or set \(HyperparameterSources.agentsFolderVariable) to use agents/<agent>.yml

                """)
        }
        let sources = HyperparameterSources(agentsFolder: folder, configFile: configFile, overrides: overrides)
        try sources.checkOverrides(agents: agents)
        return sources
    }
}
