import Agents
import Foundation
import Gym

/// Agents x environments x seeds, run in parallel, written as they go.
///
/// Output folder layout:
/// - `episodes.csv`: tidy, one row per training episode. Rows are appended and flushed as
///   episodes end (so an interrupt loses nothing), then rewritten in canonical order
///   (agent, env, seed, episode) when the comparison stops, so that the file does not
///   depend on which run finished first.
/// - `<agent>/<env>/<seed>.monitor.csv`: SB3 Monitor files, flushed per episode.
/// - `summary.csv`: one row per run; `config.yml`: the resolved configuration.
/// - With periodic evaluation: `evaluations.csv` (one row per evaluation, flushed, then
///   rewritten in canonical order as `episodes.csv`) and `<agent>/<env>/<seed>.best.safetensors`.
public final class Comparison {
    public let agents: [String]
    public let environments: [String]
    public let environmentOptions: [String: String]
    /// Steps between periodic evaluations (0: none).
    public let evaluationFrequency: Int
    public let output: URL
    public let jobs: Int
    public let specs: [RunSpec]

    /// Resolves every run up front, so that bad agents, environments, configs and output
    /// folders are reported before any work starts. A nil `budget` uses each agent's own.
    public init(
        agents: [String], environments: [String], environmentOptions: [String: String] = [:], seeds: [UInt64],
        budget: TrainingBudget?, evaluationEpisodes: Int, evaluationFrequency: Int = 0, stopAt: Double? = nil,
        sources: HyperparameterSources, output: URL, jobs: Int
    ) throws {
        try RunSpec.checkEvaluation(episodes: evaluationEpisodes, frequency: evaluationFrequency, stopAt: stopAt)
        self.evaluationFrequency = evaluationFrequency
        guard !agents.isEmpty else { throw ConfigurationError("no agents given") }
        guard !environments.isEmpty else { throw ConfigurationError("no environments given") }
        guard !seeds.isEmpty else { throw ConfigurationError("no seeds given") }
        guard jobs >= 1 else { throw ConfigurationError("--jobs must be at least 1, got \(jobs)") }
        // A duplicate would run twice into one Monitor file.
        for (list, name) in [(agents, "agents"), (environments, "environments"), (seeds.map(String.init), "seeds")] {
            var seen = Set<String>()
            if let repeated = list.first(where: { !seen.insert($0).inserted }) {
                throw ConfigurationError("the \(name) list '\(list.joined(separator: ","))' names '\(repeated)' more than once; each must appear once")
            }
        }
        try sources.checkOverrides(agents: agents)
        self.agents = agents
        self.environments = environments
        self.environmentOptions = environmentOptions
        self.output = output
        self.jobs = jobs
        var specs: [RunSpec] = []
        for id in environments {
            // Resolved once: every cell's environments are made from this value.
            let environment = try EnvironmentRegistry.shared.resolve(id, options: environmentOptions)
            let signature = try environment.signature()
            for agent in agents {
                let hyperparameters = try sources.resolve(agent: agent, environmentID: id)
                // Spaces and settings are checked now, not mid-run, without building the agent.
                try AgentCatalog.type(named: agent).check(environment: signature, hyperparameters: hyperparameters)
                for seed in seeds {
                    specs.append(RunSpec(
                        agent: agent, environment: environment, seed: seed,
                        budget: budget ?? hyperparameters.suggestedBudget ?? Comparison.fallbackBudget, hyperparameters: hyperparameters,
                        evaluationEpisodes: evaluationEpisodes, evaluationFrequency: evaluationFrequency, stopAt: stopAt))
                }
            }
        }
        self.specs = specs
        try OutputFolder.ensure(output)
    }

    /// The budget when neither the command line nor a config gives one.
    public static let fallbackBudget = TrainingBudget.episodes(100)

    /// A file-system-safe name for an environment id (file ids contain slashes).
    public static func folderName(_ environmentID: String) -> String {
        String(environmentID.map { $0 == "/" || $0 == " " ? "_" : $0 })
    }

