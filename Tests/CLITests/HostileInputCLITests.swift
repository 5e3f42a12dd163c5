import Foundation
import Testing

/// Issue 15 from the command line: write errors, bad numbers and sizes are `error: ...`
/// with a non-zero exit, never a trap.
@Suite struct HostileInputCLITests {
    /// Runs `rllab arguments` with standard output going to `/dev/full`.
    static func runIntoFullDisk(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = arguments
        process.currentDirectoryURL = CLI.repositoryRoot
        process.standardOutput = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        let err = Pipe()
        process.standardError = err
        try process.run()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // A trap ends with a signal, not an exit status.
        #expect(process.terminationReason == .exit)
        return (process.terminationStatus, String(decoding: stderr, as: UTF8.self))
    }

    @Test func aFullDiskIsAnErrorNotATrap() throws {
        for arguments in [["model", "--env", "envs/chain.yml"], ["solve", "--env", "FrozenLake-v1"],
                          ["rollout", "--env", "CartPole-v1", "--seed", "0", "--actions", "0,1"], ["envs"]] {
            let (status, stderr) = try Self.runIntoFullDisk(arguments)
            #expect(status == 1, "\(arguments)")
            #expect(stderr == "error: cannot write to standard output: No space left on device\n", "\(arguments)")
        }
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = try CLI.run(["model", "--env", "envs/chain.yml", "--out", "/dev/full"])
        #expect(out.status == 1 && out.stderr == "error: cannot write to /dev/full: No space left on device\n")
    }

    @Test func meaninglessNumbersAreRefused() throws {
        let cases: [([String], String)] = [
            (["rollout", "--env", "CartPole-v1", "--state", "nan,0,0,0", "--actions", "0"], "--state: 'nan' is not a finite number"),
            (["rollout", "--env", "CartPole-v1", "--state", "0,inf,0,0", "--actions", "0"], "--state: 'inf' is not a finite number"),
            (["classify", "--learning-rate", "inf", "--epochs", "1"], "--learning-rate must be a positive finite number, got inf"),
            (["regress", "--slope", "nan"], "--slope must be a finite number within ±1e6 (the fit runs in Float32), got nan"),
            (["regress", "--intercept", "1e308"], "--intercept must be a finite number within ±1e6 (the fit runs in Float32), got 1e+308"),
        ]
        for (arguments, message) in cases {
            let output = try CLI.run(arguments)
            #expect(output.status != 0, "\(arguments)")
            #expect(output.stderr.contains(message), "\(arguments): \(output.stderr)")
        }
        // gan gaussian's target_mean range is its @Setting declaration's (settings mechanism).
    }

    @Test func impossibleSizesAreRefusedUpFront() throws {
        let seeds = try CLI.run(["compare", "--env", "CartPole-v1", "--agents", "random", "--num-seeds", "100000000000000", "--out", CLI.temporaryFolder().path])
        #expect(seeds.status != 0)
        #expect(seeds.stderr.contains("error: --num-seeds 100000000000000 runs would need 363.8 PiB (100000000000000 x 4096 bytes), more than this machine's"), "\(seeds.stderr)")
        let envs = try CLI.run(["bench", "env", "--env", "CartPole-v1", "--num-envs", "1000000000000000", "--steps", "10"])
        #expect(envs.status != 0)
        #expect(envs.stderr.contains("1000000000000000 environment copies (num_envs) would need 909.5 PiB (1000000000000000 x 1024 bytes), more than this machine's"), "\(envs.stderr)")
    }

