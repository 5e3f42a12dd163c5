import Foundation

/// Draws charts as standalone SVG documents: learning curves with confidence bands and
/// final-evaluation strip charts. Output is deterministic (fixed number formatting, no
/// timestamps), so the same results give the same bytes.
public enum SVGChart {
    /// Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
    public static let palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

    static let width = 760.0, height = 440.0
    static let left = 72.0, right = 190.0, top = 48.0, bottom = 58.0
    static var plotWidth: Double { width - left - right }
    static var plotHeight: Double { height - top - bottom }

    /// One line of a line chart, with an optional shaded band (a confidence interval).
    public struct Series {
        /// The legend label.
        public let label: String
        /// The `data-agent` attribute of the line and band.
        public let agent: String
        public let x: [Double]
        public let y: [Double]
        /// Band bounds at each x; nil for no band.
        public let lower: [Double]?
        public let upper: [Double]?

        public init(label: String, agent: String, x: [Double], y: [Double], lower: [Double]? = nil, upper: [Double]? = nil) {
            self.label = label
            self.agent = agent
            self.x = x
            self.y = y
            self.lower = lower
            self.upper = upper
        }
    }

    /// A learning-curve chart: one line (mean over runs) and one translucent band (95%
    /// bootstrap CI) per agent, a legend on the right, axis labels and a title.
    public static func learningCurves(_ curves: [LearningCurve], title: String, xLabel: String, yLabel: String = "episode return") -> String {
        let series = curves.map { curve in
            Series(
                label: curve.agent + " (n=\(curve.runCount))", agent: curve.agent, x: curve.x, y: curve.mean,
                lower: curve.runCount > 1 ? curve.lower : nil, upper: curve.runCount > 1 ? curve.upper : nil)
        }
        return lines(series, title: title, xLabel: xLabel, yLabel: yLabel, note: "line: mean over runs; band: 95% bootstrap CI")
    }

    /// A line chart with bands: learning curves, performance profiles, sample-efficiency
    /// curves. Points whose value is not finite are left out (a chart never shows NaN).
    ///
    /// - Parameter yRange: A fixed y range (a profile's [0, 1]); nil to fit the data.
    public static func lines(
        _ series: [Series], title: String, xLabel: String, yLabel: String, note: String, yRange: ClosedRange<Double>? = nil
    ) -> String {
        let xs = series.flatMap(\.x).filter(\.isFinite)
        let ys = series.flatMap { $0.y + ($0.lower ?? []) + ($0.upper ?? []) }.filter(\.isFinite)
        let xScale = Scale(xs.min() ?? 0, xs.max() ?? 1)
        let yScale = yRange.map { Scale($0.lowerBound, $0.upperBound) } ?? Scale(ys.min() ?? 0, ys.max() ?? 1)
        var body = [axes(xScale, yScale, xLabel: xLabel, yLabel: yLabel)]
        // Every band first, then every line, so no band covers another agent's line.
        for (index, line) in series.enumerated() where !line.x.isEmpty {
            guard let lower = line.lower, let upper = line.upper else { continue }
            let color = palette[index % palette.count]
            let points = line.x.indices.filter { line.x[$0].isFinite && lower[$0].isFinite && upper[$0].isFinite }
            guard !points.isEmpty else { continue }
            var band = "M"
            for i in points { band += " \(px(xScale, line.x[i])),\(py(yScale, upper[i]))" }
            for i in points.reversed() { band += " L \(px(xScale, line.x[i])),\(py(yScale, lower[i]))" }
            body.append("<path class=\"band\" data-agent=\"\(escape(line.agent))\" id=\"agent-\(index)-band\" d=\"\(band) Z\" fill=\"\(color)\" fill-opacity=\"0.2\" stroke=\"none\"/>")
        }
        for (index, line) in series.enumerated() where !line.x.isEmpty {
            let color = palette[index % palette.count]
            let points = line.x.indices.filter { line.x[$0].isFinite && line.y[$0].isFinite }
            guard !points.isEmpty else { continue }
            var d = ""
            for (k, i) in points.enumerated() { d += (k == 0 ? "M " : " L ") + "\(px(xScale, line.x[i])),\(py(yScale, line.y[i]))" }
            if points.count == 1 { d += " h 1" }
            body.append("<path class=\"mean\" data-agent=\"\(escape(line.agent))\" id=\"agent-\(index)-mean\" d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" stroke-linejoin=\"round\"/>")
        }
        let key = legend(series.enumerated().map { ($0.element.label, palette[$0.offset % palette.count]) }, note: note)
        body.append(key.svg)
        return document(title: title, body: body, width: key.chartWidth)
    }

