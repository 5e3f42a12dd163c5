import Foundation
import Testing
import Agents
import LabCore

/// Replays `make fuzz`'s seed corpus of agent hyperparameter files (`Fuzz/corpus/agent-config`)
/// and the repository's own `agents/*.yml` through every agent, as `rllab train --config`
/// reads them: each loads or gives a ``ConfigurationError`` naming the file, never a crash.
@Suite struct ConfigCorpusReplayTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func decode<A: Agent>(_ type: A.Type, _ hyperparameters: Hyperparameters) throws {
        _ = try hyperparameters.settings(A.Settings.self)
    }

    @Test func hostileAndShippedConfigFiles() throws {
        var loadedByEveryAgent: Set<String> = []
        for folder in ["Fuzz/corpus/agent-config", "agents"] {
            let urls = try FileManager.default.contentsOfDirectory(at: Self.root.appendingPathComponent(folder), includingPropertiesForKeys: nil)
            for url in urls where url.pathExtension == "yml" {
                var loaded = 0
                for type in AgentCatalog.all {
                    var hyperparameters = type.defaultHyperparameters
                    do {
                        try hyperparameters.merge(file: url, environmentID: "CartPole-v1")
                        try Self.decode(type, hyperparameters)
                        loaded += 1
                    } catch let error as ConfigurationError {
                        #expect(error.description.contains(url.lastPathComponent), "\(url.lastPathComponent) for \(type.name): \(error)")
                    }
                }
                if loaded == AgentCatalog.all.count { loadedByEveryAgent.insert(url.lastPathComponent) }
            }
        }
        // Only files that set nothing (or only keys of another environment, skipped) suit every agent.
        #expect(loadedByEveryAgent.isSuperset(of: ["empty.yml"]))
        #expect(!loadedByEveryAgent.contains("nan_rate.yml") && !loadedByEveryAgent.contains("not_mapping.yml"))
    }
}
