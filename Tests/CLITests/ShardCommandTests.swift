import Foundation
import Testing

/// Result files of two comparison folders, compared as `rllab compare` users would.
enum ResultFiles {
    /// Every file under `folder` except `shards/`, `slurm/` and the lock file, by relative path.
    static func read(_ folder: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let root = folder.standardizedFileURL.resolvingSymlinksInPath()
        let enumerator = try #require(FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]))
        for case let url as URL in enumerator {
            let relative = String(url.standardizedFileURL.resolvingSymlinksInPath().path.dropFirst(root.path.count + 1))
            // The lock file holds the pid of the folder's last writer.
            if relative.hasPrefix("shards") || relative.hasPrefix("slurm") || relative == ".rllab.lock" { continue }
            guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
            result[relative] = try Data(contentsOf: url)
        }
        return result
    }

    /// A result file without its wall-time fields: episodes.csv's `wall_time`, summary.csv's
    /// `train_seconds`, `steps_per_second` and `solved_seconds`, evaluations.csv's
    /// `wall_time`, a Monitor file's `t_start` and `t`. Other files are compared whole.
    static func withoutWallTimes(_ path: String, _ data: Data) -> Data {
        guard [".csv", ".yml", ".html", ".svg"].contains(where: path.hasSuffix), let text = String(data: data, encoding: .utf8) else { return data }
        return Data(withoutWallTimes(path, text).utf8)
    }

