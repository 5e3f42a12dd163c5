import Agents
import Foundation

/// `episodes.csv`, the tidy long CSV of a comparison or a `train` run: one row per
/// training episode of every run, appended and flushed as the episode ends.
public enum EpisodeTable: ResultTable {
    public static let fileName = "episodes.csv"

    /// One row's values: the run it belongs to and its episode.
    public struct Row: Sendable {
        public var agent: String
        public var environment: String
        /// The seed as written (a merged shard's cells carry it as text).
        public var seed: String
        public var episode: Int
        public var `return`: Double
        public var length: Int
        /// Seconds since the run started when the episode ended.
        public var wallTime: Double
    }

    /// The columns in order, each with how a row writes it: the header, every row and
    /// `compare --help` come from this list, so a column is added here and nowhere else.
    static let columns: [(name: String, value: @Sendable (Row) -> String)] = [
        ("agent", { CSV.field($0.agent) }),
        ("env", { CSV.field($0.environment) }),
        ("seed", { $0.seed }),
        ("episode", { String($0.episode) }),
        ("return", { $0.return.description }),
        ("length", { String($0.length) }),
        ("wall_time", { formatSeconds($0.wallTime) }),
    ]

    public static let header = columns.map(\.name).joined(separator: ",")

    public static func row(_ row: Row) -> String {
        columns.map { $0.value(row) }.joined(separator: ",")
    }

    /// The row of `record`, an episode of the run `spec`.
    public static func row(_ spec: RunSpec, _ record: EpisodeRecord) -> String {
        row(Row(agent: spec.agent, environment: spec.environmentID, seed: String(spec.seed), episode: record.episode,
                return: record.return, length: record.length, wallTime: record.wallTime))
    }

    /// The runs of the `episodes.csv` in `folder`, in the order their first rows appear
    /// (nil when the folder has no such file).
    ///
    /// - Throws: ``ResultsError`` for a missing column or a return or length that is not a number.
    static func runs(in folder: URL, warnings: inout [String]) throws -> [RunSeries]? {
        guard let table = try read(in: folder, warnings: &warnings) else { return nil }
        let agent = try table.column("agent"), env = try table.column("env"), seed = try table.column("seed")
        let ret = try table.column("return"), length = try table.column("length")
        var order: [String] = []
        var byKey: [String: RunSeries] = [:]
        for (line, row) in table.rows.enumerated() {
            let key = Shard.key(agent: row[agent], environment: row[env], seed: row[seed])
            guard let r = Double(row[ret]), let l = Int(row[length]) else {
                throw ResultsError("\(table.source), row \(line + 2): return '\(row[ret])' or length '\(row[length])' is not a number")
            }
            if byKey[key] == nil {
                order.append(key)
                byKey[key] = RunSeries(agent: row[agent], environment: row[env], run: row[seed], returns: [], lengths: [])
            }
            byKey[key]!.returns.append(r)
            byKey[key]!.lengths.append(l)
        }
        return order.compactMap { byKey[$0] }
    }
}