    /// Runs every cell (with `resuming`, every cell that an earlier run did not finish);
    /// returns the results of the cells run now, in spec order (interrupted runs included).
    ///
    /// `summary.csv` is the comparison's record of its cells, as `cells.csv` is a shard's
    /// (see ``Shard``): a cell's row is appended when the cell returns, after its other
    /// files are complete (its Monitor file, its rows in `episodes.csv` and
    /// `evaluations.csv`, its best model and its `<seed>.animation.json`), so a run killed
    /// at any point leaves every finished cell recorded. At the end the files are rewritten
    /// in canonical order, so a resumed comparison ends with the files of one that was never
    /// interrupted (wall-time fields aside).
    public func run(
        resuming plan: ResumePlan? = nil, isCancelled: @escaping () -> Bool, progress: @escaping (Int, Int) -> Void = { _, _ in }
    ) throws -> [RunResult] {
        let evaluating = evaluationFrequency > 0
        // What the finished cells wrote is read before any file is rewritten.
        let earlier = try (plan ?? ResumePlan.empty).rows(folder: output, evaluating: evaluating)
        let remaining = specs.indices.filter { earlier[$0] == nil }
        try ResultsFolderContents.removeTemporaryFiles(in: output)
        // What an unfinished cell left must not pass for the files of its new attempt.
        for index in remaining {
            for file in [CellFile.monitor, .bestModel, .animation] {
                try Shard.remove(output.appendingPathComponent(file.path(specs[index])))
            }
        }
        try ConfigurationFile.write(try configurationText(), in: output)
        // The finished cells' rows first; the cells run now append theirs.
        try CellRows.write(specs.indices.compactMap { earlier[$0] }, in: output, evaluating: evaluating, animations: false)
        let episodes = try EpisodeTable.appender(in: output)
        let evaluations = evaluating ? try EvaluationTable.appender(in: output) : nil
        let records = try SummaryTable.appender(in: output)
        let output = self.output
        let lock = NSLock()
        let cells = try runCells(
            remaining, in: output,
            onEpisode: { spec, record in try lock.withLock { try episodes.write(EpisodeTable.row(spec, record)) } },
            onEvaluation: { spec, record in try lock.withLock { try evaluations?.write(EvaluationTable.row(spec, record)) } },
            onFinished: { outcome in
                if let candidate = outcome.animationCandidate {
                    try ReportAnimations.write(candidate, to: output.appendingPathComponent(CellFile.animation.path(outcome.result.spec)))
                }
                try lock.withLock { try records.write(SummaryTable.row(outcome.result)) }
            },
            isCancelled: isCancelled, progress: progress)
        let outcomes = Dictionary(uniqueKeysWithValues: zip(remaining, cells))
        let rows = specs.indices.compactMap { earlier[$0] ?? outcomes[$0]?.rows }
        try CellRows.write(rows, in: output, evaluating: evaluating)
        return cells.map(\.result)
    }

    /// A cell that returned: its result and, when it finished and its environment draws
    /// frames, its claim to the report's animation.
    struct CellOutcome {
        var result: RunResult
        var animationCandidate: ReportAnimations.Candidate?

        /// What the cell adds to the results folder.
        var rows: CellRows {
            CellRows(episodes: result.episodes.map { EpisodeTable.row(result.spec, $0) },
                     evaluations: result.evaluations.map { EvaluationTable.row(result.spec, $0) },
                     record: SummaryTable.row(result), animation: animationCandidate)
        }
    }

