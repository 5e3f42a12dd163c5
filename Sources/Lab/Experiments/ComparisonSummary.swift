import Agents
import Foundation

/// The summary table `rllab compare` prints: one table per environment, one row per agent,
/// aggregated over seeds.
public enum ComparisonSummary {
    /// One table per environment of `results`, one row per agent (its runs together).
    ///
    /// With `statistics`, each row also shows the IQM of the runs' scores with its 95%
    /// stratified bootstrap interval next to the evaluation mean, and the statistics' notes
    /// (few runs, excluded runs) follow the tables.
    public static func render(_ results: [RunResult], agents: [String], environments: [String], statistics: ComparisonStatistics? = nil) -> String {
        var sections: [String] = []
        for environment in environments {
            let scope = statistics?.environments.first { $0.scope == environment }
            var header = ["agent", "seeds", "episodes", "min", "max", "mean", "last100", "eval mean ± std"]
            if statistics != nil { header.append("IQM [95% CI]") }
            var rows: [[String]] = [header + ["wall s/run", "steps/s"]]
            for agent in agents {
                let runs = results.filter { $0.spec.agent == agent && $0.spec.environmentID == environment }
                guard !runs.isEmpty else { continue }
                let all = EpisodeStatistics(runs.flatMap(\.episodes))
                let last100 = runs.map { EpisodeStatistics($0.episodes).last100Mean }.filter { !$0.isNaN }
                let evaluationReturns = runs.compactMap(\.evaluation).flatMap(\.returns)
                let evaluation = EvaluationResult(returns: evaluationReturns, lengths: [])
                let evaluationText = evaluationReturns.isEmpty ? "-" : "\(format(evaluation.mean)) ± \(format(evaluation.standardDeviation))"
                let seconds = runs.map(\.trainingSeconds).reduce(0, +)
                let steps = runs.map(\.steps).reduce(0, +)
                var row = [agent + (runs.contains(where: \.interrupted) ? " (interrupted)" : ""), String(runs.count),
                           String(runs.map(\.episodes.count).reduce(0, +)), format(all.min), format(all.max), format(all.mean),
                           format(AggregateMetric.average(last100)), evaluationText]
                if statistics != nil { row.append(scope?.metrics[agent]?[.interquartileMean].map(ComparisonStatistics.format) ?? "-") }
                let rate = seconds > 0 ? String(format: "%.0f", Double(steps) / seconds) : "-"
                rows.append(row + [String(format: "%.2f", seconds / Double(runs.count)), rate])
            }
            sections.append("\(environment)\n" + Table.render(rows))
        }
        if let statistics { sections.append(notes(statistics)) }
        return sections.joined(separator: "\n\n")
    }

    /// Time to solve per agent and environment: runs solved, median steps and wall
    /// seconds to the first periodic evaluation at the threshold (over solved runs).
    public static func renderTimeToSolve(_ results: [RunResult]) -> String {
        var lines = ["time to solve (first evaluation mean >= threshold)"]
        let name = { (result: RunResult) in "\(result.spec.agent) on \(result.spec.environmentID)" }
        let groups = Dictionary(grouping: results, by: name)
        for key in results.map(name).uniqued() {
            let runs = groups[key]!
            let solved = runs.filter { $0.solvedStep != nil }
            let threshold = runs[0].spec.solveThreshold.map { format($0) } ?? "-"
            var line = "\(key) (threshold \(threshold)): solved \(solved.count)/\(runs.count)"
            if !solved.isEmpty {
                line += String(format: ", median %.0f steps, %.3f s", AggregateMetric.median(solved.map { Double($0.solvedStep!) }), AggregateMetric.median(solved.map { $0.solvedSeconds! }))
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// The statistics alone (`rllab plot --stats`): per scope, IQM, mean, median and
    /// optimality gap with intervals per agent, then the notes.
    public static func render(_ statistics: ComparisonStatistics) -> String {
        var sections: [String] = []
        for scope in statistics.environments + (statistics.aggregate.map { [$0] } ?? []) {
            var rows: [[String]] = [["agent", "runs"] + AggregateMetric.allCases.map { "\($0.label) [95% CI]" }]
            for agent in scope.agents {
                rows.append([agent, "\(scope.runCounts[agent] ?? 0)"] + AggregateMetric.allCases.map { metric in
                    scope.metrics[agent]?[metric].map(ComparisonStatistics.format) ?? "-"
                })
            }
            let title = scope.scope == "aggregate" ? "aggregate (normalized scores)" : "\(scope.scope) (return)"
            sections.append("\(title)\n" + Table.render(rows))
        }
        sections.append(notes(statistics))
        return sections.joined(separator: "\n\n")
    }

    static func notes(_ statistics: ComparisonStatistics) -> String {
        var lines = ["IQM: interquartile mean of the runs' scores (eval mean, else last-100 training mean); 95% stratified bootstrap CI, \(statistics.options.bootstrapSamples) resamples"]
        lines += statistics.notes.map { "note: \($0)" }
        return lines.joined(separator: "\n")
    }

    public static func format(_ value: Double) -> String {
        value.isNaN ? "-" : String(format: "%.2f", value)
    }
}
