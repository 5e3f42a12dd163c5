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
    public var evaluations: [EvaluationPoint] = []

    /// The environment steps taken by the end of each episode (running sums of the lengths).
    public var episodeEnds: [Int] {
        var total = 0
        return lengths.map { total += $0; return total }
    }
}

/// One periodic evaluation of a run: the training steps taken when it ran and its greedy
/// mean return.
public struct EvaluationPoint: Equatable, Sendable {
    public let step: Int
    public let mean: Double
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
            if let config = ConfigurationFile.read(in: folder), found != nil {
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
    public var environments: [String] { runs.map(\.environment).uniqued() }

    /// The agents that ran on `environment`, in the order the comparison listed them.
    public func agents(in environment: String) -> [String] {
        runs.filter { $0.environment == environment }.map(\.agent).uniqued()
    }

    /// The runs of `agent` on `environment`.
    public func runs(agent: String, environment: String) -> [RunSeries] {
        runs.filter { $0.agent == agent && $0.environment == environment }
    }

    // MARK: RLLab comparison folders

    static func readComparison(_ folder: URL, warnings: inout [String]) throws -> [RunSeries]? {
        guard var runs = try EpisodeTable.runs(in: folder, warnings: &warnings) else { return nil }
        let means = try SummaryTable.evaluationMeans(in: folder, warnings: &warnings)
        let points = try EvaluationTable.points(in: folder, warnings: &warnings)
        for i in runs.indices {
            let key = Shard.key(agent: runs[i].agent, environment: runs[i].environment, seed: runs[i].run)
            runs[i].evaluation = means[key]
            runs[i].evaluations = points[key] ?? []
        }
        return runs
    }

    // MARK: Monitor folders

    static func readMonitorFiles(below folder: URL, warnings: inout [String]) throws -> [RunSeries] {
        let root = folder.standardizedFileURL.resolvingSymlinksInPath()
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        var paths: [[String]] = []
        for case let url as URL in enumerator where url.lastPathComponent.hasSuffix(MonitorFile.suffix) {
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
