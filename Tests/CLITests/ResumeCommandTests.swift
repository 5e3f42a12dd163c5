import Foundation
import Testing

/// Issue 15: a comparison killed at any point and resumed with `--resume` ends with the
/// files of an uninterrupted run; a results folder is never clobbered or shared.
@Suite struct ResumeCommandTests {
    /// Six cells of random on CartPole with periodic evaluation and best models, one at a
    /// time so that the kills land between and inside cells.
    /// (Few bootstrap samples: the statistics are not what is tested, and they dominate the time.)
    static let grid = ["compare", "--env", "CartPole-v1", "--agents", "random", "--seeds", "0,1,2,3,4,5", "--episodes", "1000",
                       "--eval-episodes", "2", "--eval-freq", "5000", "--quiet", "--jobs", "1", "--no-plots", "--bootstrap-samples", "50",
                       "--out", "out"]

    /// The rows of `summary.csv` (the comparison's cell records) that say a cell finished.
    static func finishedRecords(_ folder: URL) -> Int {
        let text = (try? String(contentsOf: folder.appendingPathComponent("summary.csv"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { $0.split(separator: ",", omittingEmptySubsequences: false).dropFirst(13).first == "false" }.count
    }

    /// Starts `rllab arguments` in `root`, waits until `until` holds (or 30 s), then sends `signal`.
    static func runAndStop(_ arguments: [String], in root: URL, signal: Int32, until: () -> Bool) throws -> Process {
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = arguments
        process.currentDirectoryURL = root
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, process.isRunning, !until() { Thread.sleep(forTimeInterval: 0.01) }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        return process
    }

    @Test func aComparisonKilledAtSeveralPointsResumesToTheUninterruptedFiles() throws {
        let root = CLI.temporaryFolder()
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let reference = try CLI.run(Self.grid, in: root)
        #expect(reference.status == 0, "\(reference.stderr)")
        try FileManager.default.moveItem(at: root.appendingPathComponent("out"), to: root.appendingPathComponent("reference"))
        let out = root.appendingPathComponent("out")

        // SIGKILL just after the first cell's record (between cells), then during the
        // resumed run: once inside its first cell, once after two more records; SIGTERM
        // (a scheduler's time limit) after one more.
        let first = try Self.runAndStop(Self.grid, in: root, signal: SIGKILL) { Self.finishedRecords(out) >= 1 }
        #expect(first.terminationReason == .uncaughtSignal)
        let kept = Self.finishedRecords(out)
        #expect(kept >= 1 && kept < 6, "\(kept) cells finished before the first kill")
        let keptMonitor = try Data(contentsOf: out.appendingPathComponent("random/CartPole-v1/0.monitor.csv"))
        let resume = Self.grid + ["--resume"]
        let inside = try Self.runAndStop(resume, in: root, signal: SIGKILL) {
            (try? String(contentsOf: out.appendingPathComponent("episodes.csv"), encoding: .utf8))
                .map { $0.split(separator: "\n").count > 1000 * kept + 50 } ?? false
        }
        #expect(inside.terminationReason == .uncaughtSignal)
        let before = Self.finishedRecords(out)
        let later = try Self.runAndStop(resume, in: root, signal: SIGKILL) { Self.finishedRecords(out) >= before + 2 }
        #expect(later.terminationReason == .uncaughtSignal)
        let beforeTerm = Self.finishedRecords(out)
        let term = try Self.runAndStop(resume, in: root, signal: SIGTERM) { Self.finishedRecords(out) >= beforeTerm + 1 }
        if Self.finishedRecords(out) < 6 { #expect(term.terminationStatus == 143) }
        // A finished cell is never run again: its Monitor file is the first run's.
        #expect(try Data(contentsOf: out.appendingPathComponent("random/CartPole-v1/0.monitor.csv")) == keptMonitor)

        let finish = try CLI.run(resume, in: root)
        #expect(finish.status == 0, "\(finish.stderr)")
        #expect(finish.stdout.contains("resuming out: "), "\(finish.stdout)")
        #expect(try ResultFiles.expectEqual(root.appendingPathComponent("reference"), out) >= 15)
        // Resuming a finished comparison runs nothing and changes nothing.
        let again = try CLI.run(resume, in: root)
        #expect(again.status == 0 && again.stdout.contains("resuming out: 6 of 6 runs finished earlier, 0 to run"), "\(again.stdout)")
        #expect(try ResultFiles.expectEqual(root.appendingPathComponent("reference"), out) >= 15)
    }

    @Test func aResultsFolderIsNeverClobberedNorShared() throws {
        let root = CLI.temporaryFolder()
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let grid = ["compare", "--env", "FrozenLake-v1", "--agents", "random", "--seeds", "0,1", "--episodes", "20",
                    "--eval-episodes", "2", "--quiet", "--no-plots", "--bootstrap-samples", "50", "--out", "out"]
        #expect(try CLI.run(grid, in: root).status == 0)
        let summary = try Data(contentsOf: root.appendingPathComponent("out/summary.csv"))

        // A rerun without --resume is an error that says what to do; nothing is touched.
        let rerun = try CLI.run(grid, in: root)
        #expect(rerun.status != 0)
        #expect(rerun.stderr == "error: results folder out already holds results (animations, config.yml, episodes.csv, random, statistics.csv and 1 more): add --resume to keep its finished runs and run the rest, --overwrite to remove them and start over, or write elsewhere with another --out\n", "\(rerun.stderr)")
        #expect(try Data(contentsOf: root.appendingPathComponent("out/summary.csv")) == summary)

        // A resume of another grid names what differs.
        let other = try CLI.run(grid.map { $0 == "0,1" ? "0,1,2" : $0 } + ["--resume"], in: root)
        #expect(other.status != 0)
        #expect(other.stderr.contains("error: cannot resume \(root.appendingPathComponent("out").path): it holds a different comparison. Its config.yml has 'seeds: [0, 1]' where this command has 'seeds: [0, 1, 2]'"), "\(other.stderr)")
        #expect(try CLI.run(grid + ["--resume", "--overwrite"], in: root).stderr.lowercased().contains("error: give either --resume (keep the finished runs) or --overwrite (start over), not both"))

        // A second writer gets a clear error naming the folder, while the first holds its lock.
        let lockPath = root.appendingPathComponent("out/.rllab.lock").path
        let descriptor = open(lockPath, O_RDWR | O_CREAT, 0o644)
        #expect(descriptor >= 0 && flock(descriptor, LOCK_EX | LOCK_NB) == 0)
        let holder = "\(getpid())\n"
        #expect(ftruncate(descriptor, 0) == 0 && write(descriptor, holder, holder.utf8.count) == holder.utf8.count)
        let busy = try CLI.run(grid + ["--resume"], in: root)
        #expect(busy.status != 0)
        let lockedFolder = root.appendingPathComponent("out").path
        #expect(busy.stderr == "error: results folder \(lockedFolder) is in use: rllab process \(getpid()) is writing to it (it holds \(lockedFolder)/.rllab.lock); wait until it ends, or write elsewhere with another --out\n", "\(busy.stderr)")
        let busyMerge = try CLI.run(["merge", "out"], in: root)
        #expect(busyMerge.stderr.contains("is in use"), "\(busyMerge.stderr)")
        close(descriptor)  // the lock dies with its holder

        // --overwrite starts over and keeps what rllab did not write.
        try Data("mine\n".utf8).write(to: root.appendingPathComponent("out/notes.txt"))
        let overwrite = try CLI.run(grid.map { $0 == "20" ? "30" : $0 } + ["--overwrite"], in: root)
        #expect(overwrite.status == 0, "\(overwrite.stderr)")
        #expect(overwrite.stderr.contains("note: --overwrite kept what rllab did not write in out: notes.txt"), "\(overwrite.stderr)")
        #expect(try String(contentsOf: root.appendingPathComponent("out/config.yml"), encoding: .utf8).contains("n_episodes: 30"))
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("out/notes.txt").path))

        // A folder rllab did not write is never emptied.
        let mine = root.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: mine, withIntermediateDirectories: true)
        try Data("x\n".utf8).write(to: mine.appendingPathComponent("thesis.tex"))
        let refused = try CLI.run(grid.map { $0 == "out" ? "mine" : $0 } + ["--overwrite"], in: root)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("error: not removing anything in \(mine.path): it does not look like an rllab results folder"), "\(refused.stderr)")
        #expect(FileManager.default.fileExists(atPath: mine.appendingPathComponent("thesis.tex").path))
    }

