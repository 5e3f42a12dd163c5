import Foundation

extension Report {
    /// The episode animations of `environment` found in the results folders, embedded as
    /// data URIs (the page stays self-contained); empty when there are none.
    func animationSection(_ environment: String) -> String {
        var figures: [String] = []
        for folder in results.folders {
            for animation in ReportAnimations.find(in: folder, environment: environment) {
                guard let data = try? Data(contentsOf: animation.url) else { continue }
                let caption = "\(SVGChart.escape(animation.agent)), seed \(SVGChart.escape(animation.seed)) (\(data.count / 1024) KB)"
                figures.append("<figure><img alt=\"\(caption)\" src=\"data:image/gif;base64,\(data.base64EncodedString())\"><figcaption>\(caption)</figcaption></figure>")
            }
        }
        guard !figures.isEmpty else { return "" }
        return """
            <h3>Greedy episode of each agent's best run</h3>
            <p class="meta">One greedy episode from the first evaluation seed of the run with the best final value, replayed with render_mode=rgb_array at half size (the first \(ReportAnimations.maxFrames) frames at most); files under \(ReportAnimations.folderName)/.</p>
            <div class="charts">
            \(figures.joined(separator: "\n"))
            </div>
            """
    }
}
