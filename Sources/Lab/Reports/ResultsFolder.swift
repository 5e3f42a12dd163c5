import Foundation

/// The training episodes of one run (one seed of one agent on one environment).
public struct RunSeries: Equatable, Sendable {
    /// The agent label the charts show.
    public var agent: String
    /// The environment id.
    public var environment: String
    /// The run's name within its agent and environment: the seed, or a Monitor file's path.
    public var run: String
    /// Episode returns, in order.
    public var returns: [Double]
    /// Episode lengths, in order (environment steps).
    public var lengths: [Int]
    /// The greedy evaluation mean of the run, when one was recorded.
    public var evaluation: Double?
    /// The run's periodic greedy evaluations (`evaluations.csv`), in step order; empty
    /// when it had none.
    public var evaluations: [EvaluationPoint]

    public init(
        agent: String, environment: String, run: String, returns: [Double], lengths: [Int], evaluation: Double? = nil,
        evaluations: [EvaluationPoint] = []
    ) {
        self.agent = agent
        self.environment = environment
        self.run = run
        self.returns = returns
        self.lengths = lengths
        self.evaluation = evaluation
        self.evaluations = evaluations
    }
}

/// One periodic evaluation of a run: the training steps taken when it ran and its greedy
/// mean return.
public struct EvaluationPoint: Equatable, Sendable {
    public let step: Int
    public let mean: Double

    public init(step: Int, mean: Double) {
        self.step = step
        self.mean = mean
    }
}

/// An error reading results: a missing folder or a malformed file.
public struct ResultsError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Runs read from result folders: RLLab comparison folders and folders of
/// Stable-Baselines3 Monitor files written by any tool.
///
/// **RLLab comparison folders** (a folder with `episodes.csv`): runs come from
/// `episodes.csv`, evaluation means per seed from `summary.csv` (`eval_mean`), periodic
/// evaluations from `evaluations.csv` when present, the configuration from `config.yml`.
/// Its own `*.monitor.csv` copies are not read twice.
///
/// **Monitor folders** (any other folder): every `*.monitor.csv` below it is one run.
/// With `d` the number of folders between the given folder and the file:
/// - the **environment** is the `env_id` of the file's JSON header line; without one, the
///   parent folder's name (RL-Zoo's `CartPole-v1_1` loses its `_1`), or `unknown`;
/// - the **agent** is the folder two levels up when `d >= 2`
///   (`<agent>/<env>/<seed>.monitor.csv` as RLLab writes, `logs/<algo>/<env>_<n>/0.monitor.csv`
///   as RL-Zoo writes), the parent folder when `d == 1` (`<agent>/<run>.monitor.csv`), and
///   for files directly in the folder the file name without a trailing run number
///   (`dqn_2.monitor.csv` -> `dqn`);
/// - the **run** is the rest of the path.
///
/// When several folders are read together and two of them use the same agent name,
/// the later folder's runs are labelled `agent (folder)` so that they stay apart.
public struct ResultsFolder {
    /// Every run found, grouped by environment, in the order read.
    public private(set) var runs: [RunSeries] = []
    /// The resolved configuration text of each RLLab comparison folder read.
    public private(set) var configurations: [(folder: String, text: String)] = []
    /// The folders read.
    public private(set) var folders: [URL] = []
    /// What the reader skipped: rows cut short at the end of a file by an interrupted write.
    public private(set) var warnings: [String] = []