    /// A row cut short at the end of an appended CSV (a killed run, a full disk) is skipped
    /// with a warning by the readers, not an unreadable folder.
    @Test func readersSkipATornFinalRowWithAWarning() throws {
        let root = CLI.temporaryFolder()
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let grid = ["compare", "--env", "FrozenLake-v1", "--agents", "random", "--seeds", "0", "--episodes", "10",
                    "--eval-episodes", "1", "--quiet", "--no-plots", "--bootstrap-samples", "50", "--out", "out"]
        #expect(try CLI.run(grid, in: root).status == 0)
        for name in ["out/episodes.csv", "out/random/FrozenLake-v1/0.monitor.csv"] {
            let handle = try FileHandle(forWritingTo: root.appendingPathComponent(name))
            handle.seekToEndOfFile()
            handle.write(Data("random,FrozenLake-v1,0,10,0".utf8).prefix(name.hasSuffix("monitor.csv") ? 3 : 27))
            try handle.close()
        }
        let plot = try CLI.run(["plot", "out", "--out", "plots"], in: root)
        #expect(plot.status == 0, "\(plot.stderr)")
        #expect(plot.stderr.contains("warning: \(root.appendingPathComponent("out").path)/episodes.csv: its last row is incomplete (an interrupted write) and was skipped")
                || plot.stderr.contains("warning: out/episodes.csv: its last row is incomplete (an interrupted write) and was skipped"), "\(plot.stderr)")
        let monitors = try CLI.run(["plot", "out/random", "--out", "plots2"], in: root)
        #expect(monitors.status == 0, "\(monitors.stderr)")
        #expect(monitors.stderr.contains("0.monitor.csv: its last row is incomplete (an interrupted write) and was skipped"), "\(monitors.stderr)")
    }
}
