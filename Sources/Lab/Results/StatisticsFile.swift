import Foundation

/// `statistics.csv`: `agent,env,statistic,estimate,low,high`, one row per agent, scope
/// (an environment id or `aggregate`) and statistic. Numbers are Swift's shortest
/// round-trip form; `low` and `high` are empty when there is no interval (one run).
/// Written whole through a temporary file and a rename.
public enum StatisticsFile: ResultTable {
    public static let fileName = "statistics.csv"
    public static let header = "agent,env,statistic,estimate,low,high"

    public struct Row: Equatable, Sendable {
        public let agent: String
        public let scope: String
        public let statistic: String
        public let value: IntervalEstimate
    }

    /// Writes `rows` to `folder/statistics.csv`.
    public static func write(_ rows: [Row], to folder: URL) throws {
        try replace(in: folder, rows: rows.map { row in
            [CSV.field(row.agent), CSV.field(row.scope), row.statistic, row.value.estimate.description,
             row.value.lower?.description ?? "", row.value.upper?.description ?? ""].joined(separator: ",")
        })
    }

    /// Reads a `statistics.csv`.
    public static func read(_ url: URL) throws -> [Row] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw ResultsError("cannot read \(url.path)") }
        let table = try CSVTable(text, source: url.path)
        let a = try table.column("agent"), e = try table.column("env"), s = try table.column("statistic")
        let v = try table.column("estimate"), l = try table.column("low"), h = try table.column("high")
        return try table.rows.enumerated().map { index, row in
            guard let estimate = Double(row[v]) else { throw ResultsError("\(url.path), line \(index + 2): estimate '\(row[v])' is not a number") }
            return Row(agent: row[a], scope: row[e], statistic: row[s],
                       value: IntervalEstimate(estimate: estimate, lower: Double(row[l]), upper: Double(row[h])))
        }
    }
}
