import Foundation
import LabCore

/// Puts the shards under `<out>/shards` back together into `<out>`, as if the comparison
/// had run unsharded there.
///
/// ``init(folder:)`` checks, before writing anything, that every shard folder belongs to
/// the same grid and the same number of shards, and that every cell of the grid is
/// finished exactly once; otherwise it throws a ``ShardError`` that lists the missing
/// shards, the unfinished (interrupted or never run) cells by shard, and duplicated cells.
/// ``write()`` then writes `config.yml`, `episodes.csv`, the Monitor files, `summary.csv`
/// and, with periodic evaluation, `evaluations.csv` and the best models, and the report's
/// animations, from the shards' files with the writers an unsharded comparison uses
/// (the CLI then writes `statistics.csv` and the report from the merged folder, as
/// `rllab compare` does).
public struct ShardMerge {
    public let folder: URL
    /// The number of shards the grid was split into.
    public let shardCount: Int
    /// The grid's hash (see ``Shard``).
    public let gridHash: String
    /// The grid's `--eval-freq` (0: no periodic evaluation).
    public let evaluationFrequency: Int
    /// The grid's environment ids, in grid order.
    public let environments: [String]
    private let configuration: String
    private let cells: [FinishedCell]

    /// Reads and checks every shard under `folder/shards`.
    public init(folder: URL) throws {
        self.folder = folder
        let shardsFolder = folder.appendingPathComponent("shards")
        let records = try ShardRecord.all(in: shardsFolder)
        guard let first = records.first else {
            throw ShardError("no shards in \(shardsFolder.path): run each shard of the comparison with this output folder first")
        }
        let hashes = Dictionary(grouping: records, by: \.gridHash)
        if hashes.count > 1 {
            let groups = hashes.keys.sorted().map { hash in
                "grid \(hash): " + hashes[hash]!.map(\.folder.lastPathComponent).joined(separator: ", ")
            }
            throw ShardError("\(shardsFolder.path) holds shards of \(hashes.count) different grids (\(groups.joined(separator: "; "))): merge the shards of one grid only")
        }
        let counts = Set(records.map(\.id.count))
        if counts.count > 1 {
            throw ShardError("\(shardsFolder.path) holds splits into different numbers of shards (\(counts.sorted().map(String.init).joined(separator: " and "))): keep the folders of one split only")
        }
        shardCount = first.id.count
        gridHash = first.gridHash
        evaluationFrequency = first.evaluationFrequency
        guard let configuration = ConfigurationFile.read(in: first.folder),
              Shard.hash(configuration) == gridHash else {
            throw ShardError("\(first.folder.path)/config.yml is missing or does not match the grid hash in \(Shard.recordName)")
        }
        self.configuration = configuration
        let gridURL = first.folder.appendingPathComponent(Shard.gridName)
        guard let gridText = try? String(contentsOf: gridURL, encoding: .utf8) else {
            throw ShardError("cannot read \(gridURL.path)")
        }
        let grid = try CSVTable(gridText, source: gridURL.path)
        let agentColumn = try grid.column("agent"), environmentColumn = try grid.column("env")
        let seedColumn = try grid.column("seed"), shardColumn = try grid.column("shard")

        let present = Dictionary(uniqueKeysWithValues: records.map { ($0.id.index, $0) })
        let cellRecords = try records.map { ($0, try CellRecords(folder: $0.folder)) }
        var cells: [FinishedCell] = []
        var problems: [Int: [String]] = [:]  // shard index -> cells not finished
        var duplicates: [String] = []
        for row in grid.rows {
            let agent = row[agentColumn], environment = row[environmentColumn], seed = row[seedColumn]
            guard let shard = Int(row[shardColumn]), (0..<shardCount).contains(shard) else {
                throw ShardError("\(gridURL.path): shard '\(row[shardColumn])' is not in 0..<\(shardCount)")
            }
            let key = Shard.key(agent: agent, environment: environment, seed: seed)
            let name = "\(agent) on \(environment) seed \(seed)"
            let finishedIn = cellRecords.filter { $0.1.finished[key] != nil }
            if finishedIn.count > 1 {
                duplicates.append("\(name) (in \(finishedIn.map(\.0.folder.lastPathComponent).joined(separator: " and ")))")
                continue
            }
            guard let (record, rows) = finishedIn.first else {
                let interrupted = cellRecords.contains { $0.1.interrupted.contains(key) }
                problems[shard, default: []].append(name + (present[shard] == nil ? "" : interrupted ? " (interrupted)" : " (not run)"))
                continue
            }
            cells.append(FinishedCell(agent: agent, environment: environment, seed: seed, folder: record.folder,
                                      record: rows.finished[key]!))
        }
        if !problems.isEmpty || !duplicates.isEmpty {
            var lines: [String] = []
            let unfinished = problems.values.map(\.count).reduce(0, +)
            if unfinished > 0 {
                lines.append("\(unfinished) of \(grid.rows.count) cells are not finished:")
                for shard in problems.keys.sorted() {
                    let id = "shard \(shard) of \(shardCount)"
                    let list = problems[shard]!
                    if present[shard] == nil {
                        lines.append("  \(id) is missing (no \(shardsFolder.path)/\(shard)-of-\(shardCount)); its cells: \(list.joined(separator: ", "))")
                    } else {
                        lines.append("  \(id) (\(present[shard]!.folder.path)) did not finish \(list.count) cell\(list.count == 1 ? "" : "s"): \(list.joined(separator: ", "))")
                    }
                }
                lines.append("run those shards again (the same command with --shard I/\(shardCount)): finished cells are kept")
            }
            if !duplicates.isEmpty {
                lines.append("cells finished in more than one shard folder: \(duplicates.joined(separator: ", "))")
            }
            throw ShardError("cannot merge \(folder.path): " + lines.joined(separator: "\n"))
        }
        self.cells = cells
        environments = grid.rows.map { $0[environmentColumn] }.uniqued()
    }