    /// Reads `folders` (see the type's documentation for the rules).
    ///
    /// - Throws: ``ResultsError`` for a missing folder, a folder without any results, or a
    ///   malformed CSV.
    public init(_ folders: [URL]) throws {
        self.folders = folders
        var agentFolders: [String: String] = [:]  // agent label -> the folder that introduced it
        for folder in folders {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ResultsError("results folder \(folder.path) does not exist")
            }
            var found = try ResultsFolder.readComparison(folder, warnings: &warnings)
            if let config = try? String(contentsOf: folder.appendingPathComponent("config.yml"), encoding: .utf8), found != nil {
                configurations.append((folder.lastPathComponent, config))
            }
            if found == nil { found = try ResultsFolder.readMonitorFiles(below: folder, warnings: &warnings) }
            guard var runs = found, !runs.isEmpty else {
                throw ResultsError("no results in \(folder.path): expected episodes.csv (an RLLab comparison) or *.monitor.csv files (SB3 Monitor format)")
            }
            let name = folder.standardizedFileURL.lastPathComponent
            var renamed: [String: String] = [:]
            for agent in Set(runs.map(\.agent)) {
                if let owner = agentFolders[agent], owner != folder.path {
                    renamed[agent] = "\(agent) (\(name))"
                } else {
                    agentFolders[agent] = folder.path
                }
            }
            for i in runs.indices { if let label = renamed[runs[i].agent] { runs[i].agent = label } }
            self.runs += runs
        }
        // Keep the order the runs were read in (a comparison's agent order, Monitor files by
        // path), grouped by environment: charts list agents as the user listed them.
        let environmentOrder = Dictionary(self.runs.map(\.environment).enumerated().map { ($1, $0) }, uniquingKeysWith: min)
        self.runs = self.runs.enumerated().sorted {
            (environmentOrder[$0.element.environment] ?? 0, $0.offset) < (environmentOrder[$1.element.environment] ?? 0, $1.offset)
        }.map(\.element)
    }

    /// The environments, in first-seen order of the sorted runs.
    public var environments: [String] { ordered(runs.map(\.environment)) }

    /// The agents that ran on `environment`, in the order the comparison listed them.
    public func agents(in environment: String) -> [String] {
        ordered(runs.filter { $0.environment == environment }.map(\.agent))
    }

    /// The runs of `agent` on `environment`.
    public func runs(agent: String, environment: String) -> [RunSeries] {
        runs.filter { $0.agent == agent && $0.environment == environment }
    }

    private func ordered(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }

    // MARK: RLLab comparison folders

    static func readComparison(_ folder: URL, warnings: inout [String]) throws -> [RunSeries]? {
        let episodesURL = folder.appendingPathComponent("episodes.csv")
        guard let text = try? String(contentsOf: episodesURL, encoding: .utf8) else { return nil }
        let table = try CSVTable(text, source: episodesURL.path)
        if let warning = table.warning { warnings.append(warning) }
        let agent = try table.column("agent"), env = try table.column("env"), seed = try table.column("seed")
        let ret = try table.column("return"), length = try table.column("length")
        var order: [String] = []
        var byKey: [String: RunSeries] = [:]
        for (line, row) in table.rows.enumerated() {
            let key = "\(row[agent])\u{1}\(row[env])\u{1}\(row[seed])"
            guard let r = Double(row[ret]), let l = Int(row[length]) else {
                throw ResultsError("\(episodesURL.path), row \(line + 2): return '\(row[ret])' or length '\(row[length])' is not a number")
            }
            if byKey[key] == nil {
                order.append(key)
                byKey[key] = RunSeries(agent: row[agent], environment: row[env], run: row[seed], returns: [], lengths: [])
            }
            byKey[key]!.returns.append(r)
            byKey[key]!.lengths.append(l)
        }
        // Evaluation means per seed, from summary.csv (absent or empty for runs without one).
        let summaryURL = folder.appendingPathComponent("summary.csv")
        if let summaryText = try? String(contentsOf: summaryURL, encoding: .utf8) {
            let summary = try CSVTable(summaryText, source: summaryURL.path)
            if let warning = summary.warning { warnings.append(warning) }
            if let evalColumn = summary.header.firstIndex(of: "eval_mean") {
                let a = try summary.column("agent"), e = try summary.column("env"), s = try summary.column("seed")
                for row in summary.rows {
                    let key = "\(row[a])\u{1}\(row[e])\u{1}\(row[s])"
                    if let value = Double(row[evalColumn]), !value.isNaN { byKey[key]?.evaluation = value }
                }
            }
        }
        // Periodic evaluations per seed, from evaluations.csv (written with --eval-freq).
        let evaluationsURL = folder.appendingPathComponent("evaluations.csv")
        if let evaluationsText = try? String(contentsOf: evaluationsURL, encoding: .utf8) {
            let table = try CSVTable(evaluationsText, source: evaluationsURL.path)
            if let warning = table.warning { warnings.append(warning) }
            let a = try table.column("agent"), e = try table.column("env"), s = try table.column("seed")
            let step = try table.column("step"), mean = try table.column("mean")
            for (line, row) in table.rows.enumerated() {
                guard let at = Int(row[step]), let value = Double(row[mean]) else {
                    throw ResultsError("\(evaluationsURL.path), row \(line + 2): step '\(row[step])' or mean '\(row[mean])' is not a number")
                }
                byKey["\(row[a])\u{1}\(row[e])\u{1}\(row[s])"]?.evaluations.append(EvaluationPoint(step: at, mean: value))
            }
            for key in order { byKey[key]?.evaluations.sort { $0.step < $1.step } }
        }
        return order.compactMap { byKey[$0] }
    }

    // MARK: Monitor folders

    static func readMonitorFiles(below folder: URL, warnings: inout [String]) throws -> [RunSeries] {
        let root = folder.standardizedFileURL.resolvingSymlinksInPath()
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        var paths: [[String]] = []
        for case let url as URL in enumerator where url.lastPathComponent.hasSuffix("monitor.csv") {
            let full = url.standardizedFileURL.resolvingSymlinksInPath().pathComponents
            paths.append(Array(full.dropFirst(root.pathComponents.count)))
        }
        var found: [String] = []
        defer { warnings += found }
        return try paths.sorted { $0.joined(separator: "/") < $1.joined(separator: "/") }.map { components in
            let url = components.reduce(root) { $0.appendingPathComponent($1) }
            let monitor = try MonitorFile(url: url)
            if let warning = monitor.warning { found.append(warning) }
            let names = MonitorFile.names(relativePath: components, environmentID: monitor.environmentID, folderName: root.lastPathComponent)
            return RunSeries(agent: names.agent, environment: names.environment, run: names.run, returns: monitor.returns, lengths: monitor.lengths)
        }
    }
}

