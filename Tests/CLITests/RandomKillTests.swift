import Foundation
import Testing

/// Issue 15: runs killed with SIGKILL at points drawn at random (seeded, so that a failure
/// repeats) and resumed end with the files of an uninterrupted run, byte for byte, the
/// wall-time fields aside. Half of the kill points are times drawn over the uninterrupted
/// run's duration; the other half are writes drawn among the run's file writes, during
/// which the process kills itself after half of the write's bytes reached the file
/// (`RLLAB_FAULT_KILL_AT_WRITE`): a torn row, a torn temporary file, a torn checkpoint.
@Suite struct RandomKillTests {
    /// A seeded generator (an LCG).
    struct Generator {
        var seed: UInt64
        mutating func uniform() -> Double {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(seed >> 11) / Double(1 << 53)
        }
        mutating func next(_ bound: Int) -> Int { min(bound - 1, Int(uniform() * Double(bound))) }
    }

    /// Where a run is stopped: after a delay, or during its K-th file write.
    enum KillPoint: CustomStringConvertible {
        case after(Double)
        case write(Int)
        var description: String {
            switch self {
            case .after(let seconds): return String(format: "after %.3f s", seconds)
            case .write(let k): return "during write \(k)"
            }
        }
    }

    /// Runs `rllab arguments` in `root` and kills it at `point`; true when the kill landed
    /// (false when the run ended first).
    static func runAndKill(_ arguments: [String], in root: URL, at point: KillPoint) throws -> Bool {
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = arguments
        process.currentDirectoryURL = root
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        if case .write(let k) = point {
            process.environment = ProcessInfo.processInfo.environment.merging(["RLLAB_FAULT_KILL_AT_WRITE": String(k)]) { $1 }
        }
        let start = Date()
        try process.run()
        if case .after(let seconds) = point {
            while process.isRunning, Date().timeIntervalSince(start) < seconds { Thread.sleep(forTimeInterval: 0.002) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        if process.terminationReason == .uncaughtSignal {
            #expect(process.terminationStatus == SIGKILL)
            return true
        }
        #expect(process.terminationStatus == 0, "\(arguments.joined(separator: " ")) ended with \(process.terminationStatus)")
        return false
    }

    /// The `i`-th kill point, for a run that took `seconds` uninterrupted and has about
    /// `writes` file writes left: times and writes alternately, times drawn over the first
    /// three quarters of the run (a resumed run repeats part of the work, so later points
    /// rarely land), writes over the first half of those left.
    static func killPoint(_ i: Int, seconds: Double, writes: Int, _ g: inout Generator) -> KillPoint {
        i % 2 == 0 ? .after(0.02 + g.uniform() * seconds * 0.75) : .write(1 + g.next(max(1, writes / 2)))
    }

    /// The lines of the CSV files under `folder`: about the number of writes that made
    /// them (each appended row is one write).
    static func lineCount(_ folder: URL) -> Int {
        guard let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return 0 }
        var lines = 0
        for case let url as URL in enumerator where url.pathExtension == "csv" {
            lines += (try? String(contentsOf: url, encoding: .utf8))?.split(separator: "\n").count ?? 0
        }
        return lines
    }

    @Test func aComparisonKilledAtRandomPointsResumesToTheUninterruptedFiles() throws {
        let root = CLI.temporaryFolder()
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        // Six cells with periodic evaluations (about 40% of the time), then the statistics
        // and the animations.
        let grid = ["compare", "--env", "FrozenLake-v1", "--agents", "random,q-learning", "--seeds", "0,1,2",
                    "--episodes", "1500", "--eval-episodes", "2", "--eval-freq", "4000", "--quiet", "--jobs", "1", "--no-plots",
                    "--bootstrap-samples", "20", "--out", "out"]
        let start = Date()
        let reference = try CLI.run(grid, in: root)
        let seconds = Date().timeIntervalSince(start)
        #expect(reference.status == 0, "\(reference.stderr)")
        try FileManager.default.moveItem(at: root.appendingPathComponent("out"), to: root.appendingPathComponent("reference"))
        let writes = Self.lineCount(root.appendingPathComponent("reference"))

        var g = Generator(seed: 15)
        var landed: [KillPoint] = []
        var started = false
        for i in 0..<4 {
            let point = Self.killPoint(i, seconds: seconds, writes: writes - Self.lineCount(root.appendingPathComponent("out")), &g)
            // A run killed before it wrote its configuration has nothing to resume.
            let resumable = FileManager.default.fileExists(atPath: root.appendingPathComponent("out/config.yml").path)
            let arguments = started && resumable ? grid + ["--resume"] : grid + (started ? ["--overwrite"] : [])
            if try Self.runAndKill(arguments, in: root, at: point) { landed.append(point) }
            started = true
        }
        let finish = try CLI.run(grid + ["--resume"], in: root)
        #expect(finish.status == 0, "\(finish.stderr)")
        #expect(landed.count >= 3 && landed.contains { if case .write = $0 { true } else { false } }, "kills that landed: \(landed)")
        #expect(try ResultFiles.expectEqual(root.appendingPathComponent("reference"), root.appendingPathComponent("out")) >= 15,
                "killed \(landed)")
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let agent: String
        let arguments: [String]
        let every: Int
        var testDescription: String { "\(agent) \(arguments.joined(separator: " "))" }
    }