    /// One panel of an interval chart: a title, an x-axis label and one row per label.
    public struct IntervalPanel {
        public let title: String
        public let xLabel: String
        public let rows: [(label: String, value: IntervalEstimate)]
        /// A fixed x range; nil to fit the intervals.
        public let xRange: ClosedRange<Double>?
        /// A vertical reference line (0.5 for probabilities of improvement).
        public let reference: Double?

        public init(title: String, xLabel: String, rows: [(label: String, value: IntervalEstimate)], xRange: ClosedRange<Double>? = nil, reference: Double? = nil) {
            self.title = title
            self.xLabel = xLabel
            self.rows = rows
            self.xRange = xRange
            self.reference = reference
        }
    }

    /// Interval estimates side by side, in the style of rliable's figure 1: one panel per
    /// statistic, one row per agent (or pair), a bar from the lower to the upper bound and
    /// a tick at the point estimate. Rows without an interval show the tick alone; values
    /// that are not finite are not drawn.
    public static func intervals(_ panels: [IntervalPanel], title: String, note: String) -> String {
        let panelWidth = 200.0, gap = 24.0, rowHeight = 26.0
        // Row labels (agents, "P(X > Y)" pairs) end at the panels: the label column is as
        // wide as the longest one, so none is cut at the left edge.
        let longestLabel = panels.flatMap { $0.rows.map { textWidth($0.label, fontSize: 12) } }.max() ?? 0
        let labelWidth = max(150, longestLabel + 24)
        let rowCount = panels.map(\.rows.count).max() ?? 0
        let chartWidth = max(labelWidth + Double(panels.count) * (panelWidth + gap) + 10, textWidth(title, fontSize: 15) + 40)
        let chartTop = 70.0
        let noteLines = note.split(separator: ";").flatMap {
            wrap($0.trimmingCharacters(in: .whitespaces), width: chartWidth - 20, fontSize: 10)
        }
        let chartHeight = chartTop + Double(max(rowCount, 1)) * rowHeight + 50 + 12 * Double(noteLines.count)
        var body: [String] = []
        for (p, panel) in panels.enumerated() {
            let x0 = labelWidth + Double(p) * (panelWidth + gap)
            let values = panel.rows.flatMap { [$0.value.estimate, $0.value.lower ?? .nan, $0.value.upper ?? .nan] }.filter(\.isFinite)
            let scale = panel.xRange.map { Scale($0.lowerBound, $0.upperBound) } ?? Scale(values.min() ?? 0, values.max() ?? 1)
            let x = { (v: Double) in f(x0 + scale.fraction(v) * panelWidth) }
            let yBottom = chartTop + Double(rowCount) * rowHeight
            body.append("<text class=\"panel-title\" x=\"\(f(x0 + panelWidth / 2))\" y=\"\(f(chartTop - 14))\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(escape(panel.title))</text>")
            for tick in scale.ticks {
                body.append("<line x1=\"\(x(tick))\" y1=\"\(f(chartTop))\" x2=\"\(x(tick))\" y2=\"\(f(yBottom))\" stroke=\"#e5e5e5\"/>")
                body.append("<text class=\"tick-label\" x=\"\(x(tick))\" y=\"\(f(yBottom + 16))\" text-anchor=\"middle\" font-size=\"10\">\(number(tick))</text>")
            }
            if let reference = panel.reference {
                body.append("<line class=\"reference\" x1=\"\(x(reference))\" y1=\"\(f(chartTop))\" x2=\"\(x(reference))\" y2=\"\(f(yBottom))\" stroke=\"#888888\" stroke-dasharray=\"4 3\"/>")
            }
            body.append("<line x1=\"\(f(x0))\" y1=\"\(f(yBottom))\" x2=\"\(f(x0 + panelWidth))\" y2=\"\(f(yBottom))\" stroke=\"#888888\"/>")
            body.append("<text class=\"axis-label\" x=\"\(f(x0 + panelWidth / 2))\" y=\"\(f(yBottom + 34))\" text-anchor=\"middle\" font-size=\"11\">\(escape(panel.xLabel))</text>")
            for (r, row) in panel.rows.enumerated() {
                let color = palette[r % palette.count]
                let yCenter = chartTop + (Double(r) + 0.5) * rowHeight
                if p == 0 {
                    body.append("<text class=\"row-label\" x=\"\(f(labelWidth - 10))\" y=\"\(f(yCenter))\" dy=\"4\" text-anchor=\"end\">\(escape(row.label))</text>")
                }
                if let lower = row.value.lower, let upper = row.value.upper, lower.isFinite, upper.isFinite {
                    let left = x0 + scale.fraction(lower) * panelWidth
                    let width = max(scale.fraction(upper) - scale.fraction(lower), 0) * panelWidth
                    body.append("<rect class=\"interval\" data-row=\"\(escape(row.label))\" x=\"\(f(left))\" y=\"\(f(yCenter - 8))\" width=\"\(f(max(width, 1)))\" height=\"16\" fill=\"\(color)\" fill-opacity=\"0.6\"/>")
                }
                if row.value.estimate.isFinite {
                    body.append("<line class=\"estimate\" data-row=\"\(escape(row.label))\" x1=\"\(x(row.value.estimate))\" y1=\"\(f(yCenter - 10))\" x2=\"\(x(row.value.estimate))\" y2=\"\(f(yCenter + 10))\" stroke=\"black\" stroke-width=\"2\"/>")
                }
            }
        }
        for (i, line) in noteLines.enumerated() {
            let y = chartHeight - 8 - Double(noteLines.count - 1 - i) * 12
            body.append("<text class=\"legend-note\" x=\"10\" y=\"\(f(y))\" font-size=\"10\" fill=\"#666666\">\(escape(line))</text>")
        }
        return document(title: title, body: body, width: chartWidth, height: chartHeight, titleX: chartWidth / 2)
    }

