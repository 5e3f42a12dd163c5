import Agents
import Foundation
import Gym
import LabCore

/// How ``ComparisonStatistics`` computes: bootstrap size and seed, normalizations, the
/// smoothing of training-return curves.
public struct StatisticsOptions: Sendable {
    /// Bootstrap resamples per interval (`--bootstrap-samples`).
    public var bootstrapSamples: Int
    /// The seed of the bootstrap's named streams: the same seed gives the same intervals.
    public var seed: UInt64
    /// User-given normalizations per environment id (`--normalize ID=MIN,MAX`); others use
    /// the random agent's mean and the environment's `reward_threshold`.
    public var normalizations: [String: Normalization]
    /// Rolling mean over this many training episodes for curves built from training returns.
    public var window: Int
    /// Points on a sample-efficiency curve.
    public var curvePoints: Int

    public init(bootstrapSamples: Int = 2000, seed: UInt64 = 0, normalizations: [String: Normalization] = [:], window: Int = 10, curvePoints: Int = 50) {
        self.bootstrapSamples = bootstrapSamples
        self.seed = seed
        self.normalizations = normalizations
        self.window = window
        self.curvePoints = curvePoints
    }

    /// Parses `--normalize` values: `ID=MIN,MAX`, or `MIN,MAX` for every environment.
    ///
    /// - Throws: ``StatisticsError`` for malformed values, non-numbers, or MIN >= MAX.
    public static func parseNormalizations(_ items: [String], environments: [String]) throws -> [String: Normalization] {
        var result: [String: Normalization] = [:]
        for item in items {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            let ids = parts.count == 2 ? [parts[0]] : environments
            let bounds = (parts.count == 2 ? parts[1] : parts[0]).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard bounds.count == 2, let low = Double(bounds[0]), let high = Double(bounds[1]) else {
                throw StatisticsError("--normalize '\(item)': expected ENV=MIN,MAX or MIN,MAX (two numbers)")
            }
            for id in ids { result[id] = try Normalization(minimum: low, maximum: high, task: id) }
        }
        return result
    }
}

/// One agent's curve with a band: a performance profile or a sample-efficiency curve.
public struct BandedCurve: Equatable, Sendable {
    public let agent: String
    public let x: [Double]
    public let estimate: [Double]
    /// Band bounds; nil where the interval is undefined (one run).
    public let lower: [Double]?
    public let upper: [Double]?
    /// The fewest runs any of its tasks has.
    public let runCount: Int
}

/// P(X > Y) of one pair of agents.
public struct ImprovementProbability: Equatable, Sendable {
    public let x: String
    public let y: String
    public let value: IntervalEstimate
}

/// The statistics of one scope: one environment (raw returns) or the aggregate across
/// environments (normalized scores).
public struct ScopeStatistics: Sendable {
    /// The environment id, or "aggregate".
    public let scope: String
    /// The agents, in comparison order.
    public let agents: [String]
    /// Runs per agent (the fewest of any environment for the aggregate).
    public let runCounts: [String: Int]
    /// Per agent, per metric. Per environment: IQM, mean and median (of the runs) in
    /// return units, and the optimality gap below the normalization's maximum (the
    /// `reward_threshold`) in return units, absent without one. Aggregate: rliable's
    /// metrics on normalized scores (median over environments' means, gap with gamma = 1).
    public let metrics: [String: [AggregateMetric: IntervalEstimate]]
    /// Performance profiles over runs' scores, and over the episodes of each run's last
    /// 100 training episodes.
    public let runProfiles: [BandedCurve]
    public let episodeProfiles: [BandedCurve]
    /// Probability of improvement for each pair of agents (earlier agent as X).
    public let improvements: [ImprovementProbability]
    /// IQM of the score against environment steps: the periodic greedy evaluations when
    /// every run of the scope has them, else the smoothed training returns.
    public let sampleEfficiency: [BandedCurve]
    /// What the scores are: "return" or "normalized score".
    public let unit: String
    /// Where the sample-efficiency curves come from.
    public let curveSource: String
}

