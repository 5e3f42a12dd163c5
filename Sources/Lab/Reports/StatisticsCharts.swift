import Foundation

/// The SVG charts of one scope's rliable statistics (one environment, or the aggregate).
public enum StatisticsCharts {
    /// `(file suffix, SVG)` pairs in display order: the interval panel (rliable's figure 1),
    /// the performance profiles over runs and over episodes, the probabilities of
    /// improvement and the sample-efficiency curves. Charts without data are left out.
    public static func charts(_ scope: ScopeStatistics, _ statistics: ComparisonStatistics) -> [(String, String)] {
        let unit = scope.unit
        let samples = statistics.options.bootstrapSamples
        let band = "band: 95% stratified bootstrap CI (\(samples) resamples)"
        var charts: [(String, String)] = []
        let panels = AggregateMetric.allCases.map { metric in
            SVGChart.IntervalPanel(
                title: metric.label, xLabel: metric == .optimalityGap && scope.scope != "aggregate" ? "return below threshold" : unit,
                rows: scope.agents.map { ($0, scope.metrics[$0]?[metric] ?? IntervalEstimate(estimate: .nan, lower: nil, upper: nil)) })
        }
        charts.append(("intervals", SVGChart.intervals(
            panels, title: "\(scope.scope): final scores, point estimate and 95% CI",
            note: "bar: 95% stratified bootstrap CI (\(samples) resamples); tick: point estimate; optimality gap: lower is better")))
        let profileNote = "line: fraction above tau; \(band)"
        charts.append(("profiles", SVGChart.lines(
            scope.runProfiles.map(series), title: "\(scope.scope): performance profile over runs",
            xLabel: "\(unit) threshold tau", yLabel: "fraction of runs with score > tau", note: profileNote, yRange: 0...1)))
        if !scope.episodeProfiles.isEmpty {
            charts.append(("episode-profiles", SVGChart.lines(
                scope.episodeProfiles.map(series), title: "\(scope.scope): performance profile over episodes",
                xLabel: "\(unit) threshold tau", yLabel: "fraction of episodes with return > tau",
                note: "episodes: each run's last \(ComparisonStatistics.profileEpisodes) training episodes; \(band)", yRange: 0...1)))
        }
        if !scope.improvements.isEmpty {
            let rows = scope.improvements.map { ("P(\($0.x) > \($0.y))", $0.value) }
            charts.append(("improvement", SVGChart.intervals(
                [SVGChart.IntervalPanel(title: "Probability of improvement", xLabel: "P(X > Y)", rows: rows, xRange: 0...1, reference: 0.5)],
                title: "\(scope.scope): probability of improvement",
                note: "P(X > Y): chance a run of X scores above a run of Y (ties count 1/2), averaged over environments; bar: 95% CI")))
        }
        if !scope.sampleEfficiency.isEmpty {
            charts.append(("sample-efficiency", SVGChart.lines(
                scope.sampleEfficiency.map(series), title: "\(scope.scope): sample efficiency (IQM)",
                xLabel: "environment steps", yLabel: "IQM of \(unit)", note: "line: IQM over runs (\(scope.curveSource)); \(band)")))
        }
        return charts
    }

    static func series(_ curve: BandedCurve) -> SVGChart.Series {
        SVGChart.Series(label: "\(curve.agent) (n=\(curve.runCount))", agent: curve.agent, x: curve.x, y: curve.estimate, lower: curve.lower, upper: curve.upper)
    }
}
