import Foundation
import Testing
@testable import Lab
import Yams

@Suite struct ComparisonTests {
    func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("rllab-test-\(UUID().uuidString)")
    }

    func comparison(_ output: URL, jobs: Int, episodes: Int = 30) throws -> Comparison {
        try Comparison(
            agents: ["random", "q-learning"], environments: ["FrozenLake-v1", "CartPole-v1"], seeds: [0, 1, 2],
            budget: .episodes(episodes), evaluationEpisodes: 5, sources: HyperparameterSources(agentsFolder: nil),
            output: output, jobs: jobs)
    }

    func read(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    /// Drops the wall-time column (the last one) of every row.
    func withoutWallTime(_ csv: String) -> String {
        csv.split(separator: "\n").map { $0.split(separator: ",").dropLast().joined(separator: ",") }.joined(separator: "\n")
    }

    @Test func parallelRunEqualsSerialRunAndRepeats() throws {
        let serial = temporaryFolder(), parallel = temporaryFolder(), again = temporaryFolder()
        _ = try comparison(serial, jobs: 1).run(isCancelled: { false })
        _ = try comparison(parallel, jobs: 4).run(isCancelled: { false })
        _ = try comparison(again, jobs: 3).run(isCancelled: { false })
        let a = try read(serial.appendingPathComponent("episodes.csv"))
        #expect(a.split(separator: "\n").count == 1 + 2 * 2 * 3 * 30)
        #expect(a.hasPrefix("agent,env,seed,episode,return,length,wall_time\nrandom,FrozenLake-v1,0,0,"))
        #expect(withoutWallTime(a) == withoutWallTime(try read(parallel.appendingPathComponent("episodes.csv"))))
        #expect(withoutWallTime(a) == withoutWallTime(try read(again.appendingPathComponent("episodes.csv"))))
        for name in ["config.yml"] {
            #expect(try read(serial.appendingPathComponent(name)) == (try read(parallel.appendingPathComponent(name))))
        }
        // The resolved configuration is valid YAML (no repeated keys) with every pair.
        let config = try #require(try Yams.load(yaml: read(serial.appendingPathComponent("config.yml"))) as? [String: Any])
        let hyperparameters = try #require(config["hyperparameters"] as? [String: [String: Any]])
        #expect(Set(hyperparameters.keys) == ["FrozenLake-v1", "CartPole-v1"])
        for environment in hyperparameters.values { #expect(Set(environment.keys) == ["random", "q-learning"]) }
        // Different seeds give different episodes.
        let rows = a.split(separator: "\n").filter { $0.hasPrefix("random,CartPole-v1,") }
        #expect(Set(rows.filter { $0.contains(",0,0,") || $0.contains(",1,0,") }.map { $0.split(separator: ",")[5] }).count >= 1)
    }

    @Test func monitorFilesFollowStableBaselines3Format() throws {
        let folder = temporaryFolder()
        let results = try comparison(folder, jobs: 2, episodes: 5).run(isCancelled: { false })
        let monitor = try read(folder.appendingPathComponent("q-learning/CartPole-v1/1.monitor.csv"))
        let lines = monitor.split(separator: "\n").map(String.init)
        try #require(lines.count == 2 + 5)
        // SB3's load_results: first line '#' + JSON with t_start and env_id, then a CSV with r,l,t.
        #expect(lines[0].hasPrefix("#{"))
        let header = try JSONSerialization.jsonObject(with: Data(lines[0].dropFirst().utf8)) as? [String: Any]
        #expect(header?["env_id"] as? String == "CartPole-v1")
        #expect(header?["t_start"] is Double)
        #expect(lines[1] == "r,l,t")
        #expect(lines.count == 2 + 5)
        let run = try #require(results.first { $0.spec.agent == "q-learning" && $0.spec.environmentID == "CartPole-v1" && $0.spec.seed == 1 })
        for (line, record) in zip(lines.dropFirst(2), run.episodes) {
            let cells = line.split(separator: ",")
            #expect(Double(cells[0]) == record.return)
            #expect(Int(cells[1]) == record.length)
            #expect(Double(cells[2]) != nil)
        }
        let summary = try read(folder.appendingPathComponent("summary.csv")).split(separator: "\n")
        #expect(summary.count == 1 + 12)
        #expect(summary[0].hasPrefix("agent,env,seed,episodes,steps,min_return,max_return,mean_return,last100_mean,eval_mean,eval_std"))
    }

    @Test func interruptKeepsFinishedEpisodes() throws {
        let folder = temporaryFolder()
        let counter = StepCounter()
        // Cancel after about 2000 environment steps in all (the loop asks before every step).
        let c = try Comparison(
            agents: ["random"], environments: ["CartPole-v1"], seeds: [0, 1], budget: .episodes(1000),
            evaluationEpisodes: 5, sources: HyperparameterSources(agentsFolder: nil), output: folder, jobs: 2)
        let results = try c.run(isCancelled: { counter.next() > 2000 }, progress: { _, _ in })
        #expect(results.allSatisfy { $0.interrupted })
        let episodes = results.map(\.episodes.count).reduce(0, +)
        let rows = try read(folder.appendingPathComponent("episodes.csv")).split(separator: "\n").count - 1
        #expect(rows == episodes)
        #expect(episodes > 10 && episodes < 2000)
        for seed in 0..<2 {
            let monitorRows = try read(folder.appendingPathComponent("random/CartPole-v1/\(seed).monitor.csv")).split(separator: "\n").count - 2
            #expect(monitorRows == results[seed].episodes.count)
        }
    }

    @Test func badInputFailsBeforeAnyWork() throws {
        let folder = temporaryFolder()
        #expect(throws: (any Error).self) {
            try Comparison(agents: ["no-such-agent"], environments: ["CartPole-v1"], seeds: [0], budget: .episodes(1),
                           evaluationEpisodes: 0, sources: HyperparameterSources(agentsFolder: nil), output: folder, jobs: 1)
        }
        #expect(throws: (any Error).self) {
            try Comparison(agents: ["random"], environments: ["NoSuchEnv-v0"], seeds: [0], budget: .episodes(1),
                           evaluationEpisodes: 0, sources: HyperparameterSources(agentsFolder: nil), output: folder, jobs: 1)
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path))
        #expect(throws: OutputError.self) {
            try Comparison(agents: ["random"], environments: ["CartPole-v1"], seeds: [0], budget: .episodes(1),
                           evaluationEpisodes: 0, sources: HyperparameterSources(agentsFolder: nil),
                           output: URL(fileURLWithPath: "/proc/rllab-cannot-write-here"), jobs: 1)
        }
    }
}

/// Counts calls across the runs' threads (for the interrupt test).
final class StepCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func next() -> Int {
        lock.lock(); defer { lock.unlock() }
        count += 1
        return count
    }
}