    static let trainingCases: [Case] = [
        Case(agent: "q-learning", arguments: ["--env", "CartPole-v1", "--seed", "11", "--timesteps", "20000"], every: 1500),
        Case(agent: "dqn", arguments: ["--env", "CartPole-v1", "--seed", "12", "--timesteps", "2500", "--set", "learning_starts=300",
                                       "--set", "buffer_size=1500", "--set", "target_update_interval=200", "--set", "net_arch=[16]"],
             every: 300),
        Case(agent: "naive-nn", arguments: ["--env", "CartPole-v1", "--seed", "13", "--timesteps", "4000", "--set", "iterations=4", "--set", "epochs=2"],
             every: 400),
        Case(agent: "value-iteration", arguments: ["--env", "FrozenLake-v1", "--seed", "14", "--timesteps", "3000"], every: 250),
        Case(agent: "policy-iteration", arguments: ["--env", "CartPole-v1", "--seed", "15", "--timesteps", "6000", "--set", "replan_every=4"],
             every: 600),
    ]

    @Test(arguments: trainingCases)
    func trainingKilledAtRandomPointsResumesToTheUninterruptedFiles(_ c: Case) throws {
        let root = CLI.temporaryFolder()
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let full = root.appendingPathComponent("full"), part = root.appendingPathComponent("part")
        let base = ["train", "--agent", c.agent] + c.arguments + ["--quiet"]
        let start = Date()
        let uninterrupted = try CLI.run(base + ["--out", full.path])
        let seconds = Date().timeIntervalSince(start)
        #expect(uninterrupted.status == 0, "\(uninterrupted.stderr)")
        let writes = Self.lineCount(full)

        var g = Generator(seed: UInt64(c.every))
        var landed: [KillPoint] = []
        let fresh = base + ["--out", part.path, "--checkpoint-every", String(c.every)]
        let resume = ["train", "--resume", part.path, "--quiet"]
        func next() -> [String] {
            // A run killed before its first checkpoint has nothing to resume: it starts over.
            FileManager.default.fileExists(atPath: part.appendingPathComponent("checkpoint.safetensors").path) ? resume : fresh
        }
        for i in 0..<4 {
            let point = Self.killPoint(i, seconds: seconds, writes: writes - Self.lineCount(part), &g)
            if try Self.runAndKill(next(), in: root, at: point) { landed.append(point) }
        }
        let finish = try CLI.run(next())
        #expect(finish.status == 0, "\(finish.stderr)")
        #expect(landed.count >= 3 && landed.contains { if case .write = $0 { true } else { false } }, "kills that landed: \(landed)")
        try TrainingCheckpointTests.expectSameFiles(full, part, "\(c.agent) killed \(landed)")
    }
}
