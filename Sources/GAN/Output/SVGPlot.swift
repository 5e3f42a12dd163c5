import Foundation

/// A minimal line chart as SVG text: a few named series on shared axes, for the 1-D GAN's
/// density figures (no plotting library needed to look at a run).
public struct SVGPlot {
    /// One line.
    public struct Series {
        public let name: String
        public let x: [Double]
        public let y: [Double]
        public let color: String
        public init(name: String, x: [Double], y: [Double], color: String) {
            self.name = name
            self.x = x
            self.y = y
            self.color = color
        }
    }

    public var title: String
    public var series: [Series] = []
    public var width = 640.0
    public var height = 400.0

    public init(title: String) { self.title = title }

    /// The SVG document.
    public func render() -> String {
        let left = 50.0, right = 20.0, top = 30.0, bottom = 40.0
        let xs = series.flatMap(\.x).filter(\.isFinite), ys = series.flatMap(\.y).filter(\.isFinite)
        let xMin = xs.min() ?? 0, xMax = Swift.max(xs.max() ?? 1, xMin + 1e-9)
        let yMin = Swift.min(ys.min() ?? 0, 0), yMax = Swift.max(ys.max() ?? 1, yMin + 1e-9)
        func px(_ x: Double) -> Double { left + (x - xMin) / (xMax - xMin) * (width - left - right) }
        func py(_ y: Double) -> Double { height - bottom - (y - yMin) / (yMax - yMin) * (height - top - bottom) }
        func f(_ v: Double) -> String { String(format: "%.2f", v) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"\(f(width / 2))\" y=\"18\" text-anchor=\"middle\">\(escape(title))</text>\n"
        s += "<line x1=\"\(f(left))\" y1=\"\(f(py(yMin)))\" x2=\"\(f(width - right))\" y2=\"\(f(py(yMin)))\" stroke=\"black\"/>\n"
        s += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(height - bottom))\" stroke=\"black\"/>\n"
        for i in 0...4 {
            let xv = xMin + (xMax - xMin) * Double(i) / 4, yv = yMin + (yMax - yMin) * Double(i) / 4
            s += "<text x=\"\(f(px(xv)))\" y=\"\(f(height - bottom + 15))\" text-anchor=\"middle\">\(String(format: "%g", (xv * 100).rounded() / 100))</text>\n"
            s += "<text x=\"\(f(left - 5))\" y=\"\(f(py(yv) + 4))\" text-anchor=\"end\">\(String(format: "%.2f", yv))</text>\n"
        }
        for (i, line) in series.enumerated() {
            let points = zip(line.x, line.y).filter { $0.0.isFinite && $0.1.isFinite }.map { "\(f(px($0.0))),\(f(py($0.1)))" }
            s += "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"1.5\" points=\"\(points.joined(separator: " "))\"/>\n"
            let ly = top + 5 + Double(i) * 16
            s += "<line x1=\"\(f(width - 170))\" y1=\"\(f(ly))\" x2=\"\(f(width - 150))\" y2=\"\(f(ly))\" stroke=\"\(line.color)\" stroke-width=\"2\"/>\n"
            s += "<text x=\"\(f(width - 145))\" y=\"\(f(ly + 4))\">\(escape(line.name))</text>\n"
        }
        return s + "</svg>\n"
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