    /// One agent's final results: a value per run (seed) as a point, its mean as a bar
    /// with a 95% bootstrap CI whisker; one column per agent.
    public struct EvaluationColumn {
        public let agent: String
        public let values: [Double]
        public let lower: Double
        public let upper: Double
        public init(agent: String, values: [Double], lower: Double, upper: Double) {
            self.agent = agent
            self.values = values
            self.lower = lower
            self.upper = upper
        }
        public var mean: Double { AggregateMetric.average(values) }
    }

    /// A strip chart of final results per agent: per-run points, the mean (a wide tick)
    /// and its 95% bootstrap CI (a whisker).
    public static func evaluation(_ columns: [EvaluationColumn], title: String, yLabel: String) -> String {
        let ys = columns.flatMap { $0.values + [$0.lower, $0.upper] }.filter(\.isFinite)
        let yScale = Scale(min(ys.min() ?? 0, 0), ys.max() ?? 1)
        let slot = plotWidth / Double(max(columns.count, 1))
        var body = [axes(nil, yScale, xLabel: "agent", yLabel: yLabel)]
        for (index, column) in columns.enumerated() {
            let color = palette[index % palette.count]
            let center = left + slot * (Double(index) + 0.5)
            let agent = escape(column.agent)
            body.append("<text class=\"tick-label\" x=\"\(f(center))\" y=\"\(f(top + plotHeight + 18))\" text-anchor=\"middle\">\(agent)</text>")
            if column.lower.isFinite && column.upper.isFinite {
                body.append("<line class=\"ci\" data-agent=\"\(agent)\" x1=\"\(f(center))\" y1=\"\(py(yScale, column.lower))\" x2=\"\(f(center))\" y2=\"\(py(yScale, column.upper))\" stroke=\"\(color)\" stroke-width=\"2\"/>")
            }
            if column.mean.isFinite {
                let y = py(yScale, column.mean)
                body.append("<line class=\"mean\" data-agent=\"\(agent)\" x1=\"\(f(center - slot * 0.25))\" y1=\"\(y)\" x2=\"\(f(center + slot * 0.25))\" y2=\"\(y)\" stroke=\"\(color)\" stroke-width=\"3\"/>")
                body.append("<text class=\"value\" x=\"\(f(center + slot * 0.27))\" y=\"\(y)\" dy=\"4\" font-size=\"11\">\(number(column.mean))</text>")
            }
            // Points spread sideways in a fixed pattern so equal values stay visible.
            for (k, value) in column.values.enumerated() where value.isFinite {
                let offset = (Double(k % 7) - 3) * min(6, slot * 0.03)
                body.append("<circle class=\"run\" data-agent=\"\(agent)\" cx=\"\(f(center + offset))\" cy=\"\(py(yScale, value))\" r=\"4\" fill=\"\(color)\" fill-opacity=\"0.7\" stroke=\"white\" stroke-width=\"0.8\"/>")
            }
        }
        body.append(legend([("one run (seed)", "#555555")], note: "tick: mean; whisker: 95% bootstrap CI", marker: true).svg)
        return document(title: title, body: body)
    }