/// A Stable-Baselines3 Monitor file: `#{"t_start": ..., "env_id": ...}`, a header with
/// at least `r` and `l`, then one row per episode.
public struct MonitorFile {
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
        var complete = Substring(text)
        var torn = false
        if !complete.isEmpty, !complete.hasSuffix("\n"), let end = complete.lastIndex(of: "\n") {
            complete = complete[...end]  // a row cut short by an interrupted write
            torn = true
        }
        var lines = complete.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline).map(String.init)
        var environmentID: String?
        if let first = lines.first, first.hasPrefix("#") {
            lines.removeFirst()
            let json = first.dropFirst()
            if let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
               let id = object["env_id"] as? String, !id.isEmpty, id != "None" {
                environmentID = id
            }
        }
        let table = try CSVTable(lines.joined(separator: "\n") + "\n", source: url.path)
        warning = torn ? "\(url.path): its last row is incomplete (an interrupted write) and was skipped" : nil
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
        let file = relativePath.last ?? "monitor.csv"
        var stem = file.hasSuffix(".monitor.csv") ? String(file.dropLast(".monitor.csv".count)) : String(file.dropLast("monitor.csv".count))
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
}

/// A small CSV reader for the unquoted tables RLLab and SB3 write.
///
/// Every row RLLab and SB3 write ends with a newline, so a last line without one was cut
/// short (a run killed mid-write, a full disk): it is skipped, and ``tornRow`` says so.
struct CSVTable {
    let header: [String]
    let rows: [[String]]
    let source: String
    /// The text's last line had no newline and was skipped.
    let tornRow: Bool

    /// The warning for a skipped torn row, if there was one.
    var warning: String? {
        tornRow ? "\(source): its last row is incomplete (an interrupted write) and was skipped" : nil
    }

    init(_ text: String, source: String) throws {
        var text = Substring(text)
        var torn = false
        if !text.isEmpty, !text.hasSuffix("\n"), let end = text.lastIndex(of: "\n") {
            text = text[...end]
            torn = true
        }
        tornRow = torn
        let lines = text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline)
        guard let first = lines.first else { throw ResultsError("\(source) is empty") }
        header = CSV.fields(first).map { $0.trimmingCharacters(in: .whitespaces) }
        var rows: [[String]] = []
        for (index, line) in lines.dropFirst().enumerated() {
            let cells = CSV.fields(line)
            guard cells.count >= header.count else {
                throw ResultsError("\(source), line \(index + 2): \(cells.count) fields, the header has \(header.count)")
            }
            rows.append(cells)
        }
        self.rows = rows
        self.source = source
    }

    func column(_ name: String) throws -> Int {
        guard let index = header.firstIndex(of: name) else {
            throw ResultsError("\(source) has no '\(name)' column (header: \(header.joined(separator: ",")))")
        }
        return index
    }
}
