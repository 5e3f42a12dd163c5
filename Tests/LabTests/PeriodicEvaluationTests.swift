import Foundation
import Testing
@testable import Agents
import Gym
@testable import Lab
import LabCore

/// Periodic evaluation (`--eval-freq`, SB3's EvalCallback), `--stop-at` and time to solve.
@Suite struct PeriodicEvaluationTests {
    static let smallPPO = ["n_envs=4", "n_steps=32", "batch_size=64", "n_epochs=4", "learning_rate=1e-3", "net_arch=[32,32]"]

    static func spec(_ agent: String, steps: Int, _ overrides: [String], frequency: Int = 0, stopAt: Double? = nil) throws -> RunSpec {
        let sources = HyperparameterSources(agentsFolder: nil, overrides: overrides)
        var spec = RunSpec(agent: agent, environment: try EnvironmentRegistry.shared.resolve("CartPole-v1", options: [:]), seed: 3, budget: .timesteps(steps),
                           hyperparameters: try sources.resolve(agent: agent, environmentID: "CartPole-v1"), evaluationEpisodes: 3)
        spec.evaluationFrequency = frequency
        spec.stopAt = stopAt
        return spec
    }

    static func trainingEpisodes(_ result: RunResult) -> [[Double]] {
        result.episodes.map { [$0.return, Double($0.length), Double($0.totalSteps)] }
    }

    /// A run with evaluations every 500 steps has the same training episodes as one without.
    @Test(arguments: ["ppo", "dqn"]) func evaluationDoesNotChangeTraining(agent: String) throws {
        let overrides = agent == "ppo" ? Self.smallPPO : ["learning_starts=200", "train_freq=4", "net_arch=[32,32]", "buffer_size=5000"]
        let plain = try Run.execute(try Self.spec(agent, steps: 3000, overrides))
        var rows: [PeriodicEvaluationRecord] = []
        let evaluated = try Run.execute(try Self.spec(agent, steps: 3000, overrides, frequency: 500), onEvaluation: { rows.append($0) })
        #expect(Self.trainingEpisodes(plain) == Self.trainingEpisodes(evaluated))
        #expect(evaluated.evaluations.map(\.step) == [500, 1000, 1500, 2000, 2500, 3000] || agent == "ppo")
        #expect(rows.count == evaluated.evaluations.count && rows.count >= 6)
        #expect(rows.allSatisfy { $0.result.returns.count == 3 })
        // Evaluations are greedy on their own seeds: the same in both runs of the same training.
        let again = try Run.execute(try Self.spec(agent, steps: 3000, overrides, frequency: 500))
        #expect(again.evaluations.map(\.result.returns) == evaluated.evaluations.map(\.result.returns))
    }

    /// `--stop-at` ends training at the first evaluation that reaches it, which is also
    /// the solve point.
    @Test func stopAtStops() throws {
        let result = try Run.execute(try Self.spec("ppo", steps: 50_000, Self.smallPPO, frequency: 256, stopAt: 60))
        let solved = try #require(result.solvedStep)
        #expect(result.steps < 50_000)
        #expect(result.evaluations.last?.step == solved)
        #expect(result.evaluations.last!.result.mean >= 60)
        #expect(result.evaluations.dropLast().allSatisfy { $0.result.mean < 60 })
        // PPO stops mid-rollout, as SB3: no step after the solving evaluation.
        #expect(result.steps == solved)
        #expect(result.solvedSeconds! > 0)
    }

    /// A comparison writes evaluations.csv, best models and summary's solved columns.
    @Test func comparisonWritesEvaluations() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rllab-eval-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let comparison = try Comparison(
            agents: ["ppo"], environments: ["CartPole-v1"], seeds: [0, 1], budget: .timesteps(1024), evaluationEpisodes: 2,
            evaluationFrequency: 512, stopAt: 1e9, sources: HyperparameterSources(agentsFolder: nil, overrides: Self.smallPPO),
            output: folder, jobs: 2)
        _ = try comparison.run(isCancelled: { false })
        let evaluations = try String(contentsOf: folder.appendingPathComponent("evaluations.csv"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(evaluations.first == EvaluationTable.header)
        #expect(evaluations.count == 1 + 2 * 2)
        #expect(evaluations[1].hasPrefix("ppo,CartPole-v1,0,512,"))
        #expect(evaluations[1].split(separator: ",").last!.split(separator: " ").count == 2)
        let summary = try String(contentsOf: folder.appendingPathComponent("summary.csv"), encoding: .utf8).split(separator: "\n")
        #expect(summary[0].hasSuffix(",solved_step,solved_seconds"))
        #expect(summary[1].hasSuffix(",,"))  // 1e9 is never reached
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("ppo/CartPole-v1/1.best.safetensors").path))
        #expect(throws: ConfigurationError.self) {
            try Comparison(agents: ["ppo"], environments: ["CartPole-v1"], seeds: [0], budget: .timesteps(10), evaluationEpisodes: 2,
                           stopAt: 10, sources: HyperparameterSources(agentsFolder: nil), output: folder, jobs: 1)
        }
    }
}