    /// One named line of ``lines(_:title:xLabel:yLabel:note:)``.
    public struct Line {
        public let name: String
        public let x: [Double]
        public let y: [Double]
        public init(name: String, x: [Double], y: [Double]) {
            self.name = name
            self.x = x
            self.y = y
        }
    }

    /// Plain lines on shared axes (GAN losses and metrics per epoch), a legend on the
    /// right; non-finite points are skipped. A single point is drawn as a dot.
    public static func lines(_ lines: [Line], title: String, xLabel: String, yLabel: String, note: String = "") -> String {
        let xs = lines.flatMap(\.x).filter(\.isFinite)
        let ys = lines.flatMap(\.y).filter(\.isFinite)
        let xScale = Scale(xs.min() ?? 0, xs.max() ?? 1)
        let yScale = Scale(ys.min() ?? 0, ys.max() ?? 1)
        var body = [axes(xScale, yScale, xLabel: xLabel, yLabel: yLabel)]
        for (index, line) in lines.enumerated() {
            let color = palette[index % palette.count]
            let points = zip(line.x, line.y).filter { $0.0.isFinite && $0.1.isFinite }
            if points.count == 1, let p = points.first {
                body.append("<circle class=\"point\" cx=\"\(px(xScale, p.0))\" cy=\"\(py(yScale, p.1))\" r=\"3\" fill=\"\(color)\"/>")
                continue
            }
            var path = ""
            for (i, p) in points.enumerated() { path += (i == 0 ? "M " : " L ") + "\(px(xScale, p.0)),\(py(yScale, p.1))" }
            if !path.isEmpty {
                body.append("<path class=\"line\" data-series=\"\(escape(line.name))\" d=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" stroke-linejoin=\"round\"/>")
            }
        }
        let key = legend(lines.enumerated().map { ($0.element.name, palette[$0.offset % palette.count]) }, note: note)
        body.append(key.svg)
        return document(title: title, body: body, width: key.chartWidth)
    }

    // MARK: Pieces

