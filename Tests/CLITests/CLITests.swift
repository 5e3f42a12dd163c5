import Foundation
import Testing

/// Runs the built `rllab` executable as a user would.
struct CLI {
    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static var executable: URL {
        // The test bundle sits next to the products in the build folder.
        var folder = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = folder.appendingPathComponent("rllab")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return folder.appendingPathComponent("rllab")
    }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Runs `rllab arguments` (or `executable`, a copy of it) in the repository root and waits for it.
    static func run(_ arguments: [String], in folder: URL = repositoryRoot, environment: [String: String]? = nil,
                    executable: URL = executable) throws -> Output {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = folder
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("rllab-cli-\(UUID().uuidString)")
    }
}

@Suite struct CLITests {
    @Test func envsListsGymnasiumIdsWithLimitsAndThresholds() throws {
        let output = try CLI.run(["envs"])
        #expect(output.status == 0)
        let lines = output.stdout.split(separator: "\n")
        let cartPole = try #require(lines.first { $0.hasPrefix("CartPole-v1 ") })
        #expect(cartPole.contains("500") && cartPole.contains("475.0") && cartPole.contains("Discrete(2)"))
        for id in ["CartPole-v0", "MountainCar-v0", "MountainCarContinuous-v0", "Acrobot-v1", "Pendulum-v1", "FrozenLake-v1", "FrozenLake8x8-v1",
                   "CliffWalking-v1", "CliffWalkingSlippery-v1", "Taxi-v4"] {
            #expect(lines.contains { $0.hasPrefix(id + " ") }, "\(id) missing")
        }
    }

    @Test func checkPassesOnABuiltInAndFailsNamingTheCheck() throws {
        let good = try CLI.run(["check", "--env", "MountainCarContinuous-v0", "--steps", "300"])
        #expect(good.status == 0, "\(good.stderr)")
        let lines = good.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "check MountainCarContinuous-v0")
        #expect(lines.contains { $0.hasPrefix("pass  reset-seed ") })
        #expect(lines.contains { $0.hasPrefix("pass  reset-options ") && $0.contains("low=-1.0") })
        #expect(lines.contains { $0.hasPrefix("skip  model ") })
        #expect(lines.last == "11 checks: 9 passed, 0 failed, 2 skipped")

        let folder = CLI.temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("endless.yml")
        try "states: 2\nactions: 1\nstart: 0\ntransitions:\n  - {state: 0, action: 0, next: 1}\n  - {state: 1, action: 0, next: 0, reward: 1}\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let bad = try CLI.run(["check", "--env", file.path])
        #expect(bad.status == 1)
        #expect(bad.stdout.split(separator: "\n").contains { $0.hasPrefix("fail  episode-end ") })
        #expect(bad.stderr.contains("error:") && bad.stderr.contains("episode-end"))
        // The same file with a time limit passes.
        let limited = try CLI.run(["check", "--env", file.path, "--option", "max_episode_steps=20", "--steps", "100"])
        #expect(limited.status == 0, "\(limited.stdout)")