/// rliable's statistics of a set of results (``ResultsFolder``), per environment on raw
/// returns and aggregated across environments on normalized scores; what `rllab compare`,
/// `rllab plot --stats` and merged shards print, chart and write to `statistics.csv`.
///
/// A run's score is its greedy evaluation mean when it has one, else the mean of its last
/// 100 training episodes. Every interval is a stratified bootstrap (``StratifiedBootstrap``)
/// drawing from a stream named after the statistic, scope and agents, derived from
/// ``StatisticsOptions/seed``: adding an agent does not change another agent's numbers.
public struct ComparisonStatistics: Sendable {
    public let options: StatisticsOptions
    public let environments: [ScopeStatistics]
    /// The aggregate across environments, when every environment has a normalization.
    public let aggregate: ScopeStatistics?
    /// The normalization used per environment.
    public let normalizations: [String: Normalization]
    /// Messages a reader must see: excluded runs, few runs, a missing aggregate.
    public let notes: [String]

    /// Fewer runs than this per cell make the table and report warn about wide intervals.
    public static let fewRuns = 5
    /// Episodes per run in the profile over episodes.
    public static let profileEpisodes = 100

    /// Computes every statistic of `results`.
    ///
    /// Runs whose score is not finite are left out with a note (the note names them);
    /// environments without a normalization leave the aggregate out with a note.
    ///
    /// - Throws: ``StatisticsError`` for bad options.
    public init(results: ResultsFolder, options: StatisticsOptions = StatisticsOptions()) throws {
        self.options = options
        let bootstrap = try StratifiedBootstrap(samples: options.bootstrapSamples)
        guard options.window >= 1 else { throw StatisticsError("the rolling window must be at least 1 episode, got \(options.window)") }
        let master = try RandomSource(seed: options.seed).derived("bootstrap")
        var notes: [String] = []

        // Finite scores only, grouped by environment and agent.
        var runs: [String: [String: [RunSeries]]] = [:]
        for environment in results.environments {
            for agent in results.agents(in: environment) {
                var kept: [RunSeries] = []
                for run in results.runs(agent: agent, environment: environment) {
                    let score = Report.finalValue(run)
                    if score.isFinite {
                        kept.append(run)
                    } else {
                        notes.append("\(agent) on \(environment), run \(run.run): score \(score) is not a finite number (a diverged or empty run); left out of the statistics")
                    }
                }
                if !kept.isEmpty { runs[environment, default: [:]][agent] = kept }
            }
        }
        let environmentIDs = results.environments.filter { runs[$0] != nil }

        // Normalizations: user-given, else 0 = random agent's mean, 1 = reward_threshold.
        var normalizations: [String: Normalization] = [:]
        var missing: [String] = []
        for environment in environmentIDs {
            if let given = options.normalizations[environment] {
                normalizations[environment] = given
                continue
            }
            do {
                guard let threshold = EnvironmentRegistry.shared.spec(environment)?.rewardThreshold else {
                    missing.append("\(environment) has no reward_threshold")
                    continue
                }
                let low = try ComparisonStatistics.randomScore(environment, runs: runs[environment]?["random"])
                normalizations[environment] = try Normalization(minimum: low, maximum: threshold, task: environment)
            } catch {
                missing.append("\(environment): \(error)")
            }
        }

        var scopes: [ScopeStatistics] = []
        var fewest = Int.max
        for environment in environmentIDs {
            let agents = results.agents(in: environment).filter { runs[environment]?[$0] != nil }
            let scope = try ComparisonStatistics.scope(
                environment, agents: agents, tasks: [environment], runs: { agent in [runs[environment]![agent]!] },
                normalize: nil, gamma: normalizations[environment]?.maximum, unit: "return", bootstrap: bootstrap, random: master, options: options)
            for agent in agents {
                let count = scope.runCounts[agent] ?? 0
                fewest = min(fewest, count)
                if count == 1 {
                    notes.append("\(agent) on \(environment) has 1 run: no interval (a bootstrap of one run is a point); run more seeds")
                }
            }
            scopes.append(scope)
        }
        if fewest < ComparisonStatistics.fewRuns && fewest > 1 {
            notes.append("fewer than \(ComparisonStatistics.fewRuns) runs per cell (as few as \(fewest)): the intervals are wide, and the percentile bootstrap tends to make them too narrow with so few runs (Agarwal et al. 2021 recommend at least 5-10); read them as rough")
        }
        environments = scopes
        self.normalizations = normalizations
        if !missing.isEmpty {
            notes.append("no aggregate across environments: \(missing.joined(separator: "; ")); give --normalize ENV=MIN,MAX")
            aggregate = nil
        } else {
            // The aggregate keeps the agents that ran on every environment.
            let agents = (results.environments.first.map { results.agents(in: $0) } ?? [])
                .filter { agent in environmentIDs.allSatisfy { runs[$0]?[agent] != nil } }
            aggregate = agents.isEmpty ? nil : try ComparisonStatistics.scope(
                "aggregate", agents: agents, tasks: environmentIDs, runs: { agent in environmentIDs.map { runs[$0]![agent]! } },
                normalize: environmentIDs.map { normalizations[$0]! }, gamma: 1, unit: "normalized score", bootstrap: bootstrap,
                random: master, options: options)
        }
        self.notes = notes
    }

