import Foundation
import Gym
import Testing
@testable import Lab

/// Sharded comparisons: the assignment, shard folders, resuming a shard and merging.
@Suite struct ShardTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("rllab-shard-test-\(UUID().uuidString)")
    }

    /// Tabular agents on a file environment, a toy-text one and CartPole.
    func tabularGrid(_ output: URL, seeds: [UInt64] = [0, 1], jobs: Int = 2, evaluationFrequency: Int = 0) throws -> Comparison {
        try Comparison(
            agents: ["random", "q-learning"],
            environments: [ShardTests.repositoryRoot.appendingPathComponent("envs/maze.txt").path, "FrozenLake-v1", "CartPole-v1"],
            seeds: seeds, budget: .episodes(20), evaluationEpisodes: 3, evaluationFrequency: evaluationFrequency,
            sources: HyperparameterSources(agentsFolder: nil), output: output, jobs: jobs)
    }

    /// Q-learning and random on a file environment and CartPole with periodic evaluation
    /// (evaluations, best models, time to solve with a --stop-at some runs reach).
    func evaluatedGrid(_ output: URL) throws -> Comparison {
        try Comparison(
            agents: ["q-learning", "random"],
            environments: [ShardTests.repositoryRoot.appendingPathComponent("envs/maze.txt").path, "CartPole-v1"],
            seeds: [0, 1], budget: .timesteps(450), evaluationEpisodes: 2, evaluationFrequency: 150, stopAt: 12,
            sources: HyperparameterSources(agentsFolder: nil), output: output, jobs: 2)
    }

    /// DQN (a small network) and Q-learning on CartPole, by step budget, with periodic
    /// evaluation.
    func dqnGrid(_ output: URL, jobs: Int = 2) throws -> Comparison {
        try Comparison(
            agents: ["dqn", "q-learning"], environments: ["CartPole-v1"], seeds: [0, 1], budget: .timesteps(400),
            evaluationEpisodes: 2, evaluationFrequency: 150, stopAt: 12,
            sources: HyperparameterSources(agentsFolder: nil, overrides: [
                "dqn.net_arch=[16]", "dqn.buffer_size=1000", "dqn.learning_starts=100", "dqn.train_freq=8",
            ]),
            output: output, jobs: jobs)
    }

    /// What `rllab compare` writes after the runs: statistics.csv, the charts and report.html.
    func writeReport(_ folder: URL) throws {
        let statistics = try ComparisonStatistics(results: try ResultsFolder([folder]), options: StatisticsOptions(bootstrapSamples: 200))
        _ = try StatisticsFile.write(statistics.rows, to: folder)
        try Report(results: try ResultsFolder([folder]), statistics: statistics).write(to: folder)
    }

    /// Every file under `folder` except `shards/` and `slurm/`, by relative path.
    static func files(_ folder: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let root = folder.standardizedFileURL.resolvingSymlinksInPath()
        let enumerator = try #require(FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]))
        for case let url as URL in enumerator {
            let relative = url.standardizedFileURL.resolvingSymlinksInPath().path.dropFirst(root.path.count + 1)
            if relative.hasPrefix("shards") || relative.hasPrefix("slurm") { continue }
            guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
            result[String(relative)] = try Data(contentsOf: url)
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

    /// Expects the result files of two folders equal, wall-time fields aside; returns how many.
    @discardableResult
    static func expectSameResults(_ expected: URL, _ actual: URL, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        let a = try files(expected), b = try files(actual)
        #expect(Set(a.keys) == Set(b.keys), sourceLocation: sourceLocation)
        for (path, text) in a {
            #expect(withoutWallTimes(path, text) == withoutWallTimes(path, b[path] ?? Data()), "\(path) differs", sourceLocation: sourceLocation)
        }
        return a.count
    }

    /// Runs `make` into `folder` unsharded (with the report), then moves it aside to
    /// `folder.unsharded` so that the shards can be merged into the same path.
    func unshardedReference(_ folder: URL, _ make: (URL) throws -> Comparison) throws -> URL {
        _ = try make(folder).run(isCancelled: { false })
        try writeReport(folder)
        let aside = folder.appendingPathExtension("unsharded")
        try FileManager.default.moveItem(at: folder, to: aside)
        return aside
    }

    func runShards(_ folder: URL, count: Int, _ make: (URL) throws -> Comparison) throws {
        for index in 0..<count {
            _ = try Shard(try make(folder), id: try ShardID(index: index, count: count)).run(isCancelled: { false })
        }
    }

    // MARK: Assignment

    @Test func assignmentBalancesBudgetsWithLongestFirst() throws {
        // By hand: 7 -> s0 (loads 7, 0), 5 -> s1 (7, 5), 4 -> s1 (7, 9), 3 -> s0 (10, 9),
        // 3 -> s1 (10, 12), 2 -> s0 (12, 12).
        #expect(ShardPlan.assign(costs: [7, 5, 4, 3, 3, 2], shards: 2) == [0, 1, 1, 0, 1, 0])
        // Ties keep grid order and the lowest shard.
        #expect(ShardPlan.assign(costs: [1, 1, 1, 1], shards: 3) == [0, 1, 2, 0])
        var random = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let count = Int.random(in: 1...40, using: &random), shards = Int.random(in: 1...9, using: &random)
            let costs = (0..<count).map { _ in Int.random(in: 1...10_000, using: &random) }
            let assignment = ShardPlan.assign(costs: costs, shards: shards)
            #expect(assignment == ShardPlan.assign(costs: costs, shards: shards))
            #expect(assignment.count == count && assignment.allSatisfy { (0..<shards).contains($0) })
            var loads = [Int](repeating: 0, count: shards)
            for (cell, shard) in assignment.enumerated() { loads[shard] += costs[cell] }
            // The greedy bound: no shard exceeds the mean load by more than the largest cell.
            let mean = Double(costs.reduce(0, +)) / Double(shards)
            #expect(Double(loads.max()!) <= mean + Double(costs.max()!))
            // Every shard gets work when there are at least as many cells as shards.
            if count >= shards { #expect(Set(assignment).count == shards) }
        }
    }

    @Test func costCountsEpisodesAtTheEnvironmentsStepLimit() throws {
        let grid = try tabularGrid(temporaryFolder())
        let costs = Dictionary(grid.specs.map { (Comparison.folderName($0.environmentID).hasSuffix("maze.txt") ? "maze" : $0.environmentID, ShardPlan.cost($0)) }, uniquingKeysWith: { a, _ in a })
        #expect(costs["maze"] == 20 * 60)  // the file's `#! max_episode_steps=60`
        #expect(costs["FrozenLake-v1"] == 20 * 100)
        #expect(costs["CartPole-v1"] == 20 * 500)
    }

    @Test func shardIDsParseAndRejectBadInput() throws {
        #expect(try ShardID(parsing: "2/4") == ShardID(index: 2, count: 4))
        #expect(try ShardID(parsing: "auto", environment: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "5"]) == ShardID(index: 3, count: 5))
        #expect(try ShardID(parsing: "auto", environment: ["JOB_COMPLETION_INDEX": "0", "RLLAB_SHARD_COUNT": "2"]) == ShardID(index: 0, count: 2))
        for (text, environment, message) in [
            ("4/4", [:], "out of range"), ("-1/4", [:], "out of range"), ("0/0", [:], "at least 1"), ("1", [:], "not I/N"),
            ("a/b", [:], "not I/N"), ("auto", [:], "SLURM_ARRAY_TASK_ID"),
            ("auto", ["SLURM_ARRAY_TASK_ID": "1"], "SLURM_ARRAY_TASK_COUNT is not"),
            ("auto", ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "5"], "--array=0-4"),
            ("auto", ["JOB_COMPLETION_INDEX": "1"], "RLLAB_SHARD_COUNT"),
        ] as [(String, [String: String], String)] {
            do {
                _ = try ShardID(parsing: text, environment: environment)
                Issue.record("'\(text)' \(environment) was accepted")
            } catch {
                #expect("\(error)".contains(message), "'\(text)': \(error)")
            }
        }
    }

    // MARK: Shards and merge

    /// A shard's animation candidates read back exactly: random discrete and continuous
    /// actions (any Float bits), options with awkward characters, scores including NaN.
    @Test func animationCandidatesRoundTripExactly() throws {
        var random = SystemRandomNumberGenerator()
        let folder = temporaryFolder()
        for trial in 0..<50 {
            let continuous = trial % 2 == 0
            let actions: [Action] = (0..<Int.random(in: 0...40, using: &random)).map { _ in
                if continuous {
                    return .continuous((0..<Int.random(in: 1...3, using: &random)).map { _ in
                        var value = Float.nan
                        while !value.isFinite { value = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &random)) }
                        return value
                    })
                }
                return .discrete(Int.random(in: 0...1000, using: &random))
            }
            let score: Double = trial % 7 == 3 ? .nan : Double(bitPattern: UInt64.random(in: 0...0x7FEF_FFFF_FFFF_FFFF, using: &random))
            let candidate = ReportAnimations.Candidate(
                agent: "q-learning", environmentID: "envs/my maze,\"2\".txt",
                environmentOptions: ["is_slippery": "false", "map": "S'F\nFG", "ünïcode": "\u{1}"],
                seed: UInt64.random(in: 0...UInt64.max, using: &random), resetSeed: UInt64.random(in: 0...UInt64.max, using: &random),
                score: score, actions: actions)
            let url = folder.appendingPathComponent("\(trial).animation.json")
            try OutputFolder.ensure(folder)
            try ReportAnimations.write(candidate, to: url)
            let read = try ReportAnimations.read(url)
            if score.isNaN {
                #expect(read.score.isNaN)
                var (a, b) = (read, candidate)
                (a.score, b.score) = (0, 0)  // NaN is never == NaN
                #expect(a == b)
            } else {
                #expect(read == candidate)
                #expect(read.score.bitPattern == candidate.score.bitPattern)
            }
        }
        // Not a candidate: a clear error, not a trap.
        let bad = folder.appendingPathComponent("bad.animation.json")
        try Data("{\"agent\": 1}".utf8).write(to: bad)
        #expect(throws: ResultsError.self) { try ReportAnimations.read(bad) }
    }

    @Test func shardsMergedEqualTheUnshardedRun() throws {
        let grids: [(shards: Int, make: (URL) throws -> Comparison)] = [
            (3, { try self.tabularGrid($0) }), (2, { try self.dqnGrid($0) }), (3, { try self.evaluatedGrid($0) }),
        ]
        for (count, grid) in grids {
            let folder = temporaryFolder()
            let reference = try unshardedReference(folder, grid)
            let referenceFiles = try ShardTests.files(reference)
            // Every kind of output is there to compare: animations (CartPole draws frames)
            // and, with periodic evaluation, evaluations, best models and time to solve.
            #expect(referenceFiles.keys.contains { $0.hasPrefix("animations/") && $0.hasSuffix(".gif") })
            #expect(referenceFiles.keys.contains("statistics.csv"))
            let cells = try grid(temporaryFolder()).specs.count
            if try grid(temporaryFolder()).evaluationFrequency > 0 {
                let evaluations = String(decoding: try #require(referenceFiles["evaluations.csv"]), as: UTF8.self)
                #expect(evaluations.split(separator: "\n").count > cells + 1)
                #expect(referenceFiles.keys.filter { $0.hasSuffix(".best.safetensors") }.count == cells)
                let summary = try CSVTable(String(decoding: try #require(referenceFiles["summary.csv"]), as: UTF8.self), source: "summary.csv")
                let solved = try summary.column("solved_step")
                #expect(summary.rows.contains { !$0[solved].isEmpty }, "no run reached --stop-at")
            }
            try runShards(folder, count: count, grid)
            let merge = try ShardMerge(folder: folder)
            #expect(merge.cellCount == (try grid(temporaryFolder())).specs.count)
            try merge.write()
            try writeReport(folder)
            let compared = try ShardTests.expectSameResults(reference, folder)
            #expect(compared >= 10)
            // report.html, config.yml and statistics.csv are byte for byte the same.
            for name in ["report.html", "config.yml", "statistics.csv"] {
                #expect(try String(contentsOf: reference.appendingPathComponent(name), encoding: .utf8)
                        == String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8))
            }
        }
    }

    @Test func aRerunShardRunsOnlyUnfinishedCellsAndKeepsFinishedOnes() throws {
        let folder = temporaryFolder()
        // With periodic evaluation, so that an interrupted cell leaves evaluations and a best
        // model behind that the rerun must replace.
        let grid = { (url: URL) in try self.tabularGrid(url, seeds: [0, 1, 2], jobs: 1, evaluationFrequency: 200) }
        let reference = try unshardedReference(folder, grid)
        let id = try ShardID(index: 0, count: 2)
        // Stop the shard after its second cell has started (as SIGTERM from Slurm would).
        let first = try Shard(try grid(folder), id: id)
        #expect(first.finishedEarlier.isEmpty && first.cells.count >= 3)
        let stop = StopFlag()
        let results = try first.run(isCancelled: { stop.isSet }, progress: { done, _ in if done >= 1 { stop.set() } })
        let finished = results.filter { !$0.interrupted }
        #expect(!finished.isEmpty && finished.count < first.cells.count)
        let cellsFile = first.folder.appendingPathComponent(Shard.cellsName)
        // A row cut short by SIGKILL is not a record.
        let handle = try FileHandle(forWritingTo: cellsFile)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("random,CartPole-v1,2,20,4".utf8))
        try handle.close()
        let finishedMonitors = try finished.map {
            try Data(contentsOf: first.folder.appendingPathComponent(CellFile.monitor.path($0.spec)))
        }
        // Merging now names what is missing.
        do {
            _ = try ShardMerge(folder: folder)
            Issue.record("merged an unfinished grid")
        } catch {
            #expect("\(error)".contains("shard 0 of 2 (") && "\(error)".contains("(interrupted)"), "\(error)")
            #expect("\(error)".contains("shard 1 of 2 is missing"), "\(error)")
        }

        let again = try Shard(try grid(folder), id: id)
        #expect(again.finishedEarlier.count == finished.count)
        #expect(again.remaining.count == first.cells.count - finished.count)
        let rerun = try again.run(isCancelled: { false })
        #expect(rerun.count == again.remaining.count)
        // The finished cells were not run again: their Monitor files, wall times included, are untouched.
        for (result, data) in zip(finished, finishedMonitors) {
            #expect(try Data(contentsOf: again.folder.appendingPathComponent(CellFile.monitor.path(result.spec))) == data)
        }
        _ = try Shard(try grid(folder), id: try ShardID(index: 1, count: 2)).run(isCancelled: { false })
        let merge = try ShardMerge(folder: folder)
        try merge.write()
        try writeReport(folder)
        try ShardTests.expectSameResults(reference, folder)
    }

    @Test func shardsOfDifferentGridsOrCountsNeverMix() throws {
        let folder = temporaryFolder()
        _ = try Shard(try tabularGrid(folder), id: try ShardID(index: 0, count: 2)).run(isCancelled: { false })
        // Another grid (other seeds) into the same folder: refused before any work.
        do {
            _ = try Shard(try tabularGrid(folder, seeds: [5]), id: try ShardID(index: 1, count: 2))
            Issue.record("a shard of another grid was accepted")
        } catch {
            #expect("\(error)".contains("a shard of a different grid"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("shards/1-of-2").path))
        // Same grid, another number of shards: refused too.
        #expect(throws: ShardError.self) { try Shard(try tabularGrid(folder), id: try ShardID(index: 0, count: 3)) }
        // Shard folders of two grids put side by side by hand: the merge refuses them.
        let other = temporaryFolder()
        _ = try Shard(try tabularGrid(other, seeds: [5]), id: try ShardID(index: 1, count: 2)).run(isCancelled: { false })
        try FileManager.default.copyItem(
            at: other.appendingPathComponent("shards/1-of-2"), to: folder.appendingPathComponent("shards/1-of-2"))
        do {
            _ = try ShardMerge(folder: folder)
            Issue.record("merged shards of two grids")
        } catch {
            #expect("\(error)".contains("shards of 2 different grids"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("episodes.csv").path))
    }

    @Test func badShardFoldersFailBeforeAnyWork() throws {
        // The shard's folder is a file: an unwritable output, reported before any run.
        let folder = temporaryFolder()
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("shards"), withIntermediateDirectories: true)
        try Data().write(to: folder.appendingPathComponent("shards/0-of-2"))
        #expect(throws: OutputError.self) { try Shard(try tabularGrid(folder), id: try ShardID(index: 0, count: 2)) }
        // Nothing to merge.
        do {
            _ = try ShardMerge(folder: temporaryFolder())
            Issue.record("merged nothing")
        } catch {
            #expect("\(error)".contains("no shards in"), "\(error)")
        }
    }

    /// A record file killed mid-row keeps every finished record before the torn row, and
    /// reopening it for appending drops only the torn bytes. (Before LabCore's one reader,
    /// the finished row just before a torn one was dropped as well.)
    @Test func aTornRecordKeepsTheFinishedRowsBeforeIt() throws {
        let folder = temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("cells.csv")
        let fields = SummaryTable.header.split(separator: ",").count
        func row(_ seed: Int, interrupted: Bool) -> String {
            (["q-learning", "FrozenLake-v1", String(seed)] + Array(repeating: "1", count: fields - 6) + [String(interrupted), "", ""]).joined(separator: ",")
        }
        let whole = [SummaryTable.header, row(0, interrupted: false), row(1, interrupted: true), row(2, interrupted: false)]
            .map { $0 + "\n" }.joined()
        for cut in [0, 9, 40, 60] {
            try (whole + String(row(3, interrupted: false).prefix(cut))).write(to: url, atomically: true, encoding: .utf8)
            let records = try CellRecords(url: url)
            #expect(Set(records.finished.keys) == [Shard.key(agent: "q-learning", environment: "FrozenLake-v1", seed: "0"),
                                                   Shard.key(agent: "q-learning", environment: "FrozenLake-v1", seed: "2")])
            #expect(records.interrupted == [Shard.key(agent: "q-learning", environment: "FrozenLake-v1", seed: "1")])
            try CellRecords.appender(url: url).close()
            #expect(try String(contentsOf: url, encoding: .utf8) == whole)
        }
    }
}

/// Set once from one thread, read from others.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}
