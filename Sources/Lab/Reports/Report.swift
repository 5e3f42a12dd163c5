import Foundation

/// Charts and a one-page HTML report for result folders (`rllab plot`, and the end of
/// `rllab compare`).
///
/// Writes, under the output folder:
/// - `plots/<env>.learning-curves.svg`: per environment, one line per agent (mean over
///   runs of the smoothed training return) with a shaded 95% bootstrap confidence band;
/// - `plots/<env>.final.svg`: per environment, each run's greedy evaluation mean (or, for
///   runs without an evaluation, the mean of its last 100 training episodes) as a point,
///   the mean over runs and its 95% bootstrap CI, one column per agent;
/// - `report.html`: the summary table, the charts inline and the resolved configuration,
///   self-contained (no scripts, fonts or images fetched), readable offline.
///
/// Same results and options give byte-identical files: the bootstrap draws from a
/// ``RandomSource`` seeded from the environment and agent names.
public struct Report {
    /// The report's file name in a results folder (a GAN run's report has the same name).
    public static let fileName = "report.html"

    public let results: ResultsFolder
    public let axis: CurveAxis
    public let window: Int
    /// rliable's statistics of the results, when the report shows them.
    public let statistics: ComparisonStatistics?

    /// - Parameters:
    ///   - axis: What the learning curves' x axis counts: environment steps by default,
    ///     since agents with different episode lengths are only comparable per step.
    ///   - window: Rolling-mean window over episodes applied to each run before averaging
    ///     (1: no smoothing).
    ///   - statistics: rliable's statistics to show (the aggregate panel, performance
    ///     profiles, probabilities of improvement, sample-efficiency curves), or nil.
    /// - Throws: ``ResultsError`` for a window below 1.
    public init(results: ResultsFolder, axis: CurveAxis = .steps, window: Int = 10, statistics: ComparisonStatistics? = nil) throws {
        guard window >= 1 else { throw ResultsError("the rolling window must be at least 1 episode, got \(window)") }
        self.results = results
        self.axis = axis
        self.window = window
        self.statistics = statistics
    }

    /// The files written by ``write(to:)``, relative to the output folder.
    public struct Files {
        public var report: URL
        public var charts: [URL]
    }

    /// Writes the charts and `report.html` under `output` and returns their URLs.
    @discardableResult
    public func write(to output: URL) throws -> Files {
        try OutputFolder.ensure(output)
        let plots = output.appendingPathComponent("plots")
        try OutputFolder.ensure(plots)
        var charts: [URL] = []
        var sections: [String] = []
        if let statistics, let aggregate = statistics.aggregate {
            let bounds = statistics.normalizations.keys.sorted().map { id -> String in
                let n = statistics.normalizations[id]!
                return "\(SVGChart.escape(id)): 0 = \(fmt(n.minimum)), 1 = \(fmt(n.maximum))"
            }.joined(separator: "; ")
            sections.append("""
                <section>
                <h2>Aggregate across environments (normalized scores)</h2>
                <p class="meta">Normalized score: 0 = the random agent's mean, 1 = the environment's reward_threshold (or --normalize). \(bounds).</p>
                \(try statisticsBlock(aggregate, statistics, plots: plots, charts: &charts))
                </section>
                """)
        }
        for environment in results.environments {
            let name = Comparison.folderName(environment)
            let curves = try figure(learningCurveChart(environment, try learningCurves(environment)),
                                    file: "\(name).learning-curves.svg", plots: plots, charts: &charts)
            let final = try figure(try finalChart(environment), file: "\(name).final.svg", plots: plots, charts: &charts)
            sections.append("""
                <section>
                <h2>\(SVGChart.escape(environment))</h2>
                \(summaryTable(environment))
                <div class="charts">
                \(curves)
                \(final)
                </div>
                \(animationSection(environment))
                \(try environmentStatistics(environment, plots: plots, charts: &charts))
                </section>
                """)
        }
        let reportURL = output.appendingPathComponent(Report.fileName)
        try OutputFile.replace(reportURL, with: html(sections: sections))
        return Files(report: reportURL, charts: charts)
    }

    /// The learning curves of every agent on `environment`.
    public func learningCurves(_ environment: String) throws -> [LearningCurve] {
        try results.agents(in: environment).map { agent in
            try LearningCurve(
                agent: agent, runs: results.runs(agent: agent, environment: environment), axis: axis, window: window,
                seed: Report.stableSeed("\(environment)|\(agent)"))
        }
    }