    /// Cause 8: configuration mistakes that used to pass silently are errors naming the mistake.
    @Test func configurationMistakesAreErrors() throws {
        let folder = CLI.temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let typo = folder.appendingPathComponent("typo.yml")
        try Data("FrozenLak-v1:\n  gamma: 0.9\n".utf8).write(to: typo)
        let stray = folder.appendingPathComponent("stray.yml")
        try Data("gamma: 0.9\nFrozenLake-v1:\n  alpha: 0.5\n".utf8).write(to: stray)
        let compare = ["compare", "--env", "FrozenLake-v1", "--episodes", "5", "--eval-episodes", "1", "--quiet", "--no-plots",
                       "--out", folder.appendingPathComponent("out").path]
        let cases: [([String], String)] = [
            (compare + ["--agents", "q-learning", "--config", typo.path],
             "error: config file \(typo.path) has no section for environment 'FrozenLake-v1'; its sections: FrozenLak-v1 (a typo in an id? a file for one environment can be a flat mapping of hyperparameters)\n"),
            (["train", "--env", "FrozenLake-v1", "--agent", "q-learning", "--config", typo.path, "--episodes", "1"],
             "error: config file \(typo.path) has no section for environment 'FrozenLake-v1'; its sections: FrozenLak-v1 (a typo in an id? a file for one environment can be a flat mapping of hyperparameters)\n"),
            (compare + ["--agents", "q-learning", "--config", stray.path],
             "error: config file \(stray.path): top-level key 'gamma' beside the environment sections (FrozenLake-v1) would apply to no environment; move it into a section\n"),
            (compare + ["--agents", "q-learning", "--set", "q-learnin.gamma=0.5"],
             "error: --set q-learnin.gamma=0.5: there is no agent 'q-learnin' (the run's agent: q-learning)\n"),
            (compare + ["--agents", "q-learning,random", "--set", "dqn.learning_rate=0.1"],
             "error: --set dqn.learning_rate=0.1: agent 'dqn' is not in this run (the run's agents: q-learning, random)\n"),
            (["train", "--env", "FrozenLake-v1", "--agent", "q-learning", "--set", "dqn.learning_rate=0.1", "--episodes", "1"],
             "error: --set dqn.learning_rate=0.1: agent 'dqn' is not in this run (the run's agent: q-learning)\n"),
            (compare + ["--agents", "q-learning,q-learning"],
             "error: the agents list 'q-learning,q-learning' names 'q-learning' more than once; each must appear once\n"),
            (compare + ["--agents", "random", "--seeds", "0,0"],
             "error: the seeds list '0,0' names '0' more than once; each must appear once\n"),
            (compare + ["--agents", "random", "--eval-episodes=-5"], "error: --eval-episodes must be at least 0, got -5\n"),
            (["train", "--env", "FrozenLake-v1", "--agent", "random", "--eval-episodes=-5", "--episodes", "1"],
             "error: --eval-episodes must be at least 0, got -5\n"),
        ]
        // The evaluation plan is checked in one place: train and compare give the same messages.
        let train: [String] = ["train", "--env", "FrozenLake-v1", "--agent", "random", "--episodes", "1"]
        var planCases: [([String], String)] = []
        for command in [train, compare + ["--agents", "random"]] {
            planCases.append((command + ["--eval-freq=-5"], "error: --eval-freq must be at least 0, got -5\n"))
            planCases.append((command + ["--eval-freq", "10", "--eval-episodes", "0"], "error: --eval-freq needs --eval-episodes of at least 1\n"))
            planCases.append((command + ["--stop-at", "0.5"], "error: --stop-at needs --eval-freq\n"))
        }
        for (arguments, message) in cases + planCases {
            let output = try CLI.run(arguments)
            #expect(output.status == 1, "\(arguments)")
            #expect(output.stderr == message, "\(arguments): \(output.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/episodes.csv").path))
    }

    /// Cause 9: outputs never replace inputs, are never left empty, and quote awkward names.
    @Test func outputsNeverReplaceInputs() throws {
        let folder = CLI.temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // model --out equal to --env.
        let environment = folder.appendingPathComponent("chain.yml")
        try FileManager.default.copyItem(at: CLI.repositoryRoot.appendingPathComponent("envs/chain.yml"), to: environment)
        let original = try Data(contentsOf: environment)
        let model = try CLI.run(["model", "--env", environment.path, "--out", folder.path + "/./chain.yml"])
        #expect(model.status == 1)
        #expect(model.stderr == "error: --out \(folder.path)/./chain.yml is the file --env reads; writing it would destroy it: choose another --out\n", "\(model.stderr)")
        #expect(try Data(contentsOf: environment) == original)
        // eval --out equal to --load.
        let saved = folder.appendingPathComponent("agent.safetensors")
        let train = try CLI.run(["train", "--env", "FrozenLake-v1", "--agent", "q-learning", "--episodes", "20", "--quiet",
                                 "--out", folder.appendingPathComponent("run").path, "--save", saved.path])
        #expect(train.status == 0, "\(train.stderr)")
        let checkpoint = try Data(contentsOf: saved)
        let eval = try CLI.run(["eval", "--env", "FrozenLake-v1", "--agent", "q-learning", "--load", saved.path, "--out", saved.path])
        #expect(eval.status == 1)
        #expect(eval.stderr == "error: --out \(saved.path) is the file --load reads; writing it would destroy it: choose another --out\n", "\(eval.stderr)")
        #expect(try Data(contentsOf: saved) == checkpoint)
        // --save into a folder that cannot be written fails before training (no episode written).
        let unwritable = try CLI.run(["train", "--env", "FrozenLake-v1", "--agent", "q-learning", "--episodes", "20", "--quiet",
                                      "--out", folder.appendingPathComponent("run2").path, "--save", "/proc/rllab/agent.safetensors"])
        #expect(unwritable.status == 1)
        #expect(unwritable.stderr.hasPrefix("error: cannot create output folder /proc/rllab:"), "\(unwritable.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("run2/episodes.csv").path))
        // Ctrl-C during eval --out: the file is whole (the episodes played), never empty.
        let csv = folder.appendingPathComponent("eval.csv")
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["eval", "--env", "FrozenLake-v1", "--agent", "q-learning", "--load", saved.path, "--episodes", "100000000", "--out", csv.path]
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try process.run()
        // Ctrl-C once eval handles it (SIGINT caught, in /proc's SigCgt mask), not while the process starts.
        let deadline = Date().addingTimeInterval(30)
        func catchesInterrupt() -> Bool {
            guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
                  let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16) else { return false }
            return mask & (1 << UInt64(SIGINT - 1)) != 0
        }
        while Date() < deadline, process.isRunning, !catchesInterrupt() { Thread.sleep(forTimeInterval: 0.01) }
        Thread.sleep(forTimeInterval: 0.2)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        let rows = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
        #expect(rows.first == "episode,return,length")
        // An environment file whose path holds a comma and a quote: quoted CSV fields, a valid Monitor header.
        let awkward = folder.appendingPathComponent("a,\"b\".txt")
        try FileManager.default.copyItem(at: CLI.repositoryRoot.appendingPathComponent("envs/maze.txt"), to: awkward)
        let run = folder.appendingPathComponent("awkward")
        let trained = try CLI.run(["train", "--env", awkward.path, "--agent", "random", "--episodes", "3", "--quiet", "--out", run.path])
        #expect(trained.status == 0, "\(trained.stderr)")
        let quoted = "\"" + awkward.path.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        let episodes = try String(contentsOf: run.appendingPathComponent("episodes.csv"), encoding: .utf8).split(separator: "\n")
        #expect(episodes.count == 4 && episodes[1].hasPrefix("random,\(quoted),0,0,"), "\(episodes)")
        let header = try String(contentsOf: run.appendingPathComponent("0.monitor.csv"), encoding: .utf8).split(separator: "\n")[0]
        let json = try #require(try JSONSerialization.jsonObject(with: Data(header.dropFirst().utf8)) as? [String: Any])
        #expect(json["env_id"] as? String == awkward.path)
        let plot = try CLI.run(["plot", run.path, "--out", folder.appendingPathComponent("plots").path])
        #expect(plot.status == 0, "\(plot.stderr)")
    }

    @Test func meaninglessHyperparametersAreRefused() throws {
        let output = try CLI.run(["train", "--env", "FrozenLake-v1", "--agent", "q-learning", "--set", "initial_q=nan", "--episodes", "1",
                                  "--out", CLI.temporaryFolder().path])
        #expect(output.status == 1)
        #expect(output.stderr.contains("initial_q") && output.stderr.hasPrefix("error: "), "\(output.stderr)")
    }
}