        let unknown = try CLI.run(["check", "--env", "CartPol-v1"])
        #expect(unknown.status == 1 && unknown.stdout.contains("fail  make") && unknown.stdout.contains("CartPole-v1"))
    }

    @Test func rolloutPrintsStepsWithInternalState() throws {
        let output = try CLI.run(["rollout", "--env", "CartPole-v1", "--seed", "0", "--state", "0.01,0.02,0.03,0.04", "--actions", "1,0,1"])
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 4)
        #expect(lines[0] == "step,action,reward,terminated,truncated,obs_0,obs_1,obs_2,obs_3,state_0,state_1,state_2,state_3")
        #expect(lines.count == 4)
        let first = lines[1].split(separator: ",").map(String.init)
        #expect(first[0...4] == ["1", "1", "1.0", "false", "false"])
        // x' = x + tau * x_dot, exactly as Gymnasium computes it.
        #expect(Double(first[9]) == 0.01 + 0.02 * 0.02)
        #expect(Float(first[5]) == Float(0.01 + 0.02 * 0.02))
    }

    @Test func rolloutStopsAtTermination() throws {
        let output = try CLI.run(["rollout", "--env", "CartPole-v1", "--seed", "3", "--actions", String(repeating: "1,", count: 300) + "1"])
        let lines = output.stdout.split(separator: "\n")
        #expect(lines.count < 100)
        #expect(lines.last?.split(separator: ",")[3] == "true")
    }

    @Test func modelPrintsGymnasiumRows() throws {
        let output = try CLI.run(["model", "--env", "FrozenLake-v1", "--option", "is_slippery=true"])
        #expect(output.status == 0)
        let lines = output.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count > 2)
        #expect(lines[0] == "state,action,probability,next_state,reward,terminal")
        #expect(lines.count == 1 + 11 * 4 * 3 + 5 * 4)  // 4 holes and the goal have one row per action
        #expect(lines[1] == "0,0,0.33333333333333337,0,0.0,false")
        #expect(lines[2] == "0,0,0.3333333333333333,0,0.0,false")
    }

    @Test func badInputGivesClearErrors() throws {
        let unknown = try CLI.run(["rollout", "--env", "CartPol-v1", "--actions", "1"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("error:") && unknown.stderr.contains("CartPole-v1"))
        // The library's message names its API; the command line adds its own command.
        #expect(unknown.stderr.hasSuffix("\nhint: `rllab envs` lists every environment id\n"), "\(unknown.stderr)")
        let missingFile = try CLI.run(["rollout", "--env", "envs/no-such-maze.txt", "--actions", "1"])
        #expect(missingFile.status != 0 && missingFile.stderr.contains("`rllab envs`") && !missingFile.stderr.contains("error: `rllab"))
        let option = try CLI.run(["rollout", "--env", "FrozenLake-v1", "--option", "slippery=true", "--actions", "1"])
        #expect(option.status != 0 && option.stderr.contains("is_slippery"))
        let action = try CLI.run(["rollout", "--env", "CartPole-v1", "--actions", "2"])
        #expect(action.status != 0 && action.stderr.contains("error:"))
        let agent = try CLI.run(["compare", "--env", "CartPole-v1", "--agents", "random,nope", "--episodes", "2", "--out", CLI.temporaryFolder().path])
        #expect(agent.status != 0 && agent.stderr.contains("unknown agent 'nope'"))
        let folder = try CLI.run(["compare", "--env", "CartPole-v1", "--agents", "random", "--episodes", "2", "--out", "/proc/rllab-no"])
        #expect(folder.status != 0 && folder.stderr.contains("error:"))
    }

    @Test func compareAndPlotReportRliableStatistics() throws {
        let folder = CLI.temporaryFolder()
        let bad = try CLI.run(["compare", "--env", "CartPole-v1", "--agents", "random", "--episodes", "2", "--normalize", "CartPole-v1=3,3", "--out", folder.path])
        #expect(bad.status != 0 && bad.stderr.contains("error:") && bad.stderr.contains("min = max"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("episodes.csv").path))
        let output = try CLI.run(["compare", "--env", "CartPole-v1", "--agents", "random", "--seeds", "0,1,2", "--episodes", "5",
                                  "--eval-episodes", "2", "--bootstrap-samples", "200", "--out", folder.path, "--quiet"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("IQM [95% CI]") && output.stdout.contains("intervals are wide"))
        let csv = try String(contentsOf: folder.appendingPathComponent("statistics.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("agent,env,statistic,estimate,low,high\nrandom,CartPole-v1,mean,"))
        // SB3 Monitor files: plot --stats writes the same statistics for them.
        let monitors = CLI.temporaryFolder()
        for seed in 0..<3 {
            let url = monitors.appendingPathComponent("ppo/CartPole-v1_\(seed + 1)/0.monitor.csv")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let rows = (0..<20).map { "\(Double(10 + seed * 5 + $0)),\(10 + $0),0.1" }.joined(separator: "\n")
            try Data("#{\"t_start\": 1.0, \"env_id\": \"CartPole-v1\"}\nr,l,t\n\(rows)\n".utf8).write(to: url)
        }
        let plot = try CLI.run(["plot", monitors.path, "--stats", "--bootstrap-samples", "200"])
        #expect(plot.status == 0, "\(plot.stderr)")
        #expect(plot.stdout.contains("aggregate (normalized scores)") && plot.stdout.contains("statistics.csv"))
        let html = try String(contentsOf: monitors.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("ppo") && html.contains("Probability of improvement") == false && html.contains("sample efficiency"))
    }

    @Test func solveWritesValuesAndGreedyActions() throws {
        let folder = CLI.temporaryFolder()
        let out = folder.appendingPathComponent("v.csv")
        let output = try CLI.run(["solve", "--env", "FrozenLake-v1", "--method", "value-iteration", "--gamma", "0.9", "--out", out.path])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("sweeps"))
        let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n")
        try #require(lines.count == 17)
        #expect(lines[0] == "state,value,action")
        #expect(lines.count == 17)
        #expect(lines[1].hasPrefix("0,0.06889090488"))
    }

    @Test func interruptedCompareKeepsEpisodesAndExits130() throws {
        let folder = CLI.temporaryFolder()
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["compare", "--env", "CartPole-v1", "--agents", "random", "--seeds", "0,1",
                             "--episodes", "100000000", "--out", folder.path, "--quiet"]
        process.currentDirectoryURL = CLI.repositoryRoot
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        try process.run()
        // Wait until episodes are being written, then press Ctrl-C.
        let episodes = folder.appendingPathComponent("episodes.csv")
        for _ in 0..<200 {
            if let text = try? String(contentsOf: episodes, encoding: .utf8), text.split(separator: "\n").count > 50 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(process.processIdentifier, SIGINT)
        // A run that ignores Ctrl-C must fail the test, not hang the suite.
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("compare kept running 60 s after SIGINT")
        }
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(stdout.contains("random (interrupted)"))
        let rows = try String(contentsOf: episodes, encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(rows.count > 50)
        let monitorRows = try (0..<2).map { seed in
            try String(contentsOf: folder.appendingPathComponent("random/CartPole-v1/\(seed).monitor.csv"), encoding: .utf8)
                .split(separator: "\n").count - 2
        }
        #expect(monitorRows.reduce(0, +) == rows.count)
    }
}
