import Foundation
import Testing

/// Bit-exact resumable training (`rllab train --checkpoint-every N`, `--resume DIR`): a run
/// killed with SIGKILL right after a checkpoint and resumed ends with the files of a run
/// never interrupted, byte for byte (the wall-time fields aside: episodes.csv's
/// `wall_time`, the Monitor file's `t_start` and `t`). Resuming again from the finished
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

    /// The file's bytes with the wall-time fields blanked.
    static func comparable(_ url: URL) throws -> Data {
        let name = url.lastPathComponent
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
        for name in names {
            let a = try comparable(expected.appendingPathComponent(name))
            let b = try comparable(actual.appendingPathComponent(name))
            #expect(a == b, "\(label): \(name) differs from the uninterrupted run's")
        }
    }

    @Test(arguments: cases)
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
        let ppo = try CLI.run(["train", "--env", "CartPole-v1", "--agent", "ppo", "--timesteps", "100", "--checkpoint-every", "50", "--out", out])
        #expect(ppo.status == 1)
        #expect(ppo.stderr.contains("error: agent 'ppo' does not support training checkpoints (--checkpoint-every) yet; agents that do: "))
        #expect(!FileManager.default.fileExists(atPath: out), "nothing is written for a refused run")

        let vector = try CLI.run(["train", "--env", "CartPole-v1", "--agent", "dqn", "--set", "num_envs=2", "--timesteps", "100",
                                  "--checkpoint-every", "50", "--out", out])
        #expect(vector.stderr.contains("error: dqn with num_envs 2 cannot take training checkpoints yet"))

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
