import Foundation
import Testing

/// Bit-exact resumable training (`rllab train --checkpoint-every N`, `--resume DIR`): a run
/// killed with SIGKILL right after a checkpoint and resumed ends with the files of a run
/// never interrupted, byte for byte (the wall-time fields aside: episodes.csv's
/// `wall_time`, the Monitor file's `t_start` and `t`, summary.csv's `train_seconds`,
/// `steps_per_second` and `solved_seconds`). Resuming again from the finished
/// folder (whose files run past its last checkpoint, as a run killed between two
/// checkpoints leaves them) cuts them back and writes the same bytes once more.
@Suite struct TrainingCheckpointTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let agent: String
        let arguments: [String]
        let every: Int
        let killAfter: Int
        var testDescription: String { "\(agent) \(arguments.joined(separator: " "))" }
    }

    static let cases: [Case] = [
        Case(agent: "q-learning", arguments: ["--env", "CartPole-v1", "--seed", "3", "--timesteps", "12000"], every: 3000, killAfter: 2),
        Case(agent: "dqn", arguments: ["--env", "CartPole-v1", "--seed", "1", "--timesteps", "3000", "--set", "learning_starts=500",
                                       "--set", "buffer_size=2000", "--set", "target_update_interval=300", "--set", "net_arch=[16]"],
             every: 1000, killAfter: 1),
        Case(agent: "naive-nn", arguments: ["--env", "CartPole-v1", "--seed", "2", "--timesteps", "4000", "--set", "iterations=3", "--set", "epochs=2"],
             every: 700, killAfter: 3),
        Case(agent: "value-iteration", arguments: ["--env", "FrozenLake-v1", "--seed", "0", "--timesteps", "1500"], every: 300, killAfter: 2),
        Case(agent: "value-iteration", arguments: ["--env", "CartPole-v1", "--seed", "4", "--timesteps", "6000", "--set", "replan_every=3"],
             every: 1500, killAfter: 2),
        Case(agent: "policy-iteration", arguments: ["--env", "CartPole-v1", "--seed", "0", "--timesteps", "6000", "--set", "replan_every=5"],
             every: 2000, killAfter: 1),
        Case(agent: "policy-iteration", arguments: ["--env", "FrozenLake-v1", "--seed", "5", "--episodes", "40"], every: 200, killAfter: 1),
    ]

    /// Agents that checkpoint at any step (vector copies, rollouts, mid-episode): killed
    /// at a checkpoint in the middle of a rollout, an episode or an update cycle, or at a
    /// boundary, and resumed again from the finished folder's last checkpoint, which is
    /// of the other kind (the comments say which is which).
    static let anyStepCases: [Case] = [
        // Rollouts of 2 x 64 = 128 steps; checkpoints at 96, 192, 288, 384 (a rollout
        // boundary: killed there), 480 (mid-rollout: resumed again from there). VecNormalize,
        // a linear schedule and periodic evaluations (evaluations.csv, best.safetensors).
        Case(agent: "ppo", arguments: ["--env", "CartPole-v1", "--seed", "1", "--timesteps", "512", "--set", "n_envs=2", "--set", "n_steps=64",
                                       "--set", "batch_size=32", "--set", "n_epochs=2", "--set", "net_arch=[16]", "--set", "normalize=true",
                                       "--set", "learning_rate=0.001", "--set", "learning_rate_schedule=linear", "--set", "clip_range_schedule=linear", "--eval-freq", "128", "--eval-episodes", "2"],
             every: 96, killAfter: 4),
        // Continuous actions (a Gaussian with log_std), RMSprop, Pendulum copies mid-episode;
        // rollouts of 2 x 8 = 16 steps: checkpoints at 100, 200, 300 (mid-rollout: killed
        // after the first), 400 (a boundary: resumed again from there).
        Case(agent: "a2c", arguments: ["--env", "Pendulum-v1", "--seed", "2", "--timesteps", "480", "--set", "n_envs=2", "--set", "n_steps=8",
                                       "--set", "net_arch=[16]", "--set", "normalize=true"],
             every: 100, killAfter: 1),
        // Two copies' unfinished episodes and finished ones not yet trained on.
        Case(agent: "reinforce", arguments: ["--env", "CartPole-v1", "--seed", "3", "--timesteps", "600", "--set", "n_envs=2",
                                             "--set", "episodes_per_update=3", "--set", "net_arch=[16]"],
             every: 150, killAfter: 2),
        // The CartPole vector kernel (next-step autoreset); checkpoints between training
        // rounds (every 4 vector steps) and target updates.
        Case(agent: "dqn", arguments: ["--env", "CartPole-v1", "--seed", "4", "--timesteps", "1200", "--set", "num_envs=4",
                                       "--set", "learning_starts=200", "--set", "buffer_size=1000", "--set", "target_update_interval=100",
                                       "--set", "net_arch=[16]"],
             every: 250, killAfter: 2),
        // Copy-by-copy vector environment of a tabular environment, with periodic evaluations.
        Case(agent: "dqn", arguments: ["--env", "FrozenLake-v1", "--seed", "5", "--timesteps", "800", "--set", "num_envs=3",
                                       "--set", "learning_starts=100", "--set", "net_arch=[16]", "--eval-freq", "300", "--eval-episodes", "3"],
             every: 150, killAfter: 2),
        // Pendulum's episodes last 200 steps: killed at 250, mid-episode.
        Case(agent: "sac", arguments: ["--env", "Pendulum-v1", "--seed", "6", "--timesteps", "600", "--set", "net_arch=[16]",
                                       "--set", "learning_starts=100", "--set", "buffer_size=1000", "--set", "batch_size=32"],
             every: 250, killAfter: 1),
        // Killed at 200, an episode boundary; delayed policy updates; periodic evaluations.
        Case(agent: "td3", arguments: ["--env", "Pendulum-v1", "--seed", "7", "--timesteps", "600", "--set", "net_arch=[16]",
                                       "--set", "learning_starts=100", "--set", "buffer_size=1000", "--set", "batch_size=32",
                                       "--eval-freq", "200", "--eval-episodes", "1"],
             every: 200, killAfter: 1),
        // Ornstein-Uhlenbeck noise carries from step to step within an episode: killed at 250.
        Case(agent: "ddpg", arguments: ["--env", "Pendulum-v1", "--seed", "8", "--timesteps", "600", "--set", "net_arch=[16]",
                                        "--set", "learning_starts=100", "--set", "buffer_size=1000", "--set", "batch_size=32",
                                        "--set", "noise_type=ornstein-uhlenbeck", "--set", "noise_std=0.3"],
             every: 250, killAfter: 1),
        Case(agent: "random", arguments: ["--env", "CartPole-v1", "--seed", "9", "--timesteps", "700", "--set", "num_envs=3"],
             every: 200, killAfter: 2),
    ]

    /// The file's bytes with the wall-time fields blanked.
    static func comparable(_ url: URL) throws -> Data {
        let name = url.lastPathComponent
        if name == "evaluations.csv" {
            // agent,env,seed,step,wall_time,mean,std,returns
            let text = try String(contentsOf: url, encoding: .utf8)
            return Data(text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                var fields = line.split(separator: ",", omittingEmptySubsequences: false)
                if fields.count > 4 { fields[4] = "" }
                return fields.joined(separator: ",")
            }.joined(separator: "\n").utf8)
        }
        if name == "summary.csv" {
            // train_seconds, steps_per_second, solved_seconds
            let text = try String(contentsOf: url, encoding: .utf8)
            return Data(text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                var fields = line.split(separator: ",", omittingEmptySubsequences: false)
                for column in [11, 12, 15] where column < fields.count { fields[column] = "" }
                return fields.joined(separator: ",")
            }.joined(separator: "\n").utf8)
        }
        guard name == "episodes.csv" || name.hasSuffix(".monitor.csv") else { return try Data(contentsOf: url) }
        let text = try String(contentsOf: url, encoding: .utf8)
        return Data(blankingWallTimes(text, monitor: name.hasSuffix(".monitor.csv")).utf8)
    }

    static func blankingWallTimes(_ text: String, monitor: Bool) -> String {
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { index, line in
            if monitor && index == 0 { return "" }  // t_start
            var fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if fields.count > 1 { fields.removeLast() }  // wall_time, t
            return fields.joined(separator: ",")
        }.joined(separator: "\n")
    }

    static func expectSameFiles(_ expected: URL, _ actual: URL, _ label: String) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: expected.path).sorted()
        #expect(names.contains("episodes.csv") && names.contains("agent.safetensors"))
        #expect(names.contains("summary.csv") && names.contains("config.yml"))
        for name in names {
            let a = try comparable(expected.appendingPathComponent(name))
            let b = try comparable(actual.appendingPathComponent(name))
            #expect(a == b, "\(label): \(name) differs from the uninterrupted run's")
        }
    }

    @Test(arguments: cases + anyStepCases)
    func killedAndResumedRunsEqualAnUninterruptedOne(_ c: Case) throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let full = folder.appendingPathComponent("full"), part = folder.appendingPathComponent("part")
        let base = ["train", "--agent", c.agent] + c.arguments + ["--quiet"]

        let uninterrupted = try CLI.run(base + ["--out", full.path])
        #expect(uninterrupted.status == 0, "\(uninterrupted.stderr)")
        let killed = try CLI.run(base + ["--out", part.path, "--checkpoint-every", String(c.every), "--kill-after-checkpoint", String(c.killAfter)])
        #expect(killed.status == 9 || killed.status == 137, "expected SIGKILL, got \(killed.status): \(killed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: part.appendingPathComponent("agent.safetensors").path), "killed before the end")

        let resumed = try CLI.run(["train", "--resume", part.path, "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        try Self.expectSameFiles(full, part, "resumed")
        if c.arguments.contains("--eval-freq") {
            #expect(FileManager.default.fileExists(atPath: part.appendingPathComponent("evaluations.csv").path))
            #expect(FileManager.default.fileExists(atPath: part.appendingPathComponent("best.safetensors").path))
            // The evaluation summary (when solved, its step; the count of evaluations).
            let verdict = { (text: String) in text.split(separator: "\n").first { $0.contains("solved") }?.split(separator: ",").first }
            #expect(verdict(uninterrupted.stdout) != nil && verdict(uninterrupted.stdout) == verdict(resumed.stdout))
        }
        // The same summary (its first line names the wall time).
        #expect(uninterrupted.stdout.split(separator: "\n").dropFirst().first == resumed.stdout.split(separator: "\n").dropFirst().first)

        // The finished folder's files run past its last checkpoint: a resume cuts them back.
        let again = try CLI.run(["train", "--resume", part.path, "--quiet"])
        #expect(again.status == 0, "\(again.stderr)")
        try Self.expectSameFiles(full, part, "resumed again")
    }

    @Test func agentsWithoutCheckpointsAndBadResumesAreClearErrors() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("ppo").path
        let zero = try CLI.run(["train", "--env", "CartPole-v1", "--agent", "ppo", "--timesteps", "100", "--checkpoint-every", "0", "--out", out])
        #expect(zero.status != 0 && zero.stderr.contains("--checkpoint-every must be a positive number of steps"))
        #expect(!FileManager.default.fileExists(atPath: out), "nothing is written for a refused run")

        let missing = try CLI.run(["train", "--resume", folder.appendingPathComponent("none").path])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no training checkpoint at") && missing.stderr.contains("--checkpoint-every N"))

        let part = folder.appendingPathComponent("part")
        let killed = try CLI.run(["train", "--env", "FrozenLake-v1", "--agent", "q-learning", "--timesteps", "2000", "--out", part.path,
                                  "--checkpoint-every", "500", "--kill-after-checkpoint", "1", "--quiet"])
        #expect(killed.status == 9 || killed.status == 137)
        let extra = try CLI.run(["train", "--resume", part.path, "--seed", "3"])
        #expect(extra.status != 0 && extra.stderr.contains("--resume DIR takes every setting from DIR's checkpoint"))

        // A file cut shorter than at the checkpoint was changed since: refused, not guessed at.
        let episodes = part.appendingPathComponent("episodes.csv")
        try "agent,env,seed,episode,return,length,wall_time\n".write(to: episodes, atomically: true, encoding: .utf8)
        let shortened = try CLI.run(["train", "--resume", part.path])
        #expect(shortened.status == 1)
        #expect(shortened.stderr.contains("fewer than the") && shortened.stderr.contains("cannot resume into it"))

        // A damaged checkpoint is an error, never a crash.
        let checkpoint = part.appendingPathComponent("checkpoint.safetensors")
        var bytes = try Data(contentsOf: checkpoint)
        bytes.removeLast(bytes.count / 2)
        try bytes.write(to: checkpoint)
        let damaged = try CLI.run(["train", "--resume", part.path])
        #expect(damaged.status == 1 && damaged.stderr.hasPrefix("error: "))
    }
}
