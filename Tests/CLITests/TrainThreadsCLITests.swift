import Foundation
import Testing

/// `rllab train --threads N`: the count changes no byte of a run (PPO's separate policy and
/// value networks run on two threads at once with 2), and a count out of range is an error.
@Suite struct TrainThreadsCLITests {
    @Test func ppoWritesTheSameBytesOnOneAndTwoThreads() throws {
        let root = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        var runs: [(agent: Data, episodes: [String])] = []
        for threads in ["1", "2"] {
            let out = root.appendingPathComponent(threads)
            let output = try CLI.run(["train", "--env", "CartPole-v1", "--agent", "ppo", "--seed", "3", "--timesteps", "4096",
                                      "--set", "n_envs=4", "--set", "n_steps=128", "--set", "batch_size=64", "--set", "n_epochs=2",
                                      "--threads", threads, "--quiet", "--out", out.path])
            #expect(output.status == 0, "\(output.stderr)")
            let episodes = try String(contentsOf: out.appendingPathComponent("episodes.csv"), encoding: .utf8)
            // Wall time (the last column) aside.
            let rows = episodes.split(separator: "\n").map { $0.split(separator: ",").dropLast().joined(separator: ",") }
            runs.append((try Data(contentsOf: out.appendingPathComponent("agent.safetensors")), rows))
        }
        #expect(runs[0].episodes.count > 20)
        #expect(runs[0].agent == runs[1].agent)
        #expect(runs[0].episodes == runs[1].episodes)
    }

    @Test(arguments: ["0", "257", "-1"])
    func countsOutOfRangeAreErrors(_ threads: String) throws {
        let output = try CLI.run(["train", "--env", "CartPole-v1", "--agent", "ppo", "--threads=\(threads)", "--quiet",
                                  "--out", CLI.temporaryFolder().path])
        #expect(output.status != 0)
        #expect(output.stderr.contains("--threads must be between 1 and 256; got \(threads)"), "\(output.stderr)")
    }
}
