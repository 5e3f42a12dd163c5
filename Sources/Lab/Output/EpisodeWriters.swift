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
        try writer.write("#{\"t_start\": \(start), \"env_id\": \(MonitorWriter.jsonString(environmentID))}")
        try writer.write("r,l,t")
    }

    /// `text` as a JSON string (an environment file's path may hold quotes or backslashes).
    static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 { result += String(format: "\\u%04x", scalar.value) } else { result.unicodeScalars.append(scalar) }
            }
        }
        return result + "\""
    }

    /// Continues an existing Monitor file (a resumed run): its header stays, rows are added.
    public init(appendingTo url: URL) throws {
        writer = try LineWriter(url: url, appending: true)
    }

    public func append(_ record: EpisodeRecord) throws {
        try writer.write("\(record.return.description),\(record.length),\(formatSeconds(record.wallTime))")
    }
}

/// `evaluations.csv`: one row per periodic evaluation of every run (SB3's
/// `evaluations.npz` as a tidy CSV); `returns` holds the evaluation's episode returns,
/// separated by spaces.
public enum EvaluationTable {
    public static let fileName = "evaluations.csv"
    public static let header = "agent,env,seed,step,wall_time,mean,std,returns"

    /// The start of every row of one run: `agent,env,seed,`.
    static func rowPrefix(agent: String, environment: String, seed: UInt64) -> String {
        rowPrefix(agent: agent, environment: environment, seed: String(seed))
    }

    static func rowPrefix(agent: String, environment: String, seed: String) -> String {
        "\(CSV.field(agent)),\(CSV.field(environment)),\(seed),"
    }

    /// The rows of every periodic evaluation of `result`, in order.
    public static func rows(_ result: RunResult) -> [String] {
        result.evaluations.map { row(agent: result.spec.agent, environment: result.spec.environmentID, seed: result.spec.seed, record: $0) }
    }

    public static func row(agent: String, environment: String, seed: UInt64, record: PeriodicEvaluationRecord) -> String {
        rowPrefix(agent: agent, environment: environment, seed: seed) + "\(record.step),\(formatSeconds(record.wallTime)),\(record.result.mean.description),"
            + "\(record.result.standardDeviation.description),\(record.result.returns.map(\.description).joined(separator: " "))"
    }
}

/// The tidy long CSV of a comparison: one row per episode of every run.
public enum EpisodeTable {
    public static let fileName = "episodes.csv"
    public static let header = "agent,env,seed,episode,return,length,wall_time"

    public static func row(agent: String, environment: String, seed: UInt64, record: EpisodeRecord) -> String {
        row(agent: agent, environment: environment, seed: String(seed), episode: record.episode, return: record.return,
            length: record.length, wallTime: record.wallTime)
    }

    public static func row(agent: String, environment: String, seed: String, episode: Int, return value: Double, length: Int, wallTime: Double) -> String {
        "\(CSV.field(agent)),\(CSV.field(environment)),\(seed),\(episode),\(value.description),\(length),\(formatSeconds(wallTime))"
    }
}

/// `summary.csv`: one row per run. The same row is a sharded comparison's record of a
/// finished cell (`cells.csv`, see ``Shard``), so a merge copies rows, never recomputes them.
public enum SummaryTable {
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
}
