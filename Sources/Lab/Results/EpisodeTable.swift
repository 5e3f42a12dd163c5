import Agents
import Foundation

/// `episodes.csv`, the tidy long CSV of a comparison or a `train` run: one row per
/// training episode of every run, appended and flushed as the episode ends.
public enum EpisodeTable: ResultTable {
    public static let fileName = "episodes.csv"
    public static let header = "agent,env,seed,episode,return,length,wall_time"

    public static func row(agent: String, environment: String, seed: UInt64, record: EpisodeRecord) -> String {
        row(agent: agent, environment: environment, seed: String(seed), episode: record.episode, return: record.return,
            length: record.length, wallTime: record.wallTime)
    }

    public static func row(agent: String, environment: String, seed: String, episode: Int, return value: Double, length: Int, wallTime: Double) -> String {
        "\(CSV.field(agent)),\(CSV.field(environment)),\(seed),\(episode),\(value.description),\(length),\(formatSeconds(wallTime))"
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
