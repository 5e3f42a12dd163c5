import Foundation
import GAN

/// `report.html` for GAN run folders: one run (loss and metric curves, every epoch's
/// grid, the latent interpolation) or several side by side (`rllab gan compare`).
///
/// It reads the files a GAN run writes through the readers beside their writers
/// (``RunOutput/readSummary(in:)``, ``CSVTable/init(contentsOf:)``: `summary.json`, `losses.csv`,
/// `test_losses.csv`, `metrics.csv`) and the pictures by the names ``RunOutput`` gives
/// them (`samples/*.png`). Pictures are embedded as data URLs and charts as inline SVG, so
/// the page is one self-contained file; equal runs give equal bytes.
public struct GANReport {
    private typealias Column = RunOutput.Column
    /// One run folder, read.
    public struct Run {
        public let folder: URL
        /// `summary.json`'s values as text.
        public let summary: [String: Any]
        let losses: CSVTable?
        let testLosses: CSVTable?
        let metrics: CSVTable?
        /// `samples/grid-epoch-NNN.png` in epoch order.
        let grids: [(epoch: Int, png: Data)]
        let interpolation: Data?
        let configurations: [(name: String, text: String)]

        /// Reads what the folder has; only `summary.json` is required.
        public init(folder: URL) throws {
            self.folder = folder
            summary = try RunOutput.readSummary(in: folder)
            losses = try CSVTable(contentsOf: folder.appendingPathComponent(RunOutput.lossesFile))
            testLosses = try CSVTable(contentsOf: folder.appendingPathComponent(RunOutput.testLossesFile))
            metrics = try CSVTable(contentsOf: folder.appendingPathComponent(RunOutput.metricsFile))
            let samples = folder.appendingPathComponent(RunOutput.samplesFolder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: samples.path)) ?? []
            grids = names.compactMap { name -> (Int, Data)? in
                let prefix = RunOutput.gridPrefix + "-epoch-"
                guard name.hasPrefix(prefix), name.hasSuffix(".png"),
                      let epoch = Int(name.dropFirst(prefix.count).dropLast(4)),
                      let png = try? Data(contentsOf: samples.appendingPathComponent(name)) else { return nil }
                return (epoch, png)
            }.sorted { $0.0 < $1.0 }
            interpolation = try? Data(contentsOf: samples.appendingPathComponent(RunOutput.interpolationFile))
            let top = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            configurations = top.filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }.sorted().compactMap { name in
                (try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)).map { (name, $0) }
            }
        }

        /// A short name: preset, loss and seed from the summary.
        public var label: String {
            let preset = summary["preset"].map { "\($0)" } ?? folder.lastPathComponent
            let loss = summary["loss"].map { " \($0)" } ?? ""
            let seed = summary["seed"].map { " seed \($0)" } ?? ""
            return "\(summary["model"].map { "\($0) " } ?? "")\(preset)\(loss)\(seed)"
        }

        /// The per-batch losses averaged over windows, at most 300 points per line.
        func batchLossLines() -> [SVGChart.Line] {
            guard let losses else { return [] }
            return [Column.discriminatorLoss, Column.generatorLoss].compactMap { name -> SVGChart.Line? in
                let s = losses.series(x: Column.step, y: name)
                guard !s.x.isEmpty else { return nil }
                let window = max(1, (s.x.count + 299) / 300)
                var x: [Double] = [], y: [Double] = []
                for start in stride(from: 0, to: s.x.count, by: window) {
                    let end = min(start + window, s.x.count)
                    x.append(s.x[end - 1])
                    y.append(s.y[start..<end].reduce(0, +) / Double(end - start))
                }
                return SVGChart.Line(name: name == Column.discriminatorLoss ? "discriminator" : "generator", x: x, y: y)
            }
        }

        /// A column of `metrics.csv` by epoch (none when the run has no such file).
        func metric(_ name: String) -> (x: [Double], y: [Double]) { metrics?.series(x: Column.epoch, y: name) ?? ([], []) }
        var frechet: (x: [Double], y: [Double]) { metric(Column.frechetDistance) }
        var score: (x: [Double], y: [Double]) { metric(Column.classifierScore) }
        var accuracy: (x: [Double], y: [Double]) { metric(Column.classifierAccuracy) }
        var floor: Double? { (summary["frechet_distance_floor"] as? NSNumber)?.doubleValue }
    }

    public let runs: [Run]

    public init(folders: [URL]) throws {
        guard !folders.isEmpty else { throw ResultsError("no GAN run folders given") }
        runs = try folders.map { try Run(folder: $0) }
    }

    /// The page for one run (`report.html` in its folder).
    public func singleRunHTML() -> String {
        guard let run = runs.first else { return "" }
        let summary = ["model", "preset", "loss", "seed", "epochs", "batch_size", "steps", "train_images", "classifier"]
            .compactMap { key in run.summary[key].map { "\(key) \($0)" } }.joined(separator: ", ")
        var sections = ["<p class=\"meta\">\(SVGChart.escape(run.folder.path)): \(SVGChart.escape(summary))</p>"]
        var charts: [String] = []
        let batch = run.batchLossLines()
        if !batch.isEmpty {
            charts.append(SVGChart.lines(batch, title: "Training losses", xLabel: "step", yLabel: "loss", note: "mean over windows of batches"))
        }
        let testLines = ["generator_test", "discriminator_test", "generator_train", "discriminator_train"].compactMap { component -> SVGChart.Line? in
            let s = run.testLosses?.series(x: Column.epoch, y: Column.loss, where: (Column.component, component))
            guard let s, !s.x.isEmpty else { return nil }
            return SVGChart.Line(name: component.replacingOccurrences(of: "_", with: " "), x: s.x, y: s.y)
        }
        if !testLines.isEmpty { charts.append(SVGChart.lines(testLines, title: "Losses per epoch", xLabel: "epoch", yLabel: "loss")) }
        if !run.frechet.x.isEmpty {
            var lines = [SVGChart.Line(name: "generated", x: run.frechet.x, y: run.frechet.y)]
            if let floor = run.floor { lines.append(SVGChart.Line(name: "floor (real vs real)", x: run.frechet.x, y: run.frechet.x.map { _ in floor })) }
            charts.append(SVGChart.lines(lines, title: "Fréchet distance to real test images", xLabel: "epoch", yLabel: "Fréchet distance",
                                         note: "classifier features; lower is better"))
            var other = [SVGChart.Line(name: "classifier score", x: run.score.x, y: run.score.y)]
            if !run.accuracy.x.isEmpty { other.append(SVGChart.Line(name: "accuracy x 10", x: run.accuracy.x, y: run.accuracy.y.map { $0 * 10 })) }
            charts.append(SVGChart.lines(other, title: "Classifier score", xLabel: "epoch", yLabel: "score (1 to 10)",
                                         note: "exp mean KL(p(y|x) || p(y)); AC-GAN: conditional accuracy x 10"))
        }
        sections.append("<h2>Curves</h2>\n<div class=\"charts\">\n" + charts.map { "<figure>\(Report.inline($0))</figure>" }.joined(separator: "\n") + "\n</div>")
        if let table = metricsTable(run) { sections.append("<h2>Metrics per epoch</h2>\n" + table) }
        if let interpolation = run.interpolation {
            let conditional = run.summary["model"] as? String == "acgan"
            sections.append("<h2>Latent interpolation</h2>\n<p class=\"meta\">" + (conditional
                ? "One row per class; every row walks the same straight line between two latent vectors."
                : "Each row walks a straight line between two latent vectors.") + "</p>\n" + image(interpolation, alt: "latent interpolation"))
        }
        if !run.grids.isEmpty {
            sections.append("<h2>Samples per epoch</h2>\n<p class=\"meta\">The same latent vectors every epoch.</p>\n<div class=\"grids\">\n"
                + run.grids.map { "<figure>\(image($0.png, alt: "epoch \($0.epoch)"))<figcaption>epoch \($0.epoch)</figcaption></figure>" }.joined(separator: "\n")
                + "\n</div>")
        }
        for (name, text) in run.configurations {
            sections.append("<h2>\(SVGChart.escape(name))</h2>\n<pre>\(SVGChart.escape(text))</pre>")
        }
        return page(title: "GAN run: \(run.label)", sections: sections)
    }

    /// The page comparing several runs.
    public func comparisonHTML() -> String {
        var sections: [String] = []
        var rows = ["<table>", "<tr><th>run</th><th>folder</th><th>epochs</th><th>Fréchet distance</th><th>floor</th><th>classifier score</th><th>accuracy</th></tr>"]
        for run in runs {
            func cell(_ v: Double?) -> String { v.map { String(format: "%.4g", $0) } ?? "-" }
            rows.append("<tr><td>\(SVGChart.escape(run.label))</td><td>\(SVGChart.escape(run.folder.path))</td><td class=\"num\">\(run.summary["epochs"].map { "\($0)" } ?? "-")</td>"
                + "<td class=\"num\">\(cell(run.frechet.y.last))</td><td class=\"num\">\(cell(run.floor))</td><td class=\"num\">\(cell(run.score.y.last))</td><td class=\"num\">\(cell(run.accuracy.y.last))</td></tr>")
        }
        rows.append("</table>")
        sections.append("<h2>Last epoch</h2>\n" + rows.joined(separator: "\n"))
        let names = runs.map(\.label)
        let unique = Set(names).count == names.count
        func name(_ i: Int) -> String { unique ? names[i] : "\(names[i]) (\(runs[i].folder.lastPathComponent))" }
        func lines(_ metric: (Run) -> (x: [Double], y: [Double])) -> [SVGChart.Line] {
            runs.indices.compactMap { i in
                let s = metric(runs[i])
                return s.x.isEmpty ? nil : SVGChart.Line(name: name(i), x: s.x, y: s.y)
            }
        }
        var charts: [String] = []
        let fd = lines(\.frechet), sc = lines(\.score)
        if !fd.isEmpty { charts.append(SVGChart.lines(fd, title: "Fréchet distance per epoch", xLabel: "epoch", yLabel: "Fréchet distance", note: "lower is better")) }
        if !sc.isEmpty { charts.append(SVGChart.lines(sc, title: "Classifier score per epoch", xLabel: "epoch", yLabel: "classifier score")) }
        if !charts.isEmpty {
            sections.append("<h2>Metrics</h2>\n<div class=\"charts\">\n" + charts.map { "<figure>\(Report.inline($0))</figure>" }.joined(separator: "\n") + "\n</div>")
        }
        sections.append("<h2>Last epoch's samples</h2>\n<div class=\"grids\">\n" + runs.indices.compactMap { i -> String? in
            guard let last = runs[i].grids.last else { return nil }
            return "<figure>\(image(last.png, alt: name(i)))<figcaption>\(SVGChart.escape(name(i))), epoch \(last.epoch)</figcaption></figure>"
        }.joined(separator: "\n") + "\n</div>")
        return page(title: "GAN comparison (\(runs.count) runs)", sections: sections)
    }

    func metricsTable(_ run: Run) -> String? {
        guard let metrics = run.metrics, !metrics.rows.isEmpty else { return nil }
        var lines = ["<table>", "<tr>" + metrics.header.map { "<th>\(SVGChart.escape($0))</th>" }.joined() + "</tr>"]
        for row in metrics.rows {
            lines.append("<tr>" + row.map { cell in
                "<td class=\"num\">\(Double(cell).map { $0 == $0.rounded() ? String(format: "%.0f", $0) : String(format: "%.4g", $0) } ?? SVGChart.escape(cell))</td>"
            }.joined() + "</tr>")
        }
        lines.append("</table>")
        if let floor = run.floor {
            lines.append("<p class=\"meta\">Floor (real training vs real test images): \(String(format: "%.4g", floor)). class_k: share of generated images the classifier puts in class k.</p>")
        }
        return lines.joined(separator: "\n")
    }

    func image(_ png: Data, alt: String) -> String {
        "<img alt=\"\(SVGChart.escape(alt))\" src=\"data:image/png;base64,\(png.base64EncodedString())\">"
    }

    func page(title: String, sections: [String]) -> String {
        Report.page(title: title, style: """
            body { font-family: Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1600px; color: #222; padding: 0 16px; }
            h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 28px; border-bottom: 1px solid #ddd; }
            .meta { color: #666; font-size: 13px; }
            table { border-collapse: collapse; font-size: 13px; margin: 8px 0 12px; }
            th, td { padding: 4px 10px; border-bottom: 1px solid #e5e5e5; text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
            th { background: #f5f5f5; } .charts, .grids { display: flex; flex-wrap: wrap; gap: 12px; }
            figure { margin: 0; } figcaption { color: #888; font-size: 11px; } svg { max-width: 100%; height: auto; }
            img { image-rendering: pixelated; } pre { background: #f7f7f7; padding: 10px; font-size: 12px; overflow-x: auto; }
            """, body: sections.joined(separator: "\n"))
    }
}

extension GANReport {
    /// The 1-D GAN's density figure for one snapshot: the real data's density, the
    /// generated samples' density and D's probability of "real" on shared axes, drawn by
    /// the charts' own line writer (``SVGChart/lines(_:title:xLabel:yLabel:note:)``).
    public static func densityChart(_ snapshot: GaussianGANSnapshot, preset: String) -> String {
        SVGChart.lines([
            SVGChart.Line(name: "real data", x: snapshot.binCenters, y: snapshot.realDensity),
            SVGChart.Line(name: "generated", x: snapshot.binCenters, y: snapshot.generatedDensity),
            SVGChart.Line(name: "decision D(x)", x: snapshot.decisionX, y: snapshot.decision),
        ], title: "1-D GAN, \(preset) preset, step \(snapshot.step)", xLabel: "x", yLabel: "density, D(x)")
    }
}
