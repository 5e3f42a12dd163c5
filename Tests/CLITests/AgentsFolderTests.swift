import Foundation
import Testing

/// Where `rllab` finds `agents/<agent>.yml` when it runs outside the repository root.
@Suite struct AgentsFolderTests {
    /// The environment of this process without `RLLAB_AGENTS_DIR`, plus `extra`.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["RLLAB_AGENTS_DIR"] = nil
        return environment.merging(extra) { _, new in new }
    }

    /// A 50-step DQN run on CartPole-v1 in `folder` (no update: learning starts later);
    /// returns the process's output and the learning rate its config.yml records.
    static func train(in folder: URL, executable: URL = CLI.executable, arguments: [String] = [],
                      environment: [String: String] = environment()) throws -> (CLI.Output, String?) {
        let out = folder.appendingPathComponent("run-\(UUID().uuidString)")
        let output = try CLI.run(["train", "--env", "CartPole-v1", "--agent", "dqn", "--timesteps", "50", "--quiet", "--out", out.path] + arguments,
                                 in: folder, environment: environment, executable: executable)
        let config = try? String(contentsOf: out.appendingPathComponent("config.yml"), encoding: .utf8)
        let rate = config?.split(separator: "\n").first { $0.contains("learning_rate:") }
        return (output, rate.map { String($0.split(separator: ":").last!).trimmingCharacters(in: .whitespaces) })
    }

    static func makeFolder() throws -> URL {
        let folder = CLI.temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func aRunOutsideTheRepositoryReadsTheRepositorysAgentsFolder() throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // agents/dqn.yml gives CartPole-v1 RL-Zoo's 2.3e-3; DQN's built-in default is 1e-4.
        let (output, rate) = try Self.train(in: folder)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(!output.stderr.contains("warning"), "\(output.stderr)")
        #expect(rate == "0.0023")
    }

    @Test func theFolderCanBeNamedAndANamedFolderMustExist() throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let mine = folder.appendingPathComponent("my-agents")
        try FileManager.default.createDirectory(at: mine, withIntermediateDirectories: true)
        try "CartPole-v1:\n  learning_rate: 0.125\n".write(to: mine.appendingPathComponent("dqn.yml"), atomically: true, encoding: .utf8)

        let (byOption, optionRate) = try Self.train(in: folder, arguments: ["--agents-dir", mine.path])
        #expect(byOption.status == 0, "\(byOption.stderr)")
        #expect(optionRate == "0.125")
        let (byVariable, variableRate) = try Self.train(in: folder, environment: Self.environment(["RLLAB_AGENTS_DIR": mine.path]))
        #expect(byVariable.status == 0, "\(byVariable.stderr)")
        #expect(variableRate == "0.125")

        let missing = folder.appendingPathComponent("no-such-folder").path
        let (badOption, _) = try Self.train(in: folder, arguments: ["--agents-dir", missing])
        #expect(badOption.status == 1)
        #expect(badOption.stderr.contains("error: agents folder \(missing) is not a folder"), "\(badOption.stderr)")
        let (badVariable, _) = try Self.train(in: folder, environment: Self.environment(["RLLAB_AGENTS_DIR": missing]))
        #expect(badVariable.status == 1)
        #expect(badVariable.stderr.contains("error: RLLAB_AGENTS_DIR \(missing) is not a folder"), "\(badVariable.stderr)")
    }

    /// A copy of the executable outside any checkout finds no folder: it says so and
    /// trains with the built-in defaults.
    @Test func withNoFolderFoundTheDefaultsAreUsedAndSaidSo() throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let copy = folder.appendingPathComponent("rllab")
        try FileManager.default.copyItem(at: CLI.executable, to: copy)
        let (output, rate) = try Self.train(in: folder, executable: copy)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stderr.contains("warning: no agents folder found"), "\(output.stderr)")
        #expect(output.stderr.contains("dqn uses its built-in default hyperparameters"), "\(output.stderr)")
        #expect(rate == "0.0001")
    }
}

@Suite struct CompareHelpTests {
    /// The help's column list comes from the episodes file's own declaration.
    @Test func compareHelpListsTheEpisodeColumns() throws {
        let help = try CLI.run(["compare", "--help"])
        #expect(help.status == 0)
        let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("episodes.csv (agent,env,seed,episode,return,length,wall_time)"), "\(help.stdout)")
        #expect(text.contains("--agents-dir"))
    }
}
