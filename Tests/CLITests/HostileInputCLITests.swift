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
}
