import Foundation

extension Report {
    /// The episode animations of `environment` found in the results folders, embedded as
    /// data URIs (the page stays self-contained); empty when there are none.
    func animationSection(_ environment: String) -> String {
        var figures: [String] = []
        let agents = results.agents(in: environment)
        for folder in results.folders {
            // In the order the agents were given (the table's order).
            let found = ReportAnimations.find(in: folder, environment: environment).sorted {
                (agents.firstIndex(of: $0.agent) ?? agents.count) < (agents.firstIndex(of: $1.agent) ?? agents.count)
            }
            for animation in found {
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
