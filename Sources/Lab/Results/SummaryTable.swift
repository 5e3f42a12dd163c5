import Agents
import Foundation

/// `summary.csv`: one row per run. The same row is a sharded comparison's record of a
/// finished cell (`cells.csv`, see ``Shard``), so a merge copies rows, never recomputes them.
public enum SummaryTable: ResultTable {
    public static let fileName = "summary.csv"
    public static let header = "agent,env,seed,episodes,steps,min_return,max_return,mean_return,last100_mean,eval_mean,eval_std,train_seconds,steps_per_second,interrupted,solved_step,solved_seconds"

    public static func row(_ result: RunResult) -> String {
        let stats = EpisodeStatistics(result.episodes)
        let evalMean = result.evaluation.map { $0.mean.description } ?? ""
        let evalStd = result.evaluation.map { $0.standardDeviation.description } ?? ""
        return [
            CSV.field(result.spec.agent), CSV.field(result.spec.environmentID), String(result.spec.seed), String(result.episodes.count),
            String(result.steps), stats.min.description, stats.max.description, stats.mean.description,
            stats.last100Mean.description, evalMean, evalStd, formatSeconds(result.trainingSeconds),
            String(format: "%.0f", result.stepsPerSecond), String(result.interrupted),
            result.solvedStep.map(String.init) ?? "", result.solvedSeconds.map(formatSeconds) ?? "",
        ].joined(separator: ",")
    }

    /// The greedy evaluation means in `folder`'s `summary.csv`, by cell key
    /// (``Shard/key(agent:environment:seed:)``); runs without one are absent.
    static func evaluationMeans(in folder: URL, warnings: inout [String]) throws -> [String: Double] {
        guard let table = try read(in: folder, warnings: &warnings), let column = table.header.firstIndex(of: "eval_mean") else { return [:] }
        let a = try table.column("agent"), e = try table.column("env"), s = try table.column("seed")
        var means: [String: Double] = [:]
        for row in table.rows {
            if let value = Double(row[column]), !value.isNaN { means[Shard.key(agent: row[a], environment: row[e], seed: row[s])] = value }
        }
        return means
    }
}

/// A shard folder's `cells.csv`: the records of the cells it ran (`summary.csv` rows).
struct CellRecords {
    /// The row of each finished cell, by cell key (the last one if a cell finished twice).
    private(set) var finished: [String: String] = [:]
    /// Keys of cells that have only interrupted rows.
    private(set) var interrupted: Set<String> = []

    init(folder: URL) throws {
        try self.init(url: folder.appendingPathComponent(Shard.cellsName))
    }

    /// Reads the records in `url`: a shard's `cells.csv`, or the `summary.csv` of an
    /// unsharded comparison, which is its own record file (see ``Comparison``).
    init(url: URL) throws {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return }
        // A row cut short by SIGKILL has no newline: it is not a record.
        let complete = String(CSV.completeLines(text).complete)
        guard !complete.isEmpty else { return }
        let table = try CSVTable(complete, source: url.path)
        let agent = try table.column("agent"), env = try table.column("env"), seed = try table.column("seed")
        let flag = try table.column("interrupted")
        let lines = complete.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline)
        for (row, cells) in zip(table.rows.indices, table.rows) {
            let key = Shard.key(agent: cells[agent], environment: cells[env], seed: cells[seed])
            if cells[flag] == "false" {
                finished[key] = String(lines[row + 1])
                interrupted.remove(key)
            } else if finished[key] == nil {
                interrupted.insert(key)
            }
        }
    }

    /// Opens the record file `url` (`cells.csv`) for appending (with its header when new),
    /// first dropping a row cut short by SIGKILL so that new rows start on a line of their own.
    static func appender(url: URL) throws -> LineWriter {
        if let text = try? String(contentsOf: url, encoding: .utf8) {
            let (complete, torn) = CSV.completeLines(text)
            if torn { try OutputFile.replace(url, with: String(complete)) }
            if !complete.isEmpty { return try LineWriter(url: url, appending: true) }
        }
        return try SummaryTable.create(url)
    }
}
