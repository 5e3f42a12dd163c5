import Foundation

/// `config.yml`: the resolved configuration of a comparison (agents, environments and
/// their options, seeds, evaluation settings, and each agent's budget and hyperparameters
/// per environment), in a results folder and in each of its shard folders.
///
/// Its text is the grid's identity: a resumed comparison must produce the same text, and
/// a shard's grid hash is the hash of it (see ``Shard``).
public enum ConfigurationFile {
    public static let fileName = "config.yml"

    /// The first line (how ``ResultsFolderContents`` recognizes a folder rllab wrote).
    static let header = "# The resolved configuration of this comparison. The same agents, environments, seeds,"

    /// The text of `comparison`'s `config.yml`.
    static func text(of comparison: Comparison) -> String {
        var lines = [
            header,
            "# budgets and hyperparameters give the same CSVs (apart from wall-time columns).",
            "agents: [\(comparison.agents.joined(separator: ", "))]",
            "environments: [\(comparison.environments.map { "'\($0)'" }.joined(separator: ", "))]",
            "environment_options: {\(comparison.environmentOptions.sorted { $0.key < $1.key }.map { "\($0.key): '\($0.value)'" }.joined(separator: ", "))}",
            "seeds: [\(comparison.seeds.map(String.init).joined(separator: ", "))]",
        ]
        lines.append("evaluation_episodes: \(comparison.evaluationEpisodes)")
        if comparison.evaluationFrequency > 0 { lines.append("eval_freq: \(comparison.evaluationFrequency)") }
        if let stopAt = comparison.stopAt { lines.append("stop_at: \(stopAt)") }
        lines.append("hyperparameters:")
        // Specs are environment-major, so each environment's key is written once.
        var seen = Set<String>()
        var lastEnvironment: String?
        for spec in comparison.specs where seen.insert("\(spec.environmentID)|\(spec.agent)").inserted {
            if spec.environmentID != lastEnvironment {
                lines.append("  '\(spec.environmentID)':")
                lastEnvironment = spec.environmentID
            }
            lines.append("    \(spec.agent):")
            switch spec.budget {
            case .timesteps(let n): lines.append("      n_timesteps: \(n)")
            case .episodes(let n): lines.append("      n_episodes: \(n)")
            }
            lines.append(contentsOf: spec.hyperparameters.yamlLines.map { "      " + $0 })
        }
        return lines.map { $0 + "\n" }.joined()
    }

    /// Writes `text` as `folder/config.yml` (crash-safely).
    static func write(_ text: String, in folder: URL) throws {
        try OutputFile.replace(folder.appendingPathComponent(fileName), with: text)
    }

    /// The text of `folder/config.yml`, or nil when it cannot be read.
    static func read(in folder: URL) -> String? {
        try? String(contentsOf: folder.appendingPathComponent(fileName), encoding: .utf8)
    }

    /// Whether `text` is a `config.yml` that `rllab compare` wrote.
    static func isWrittenByRLLab(_ text: String) -> Bool { text.hasPrefix(header) }

    /// The agents a `config.yml`'s text lists (empty when it lists none).
    static func agents(in text: String) -> [String] {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("agents: [") }) else { return [] }
        return line.dropFirst("agents: [".count).dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }
}