    /// The random agent's score on `environment`: the mean of the `random` agent's run
    /// scores when the results have them, else the mean return of 100 uniformly random
    /// episodes (seed 0).
    static func randomScore(_ environment: String, runs: [RunSeries]?) throws -> Double {
        if let runs, !runs.isEmpty { return AggregateMetric.average(runs.map(Report.finalValue)) }
        let spec = RunSpec(
            agent: "random", environment: try EnvironmentRegistry.shared.resolve(environment, options: [:]), seed: 0, budget: .episodes(100),
            hyperparameters: try HyperparameterSources(agentsFolder: nil).resolve(agent: "random", environmentID: environment),
            evaluationEpisodes: 0)
        let result = try Run.execute(spec)
        return AggregateMetric.average(result.episodes.map(\.return))
    }

    // MARK: One scope

    static func scope(
        _ name: String, agents: [String], tasks: [String], runs: (String) -> [[RunSeries]], normalize: [Normalization]?,
        gamma: Double?, unit: String, bootstrap: StratifiedBootstrap, random: RandomSource, options: StatisticsOptions
    ) throws -> ScopeStatistics {
        let scale = { (task: Int, value: Double) in normalize.map { $0[task](value) } ?? value }
        var scores: [String: ScoreArray] = [:]
        var episodes: [String: ScoreArray] = [:]
        var counts: [String: Int] = [:]
        for agent in agents {
            let taskRuns = runs(agent)
            scores[agent] = try ScoreArray(
                tasks: tasks, scores: taskRuns.enumerated().map { task, list in list.map { scale(task, Report.finalValue($0)) } })
            counts[agent] = taskRuns.map(\.count).min() ?? 0
            // The last episodes of each run, as many as every run of every task has (<= 100).
            let count = min(profileEpisodes, taskRuns.flatMap { $0 }.map(\.returns.count).min() ?? 0)
            let series = taskRuns.enumerated().map { task, list -> [[Double]] in
                list.map { $0.returns.suffix(count).map { scale(task, $0) } }
            }
            if series.allSatisfy({ $0.first?.isEmpty == false }) {
                episodes[agent] = try? ScoreArray(tasks: tasks, series: series)
            }
        }

        // Point estimates and intervals of the four metrics.
        var metrics: [String: [AggregateMetric: IntervalEstimate]] = [:]
        for agent in agents {
            let stream = random.derived("metrics|\(name)|\(agent)")
            let values = bootstrap.intervals(scores[agent]!, random: stream) { s in
                let matrix = s.matrix(at: 0)
                return AggregateMetric.allCases.map { metric in
                    switch metric {
                    // Per environment the gap is in return units below the normalization's
                    // maximum (the threshold): the normalized gap times the scale.
                    case .optimalityGap: return gamma.map { metric(matrix, gamma: $0) } ?? .nan
                    // rliable's median is over tasks' means, which for one environment is its
                    // mean; per environment the median of the runs says more.
                    case .median where matrix.count == 1: return AggregateMetric.median(matrix[0])
                    default: return metric(matrix)
                    }
                }
            }
            var byMetric: [AggregateMetric: IntervalEstimate] = [:]
            for (metric, value) in zip(AggregateMetric.allCases, values) where value.estimate.isFinite { byMetric[metric] = value }
            metrics[agent] = byMetric
        }

        // Profiles on one tau grid shared by every agent of the scope.
        let everything = agents.flatMap { scores[$0]!.all } + agents.flatMap { episodes[$0]?.all ?? [] }
        var low = everything.min() ?? 0, high = everything.max() ?? 1
        if normalize != nil { low = min(low, 0); high = max(high, 1) }
        if !(high > low) { low -= 1; high += 1 }
        let taus = (0..<41).map { low + (high - low) * Double($0) / 40 }
        func profile(_ agent: String, _ data: ScoreArray, _ label: String) -> BandedCurve {
            let values = bootstrap.intervals(data, random: random.derived("\(label)|\(name)|\(agent)")) { scoreDistribution($0, taus: taus) }
            return banded(agent, x: taus, values, runCount: counts[agent] ?? 0)
        }
        let runProfiles = agents.map { profile($0, scores[$0]!, "run-profile") }
        let episodeProfiles = agents.compactMap { agent in episodes[agent].map { profile(agent, $0, "episode-profile") } }

        var improvements: [ImprovementProbability] = []
        for (i, x) in agents.enumerated() {
            for y in agents[(i + 1)...] {
                let value = bootstrap.intervals(scores[x]!, scores[y]!, random: random.derived("improvement|\(name)|\(x)|\(y)")) {
                    probabilityOfImprovement($0.matrix(at: 0), $1.matrix(at: 0))
                }
                improvements.append(ImprovementProbability(x: x, y: y, value: value))
            }
        }

        // Sample efficiency: IQM of the score on a step grid every run of the agent covers,
        // each point resampled as rliable does with (runs, tasks, points). The score at a
        // step is the run's latest periodic greedy evaluation when every run of the scope
        // has evaluations (one source per chart, so agents stay comparable), else its
        // smoothed training return of the last episode finished by then.
        let fromEvaluations = agents.allSatisfy { agent in runs(agent).allSatisfy { $0.allSatisfy { !$0.evaluations.isEmpty } } }
        var curves: [BandedCurve] = []
        for agent in agents {
            let taskRuns = runs(agent)
            let steps = taskRuns.flatMap { $0 }.map { fromEvaluations ? $0.evaluations.map(\.step) : $0.episodeEnds }
            guard let grid = stepGrid(steps, points: options.curvePoints, useSteps: fromEvaluations) else { continue }
            let series = taskRuns.enumerated().map { task, list in
                list.map { run in
                    let values = fromEvaluations
                        ? stepFunction(steps: run.evaluations.map(\.step), values: run.evaluations.map(\.mean), grid: grid)
                        : stepFunction(steps: run.episodeEnds,
                                       values: LearningCurve.rollingMean(run.returns, window: options.window),
                                       grid: grid)
                    return values.map { scale(task, $0) }
                }
            }
            guard let data = try? ScoreArray(tasks: tasks, series: series) else { continue }
            let values = bootstrap.intervals(data, random: random.derived("sample-efficiency|\(name)|\(agent)")) { s in
                (0..<s.pointCount).map { AggregateMetric.interquartileMean(s.matrix(at: $0).flatMap { $0 }) }
            }
            curves.append(banded(agent, x: grid.map(Double.init), values, runCount: counts[agent] ?? 0))
        }
        return ScopeStatistics(
            scope: name, agents: agents, runCounts: counts, metrics: metrics, runProfiles: runProfiles,
            episodeProfiles: episodeProfiles, improvements: improvements, sampleEfficiency: curves, unit: unit,
            curveSource: fromEvaluations
                ? "periodic greedy evaluations, evaluations.csv"
                : "training returns, rolling mean over \(options.window) episode\(options.window == 1 ? "" : "s")")
    }