    /// The learning-curve SVG of `environment`.
    public func learningCurveChart(_ environment: String, _ curves: [LearningCurve]) -> String {
        let smoothing = window > 1 ? ", rolling mean over \(window) episodes" : ""
        return SVGChart.learningCurves(
            curves, title: "\(environment): training return\(smoothing)", xLabel: axis.label,
            yLabel: window > 1 ? "episode return (rolling mean)" : "episode return")
    }

    /// The final-results SVG of `environment`.
    public func finalChart(_ environment: String) throws -> String {
        let agents = results.agents(in: environment)
        let allEvaluated = agents.allSatisfy { results.runs(agent: $0, environment: environment).allSatisfy { $0.evaluation != nil } }
        let columns = try agents.map { agent -> SVGChart.EvaluationColumn in
            let values = results.runs(agent: agent, environment: environment).map(Report.finalValue)
            let ci = try bootstrapConfidenceInterval(values, seed: Report.stableSeed("final|\(environment)|\(agent)"))
            return SVGChart.EvaluationColumn(agent: agent, values: values, lower: ci.lower, upper: ci.upper)
        }
        let yLabel = allEvaluated ? "greedy evaluation mean return" : "final return (eval mean, else last-100 train mean)"
        return SVGChart.evaluation(columns, title: "\(environment): final performance per run", yLabel: yLabel)
    }

    /// A run's final value: its greedy evaluation mean, else its last-100 training mean.
    static func finalValue(_ run: RunSeries) -> Double {
        run.evaluation ?? LearningCurve.rollingMean(run.returns, window: 100).last ?? .nan
    }

    // MARK: Statistics

    private func environmentStatistics(_ environment: String, plots: URL, charts: inout [URL]) throws -> String {
        guard let statistics, let scope = statistics.environments.first(where: { $0.scope == environment }) else { return "" }
        let block = try statisticsBlock(scope, statistics, plots: plots, charts: &charts)
        return "<h3>rliable statistics: final scores (return)</h3>\n" + block
    }

    /// One scope's statistics table and charts (written under `plots`), as HTML.
    private func statisticsBlock(_ scope: ScopeStatistics, _ statistics: ComparisonStatistics,
                                 plots: URL, charts: inout [URL]) throws -> String {
        let name = Comparison.folderName(scope.scope)
        let figures = try StatisticsCharts.charts(scope, statistics).map { suffix, svg in
            try figure(svg, file: "\(name).\(suffix).svg", plots: plots, charts: &charts)
        }
        return "\(statisticsTable(scope))\n<div class=\"charts\">\n\(figures.joined(separator: "\n"))\n</div>"
    }

    /// Writes `svg` as `plots/file` (added to `charts`) and returns it as an HTML figure.
    private func figure(_ svg: String, file: String, plots: URL, charts: inout [URL]) throws -> String {
        let url = plots.appendingPathComponent(file)
        try OutputFile.replace(url, with: svg)
        charts.append(url)
        return "<figure>\(Report.inline(svg))<figcaption>plots/\(SVGChart.escape(file))</figcaption></figure>"
    }

    /// IQM, mean, median and optimality gap with intervals, one row per agent.
    func statisticsTable(_ scope: ScopeStatistics) -> String {
        var rows = ["<tr><th>agent</th><th>runs</th>" + AggregateMetric.allCases.map { "<th>\($0.label) [95% CI]</th>" }.joined() + "</tr>"]
        for agent in scope.agents {
            let cells = AggregateMetric.allCases.map { metric in
                "<td class=\"num\">\(scope.metrics[agent]?[metric].map(ComparisonStatistics.format) ?? "-")</td>"
            }
            rows.append("<tr><td>\(SVGChart.escape(agent))</td><td class=\"num\">\(scope.runCounts[agent] ?? 0)</td>" + cells.joined() + "</tr>")
        }
        return "<table>\n" + rows.joined(separator: "\n") + "\n</table>"
    }

    // MARK: HTML