    /// The number of cells merged.
    public var cellCount: Int { cells.count }

    /// Writes `config.yml`, `episodes.csv`, the Monitor files, `summary.csv`, with periodic
    /// evaluation `evaluations.csv` and the best models, and the report's animations under
    /// ``folder``, in the grid's order (the order an unsharded comparison writes).
    ///
    /// Every shard file is read and checked before the first file is written.
    ///
    /// - Throws: ``ShardError`` when a cell's files are missing or disagree with its record;
    ///   ``OutputError`` when a file cannot be written.
    public func write() throws {
        let evaluating = evaluationFrequency > 0
        var rows: [CellRows] = []
        var copies: [(from: URL, to: URL)] = []
        for cell in cells {
            func copy(_ file: CellFile) {
                let path = cell.path(file)
                copies.append((cell.folder.appendingPathComponent(path), folder.appendingPathComponent(path)))
            }
            let episodes = try cell.episodeRows()
            copy(.monitor)
            let evaluations = evaluating ? try self.evaluations(of: cell) : []
            let best = cell.folder.appendingPathComponent(cell.path(.bestModel))
            if evaluating && FileManager.default.fileExists(atPath: best.path) { copy(.bestModel) }
            let animation = try cell.animationCandidate()
            // The merged folder can be resumed as an unsharded comparison's (see Comparison).
            if animation != nil { copy(.animation) }
            rows.append(CellRows(episodes: episodes, evaluations: evaluations, record: cell.record, animation: animation))
        }
        try OutputFolder.ensure(folder)
        try ConfigurationFile.write(configuration, in: folder)
        for (source, destination) in copies {
            // The shard's files were written by the comparison's own writers: copy them whole.
            try OutputFolder.ensure(destination.deletingLastPathComponent())
            guard let data = FileManager.default.contents(atPath: source.path) else {
                throw ShardError("cannot read \(source.path)")
            }
            do { try AtomicFile.write(data, to: destination) } catch {
                throw OutputError("\(error)")
            }
        }
        try CellRows.write(rows, in: folder, evaluating: evaluating)
    }

    /// The `evaluations.csv` rows of a finished cell, from its shard's file.
    private func evaluations(of cell: FinishedCell) throws -> [String] {
        let url = cell.folder.appendingPathComponent(cell.path(.evaluations))
        guard let file = EvaluationTable.rows(in: url) else {
            throw ShardError("\(url.path) is missing: the cell's periodic evaluations were not recorded; run that shard again")
        }
        guard file.whole else {
            throw ShardError("\(url.path) is not a complete evaluations file (header \(EvaluationTable.header)): run that shard again")
        }
        if let stray = file.rows.first(where: { !$0.hasPrefix(cell.evaluationRowPrefix) }) {
            throw ShardError("\(url.path) holds a row of another cell: \(stray)")
        }
        return file.rows
    }
}

/// A finished cell of a comparison and the folder that holds its files: a shard folder
/// (what ``ShardMerge`` reads) or the results folder of a comparison being resumed.
struct FinishedCell {
    var agent: String
    var environment: String
    var seed: String
    var folder: URL
    /// The cell's record: its `summary.csv` row.
    var record: String

    /// The path of one of the cell's files, in the cell's folder and in the results folder.
    func path(_ file: CellFile) -> String { file.path(agent: agent, environmentID: environment, seed: seed) }

    /// How the cell's `evaluations.csv` rows start.
    var evaluationRowPrefix: String { EvaluationTable.rowPrefix(agent: agent, environment: environment, seed: seed) }

    /// The cell's `episodes.csv` rows, from its Monitor file (which holds every episode
    /// with the same numbers), checked against the episode count of its record.
    func episodeRows() throws -> [String] {
        let source = folder.appendingPathComponent(path(.monitor))
        let monitor = try MonitorFile(url: source)
        let recorded = CSV.fields(record)
        guard let times = monitor.wallTimes, recorded.count > 3, Int(recorded[3]) == monitor.returns.count else {
            throw ShardError("\(source.path) does not hold the \(recorded.count > 3 ? String(recorded[3]) : "?") episodes its record counts: run that cell again")
        }
        return monitor.returns.indices.map { episode in
            EpisodeTable.row(EpisodeTable.Row(
                agent: agent, environment: environment, seed: seed, episode: episode,
                return: monitor.returns[episode], length: monitor.lengths[episode], wallTime: times[episode]))
        }
    }

    /// The cell's claim to the report's animation, if its environment draws frames.
    func animationCandidate() throws -> ReportAnimations.Candidate? {
        let animation = folder.appendingPathComponent(path(.animation))
        guard FileManager.default.fileExists(atPath: animation.path) else { return nil }
        let candidate = try ReportAnimations.read(animation)
        guard candidate.agent == agent, candidate.environmentID == environment, String(candidate.seed) == seed else {
            throw ShardError("\(animation.path) belongs to another cell (\(candidate.agent) on \(candidate.environmentID) seed \(candidate.seed))")
        }
        return candidate
    }
}