    static func banded(_ agent: String, x: [Double], _ values: [IntervalEstimate], runCount: Int) -> BandedCurve {
        let hasBand = values.allSatisfy { $0.lower != nil && $0.upper != nil }
        return BandedCurve(
            agent: agent, x: x, estimate: values.map(\.estimate),
            lower: hasBand ? values.map { $0.lower! } : nil, upper: hasBand ? values.map { $0.upper! } : nil, runCount: runCount)
    }

    /// The steps of a sample-efficiency curve over runs whose x values are `steps` (each
    /// run's, increasing): from the first step at which every run has a value to the last
    /// step every run reached. With `useSteps` (evaluations, which runs share) the grid is
    /// the runs' own steps in that range when there are at most `points` of them; otherwise
    /// `points` evenly spaced steps. Nil when the runs share no range.
    static func stepGrid(_ steps: [[Int]], points: Int, useSteps: Bool) -> [Int]? {
        let first = steps.map { $0.first ?? .max }.max() ?? .max
        let last = steps.map { $0.last ?? 0 }.min() ?? 0
        guard first <= last, points >= 1 else { return nil }
        if useSteps {
            let shared = Set(steps.flatMap { $0 }.filter { $0 >= first && $0 <= last }).sorted()
            if shared.count <= points { return shared }
        }
        let count = min(points, last - first + 1)
        return (0..<count).map { p in count == 1 ? first : first + Int((Double(last - first) * Double(p) / Double(count - 1)).rounded()) }
    }

