import Agents
import Foundation

/// `evaluations.csv`: one row per periodic evaluation of every run (SB3's
/// `evaluations.npz` as a tidy CSV); `returns` holds the evaluation's episode returns,
/// separated by spaces. A shard writes each cell's rows to its own
/// `<agent>/<env>/<seed>.evaluations.csv` (same header), which the merge concatenates.
public enum EvaluationTable: ResultTable {
    public static let fileName = "evaluations.csv"
    public static let header = "agent,env,seed,step,wall_time,mean,std,returns"

    /// The start of every row of one run: `agent,env,seed,`.
    static func rowPrefix(agent: String, environment: String, seed: String) -> String {
        "\(CSV.field(agent)),\(CSV.field(environment)),\(seed),"
    }

    /// The row of `record`, a periodic evaluation of the run `spec`.
    public static func row(_ spec: RunSpec, _ record: PeriodicEvaluationRecord) -> String {
        rowPrefix(agent: spec.agent, environment: spec.environmentID, seed: String(spec.seed)) + "\(record.step),\(formatSeconds(record.wallTime)),\(record.result.mean.description),"
            + "\(record.result.standardDeviation.description),\(record.result.returns.map(\.description).joined(separator: " "))"
    }

    /// The periodic evaluations in `folder`'s `evaluations.csv`, by cell key
    /// (``Shard/key(agent:environment:seed:)``), each in step order; empty when the folder
    /// has none.
    static func points(in folder: URL, warnings: inout [String]) throws -> [String: [EvaluationPoint]] {
        guard let table = try read(in: folder, warnings: &warnings) else { return [:] }
        let a = try table.column("agent"), e = try table.column("env"), s = try table.column("seed")
        let step = try table.column("step"), mean = try table.column("mean")
        var points: [String: [EvaluationPoint]] = [:]
        for (line, row) in table.rows.enumerated() {
            guard let at = Int(row[step]), let value = Double(row[mean]) else {
                throw ResultsError("\(table.source), row \(line + 2): step '\(row[step])' or mean '\(row[mean])' is not a number")
            }
            points[Shard.key(agent: row[a], environment: row[e], seed: row[s]), default: []].append(EvaluationPoint(step: at, mean: value))
        }
        return points.mapValues { $0.sorted { $0.step < $1.step } }
    }

    /// The complete rows of the file at `url` as written, and whether the file is whole
    /// (its header first and a newline after its last row: a file cut short by an
    /// interrupted write is not); nil when there is no file. Rows are copied as they are
    /// (a merge or a resume never reformats a number); ``rowPrefix(agent:environment:seed:)``
    /// tells whose each row is.
    static func rows(in url: URL) -> (rows: [String], whole: Bool)? {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        let (complete, torn) = CSV.completeLines(text)
        var lines = complete.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()  // after the final newline
        let whole = !torn && lines.first == header
        if lines.first == header { lines.removeFirst() }
        return (lines, whole)
    }
}