    func summaryTable(_ environment: String) -> String {
        var rows = ["<tr><th>agent</th><th>runs</th><th>episodes</th><th>steps</th><th>min</th><th>max</th><th>mean</th><th>last-100 mean</th><th>final mean ± std</th></tr>"]
        for agent in results.agents(in: environment) {
            let runs = results.runs(agent: agent, environment: environment)
            let returns = runs.flatMap(\.returns)
            let finals = runs.map(Report.finalValue).filter(\.isFinite)
            let last100 = runs.map { LearningCurve.rollingMean($0.returns, window: 100).last ?? .nan }.filter(\.isFinite)
            let finalMean = AggregateMetric.average(finals)
            let finalStd = finals.count > 1
                ? (finals.map { ($0 - finalMean) * ($0 - finalMean) }.reduce(0, +) / Double(finals.count)).squareRoot() : 0
            let cells = [
                SVGChart.escape(agent), "\(runs.count)", "\(returns.count)", "\(runs.flatMap(\.lengths).reduce(0, +))",
                fmt(returns.min()), fmt(returns.max()), fmt(AggregateMetric.average(returns)),
                fmt(AggregateMetric.average(last100)),
                finals.isEmpty ? "-" : "\(fmt(finalMean)) ± \(fmt(finalStd))",
            ]
            rows.append("<tr>" + cells.enumerated().map { $0.offset == 0 ? "<td>\($0.element)</td>" : "<td class=\"num\">\($0.element)</td>" }.joined() + "</tr>")
        }
        return "<table>\n" + rows.joined(separator: "\n") + "\n</table>"
    }

    func fmt(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "-" }
        return String(format: "%.2f", v)
    }

    func html(sections: [String]) -> String {
        let folders = results.folders.map { SVGChart.escape($0.relativePath) }.joined(separator: ", ")
        var config = ""
        for (folder, text) in results.configurations {
            config += "<h3>\(SVGChart.escape(folder))/config.yml</h3>\n<pre>\(SVGChart.escape(text))</pre>\n"
        }
        if config.isEmpty { config = "<p>No config.yml in these folders (Monitor files from another tool).</p>" }
        return Report.page(title: "RLLab report", style: """
            body { font-family: Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1600px; color: #222; padding: 0 16px; }
            h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 28px; border-bottom: 1px solid #ddd; }
            h3 { font-size: 14px; } .meta { color: #666; font-size: 13px; }
            table { border-collapse: collapse; font-size: 13px; margin: 8px 0 12px; }
            th, td { padding: 4px 10px; border-bottom: 1px solid #e5e5e5; text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
            th { background: #f5f5f5; } .charts { display: flex; flex-wrap: wrap; gap: 12px; }
            figure { margin: 0; } figcaption { color: #888; font-size: 11px; } svg { max-width: 100%; height: auto; }
            ul.notes { background: #fff6e0; border-left: 4px solid #E69F00; padding: 8px 8px 8px 28px; font-size: 13px; }
            pre { background: #f7f7f7; padding: 10px; font-size: 12px; overflow-x: auto; }
            """, body: """
            \(statisticsNotes)
            <p class="meta">Results: \(folders). Learning curves: x = \(axis.label), rolling mean over \(window) episode\(window == 1 ? "" : "s"), mean over runs with a 95% percentile-bootstrap band (\(LearningCurve.resamples) resamples of the runs). Final: greedy evaluation mean per run where recorded, else the last-100 training mean.</p>
            \(sections.joined(separator: "\n"))
            <h2>Configuration</h2>
            \(config)
            """)
    }

    /// A self-contained HTML page: `title` as its title and first heading, the CSS rules
    /// `style`, then `body` (the comparison report's and the GAN reports' pages).
    static func page(title: String, style: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>\(SVGChart.escape(title))</title>
        <style>
        \(style)
        </style>
        </head>
        <body>
        <h1>\(SVGChart.escape(title))</h1>
        \(body)
        </body>
        </html>

        """
    }

    private var statisticsNotes: String {
        guard let statistics else { return "" }
        let notes = statistics.notes.map { "<li>\(SVGChart.escape($0))</li>" }.joined(separator: "\n")
        return """
            <p class="meta">Statistics as rliable (Agarwal et al., NeurIPS 2021): a run's score is its greedy evaluation mean, else its last-100 training mean; IQM is the mean of the middle 50% of runs; intervals are 95% stratified-bootstrap percentile intervals (\(statistics.options.bootstrapSamples) resamples of the runs within each environment, seed \(statistics.options.seed)).</p>
            \(notes.isEmpty ? "" : "<ul class=\"notes\">\n\(notes)\n</ul>")
            """
    }

    /// An SVG document ready to sit inside HTML: HTML needs no namespace declaration, and
    /// leaving it out keeps the page free of any URL.
    static func inline(_ svg: String) -> String {
        svg.replacingOccurrences(of: " xmlns=\"http://www.w3.org/2000/svg\"", with: "")
    }

    /// FNV-1a of `text`: a seed that depends on names only, never on process or order.
    static func stableSeed(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
}
