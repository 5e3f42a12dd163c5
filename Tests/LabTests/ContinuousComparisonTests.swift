import Foundation
import Testing
@testable import Lab

/// SAC, TD3 and DDPG in a comparison: the episodes do not depend on how many runs go in parallel.
@Suite struct ContinuousComparisonTests {
    @Test func parallelRunEqualsSerialRunForContinuousAgents() throws {
        func run(jobs: Int) throws -> String {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rllab-test-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let small = ["net_arch=[16]", "batch_size=16", "learning_starts=150"]
            let comparison = try Comparison(
                agents: ["sac", "td3", "ddpg"], environments: ["Pendulum-v1"], seeds: [0, 1], budget: .timesteps(400),
                evaluationEpisodes: 1, sources: HyperparameterSources(agentsFolder: nil, overrides: small + ["td3.noise_type=ornstein-uhlenbeck"]),
                output: folder, jobs: jobs)
            _ = try comparison.run(isCancelled: { false })
            let csv = try String(contentsOf: folder.appendingPathComponent("episodes.csv"), encoding: .utf8)
            // Without the wall-time column.
            return csv.split(separator: "\n").map { $0.split(separator: ",").dropLast().joined(separator: ",") }.joined(separator: "\n")
        }
        let serial = try run(jobs: 1)
        #expect(serial.split(separator: "\n").count == 1 + 3 * 2 * 2)
        #expect(try run(jobs: 3) == serial)
        // Different seeds and agents give different episodes.
        let returns = serial.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[4] }
        #expect(Set(returns).count == returns.count)
    }
}