    /// At each step of `grid` (increasing), the value of the last of `steps` (increasing)
    /// at or before it; the first value before the first step.
    static func stepFunction(steps: [Int], values: [Double], grid: [Int]) -> [Double] {
        var cursor = 0
        return grid.map { step in
            while cursor + 1 < steps.count && steps[cursor + 1] <= step { cursor += 1 }
            return values[cursor]
        }
    }
}

// MARK: Text and files

extension ComparisonStatistics {
    /// `12.34 [10.00, 15.00]`, or the estimate alone without an interval.
    public static func format(_ value: IntervalEstimate) -> String {
        // A tiny negative (a normalized score just below the random agent's) would print as
        // "-0.00"; a reader sees zero.
        let text = { (v: Double) -> String in
            let formatted = String(format: "%.2f", v)
            return formatted == "-0.00" ? "0.00" : formatted
        }
        guard let lower = value.lower, let upper = value.upper else { return text(value.estimate) }
        return "\(text(value.estimate)) [\(text(lower)), \(text(upper))]"
    }

    /// The rows of `statistics.csv`: every scope's metrics per agent, then its
    /// probabilities of improvement (statistic `probability_of_improvement_vs_<Y>`, agent X).
    public var rows: [StatisticsFile.Row] {
        var rows: [StatisticsFile.Row] = []
        for scope in environments + (aggregate.map { [$0] } ?? []) {
            for agent in scope.agents {
                for metric in AggregateMetric.allCases {
                    guard let value = scope.metrics[agent]?[metric] else { continue }
                    rows.append(StatisticsFile.Row(agent: agent, scope: scope.scope, statistic: metric.rawValue, value: value))
                }
            }
            for pair in scope.improvements {
                rows.append(StatisticsFile.Row(agent: pair.x, scope: scope.scope, statistic: "probability_of_improvement_vs_\(pair.y)", value: pair.value))
            }
        }
        return rows
    }
}
