import Agents
import Foundation

/// Seconds formatted as SB3's Monitor does (`round(t, 6)`).
func formatSeconds(_ seconds: Double) -> String {
    String(format: "%.6f", seconds)
}

/// Writes a Stable-Baselines3 Monitor file (`*.monitor.csv`): a JSON comment line with
/// `t_start` and `env_id`, the header `r,l,t`, then one row per episode, flushed as it ends.
///
/// `stable_baselines3.common.monitor.load_results` and RL-Zoo's plotting scripts read it.
public final class MonitorWriter {
    private let writer: LineWriter

    public init(url: URL, environmentID: String, startTime: Date) throws {
        writer = try LineWriter(url: url)
        let start = String(format: "%.6f", startTime.timeIntervalSince1970)
        try writer.write("#{\"t_start\": \(start), \"env_id\": \"\(environmentID)\"}")
        try writer.write("r,l,t")
    }

    public func append(_ record: EpisodeRecord) throws {
        try writer.write("\(record.return.description),\(record.length),\(formatSeconds(record.wallTime))")
    }
}

/// `evaluations.csv`: one row per periodic evaluation of every run (SB3's
/// `evaluations.npz` as a tidy CSV); `returns` holds the evaluation's episode returns,
/// separated by spaces.
public enum EvaluationTable {
    public static let header = "agent,env,seed,step,wall_time,mean,std,returns"

    public static func row(agent: String, environment: String, seed: UInt64, record: PeriodicEvaluationRecord) -> String {
        "\(agent),\(environment),\(seed),\(record.step),\(formatSeconds(record.wallTime)),\(record.result.mean.description),"
            + "\(record.result.standardDeviation.description),\(record.result.returns.map(\.description).joined(separator: " "))"
    }
}

/// The tidy long CSV of a comparison: one row per episode of every run.
public enum EpisodeTable {
    public static let header = "agent,env,seed,episode,return,length,wall_time"

    public static func row(agent: String, environment: String, seed: UInt64, record: EpisodeRecord) -> String {
        "\(agent),\(environment),\(seed),\(record.episode),\(record.return.description),\(record.length),\(formatSeconds(record.wallTime))"
    }
}