    static func withoutWallTimes(_ path: String, _ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func dropping(_ columns: Set<Int>, _ line: String) -> String {
            line.split(separator: ",", omittingEmptySubsequences: false).enumerated()
                .filter { !columns.contains($0.offset) }.map { String($0.element) }.joined(separator: ",")
        }
        if path.hasSuffix("episodes.csv") { return lines.map { dropping([6], $0) }.joined(separator: "\n") }
        if path.hasSuffix("summary.csv") { return lines.map { dropping([11, 12, 15], $0) }.joined(separator: "\n") }
        if path.hasSuffix("evaluations.csv") { return lines.map { dropping([4], $0) }.joined(separator: "\n") }
        if path.hasSuffix(".monitor.csv") {
            let header = lines.first.map { $0.replacingOccurrences(of: #""t_start": [0-9.]+"#, with: "", options: .regularExpression) } ?? ""
            return ([header] + lines.dropFirst().map { dropping([2], $0) }).joined(separator: "\n")
        }
        return text
    }

    /// Expects equal result files (wall-time fields aside); returns how many were compared.
    @discardableResult
    static func expectEqual(_ expected: URL, _ actual: URL, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        let a = try read(expected), b = try read(actual)
        #expect(Set(a.keys) == Set(b.keys), sourceLocation: sourceLocation)
        for (path, text) in a {
            #expect(withoutWallTimes(path, text) == withoutWallTimes(path, b[path] ?? Data()), "\(path) differs", sourceLocation: sourceLocation)
        }
        return a.count
    }
}

@Suite struct ShardCommandTests {
    static let grid = ["--env", "envs/maze.txt,CartPole-v1", "--agents", "random,q-learning", "--seeds", "0,1",
                       "--episodes", "15", "--eval-episodes", "2", "--quiet"]

    @Test func badShardInputIsAClearErrorBeforeAnyWork() throws {
        let out = CLI.temporaryFolder()
        let cases: [([String], String)] = [
            (["--shard", "2/2"], "out of range"),
            (["--shard", "0/0"], "at least 1"),
            (["--shard", "two"], "not I/N"),
            (["--shard", "auto"], "SLURM_ARRAY_TASK_ID"),
            (["--shards", "0", "--submit", "slurm"], "--shards must be at least 1"),
            (["--shards", "2"], "needs --submit slurm"),
            (["--shards", "2", "--submit", "pbs"], "unknown scheduler 'pbs'"),
            (["--shard", "0/2", "--shards", "2", "--submit", "slurm"], "give one of them"),
            (["--dry-run"], "go with --shards N --submit slurm"),
        ]
        var environment = ProcessInfo.processInfo.environment
        for name in ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "JOB_COMPLETION_INDEX"] { environment[name] = nil }
        for (arguments, message) in cases {
            let output = try CLI.run(["compare"] + ShardCommandTests.grid + ["--out", out.path] + arguments, environment: environment)
            #expect(output.status != 0, "\(arguments)")
            #expect(output.stderr.lowercased().contains("error") && output.stderr.contains(message), "\(arguments): \(output.stderr)")
        }
        // No sbatch on PATH: said before anything is written.
        environment["PATH"] = "/nonexistent"
        let noSbatch = try CLI.run(["compare"] + ShardCommandTests.grid + ["--out", out.path, "--shards", "2", "--submit", "slurm"], environment: environment)
        #expect(noSbatch.status != 0 && noSbatch.stderr.contains("sbatch not found on PATH"), "\(noSbatch.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        // An unwritable output folder.
        let unwritable = try CLI.run(["compare"] + ShardCommandTests.grid + ["--out", "/proc/rllab-no", "--shard", "0/2"])
        #expect(unwritable.status != 0 && unwritable.stderr.contains("error:"), "\(unwritable.stderr)")
        // Nothing to merge.
        let merge = try CLI.run(["merge", out.path])
        #expect(merge.status != 0 && merge.stderr.contains("error: no shards in"), "\(merge.stderr)")
    }

    @Test func dryRunWritesTheBatchScripts() throws {
        let out = CLI.temporaryFolder()
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = "/nonexistent"  // a dry run needs no Slurm
        let output = try CLI.run(
            ["compare"] + ShardCommandTests.grid + ["--out", out.path, "--shards", "3", "--submit", "slurm", "--dry-run",
                                                    "--sbatch=--partition=short", "--sbatch", "--time=0:10:00"],
            environment: environment)
        #expect(output.status == 0, "\(output.stderr)")
        let array = try String(contentsOf: out.appendingPathComponent("slurm/array.sbatch"), encoding: .utf8)
        let merge = try String(contentsOf: out.appendingPathComponent("slurm/merge.sbatch"), encoding: .utf8)
        let executable = CLI.executable.standardizedFileURL.resolvingSymlinksInPath().path
        #expect(array.contains("exec \(executable) compare --env envs/maze.txt,CartPole-v1 --agents random,q-learning --seeds 0,1 --episodes 15"))
        #expect(array.contains("--out \(out.path) --shard auto --jobs \"${SLURM_CPUS_PER_TASK:-1}\""))
        for line in ["#SBATCH --chdir=\(CLI.repositoryRoot.standardizedFileURL.path)", "#SBATCH --array=0-2",
                     "#SBATCH --output=\(out.path)/slurm/array_%A_%a.out", "#SBATCH --error=\(out.path)/slurm/array_%A_%a.err",
                     "#SBATCH --partition=short", "#SBATCH --time=0:10:00"] {
            #expect(array.contains(line + "\n"), "array.sbatch lacks \(line)")
        }
        // The statistics options go to the merge, which writes statistics.csv.
        #expect(merge.contains("exec \(executable) merge \(out.path) --bootstrap-samples 2000 --bootstrap-seed 0\n"), "\(merge)")
        #expect(merge.contains("#SBATCH --partition=short\n") && !merge.contains("--array"))
        #expect(output.stdout.contains("dry run: nothing submitted"))
        // A throttled array replaces the full one.
        let throttled = try CLI.run(
            ["compare"] + ShardCommandTests.grid + ["--out", out.path, "--shards", "3", "--submit", "slurm", "--dry-run", "--sbatch=--array=0-2%1"],
            environment: environment)
        #expect(throttled.status == 0, "\(throttled.stderr)")
        let again = try String(contentsOf: out.appendingPathComponent("slurm/array.sbatch"), encoding: .utf8)
        #expect(again.contains("#SBATCH --array=0-2%1\n") && !again.contains("#SBATCH --array=0-2\n"))
    }

    /// A shard stopped by SIGTERM (what Slurm sends at a time limit) and one killed by
    /// SIGKILL keep their finished cells; running the shard again runs only the rest, and the
    /// merge equals the unsharded run.
    @Test func aKilledShardKeepsFinishedCellsAndARerunCompletesIt() throws {
        let root = CLI.temporaryFolder()
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("envs"), withDestinationURL: CLI.repositoryRoot.appendingPathComponent("envs"))
        // With periodic evaluation: an interrupted cell's evaluations and best model are redone.
        let grid = ["--env", "CartPole-v1", "--agents", "random", "--seeds", "0,1,2,3,4,5", "--episodes", "4000",
                    "--eval-episodes", "2", "--eval-freq", "20000", "--quiet", "--jobs", "1", "--out", "out"]
        let reference = try CLI.run(["compare"] + grid, in: root)
        #expect(reference.status == 0, "\(reference.stderr)")
        try FileManager.default.moveItem(at: root.appendingPathComponent("out"), to: root.appendingPathComponent("out.unsharded"))

        let cells = root.appendingPathComponent("out/shards/0-of-1/cells.csv")
        for (signal, status) in [(SIGTERM, Int32(143)), (SIGKILL, Int32(-1))] {
            let process = Process()
            process.executableURL = CLI.executable
            process.arguments = ["compare"] + grid + ["--shard", "0/1"]
            process.currentDirectoryURL = root
            process.standardOutput = Pipe()
            process.standardError = Pipe()
            let before = (try? String(contentsOf: cells, encoding: .utf8))?.split(separator: "\n").count ?? 1
            try process.run()
            // Wait until one more cell has finished, then stop the shard as a scheduler would.
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline, ((try? String(contentsOf: cells, encoding: .utf8))?.split(separator: "\n").count ?? 0) < before + 1 {
                Thread.sleep(forTimeInterval: 0.02)
            }
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            if status > 0 { #expect(process.terminationStatus == status) } else { #expect(process.terminationReason == .uncaughtSignal) }
        }
        let finished = try String(contentsOf: cells, encoding: .utf8).split(separator: "\n")
            .filter { $0.split(separator: ",", omittingEmptySubsequences: false).dropFirst(13).first == "false" }
        #expect(finished.count >= 2 && finished.count < 6, "\(finished.count) cells finished before the kills")
        let finishedMonitors = try finished.map { row in
            let seed = row.split(separator: ",")[2]
            return try Data(contentsOf: root.appendingPathComponent("out/shards/0-of-1/random/CartPole-v1/\(seed).monitor.csv"))
        }
        let rerun = try CLI.run(["compare"] + grid + ["--shard", "0/1"], in: root)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(rerun.stdout.contains("\(finished.count) finished earlier, \(6 - finished.count) to run"), "\(rerun.stdout)")
        for (row, data) in zip(finished, finishedMonitors) {
            let seed = row.split(separator: ",")[2]
            #expect(try Data(contentsOf: root.appendingPathComponent("out/shards/0-of-1/random/CartPole-v1/\(seed).monitor.csv")) == data)
        }
        let merge = try CLI.run(["merge", "out"], in: root)
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(try ResultFiles.expectEqual(root.appendingPathComponent("out.unsharded"), root.appendingPathComponent("out")) >= 8)
    }
}