    static func document(title: String, body: [String], width: Double = width, height: Double = height, titleX: Double? = nil) -> String {
        let head = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">",
            "<title>\(escape(title))</title>",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text class=\"title\" x=\"\(f(titleX ?? left + plotWidth / 2))\" y=\"26\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">\(escape(title))</text>",
        ]
        return (head + body + ["</svg>"]).joined(separator: "\n") + "\n"
    }

    static func axes(_ xScale: Scale?, _ yScale: Scale, xLabel: String, yLabel: String) -> String {
        var parts: [String] = []
        let x0 = f(left), x1 = f(left + plotWidth), y0 = f(top), y1 = f(top + plotHeight)
        for tick in yScale.ticks {
            let y = py(yScale, tick)
            parts.append("<line x1=\"\(x0)\" y1=\"\(y)\" x2=\"\(x1)\" y2=\"\(y)\" stroke=\"#e5e5e5\"/>")
            parts.append("<text class=\"tick-label\" x=\"\(f(left - 8))\" y=\"\(y)\" dy=\"4\" text-anchor=\"end\">\(number(tick))</text>")
        }
        if let xScale {
            for tick in xScale.ticks {
                let x = px(xScale, tick)
                parts.append("<line x1=\"\(x)\" y1=\"\(y0)\" x2=\"\(x)\" y2=\"\(y1)\" stroke=\"#f0f0f0\"/>")
                parts.append("<text class=\"tick-label\" x=\"\(x)\" y=\"\(f(top + plotHeight + 18))\" text-anchor=\"middle\">\(number(tick))</text>")
            }
        }
        parts.append("<rect x=\"\(x0)\" y=\"\(y0)\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#888888\"/>")
        parts.append("<text class=\"axis-label\" x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 14))\" text-anchor=\"middle\" font-size=\"13\">\(escape(xLabel))</text>")
        parts.append("<text class=\"axis-label\" transform=\"translate(18,\(f(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">\(escape(yLabel))</text>")
        return parts.joined(separator: "\n")
    }

    /// The legend right of the plot: a swatch and label per entry, then the note's pieces
    /// (split at ";"), and the chart width that holds it. The chart widens beyond the
    /// standard width for a label that does not fit; labels and notes wrap at spaces to
    /// the right margin, so nothing runs off the chart's edge.
    static func legend(_ entries: [(String, String)], note: String, marker: Bool = false) -> (svg: String, chartWidth: Double) {
        let x = left + plotWidth + 16
        let longestWord = entries.flatMap { $0.0.split(separator: " ").map { textWidth(String($0), fontSize: 12) } }.max() ?? 0
        let chartWidth = max(width, x + 24 + longestWord + 6)
        let available = chartWidth - x - 6
        var parts = ["<g class=\"legend\">"]
        var y = top + 10
        for (label, color) in entries {
            if marker {
                parts.append("<circle cx=\"\(f(x + 9))\" cy=\"\(f(y))\" r=\"4\" fill=\"\(color)\"/>")
            } else {
                parts.append("<rect x=\"\(f(x))\" y=\"\(f(y - 6))\" width=\"18\" height=\"12\" fill=\"\(color)\" fill-opacity=\"0.2\"/>")
                parts.append("<line x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x + 18))\" y2=\"\(f(y))\" stroke=\"\(color)\" stroke-width=\"2\"/>")
            }
            let lines = wrap(label, width: available - 24, fontSize: 12)
            for (i, line) in lines.enumerated() {
                parts.append("<text class=\"legend-label\" x=\"\(f(x + 24))\" y=\"\(f(y + Double(i) * 14))\" dy=\"4\">\(escape(line))</text>")
            }
            y += 20 + Double(lines.count - 1) * 14
        }
        y += 8
        for piece in note.split(separator: ";") {
            for line in wrap(piece.trimmingCharacters(in: .whitespaces), width: available, fontSize: 10) {
                parts.append("<text class=\"legend-note\" x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"10\" fill=\"#666666\">\(escape(line))</text>")
                y += 13
            }
            y += 3
        }
        parts.append("</g>")
        return (parts.joined(separator: "\n"), chartWidth)
    }

    /// A conservative estimate of `text`'s width in Helvetica at `fontSize`: 0.6 em per
    /// character (Helvetica averages about 0.5 em), so the estimate errs toward room.
    static func textWidth(_ text: String, fontSize: Double) -> Double {
        Double(text.count) * fontSize * 0.6
    }

    /// `text` broken at spaces into lines no wider than `width` (by ``textWidth(_:fontSize:)``);
    /// a single word wider than that stays whole on its own line.
    static func wrap(_ text: String, width: Double, fontSize: Double) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            let candidate = current.isEmpty ? String(word) : current + " " + word
            if current.isEmpty || textWidth(candidate, fontSize: fontSize) <= width {
                current = candidate
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        return lines
    }

    /// A linear scale from data to pixels with "nice" ticks (1, 2, 5 x 10^k steps).
    struct Scale {
        let low: Double, high: Double
        let ticks: [Double]
        init(_ minimum: Double, _ maximum: Double) {
            var lo = minimum, hi = maximum
            if !(hi > lo) { lo -= 1; hi += 1 }
            let raw = (hi - lo) / 5
            let magnitude = pow(10, floor(log10(raw)))
            let step = [1.0, 2.0, 5.0, 10.0].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
            lo = floor(lo / step) * step
            hi = ceil(hi / step) * step
            low = lo
            high = hi
            var ticks: [Double] = []
            var t = lo
            while t <= hi + step * 1e-9 { ticks.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
            self.ticks = ticks
        }
        func fraction(_ v: Double) -> Double { (v - low) / (high - low) }
    }

    static func px(_ s: Scale, _ v: Double) -> String { f(left + s.fraction(v) * plotWidth) }
    static func py(_ s: Scale, _ v: Double) -> String { f(top + (1 - s.fraction(v)) * plotHeight) }

    /// Pixel coordinates with two decimals: exact enough, and the same text on every machine.
    static func f(_ v: Double) -> String { String(format: "%.2f", v) }

    /// Tick and value labels: integers without decimals, large numbers with k/M.
    static func number(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1_000_000 { return trim(String(format: "%.2f", v / 1_000_000)) + "M" }
        if a >= 10_000 { return trim(String(format: "%.1f", v / 1000)) + "k" }
        if v == v.rounded() { return String(format: "%.0f", v) }
        return trim(String(format: "%.2f", v))
    }

    static func trim(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var t = s
        while t.hasSuffix("0") { t.removeLast() }
        if t.hasSuffix(".") { t.removeLast() }
        return t
    }

    /// Escapes text for XML content and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
