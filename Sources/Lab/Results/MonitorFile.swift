import Agents
import Foundation

/// A Stable-Baselines3 Monitor file (`*.monitor.csv`): `#{"t_start": ..., "env_id": ...}`,
/// a header with at least `r` and `l` (RLLab writes `r,l,t`), then one row per episode.
/// ``Writer`` writes it, ``init(url:)`` reads it (RLLab's own and any other tool's).
public struct MonitorFile {
    /// What every Monitor file's name ends with: `<run>.monitor.csv`.
    public static let suffix = "monitor.csv"

    /// The header RLLab writes.
    static let header = "r,l,t"

    public let environmentID: String?
    public let returns: [Double]
    public let lengths: [Int]
    /// Each episode's `t` (seconds since `t_start` when it ended), when the file has a `t` column.
    public let wallTimes: [Double]?
    /// Set when the file's last row was cut short and skipped.
    public let warning: String?

    /// Reads the file at `url`.
    ///
    /// - Throws: ``ResultsError`` when the file cannot be read or has no `r`/`l` columns.
    public init(url: URL) throws {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ResultsError("cannot read Monitor file \(url.path)")
        }
        // The first line is `#` and a JSON object with the environment's id, then the CSV table.
        var body = Substring(text)
        var environmentID: String?
        if body.hasPrefix("#") {
            let end = body.firstIndex(where: \.isNewline) ?? body.endIndex
            if let object = try? JSONSerialization.jsonObject(with: Data(body[body.index(after: body.startIndex)..<end].utf8)) as? [String: Any],
               let id = object["env_id"] as? String, !id.isEmpty, id != "None" {
                environmentID = id
            }
            body = body[end...]
        }
        let table = try CSVTable(String(body), source: url.path)
        warning = table.warning
        let r = try table.column("r"), l = try table.column("l")
        let t = table.header.firstIndex(of: "t")
        var returns: [Double] = [], lengths: [Int] = [], wallTimes: [Double] = []
        for (line, row) in table.rows.enumerated() {
            guard let value = Double(row[r]), let length = Double(row[l]).map(Int.init) else {
                throw ResultsError("\(url.path), row \(line + 3): r '\(row[r])' or l '\(row[l])' is not a number")
            }
            returns.append(value)
            lengths.append(length)
            if let t {
                guard let seconds = Double(row[t]) else { throw ResultsError("\(url.path), row \(line + 3): t '\(row[t])' is not a number") }
                wallTimes.append(seconds)
            }
        }
        self.environmentID = environmentID
        self.returns = returns
        self.lengths = lengths
        self.wallTimes = t == nil ? nil : wallTimes
    }

    /// Agent, environment and run names for a Monitor file at `relativePath` below the
    /// folder being read (see ``ResultsFolder`` for the rule).
    public static func names(relativePath: [String], environmentID: String?, folderName: String) -> (agent: String, environment: String, run: String) {
        let file = relativePath.last ?? suffix
        var stem = file.hasSuffix("." + suffix) ? String(file.dropLast(suffix.count + 1)) : String(file.dropLast(suffix.count))
        if stem.isEmpty { stem = "0" }
        let folders = Array(relativePath.dropLast())
        let depth = folders.count
        let parentEnvironment = folders.last.map(withoutRunNumber)
        let environment = environmentID ?? (depth >= 1 ? parentEnvironment ?? "unknown" : "unknown")
        switch depth {
        case 0:
            let agent = withoutRunNumber(stem)
            return (agent == stem && Int(stem) != nil ? folderName : agent, environment, stem)
        case 1:
            return (folders[0], environment, stem)
        default:
            return (folders[depth - 2], environment, folders[(depth - 1)...].joined(separator: "/") + "/" + stem)
        }
    }

    /// `name_3`, `name-3`, `name.3` -> `name`; anything else unchanged.
    static func withoutRunNumber(_ name: String) -> String {
        guard let separator = name.lastIndex(where: { $0 == "_" || $0 == "-" || $0 == "." }),
              separator != name.startIndex,
              !name[name.index(after: separator)...].isEmpty,
              name[name.index(after: separator)...].allSatisfy(\.isNumber) else { return name }
        // `CartPole-v1` keeps its version: `v1` is not all digits.
        return String(name[..<separator])
    }

    /// Writes a Stable-Baselines3 Monitor file (`*.monitor.csv`): a JSON comment line with
    /// `t_start` and `env_id`, the header `r,l,t`, then one row per episode, flushed as it ends.
    ///
    /// `stable_baselines3.common.monitor.load_results` and RL-Zoo's plotting scripts read it.
    public final class Writer {
        private let writer: LineWriter

        public init(url: URL, environmentID: String, startTime: Date) throws {
            writer = try LineWriter(url: url)
            let start = String(format: "%.6f", startTime.timeIntervalSince1970)
            try writer.write("#{\"t_start\": \(start), \"env_id\": \(Writer.jsonString(environmentID))}")
            try writer.write(MonitorFile.header)
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
}