    /// Runs the cells at `indices` (positions in ``specs``) on ``jobs`` threads, writing
    /// under `folder` each cell's Monitor file `<agent>/<env>/<seed>.monitor.csv` as its
    /// episodes end and, with periodic evaluation, its best model
    /// `<agent>/<env>/<seed>.best.safetensors`. `onEpisode`, `onEvaluation` and `onFinished`
    /// may be called from several threads at once; `onFinished` gets every cell that
    /// returns, interrupted ones included.
    ///
    /// - Returns: The cells that returned, in the order of `indices`.
    func runCells(
        _ indices: [Int], in folder: URL,
        onEpisode: @escaping (RunSpec, EpisodeRecord) throws -> Void,
        onEvaluation: @escaping (RunSpec, PeriodicEvaluationRecord) throws -> Void = { _, _ in },
        onFinished: @escaping (CellOutcome) throws -> Void = { _ in },
        isCancelled: @escaping () -> Bool, progress: @escaping (Int, Int) -> Void
    ) throws -> [CellOutcome] {
        let lock = NSLock()
        var outcomes = [CellOutcome?](repeating: nil, count: indices.count)
        var firstError: Error?
        var next = 0
        var finished = 0

        let startTime = Date()
        let worker = { [self] in
            while true {
                let (position, stop) = lock.withLock {
                    next += 1
                    return (next - 1, firstError != nil)
                }
                if position >= indices.count || stop { return }
                let spec = specs[indices[position]]
                do {
                    let monitorURL = folder.appendingPathComponent(CellFile.monitor.path(spec))
                    let monitor = try MonitorFile.Writer(url: monitorURL, environmentID: spec.environmentID, startTime: startTime)
                    let bestURL = evaluationFrequency > 0 ? folder.appendingPathComponent(CellFile.bestModel.path(spec)) : nil
                    var greedyActions: [Action]?
                    let result = try Run.execute(
                        spec,
                        onEpisode: { record in
                            try monitor.append(record)
                            try onEpisode(spec, record)
                        },
                        isCancelled: isCancelled,
                        onEvaluation: { record in try onEvaluation(spec, record) },
                        bestModel: bestURL,
                        evaluatedAgent: { agent in greedyActions = try ReportAnimations.greedyActions(agent, spec: spec) })
                    let candidate = result.interrupted ? nil : greedyActions.map { ReportAnimations.Candidate(result, actions: $0) }
                    let outcome = CellOutcome(result: result, animationCandidate: candidate)
                    try onFinished(outcome)
                    let done = lock.withLock {
                        outcomes[position] = outcome
                        finished += 1
                        return finished
                    }
                    progress(done, indices.count)
                } catch {
                    lock.withLock { if firstError == nil { firstError = error } }
                    return
                }
            }
        }
        let group = DispatchGroup()
        for _ in 0..<min(jobs, indices.count) {
            group.enter()
            let thread = Thread {
                worker()
                group.leave()
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
        group.wait()
        if let firstError { throw firstError }
        return outcomes.compactMap { $0 }
    }

    /// The text of `config.yml` (see ``ConfigurationFile``).
    func configurationText() throws -> String { try ConfigurationFile.text(of: specs, environmentOptions: environmentOptions) }
}

/// What one cell adds to a results folder's tables and animations.
struct CellRows {
    var episodes: [String]
    var evaluations: [String]
    /// Its `summary.csv` row.
    var record: String
    var animation: ReportAnimations.Candidate?

    /// Rewrites `folder`'s `episodes.csv`, `summary.csv`, with `evaluating`
    /// `evaluations.csv`, and with `animations` the report's animations, from `cells` in the
    /// order given: the canonical (grid) order of a comparison, a resume and a merge.
    static func write(_ cells: [CellRows], in folder: URL, evaluating: Bool, animations: Bool = true) throws {
        try EpisodeTable.replace(in: folder, rows: cells.flatMap(\.episodes))
        if evaluating { try EvaluationTable.replace(in: folder, rows: cells.flatMap(\.evaluations)) }
        try SummaryTable.replace(in: folder, rows: cells.map(\.record))
        if animations { try ReportAnimations.write(cells.compactMap(\.animation), to: folder) }
    }
}

/// Training-return statistics of one run's episodes.
public struct EpisodeStatistics {
    public let min: Double
    public let max: Double
    public let mean: Double
    /// Mean return of the last 100 episodes (fewer if the run had fewer).
    public let last100Mean: Double

    public init(_ episodes: [EpisodeRecord]) {
        let returns = episodes.map(\.return)
        min = returns.min() ?? .nan
        max = returns.max() ?? .nan
        mean = AggregateMetric.average(returns)
        last100Mean = AggregateMetric.average(Array(returns.suffix(100)))
    }
}
