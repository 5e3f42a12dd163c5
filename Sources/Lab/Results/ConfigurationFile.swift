import Agents
import Foundation
import LabCore
import Yams

/// `config.yml`: the resolved configuration of a comparison or of a `train` run (agents,
/// environments and their options, seeds, evaluation settings, and each agent's budget and
/// hyperparameters per environment), in a results folder and in each of its shard folders.
///
/// Its text is the grid's identity: a resumed comparison must produce the same text, and
/// a shard's grid hash is the hash of it (see ``Shard``).
public enum ConfigurationFile {
    public static let fileName = "config.yml"

    /// The first line (how ``ResultsFolderContents`` recognizes a folder rllab wrote).
    static let header = "# The resolved configuration of this comparison. The same agents, environments, seeds,"

    /// The text of the `config.yml` of the runs `specs` (a comparison's cells, or the one
    /// run of `rllab train`), whose environments were made with `environmentOptions`.
    ///
    /// Agents, environments and seeds are listed in the order they first appear in
    /// `specs`; each agent's budget comes first in its entry, then its hyperparameters in
    /// name order. Written through Yams, with no line width limit, so that one run's
    /// configuration is one text.
    public static func text(of specs: [RunSpec], environmentOptions: [String: String]) throws -> String {
        func flow(_ values: [Node]) -> Node { Node(values, Tag(.seq), .flow) }
        func quoted(_ text: String) -> Node { Node(text, Tag(.str), .singleQuoted) }
        var root: [(Node, Node)] = [
            ("agents", flow(specs.map(\.agent).uniqued().map { Node($0) })),
            ("environments", flow(specs.map(\.environmentID).uniqued().map(quoted))),
            ("environment_options", Node(environmentOptions.sorted { $0.key < $1.key }.map { (Node($0.key), quoted($0.value)) }, Tag(.map), .flow)),
            ("seeds", flow(specs.map(\.seed).uniqued().map { Node(String($0), Tag(.int)) })),
        ]
        if let first = specs.first {
            root.append(("evaluation_episodes", SettingValue.int(first.evaluationEpisodes).yaml))
            if first.evaluationFrequency > 0 { root.append(("eval_freq", SettingValue.int(first.evaluationFrequency).yaml)) }
            if let stopAt = first.stopAt { root.append(("stop_at", SettingValue.double(stopAt).yaml)) }
        }
        // Specs are environment-major: each environment's entry collects its agents.
        var environments: [(id: String, agents: [(Node, Node)])] = []
        var seen = Set<String>()
        for spec in specs where seen.insert("\(spec.environmentID)|\(spec.agent)").inserted {
            if environments.last?.id != spec.environmentID { environments.append((spec.environmentID, [])) }
            let budget = (Node(spec.budget.setting.name), spec.budget.setting.value.yaml)
            let entry = Node([budget] + (spec.hyperparameters.yaml.mapping.map { $0.map { ($0.key, $0.value) } } ?? []), Tag(.map), .block)
            environments[environments.count - 1].agents.append((Node(spec.agent), entry))
        }
        root.append(("hyperparameters", Node(environments.map { (quoted($0.id), Node($0.agents, Tag(.map), .block)) }, Tag(.map), .block)))
        let body = try Yams.serialize(node: Node(root, Tag(.map), .block), width: -1)
        return header + "\n# budgets and hyperparameters give the same CSVs (apart from wall-time columns).\n" + body
    }

    /// Writes `text` as `folder/config.yml` (crash-safely).
    public static func write(_ text: String, in folder: URL) throws {
        try OutputFile.replace(folder.appendingPathComponent(fileName), with: text)
    }

    /// The text of `folder/config.yml`, or nil when it cannot be read.
    static func read(in folder: URL) -> String? {
        try? String(contentsOf: folder.appendingPathComponent(fileName), encoding: .utf8)
    }

    /// The agents a `config.yml`'s text lists (empty when it lists none or is not YAML).
    static func agents(in text: String) -> [String] {
        let agents = (try? Yams.compose(yaml: text))?.flatMap { $0.mapping?["agents"]?.sequence }
        return agents?.compactMap(\.string) ?? []
    }
}
