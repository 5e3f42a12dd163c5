import Agents
import Foundation
import Gym

/// One greedy episode of each agent's best run per environment, as animated GIFs that
/// `report.html` embeds.
///
/// After its evaluation, each run plays one greedy episode from its first evaluation seed
/// and keeps the actions (cheap: no frames; for a deterministic agent it is the first
/// evaluation episode). When the comparison ends, the best run of each
/// agent on each environment that renders `rgb_array` (highest greedy evaluation mean,
/// else last-100 training mean; the lowest seed on ties) is replayed from the same seed
/// with rendering, into `animations/<env>/<agent>.seed-<seed>.gif`: half size and at most
/// ``maxFrames`` frames, so that a report with a few agents stays around a megabyte.
public enum ReportAnimations {
    /// The folder under a comparison's output.
    public static let folderName = "animations"
    /// Frames kept per animation (the first ones of the episode).
    public static let maxFrames = 250
    /// Frames are shrunk by this factor (600x400 becomes 300x200).
    public static let downscale = 2

    /// The greedy actions of one episode of `agent` in a fresh copy of `spec`'s environment
    /// from `spec.evaluationSeed`, or `nil` when the environment cannot draw frames.
    public static func greedyActions(_ agent: any Agent, spec: RunSpec) throws -> [Action]? {
        let environment = try Run.makeEnvironment(spec)
        guard environment.availableRenderModes.contains(.rgbArray) else { return nil }
        var (observation, _) = try environment.reset(seed: spec.evaluationSeed, options: nil)
        var actions: [Action] = []
        while actions.count < maxFrames - 1 {
            let action = try agent.act(observation)
            actions.append(action)
            let result = try environment.step(action)
            observation = result.observation
            if result.terminated || result.truncated { break }
        }
        return actions
    }

    /// Writes the animation of each environment x agent's best run; returns the files.
    @discardableResult
    public static func write(_ results: [RunResult], greedyActions: [Int: [Action]], to output: URL) throws -> [URL] {
        var best: [String: (index: Int, score: Double)] = [:]
        var order: [String] = []
        for (index, result) in results.enumerated() where !result.interrupted && greedyActions[index] != nil {
            let key = "\(result.spec.environmentID)\u{0}\(result.spec.agent)"
            let score = result.evaluation?.mean ?? EpisodeStatistics(result.episodes).last100Mean
            if let current = best[key] {
                let currentSeed = results[current.index].spec.seed
                if score > current.score || (score == current.score && result.spec.seed < currentSeed) { best[key] = (index, score) }
            } else {
                best[key] = (index, score)
                order.append(key)
            }
        }
        var written: [URL] = []
        for key in order {
            guard let entry = best[key], let actions = greedyActions[entry.index] else { continue }
            let spec = results[entry.index].spec
            var options = spec.environmentOptions
            options["render_mode"] = RenderMode.rgbArray.rawValue
            let environment = try EnvironmentRegistry.shared.make(spec.environmentID, options: options)
            let fps = (environment.unwrapped as? RenderableEnvironment)?.renderFramesPerSecond ?? 30
            let folder = output.appendingPathComponent(folderName).appendingPathComponent(Comparison.folderName(spec.environmentID))
            let url = folder.appendingPathComponent("\(spec.agent).seed-\(spec.seed).gif")
            let writer = try EpisodeVideoWriter(format: .gif, url: url, framesPerSecond: fps, downscale: downscale)
            try EpisodeVideo.play(environment, seed: spec.evaluationSeed, mode: .rgbArray, maxSteps: actions.count, writer: writer) { _, step in
                step < actions.count ? actions[step] : nil
            }
            written.append(url)
        }
        return written
    }

    /// An animation found in a results folder.
    public struct Animation {
        public var agent: String
        public var seed: String
        public var url: URL
    }

    /// The animations of `environment` under `folder`, in file-name order.
    public static func find(in folder: URL, environment: String) -> [Animation] {
        let directory = folder.appendingPathComponent(folderName).appendingPathComponent(Comparison.folderName(environment))
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        return names.sorted().compactMap { name in
            guard name.hasSuffix(".gif"), let range = name.range(of: ".seed-", options: .backwards) else { return nil }
            let seed = String(name[range.upperBound...].dropLast(4))
            return Animation(agent: String(name[..<range.lowerBound]), seed: seed, url: directory.appendingPathComponent(name))
        }
    }
}
