import Foundation
import Testing
@testable import Lab

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Charts and reports: well-formed SVG with the right series, bands and labels; a
/// self-contained report; Monitor folders written by other tools.
@Suite struct ReportTests {
    func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("rllab-report-\(UUID().uuidString)")
    }

    /// Parses `xml` and collects every element with its attributes, and all text.
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [(name: String, attributes: [String: String])] = []
        var text = ""
        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            elements.append((elementName, attributes))
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string + "\n" }
    }

    func parse(_ xml: String) throws -> Collector {
        let parser = XMLParser(data: Data(xml.utf8))
        let collector = Collector()
        parser.delegate = collector
        let ok = parser.parse()
        #expect(ok, "SVG is not well-formed XML: \(String(describing: parser.parserError))")
        return collector
    }

    /// A comparison folder: 2 agents x 3 seeds on CartPole, written by the real Comparison.
    func comparisonFolder() throws -> URL {
        let folder = temporaryFolder()
        let comparison = try Comparison(
            agents: ["random", "random-linear"], environments: ["CartPole-v1"], seeds: [0, 1, 2],
            budget: .episodes(40), evaluationEpisodes: 3, sources: HyperparameterSources(agentsFolder: nil),
            output: folder, jobs: 2)
        _ = try comparison.run(isCancelled: { false })
        return folder
    }

    @Test func learningCurveSVGHasOneLineAndBandPerAgentAndLabels() throws {
        let folder = try comparisonFolder()
        let report = try Report(results: try ResultsFolder([folder]), axis: .episodes, window: 5)
        let files = try report.write(to: folder)
        #expect(files.charts.map(\.lastPathComponent) == ["CartPole-v1.learning-curves.svg", "CartPole-v1.final.svg"])
        let svg = try String(contentsOf: files.charts[0], encoding: .utf8)
        let doc = try parse(svg)
        #expect(doc.elements.first?.name == "svg")
        let means = doc.elements.filter { $0.name == "path" && $0.attributes["class"] == "mean" }
        let bands = doc.elements.filter { $0.name == "path" && $0.attributes["class"] == "band" }
        #expect(means.compactMap { $0.attributes["data-agent"] } == ["random", "random-linear"])
        #expect(bands.compactMap { $0.attributes["data-agent"] } == ["random", "random-linear"])
        // 40 episodes: a line of 40 points (M + 39 L).
        #expect(means[0].attributes["d"]?.components(separatedBy: " L ").count == 40)
        #expect(doc.text.contains("training episodes"))
        #expect(doc.text.contains("episode return (rolling mean)"))
        #expect(doc.text.contains("CartPole-v1: training return"))
        #expect(doc.text.contains("random (n=3)") && doc.text.contains("random-linear (n=3)"))

        let final = try parse(try String(contentsOf: files.charts[1], encoding: .utf8))
        #expect(final.elements.filter { $0.name == "circle" && $0.attributes["class"] == "run" }.count == 6)
        #expect(final.elements.filter { $0.attributes["class"] == "ci" }.count == 2)
        #expect(final.text.contains("greedy evaluation mean return"))
    }

    @Test func chartsAreByteReproducibleAndStepsAxisWorks() throws {
        let folder = try comparisonFolder()
        let results = try ResultsFolder([folder])
        let a = try Report(results: results, axis: .steps, window: 1)
        let curves = try a.learningCurves("CartPole-v1")
        #expect(curves.count == 2)
        #expect(curves[0].x.first! > 0 && curves[0].x == curves[0].x.sorted())
        for curve in curves {
            for i in curve.x.indices { #expect(curve.lower[i] <= curve.mean[i] + 1e-9 && curve.mean[i] <= curve.upper[i] + 1e-9) }
        }
        let first = a.learningCurveChart("CartPole-v1", curves)
        let again = a.learningCurveChart("CartPole-v1", try Report(results: try ResultsFolder([folder]), axis: .steps, window: 1).learningCurves("CartPole-v1"))
        #expect(first == again)
        #expect(first.contains("environment steps"))
    }

    @Test func reportIsSelfContained() throws {
        let folder = try comparisonFolder()
        let files = try Report(results: try ResultsFolder([folder])).write(to: folder)
        let html = try String(contentsOf: files.report, encoding: .utf8)
        #expect(!html.lowercased().contains("http://") && !html.lowercased().contains("https://"))
        #expect(!html.contains("<script") && !html.contains("<link"))
        // Images (episode animations) are embedded, never fetched.
        #expect(html.components(separatedBy: "<img ").count == html.components(separatedBy: "<img alt=").count)
        #expect(html.components(separatedBy: " src=\"").count == html.components(separatedBy: " src=\"data:image/gif;base64,").count)
        #expect(html.components(separatedBy: "<svg").count - 1 == 2)
        #expect(html.contains("<table>") && html.contains("random-linear"))
        #expect(html.contains("config.yml") && html.contains("hyperparameters:"))
    }

    /// An SB3 Monitor file as `stable_baselines3.common.monitor.Monitor` writes it.
    func writeMonitor(_ url: URL, envID: String, rows: [(Double, Int)]) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var text = "#{\"t_start\": 1700000000.123456, \"env_id\": \"\(envID)\"}\nr,l,t\n"
        var t = 0.0
        for (r, l) in rows { t += 0.01; text += "\(r),\(l),\(String(format: "%.6f", t))\n" }
        try Data(text.utf8).write(to: url)
    }

    @Test func readsMonitorFoldersWithTheDocumentedLayoutRules() throws {
        let root = temporaryFolder()
        // RL-Zoo layout: logs/<algo>/<env>_<n>/0.monitor.csv
        try writeMonitor(root.appendingPathComponent("dqn/CartPole-v1_1/0.monitor.csv"), envID: "CartPole-v1", rows: [(10, 10), (20.5, 20)])
        try writeMonitor(root.appendingPathComponent("dqn/CartPole-v1_2/0.monitor.csv"), envID: "CartPole-v1", rows: [(12, 12), (30, 30), (40, 40)])
        // One level: <agent>/<run>.monitor.csv
        try writeMonitor(root.appendingPathComponent("ppo/3.monitor.csv"), envID: "CartPole-v1", rows: [(50, 50)])
        // Flat: <agent>_<run>.monitor.csv
        try writeMonitor(root.appendingPathComponent("a2c_7.monitor.csv"), envID: "Acrobot-v1", rows: [(-500, 500), (-300, 300)])
        let results = try ResultsFolder([root])
        #expect(results.environments == ["Acrobot-v1", "CartPole-v1"])
        #expect(results.agents(in: "CartPole-v1") == ["dqn", "ppo"])
        let dqn = results.runs(agent: "dqn", environment: "CartPole-v1")
        #expect(dqn.map(\.run) == ["CartPole-v1_1/0", "CartPole-v1_2/0"])
        #expect(dqn[0].returns == [10, 20.5] && dqn[1].lengths == [12, 30, 40])
        #expect(results.runs(agent: "a2c", environment: "Acrobot-v1").first?.returns == [-500, -300])

        // Monitor runs and RLLab runs on one chart: the same agent name stays apart.
        let comparison = try comparisonFolder()
        try writeMonitor(root.appendingPathComponent("random/CartPole-v1/0.monitor.csv"), envID: "CartPole-v1", rows: [(9, 9)])
        let both = try ResultsFolder([comparison, root])
        #expect(both.agents(in: "CartPole-v1").contains("random (\(root.lastPathComponent))"))
        let svg = try Report(results: both, window: 1).learningCurveChart("CartPole-v1", try Report(results: both, window: 1).learningCurves("CartPole-v1"))
        _ = try parse(svg)
    }

    @Test func monitorNamesWithoutHeaderEnvironment() {
        #expect(MonitorFile.names(relativePath: ["sac", "Pendulum-v1_3", "0.monitor.csv"], environmentID: nil, folderName: "logs") == ("sac", "Pendulum-v1", "Pendulum-v1_3/0"))
        #expect(MonitorFile.names(relativePath: ["0.monitor.csv"], environmentID: "CartPole-v1", folderName: "run1") == ("run1", "CartPole-v1", "0"))
    }

    @Test func badInputIsAnError() throws {
        let empty = temporaryFolder()
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(throws: ResultsError.self) { try ResultsFolder([empty]) }
        #expect(throws: ResultsError.self) { try ResultsFolder([empty.appendingPathComponent("missing")]) }
        let bad = temporaryFolder()
        try FileManager.default.createDirectory(at: bad, withIntermediateDirectories: true)
        try Data("#{}\nr,l,t\nabc,1,0.1\n".utf8).write(to: bad.appendingPathComponent("x.monitor.csv"))
        #expect(throws: ResultsError.self) { try ResultsFolder([bad]) }
    }

    @Test func bootstrapAndRollingMean() throws {
        #expect(LearningCurve.rollingMean([1, 2, 3, 4], window: 2) == [1, 1.5, 2.5, 3.5])
        let ci = try bootstrapConfidenceInterval([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
        #expect(ci.lower > 3.5 && ci.lower < 5.5 && ci.upper > 5.5 && ci.upper < 7.5)
        #expect(try bootstrapConfidenceInterval([3, 3, 3]) == (3, 3))
    }

    /// Long row labels and legend notes stay inside the chart: every label's estimated
    /// extent (0.6 em a character, above Helvetica's average) lies within the SVG's width.
    @Test func longLabelsAndNotesStayInsideTheChart() throws {
        let rows: [(label: String, value: IntervalEstimate)] = [
            ("P(reinforce-with-baseline > random-linear)", IntervalEstimate(estimate: 0.7, lower: 0.6, upper: 0.8)),
            ("P(a > b)", IntervalEstimate(estimate: 0.4, lower: 0.2, upper: 0.5)),
        ]
        let note = "P(X > Y): chance a run of X scores above a run of Y (ties count 1/2), averaged over environments; bar: 95% CI"
        let chart = SVGChart.intervals(
            [SVGChart.IntervalPanel(title: "Probability of improvement", xLabel: "P(X > Y)", rows: rows, xRange: 0...1, reference: 0.5)],
            title: "MountainCarContinuous-v0: probability of improvement", note: note)
        let lines = SVGChart.lines(
            [SVGChart.Series(label: "reinforce-with-baseline (n=10)", agent: "r", x: [0, 1], y: [0, 1], lower: [0, 0.5], upper: [0.5, 1])],
            title: "t", xLabel: "x", yLabel: "y",
            note: "line: IQM over runs (periodic greedy evaluations, evaluations.csv); band: 95% stratified bootstrap CI (50000 resamples)")
        for svg in [chart, lines] {
            let doc = try parse(svg)
            let width = try #require(Double(doc.elements[0].attributes["width"] ?? ""))
            var texts: [(attributes: [String: String], text: String)] = []
            // Pair each <text> element with its content, in order.
            let contents = svg.components(separatedBy: "<text").dropFirst().map { piece -> String in
                let start = piece.index(after: piece.firstIndex(of: ">")!)
                return String(piece[start..<piece.range(of: "</text>")!.lowerBound])
            }
            let textElements = doc.elements.filter { $0.name == "text" }
            #expect(textElements.count == contents.count)
            for (element, content) in zip(textElements, contents) { texts.append((element.attributes, content)) }
            for (attributes, content) in texts where attributes["transform"] == nil {
                let x = try #require(Double(attributes["x"] ?? ""))
                let size = Double(attributes["font-size"] ?? "12") ?? 12
                let extent = SVGChart.textWidth(content.replacingOccurrences(of: "&gt;", with: ">"), fontSize: size)
                let (from, to): (Double, Double) = switch attributes["text-anchor"] {
                case "end": (x - extent, x)
                case "middle": (x - extent / 2, x + extent / 2)
                default: (x, x + extent)
                }
                #expect(from >= 0 && to <= width, "'\(content)' spans \(from)...\(to) in a chart \(width) wide")
            }
        }
        // The notes are all there, wrapped onto several lines.
        let chartNotes = try parse(chart).text.split(separator: "\n").joined(separator: " ")
        #expect(chartNotes.contains("(ties count 1/2), averaged over environments"))
        let legendNotes = try parse(lines).text.split(separator: "\n").joined(separator: " ")
        #expect(legendNotes.contains("evaluations.csv)") && legendNotes.contains("(50000 resamples)"))
        #expect(lines.components(separatedBy: "class=\"legend-note\"").count - 1 > 2)
    }
}
