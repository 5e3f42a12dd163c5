import Agents
import Foundation
import Gym
import LabCore
import Yams

/// An error about shards: a bad shard index or count, shards of different grids, missing
/// or unfinished cells, a malformed shard record.
public struct ShardError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// One shard of a grid split into `count` shards: `index` in `0..<count`.
///
/// Indices are 0-based so that they equal the index a launcher hands out: Slurm's
/// `SLURM_ARRAY_TASK_ID` for `--array=0-(N-1)`, Kubernetes' `JOB_COMPLETION_INDEX` for an
/// Indexed Job, and the `%a` in a Slurm log file's name.
public struct ShardID: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// - Throws: ``ShardError`` when `count < 1` or `index` is outside `0..<count`.
    public init(index: Int, count: Int) throws {
        guard count >= 1 else { throw ShardError("the number of shards must be at least 1, got \(count)") }
        guard (0..<count).contains(index) else {
            throw ShardError("shard index \(index) is out of range: shards of \(count) are numbered 0 to \(count - 1)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `I/N`, or `auto`: the index and count of a Slurm job array task
    /// (`SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_COUNT`), else of a Kubernetes Indexed Job
    /// (`JOB_COMPLETION_INDEX`, with the count in `RLLAB_SHARD_COUNT`).
    ///
    /// - Throws: ``ShardError`` for malformed text, a missing variable, or an index out of range.
    public init(parsing text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "auto" {
            func number(_ name: String) throws -> Int? {
                guard let value = environment[name] else { return nil }
                guard let number = Int(value.trimmingCharacters(in: .whitespaces)) else {
                    throw ShardError("\(name)='\(value)' is not an integer")
                }
                return number
            }
            if let index = try number("SLURM_ARRAY_TASK_ID") {
                guard let count = try number("SLURM_ARRAY_TASK_COUNT") else {
                    throw ShardError("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not")
                }
                do { try self.init(index: index, count: count) } catch {
                    throw ShardError("\(error) (submit the array as --array=0-\(max(count - 1, 0)))")
                }
            } else if let index = try number("JOB_COMPLETION_INDEX") {
                guard let count = try number("RLLAB_SHARD_COUNT") else {
                    throw ShardError("JOB_COMPLETION_INDEX is set but RLLAB_SHARD_COUNT (the Job's completions) is not")
                }
                try self.init(index: index, count: count)
            } else {
                throw ShardError("shard 'auto' needs SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (a Slurm job array) or JOB_COMPLETION_INDEX and RLLAB_SHARD_COUNT (a Kubernetes Indexed Job)")
            }
            return
        }
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw ShardError("shard '\(text)' is not I/N (e.g. 0/4, the first of 4 shards) or auto")
        }
        try self.init(index: index, count: count)
    }

    /// The shard's folder name under `<out>/shards`: `I-of-N`.
    public var folderName: String { "\(index)-of-\(count)" }

    public var description: String { "shard \(index) of \(count)" }
}

/// The fixed assignment of a grid's cells to shards.
///
/// Cells are balanced by their budgets with the longest-processing-time rule: cells in
/// decreasing cost (ties: in grid order) each go to the shard with the least total cost so
/// far (ties: the lowest index). A cell's cost is its step budget; an episode budget counts
/// as episodes x the environment's `max_episode_steps` (1000 when it has none). The rule
/// depends on the grid and N only, so every shard computes the same assignment.
public enum ShardPlan {
    /// The cost of one cell (see the type's documentation).
    public static func cost(_ spec: RunSpec) -> Int {
        switch spec.budget {
        case .timesteps(let steps): return steps
        case .episodes(let episodes):
            let limit = spec.environment.maxEpisodeSteps ?? 1000
            return episodes.multipliedReportingOverflow(by: limit).overflow ? Int.max : episodes * limit
        }
    }

    /// The shard of each cell, for cells of the given costs (in grid order).
    public static func assign(costs: [Int], shards: Int) -> [Int] {
        guard shards >= 1 else { return [] }
        let order = costs.indices.sorted { costs[$0] != costs[$1] ? costs[$0] > costs[$1] : $0 < $1 }
        var loads = [Int](repeating: 0, count: shards)
        var assignment = [Int](repeating: 0, count: costs.count)
        for cell in order {
            var lightest = 0
            for shard in 1..<shards where loads[shard] < loads[lightest] { lightest = shard }
            assignment[cell] = lightest
            let (sum, overflow) = loads[lightest].addingReportingOverflow(costs[cell])
            loads[lightest] = overflow ? Int.max : sum
        }
        return assignment
    }
}

/// One shard of a comparison, run into `<out>/shards/I-of-N/`.
///
/// The shard folder holds:
/// - `shard.yml`: the grid's hash, this shard's index and the count;
/// - `config.yml`: the whole grid's resolved configuration (what an unsharded run writes);
/// - `grid.csv`: every cell of the grid (`cell,agent,env,seed,cost,shard`), in grid order;
/// - `cells.csv`: **the cell records**: a cell's `summary.csv` row, appended and flushed
///   when the cell returns. A cell is *finished* when it has a row with
///   `interrupted=false`; nothing else counts. Running the shard again runs only the cells
///   of the shard that are not finished, so a shard killed by a time limit is resumed by
///   submitting it again;
/// - `<agent>/<env>/<seed>.monitor.csv`: each cell's episodes, flushed as they end;
/// - with periodic evaluation, `<agent>/<env>/<seed>.evaluations.csv` (the cell's
///   `evaluations.csv` rows, flushed as they happen) and `<seed>.best.safetensors`;
/// - `<agent>/<env>/<seed>.animation.json`: for a cell whose environment draws frames, its
///   claim to the report's animation (``ReportAnimations/Candidate``), written when it
///   finishes.
///
/// Every file of a cell is complete before the cell's record is appended, and a cell that
/// is run again starts its files afresh.
///
/// The grid hash is FNV-1a (64 bits) of `config.yml`: shards whose hashes differ belong to
/// different grids and are never mixed, neither in one output folder nor in a merge.
public final class Shard {
    public let comparison: Comparison
    public let id: ShardID
    /// `<out>/shards/I-of-N`.
    public let folder: URL
    /// The grid hash (16 hex digits).
    public let gridHash: String
    /// This shard's cells (positions in the comparison's specs), in grid order.
    public let cells: [Int]
    /// This shard's cells already finished by an earlier run of it.
    public let finishedEarlier: Set<Int>

    public static let recordName = "shard.yml"
    public static let gridName = "grid.csv"
    public static let cellsName = "cells.csv"

    /// Checks `<out>/shards` (no shard of another grid or shard count there), creates this
    /// shard's folder and reads which of its cells are finished, before any work.
    public init(_ comparison: Comparison, id: ShardID) throws {
        self.comparison = comparison
        self.id = id
        let shards = comparison.output.appendingPathComponent("shards")
        folder = shards.appendingPathComponent(id.folderName)
        let configuration = try comparison.configurationText()
        gridHash = Shard.hash(configuration)
        let costs = comparison.specs.map(ShardPlan.cost)
        let assignment = ShardPlan.assign(costs: costs, shards: id.count)
        cells = comparison.specs.indices.filter { assignment[$0] == id.index }
        let gridHash = self.gridHash

        for existing in try ShardRecord.all(in: shards) {
            if existing.gridHash != gridHash {
                throw ShardError("\(existing.folder.path) holds a shard of a different grid (grid \(existing.gridHash); this comparison is grid \(gridHash)): use another output folder, or remove \(shards.path)")
            }
            if existing.id.count != id.count {
                throw ShardError("\(existing.folder.path) belongs to a split into \(existing.id.count) shards, not \(id.count): use the same number of shards, another output folder, or remove \(shards.path)")
            }
        }
        try OutputFolder.ensure(folder)
        let keys = Dictionary(uniqueKeysWithValues: cells.map { (Shard.key(comparison.specs[$0]), $0) })
        finishedEarlier = Set(try CellRecords(folder: folder).finished.keys.compactMap { keys[$0] })

        var grid = ["cell,agent,env,seed,cost,shard"]
        for (cell, spec) in comparison.specs.enumerated() {
            grid.append("\(cell),\(CSV.field(spec.agent)),\(CSV.field(spec.environmentID)),\(spec.seed),\(costs[cell]),\(assignment[cell])")
        }
        try ConfigurationFile.write(configuration, in: folder)
        try OutputFile.replace(folder.appendingPathComponent(Shard.gridName), with: grid.map { $0 + "\n" }.joined())
        var record = ShardRecord.Fields()
        (record.gridHash, record.shard, record.shards) = (gridHash, id.index, id.count)
        (record.cells, record.evaluationFrequency) = (cells.count, comparison.evaluationFrequency)
        try ShardRecord.write(record, to: folder.appendingPathComponent(Shard.recordName))
    }

    /// The cells this run will run: the shard's cells that are not finished yet.
    public var remaining: [Int] { cells.filter { !finishedEarlier.contains($0) } }

    /// Runs the remaining cells, appending each one's record to `cells.csv` as it returns,
    /// after the cell's other files are complete.
    ///
    /// - Returns: The results of the cells run now (interrupted ones included).
    public func run(isCancelled: @escaping () -> Bool, progress: @escaping (Int, Int) -> Void = { _, _ in }) throws -> [RunResult] {
        let remaining = self.remaining
        let folder = self.folder
        // What an interrupted earlier attempt left must not pass for this attempt's files.
        for cell in remaining {
            for file in [CellFile.evaluations, .bestModel, .animation] {
                try Shard.remove(folder.appendingPathComponent(file.path(comparison.specs[cell])))
            }
        }
        let records = try CellRecords.appender(url: folder.appendingPathComponent(Shard.cellsName))
        let evaluating = comparison.evaluationFrequency > 0
        let lock = NSLock()
        var evaluationWriters: [String: LineWriter] = [:]
        func evaluationWriter(_ spec: RunSpec) throws -> LineWriter {
            lock.lock()
            defer { lock.unlock() }
            if let writer = evaluationWriters[Shard.key(spec)] { return writer }
            let writer = try EvaluationTable.create(folder.appendingPathComponent(CellFile.evaluations.path(spec)))
            evaluationWriters[Shard.key(spec)] = writer
            return writer
        }
        let cells = try comparison.runCells(
            remaining, in: folder, onEpisode: { _, _ in },
            onEvaluation: { spec, record in
                try evaluationWriter(spec).write(EvaluationTable.row(spec, record))
            },
            onFinished: { outcome in
                let spec = outcome.result.spec
                // A run without any evaluation (a budget below --eval-freq) still has its file.
                if evaluating { _ = try evaluationWriter(spec) }
                if let candidate = outcome.animationCandidate {
                    try ReportAnimations.write(candidate, to: folder.appendingPathComponent(CellFile.animation.path(spec)))
                }
                lock.lock()
                defer { lock.unlock() }
                evaluationWriters[Shard.key(spec)] = nil
                try records.write(SummaryTable.row(outcome.result))
            },
            isCancelled: isCancelled, progress: progress)
        return cells.map(\.result)
    }

    /// Removes `url`, left by `run`, if it exists.
    static func remove(_ url: URL, leftBy run: String = "an interrupted run of this shard") throws {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        do { try FileManager.default.removeItem(at: url) } catch {
            throw OutputError("cannot remove \(url.path), left by \(run): \(error.localizedDescription)")
        }
    }

    /// The key of a cell in records: agent, environment and seed.
    static func key(_ spec: RunSpec) -> String { key(agent: spec.agent, environment: spec.environmentID, seed: String(spec.seed)) }

    static func key(agent: String, environment: String, seed: String) -> String { "\(agent)\u{1}\(environment)\u{1}\(seed)" }

    /// FNV-1a of `text`, as 16 hex digits (the same function that seeds the report's bootstrap).
    static func hash(_ text: String) -> String { String(format: "%016llx", Report.stableSeed(text)) }
}

/// A shard folder's `shard.yml`.
struct ShardRecord {
    /// The file's fields, declared once: written and read back as YAML through them.
    struct Fields: Settings {
        @Setting("grid_hash", help: "hash of the grid (config.yml) the shard belongs to") var gridHash: String? = nil
        @Setting("shard", range: 0..., help: "this shard's index") var shard: Int? = nil
        @Setting("shards", range: 1..., help: "how many shards the grid is split into") var shards: Int? = nil
        @Setting("cells", range: 0..., help: "cells assigned to this shard") var cells = 0
        @Setting("eval_freq", range: 0..., help: "the grid's --eval-freq (0: no periodic evaluation)") var evaluationFrequency = 0
    }

    let folder: URL
    let gridHash: String
    let id: ShardID
    /// The grid's `--eval-freq` (0: no periodic evaluation).
    let evaluationFrequency: Int

    /// Writes `fields` as `url` (crash-safely), after a comment that says what the folder holds.
    static func write(_ fields: Fields, to url: URL) throws {
        var values = Fields.values(owner: url.path, noun: "field")
        try values.set(fields)
        try OutputFile.replace(url, with: """
            # Shard \(fields.shard ?? 0) of \(fields.shards ?? 0) of an RLLab comparison (rllab merge puts the shards together).
            # config.yml: the whole grid; grid.csv: every cell and its shard; cells.csv: the
            # cells this shard ran (a cell is finished when its row says interrupted=false).

            """ + (try Yams.serialize(node: values.yaml, width: -1)))
    }

    /// Reads `folder/shard.yml`.
    init(folder: URL) throws {
        self.folder = folder
        let url = folder.appendingPathComponent(Shard.recordName)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ShardError("\(folder.path) is not a shard folder: it has no readable \(Shard.recordName)")
        }
        let fields: Fields
        do {
            guard let mapping = try Yams.compose(yaml: text)?.mapping else { throw ConfigurationError("not a YAML mapping") }
            var values = Fields.values(owner: url.path, noun: "field")
            try values.merge(yaml: mapping, source: "")
            fields = try values.decode(Fields.self)
        } catch {
            throw ShardError("\(url.path) is malformed: \(error)")
        }
        guard let hash = fields.gridHash, let index = fields.shard, let count = fields.shards else {
            throw ShardError("\(url.path) is malformed: expected grid_hash, shard and shards")
        }
        gridHash = hash
        id = try ShardID(index: index, count: count)
        evaluationFrequency = fields.evaluationFrequency
        guard folder.lastPathComponent == id.folderName else {
            throw ShardError("\(url.path) describes \(id) but sits in \(folder.lastPathComponent), not \(id.folderName)")
        }
    }

    /// The records of every `I-of-N` folder under `shards` (none when it does not exist).
    static func all(in shards: URL) throws -> [ShardRecord] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: shards.path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { throw ShardError("\(shards.path) exists and is not a folder") }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: shards.path)) ?? []
        // A folder without its record is a shard starting right now (it writes shard.yml
        // just after creating its folder) or one that never started: it holds no results.
        return try names.filter(isShardFolderName).sorted { order($0) < order($1) }
            .map { shards.appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent(Shard.recordName).path) }
            .map { try ShardRecord(folder: $0) }
    }

    static func isShardFolderName(_ name: String) -> Bool {
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[1] == "of" && Int(parts[0]) != nil && Int(parts[2]) != nil
    }

    /// Sorts `I-of-N` folders by N, then I.
    private static func order(_ name: String) -> (Int, Int) {
        let parts = name.split(separator: "-")
        return (Int(parts[2]) ?? 0, Int(parts[0]) ?? 0)
    }
}
