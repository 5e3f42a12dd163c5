import Foundation
import Testing

/// A private single-node Slurm cluster started by `Tests/SlurmCluster/local-cluster.sh`:
/// its own munge key and socket, slurm.conf, state and ports, in a temporary folder.
final class LocalSlurmCluster {
    let folder: URL
    var configuration: URL { folder.appendingPathComponent("slurm.conf") }
    static let script = CLI.repositoryRoot.appendingPathComponent("Tests/SlurmCluster/local-cluster.sh")

    /// Starts the daemons; throws with the script's output when they do not come up.
    init() throws {
        folder = CLI.temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Ports of their own, so that this cluster never meets another one on the machine.
        let controller = Int.random(in: 20_000..<29_000)
        let result = try LocalSlurmCluster.sh([LocalSlurmCluster.script.path, "start", folder.path, String(controller), String(controller + 1)])
        if result.status != 0 {
            _ = try? LocalSlurmCluster.sh([LocalSlurmCluster.script.path, "stop", folder.path])
            throw TestFailure("cannot start the test's Slurm cluster (exit \(result.status)): \(result.output)")
        }
    }

    /// Stops the daemons by PID.
    func stop() {
        _ = try? LocalSlurmCluster.sh([LocalSlurmCluster.script.path, "stop", folder.path])
    }

    /// The environment for `rllab` and Slurm's clients.
    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["SLURM_CONF"] = configuration.path
        environment["PATH"] = (environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin"
        return environment
    }

    /// Runs `bash arguments` with its output in a file: the daemons it starts would hold a
    /// pipe open for as long as they live.
    static func sh(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("rllab-slurm-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else { throw TestFailure("cannot create \(log.path)") }
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    struct TestFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

/// `rllab compare --shards N --submit slurm --wait` against a real Slurm (Debian's 22.05).
/// `make test` installs the packages; without them this test fails, it never skips.
@Suite struct SlurmTests {
    @Test func submittedShardsMergeToTheUnshardedRunAndAFailedShardIsNamed() throws {
        let started = Date()
        let missing = ["munged", "slurmctld", "slurmd", "sbatch", "squeue"].filter { tool in
            !["/usr/sbin", "/usr/bin", "/sbin", "/bin"].contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
        }
        try #require(missing.isEmpty, "Slurm is not installed (missing \(missing.joined(separator: ", "))): run `make setup` as root, which installs slurmctld slurmd slurm-client munge")
        let cluster = try LocalSlurmCluster()
        defer { cluster.stop() }

        let root = CLI.temporaryFolder()
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("envs"), withDestinationURL: CLI.repositoryRoot.appendingPathComponent("envs"))
        // Tabular agents on a file environment and CartPole; DQN (small) on CartPole with
        // periodic evaluation (evaluations.csv, best models) and a statistics option, which
        // the merge job must be given.
        let grids: [(name: String, arguments: [String], shards: Int)] = [
            ("tabular", ["--env", "envs/maze.txt,CartPole-v1", "--agents", "random,q-learning", "--seeds", "0,1",
                         "--episodes", "20", "--eval-episodes", "3", "--bootstrap-samples", "200"], 3),
            ("dqn", ["--env", "CartPole-v1", "--agents", "dqn,q-learning", "--seeds", "0,1", "--timesteps", "400", "--eval-episodes", "2",
                     "--set", "dqn.net_arch=[16]", "--set", "dqn.buffer_size=1000", "--set", "dqn.learning_starts=100",
                     "--set", "dqn.train_freq=8", "--set", "dqn.learning_rate=0.001", "--eval-freq", "200",
                     "--bootstrap-samples", "200", "--bootstrap-seed", "7"], 2),
        ]
        for grid in grids {
            let reference = try CLI.run(["compare"] + grid.arguments + ["--out", grid.name, "--quiet"], in: root)
            try #require(reference.status == 0, "\(reference.stderr)")
            try FileManager.default.moveItem(at: root.appendingPathComponent(grid.name), to: root.appendingPathComponent(grid.name + ".unsharded"))
            let submitted = try CLI.run(
                ["compare"] + grid.arguments + ["--out", grid.name, "--shards", String(grid.shards), "--submit", "slurm", "--wait"],
                in: root, environment: cluster.environment)
            #expect(submitted.status == 0, "\(submitted.stdout)\n\(submitted.stderr)")
            #expect(submitted.stdout.contains("submitted job array") && submitted.stdout.contains("completed"), "\(submitted.stdout)")
            let compared = try ResultFiles.expectEqual(root.appendingPathComponent(grid.name + ".unsharded"), root.appendingPathComponent(grid.name))
            #expect(compared >= 10, "\(grid.name): \(compared) files compared")
            let files = try ResultFiles.read(root.appendingPathComponent(grid.name + ".unsharded")).keys
            #expect(files.contains("statistics.csv") && files.contains { $0.hasPrefix("animations/") }, "\(grid.name): \(files.sorted())")
            if grid.arguments.contains("--eval-freq") {
                #expect(files.contains("evaluations.csv") && files.contains { $0.hasSuffix(".best.safetensors") }, "\(files.sorted())")
            }
        }

        // One shard cannot write its folder (a file sits there): the array task fails, the
        // merge is cancelled, and --wait names the shard and its log.
        let failing = grids[0]
        try FileManager.default.createDirectory(at: root.appendingPathComponent("failing/shards"), withIntermediateDirectories: true)
        try Data("not a folder\n".utf8).write(to: root.appendingPathComponent("failing/shards/1-of-3"))
        let failed = try CLI.run(
            ["compare"] + failing.arguments + ["--out", "failing", "--shards", "3", "--submit", "slurm", "--wait"],
            in: root, environment: cluster.environment)
        #expect(failed.status == 1, "\(failed.stdout)\n\(failed.stderr)")
        let array = try #require(failed.stdout.split(separator: "\n").first { $0.hasPrefix("submitted job array ") }?.split(separator: " ")[3])
        let log = root.appendingPathComponent("failing/slurm/array_\(array)_1.err").standardizedFileURL.path
        #expect(failed.stderr.contains("error: the Slurm jobs did not all succeed"), "\(failed.stderr)")
        #expect(failed.stderr.contains("shard 1 of 3 (array task \(array)_1) ended FAILED: log \(log)"), "\(failed.stderr)")
        #expect(failed.stderr.contains("exists and is not a folder"), "\(failed.stderr)")
        #expect(failed.stderr.contains("merge job") && failed.stderr.contains("was cancelled because a shard failed"), "\(failed.stderr)")
        #expect(!failed.stderr.contains("shard 0 of 3") && !failed.stderr.contains("shard 2 of 3"), "\(failed.stderr)")
        // The shards that ran are intact; merging says which shard is missing.
        let merge = try CLI.run(["merge", "failing"], in: root)
        #expect(merge.status != 0 && merge.stderr.contains("shard 1 of 3 is missing"), "\(merge.stderr)")
        // The test's own time, cluster start and stop included (reported, not asserted:
        // timings do not belong in assertions on a shared machine).
        cluster.stop()
        print("Slurm test: \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }
}
