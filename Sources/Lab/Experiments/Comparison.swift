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
    public let seeds: [UInt64]
    /// The budget of every run, or nil to use each agent's configured one.
    public let budget: TrainingBudget?
    public let evaluationEpisodes: Int
    /// Steps between periodic evaluations (0: none).
    public let evaluationFrequency: Int
    public let stopAt: Double?
    public let output: URL
    public let jobs: Int
    public let specs: [RunSpec]

    /// Resolves every run up front, so that bad agents, environments, configs and output
    /// folders are reported before any work starts.
    public init(
        agents: [String], environments: [String], environmentOptions: [String: String] = [:], seeds: [UInt64],
        budget: TrainingBudget?, evaluationEpisodes: Int, evaluationFrequency: Int = 0, stopAt: Double? = nil,
        sources: HyperparameterSources, output: URL, jobs: Int
    ) throws {
        guard evaluationFrequency >= 0 else { throw ConfigurationError("--eval-freq must be at least 0, got \(evaluationFrequency)") }
        guard evaluationFrequency == 0 || evaluationEpisodes > 0 else {
            throw ConfigurationError("--eval-freq needs --eval-episodes of at least 1")
        }
        guard stopAt == nil || evaluationFrequency > 0 else { throw ConfigurationError("--stop-at needs --eval-freq") }
        self.evaluationFrequency = evaluationFrequency
        self.stopAt = stopAt
        guard !agents.isEmpty else { throw ConfigurationError("no agents given") }
        guard !environments.isEmpty else { throw ConfigurationError("no environments given") }
        guard !seeds.isEmpty else { throw ConfigurationError("no seeds given") }
        guard jobs >= 1 else { throw ConfigurationError("--jobs must be at least 1, got \(jobs)") }
        self.agents = agents
        self.environments = environments
        self.environmentOptions = environmentOptions
        self.seeds = seeds
        self.budget = budget
        self.evaluationEpisodes = evaluationEpisodes
        self.output = output
        self.jobs = jobs
        var specs: [RunSpec] = []
        for environment in environments {
            let probe = try EnvironmentRegistry.shared.make(environment, options: environmentOptions)
            for agent in agents {
                let hyperparameters = try sources.resolve(agent: agent, environmentID: environment)
                for seed in seeds {
                    var spec = RunSpec(
                        agent: agent, environmentID: environment, environmentOptions: environmentOptions, seed: seed,
                        budget: budget ?? hyperparameters.suggestedBudget ?? Comparison.fallbackBudget,
                        hyperparameters: hyperparameters, evaluationEpisodes: evaluationEpisodes)
                    spec.evaluationFrequency = evaluationFrequency
                    spec.stopAt = stopAt
                    // Construct each agent once to surface space mismatches now, not mid-run.
                    _ = try Run.makeAgent(spec, for: probe)
                    specs.append(spec)
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

    /// Runs everything; returns the results in spec order (interrupted runs included).
    public func run(isCancelled: @escaping () -> Bool, progress: @escaping (Int, Int) -> Void = { _, _ in }) throws -> [RunResult] {
        try writeConfiguration()
        let episodesFile = output.appendingPathComponent("episodes.csv")
        let episodes = try LineWriter(url: episodesFile)
        try episodes.write(EpisodeTable.header)
        let evaluationsFile = output.appendingPathComponent("evaluations.csv")
        let evaluations = evaluationFrequency > 0 ? try LineWriter(url: evaluationsFile) : nil
        try evaluations?.write(EvaluationTable.header)
        let lock = NSLock()
        var results = [RunResult?](repeating: nil, count: specs.count)
        var greedyActions: [Int: [Action]] = [:]  // for the report's animations
        var firstError: Error?
        var next = 0
        var finished = 0

        let startTime = Date()
        let worker = { [self] in
            while true {
                lock.lock()
                let index = next
                next += 1
                let stop = firstError != nil
                lock.unlock()
                if index >= specs.count || stop { return }
                let spec = specs[index]
                do {
                    let monitorURL = output
                        .appendingPathComponent(spec.agent)
                        .appendingPathComponent(Comparison.folderName(spec.environmentID))
                        .appendingPathComponent("\(spec.seed).monitor.csv")
                    let monitor = try MonitorWriter(url: monitorURL, environmentID: spec.environmentID, startTime: startTime)
                    let bestURL = evaluationFrequency > 0
                        ? monitorURL.deletingLastPathComponent().appendingPathComponent("\(spec.seed).best.safetensors") : nil
                    let result = try Run.execute(
                        spec,
                        onEpisode: { record in
                            try monitor.append(record)
                            let row = EpisodeTable.row(agent: spec.agent, environment: spec.environmentID, seed: spec.seed, record: record)
                            lock.lock()
                            defer { lock.unlock() }
                            try episodes.write(row)
                        },
                        isCancelled: isCancelled,
                        onEvaluation: { record in
                            let row = EvaluationTable.row(agent: spec.agent, environment: spec.environmentID, seed: spec.seed, record: record)
                            lock.lock()
                            defer { lock.unlock() }
                            try evaluations?.write(row)
                        },
                        bestModel: bestURL,
                        evaluatedAgent: { agent in
                            let actions = try ReportAnimations.greedyActions(agent, spec: spec)
                            lock.lock()
                            greedyActions[index] = actions
                            lock.unlock()
                        })
                    lock.lock()
                    results[index] = result
                    finished += 1
                    let done = finished
                    lock.unlock()
                    progress(done, specs.count)
                } catch {
                    lock.lock()
                    if firstError == nil { firstError = error }
                    lock.unlock()
                    return
                }
            }
        }
        let group = DispatchGroup()
        for _ in 0..<min(jobs, specs.count) {
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
        let finishedResults = results.compactMap { $0 }
        try rewriteEpisodesInCanonicalOrder(finishedResults, to: episodesFile)
        if evaluationFrequency > 0 {
            var lines = [EvaluationTable.header]
            for result in finishedResults {
                for record in result.evaluations {
                    lines.append(EvaluationTable.row(agent: result.spec.agent, environment: result.spec.environmentID, seed: result.spec.seed, record: record))
                }
            }
            try Comparison.replace(evaluationsFile, with: lines)
        }
        try writeSummary(finishedResults)
        let kept = Dictionary(uniqueKeysWithValues: results.enumerated().compactMap { index, result -> (Int, [Action])? in
            guard result != nil, let actions = greedyActions[index] else { return nil }
            return (results[..<index].compactMap { $0 }.count, actions)
        })
        try ReportAnimations.write(finishedResults, greedyActions: kept, to: output)
        return finishedResults
    }

    private func rewriteEpisodesInCanonicalOrder(_ results: [RunResult], to url: URL) throws {
        var lines = [EpisodeTable.header]
        for result in results {
            for record in result.episodes {
                lines.append(EpisodeTable.row(agent: result.spec.agent, environment: result.spec.environmentID, seed: result.spec.seed, record: record))
            }
        }
        try Comparison.replace(url, with: lines)
    }

    /// Rewrites `url` with `lines` through a temporary file and a rename.
    static func replace(_ url: URL, with lines: [String]) throws {
        let temporary = url.appendingPathExtension("tmp")
        do {
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: temporary)
            // rename(2) replaces the file atomically: a reader sees the old rows or the new ones.
            guard rename(temporary.path, url.path) == 0 else { throw OutputError(String(cString: strerror(errno))) }
        } catch {
            throw OutputError("cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    private func writeSummary(_ results: [RunResult]) throws {
        let writer = try LineWriter(url: output.appendingPathComponent("summary.csv"))
        try writer.write("agent,env,seed,episodes,steps,min_return,max_return,mean_return,last100_mean,eval_mean,eval_std,train_seconds,steps_per_second,interrupted,solved_step,solved_seconds")
        for result in results {
            let stats = EpisodeStatistics(result.episodes)
            let evalMean = result.evaluation.map { $0.mean.description } ?? ""
            let evalStd = result.evaluation.map { $0.standardDeviation.description } ?? ""
            try writer.write([
                result.spec.agent, result.spec.environmentID, String(result.spec.seed), String(result.episodes.count),
                String(result.steps), stats.min.description, stats.max.description, stats.mean.description,
                stats.last100Mean.description, evalMean, evalStd, formatSeconds(result.trainingSeconds),
                String(format: "%.0f", result.stepsPerSecond), String(result.interrupted),
                result.solvedStep.map(String.init) ?? "", result.solvedSeconds.map(formatSeconds) ?? "",
            ].joined(separator: ","))
        }
    }

    private func writeConfiguration() throws {
        var lines = [
            "# The resolved configuration of this comparison. The same agents, environments, seeds,",
            "# budgets and hyperparameters give the same CSVs (apart from wall-time columns).",
            "agents: [\(agents.joined(separator: ", "))]",
            "environments: [\(environments.map { "'\($0)'" }.joined(separator: ", "))]",
            "environment_options: {\(environmentOptions.keys.sorted().map { "\($0): '\(environmentOptions[$0]!)'" }.joined(separator: ", "))}",
            "seeds: [\(seeds.map(String.init).joined(separator: ", "))]",
        ]
        lines.append("evaluation_episodes: \(evaluationEpisodes)")
        if evaluationFrequency > 0 { lines.append("eval_freq: \(evaluationFrequency)") }
        if let stopAt { lines.append("stop_at: \(stopAt)") }
        lines.append("hyperparameters:")
        // Specs are environment-major, so each environment's key is written once.
        var seen = Set<String>()
        var lastEnvironment: String?
        for spec in specs where seen.insert("\(spec.environmentID)|\(spec.agent)").inserted {
            if spec.environmentID != lastEnvironment {
                lines.append("  '\(spec.environmentID)':")
                lastEnvironment = spec.environmentID
            }
            lines.append("    \(spec.agent):")
            switch spec.budget {
            case .timesteps(let n): lines.append("      n_timesteps: \(n)")
            case .episodes(let n): lines.append("      n_episodes: \(n)")
            }
            lines.append(contentsOf: spec.hyperparameters.yamlLines.map { "      " + $0 })
        }
        let writer = try LineWriter(url: output.appendingPathComponent("config.yml"))
        for line in lines { try writer.write(line) }
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
        mean = returns.isEmpty ? .nan : returns.reduce(0, +) / Double(returns.count)
        let tail = returns.suffix(100)
        last100Mean = tail.isEmpty ? .nan : tail.reduce(0, +) / Double(tail.count)
    }
}
