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
        let environment = try spec.environment.make()
        guard environment.availableRenderModes.contains(.rgbArray) else { return nil }
        // The agents' episode loop, for one episode of at most maxFrames - 1 steps.
        let loop = EpisodeLoop(environment: environment, budget: .timesteps(maxFrames - 1), seed: spec.evaluationSeed)
        return try loop.playEpisode(policy: agent.act).transitions.map(\.action)
    }

    /// A finished run's claim to the animation of its environment and agent: what is
    /// needed to pick the best run and replay its greedy episode, without the agent.
    ///
    /// A sharded comparison keeps each cell's candidate in a file (``write(_:to:)``,
    /// ``read(_:)``) so that `rllab merge` draws the animations an unsharded run draws.
    public struct Candidate: Equatable, Sendable {
        public var agent: String
        public var environmentID: String
        public var environmentOptions: [String: String]
        public var seed: UInt64
        /// The seed of the replayed episode's reset (the run's first evaluation seed).
        public var resetSeed: UInt64
        /// How good the run is: its greedy evaluation mean, else its last-100 training mean.
        public var score: Double
        /// The greedy actions of the episode (see ``greedyActions(_:spec:)``).
        public var actions: [Action]
    }

    /// Writes the animation of each environment x agent's best candidate (highest score;
    /// the lowest seed on ties), in the order the pairs first appear; returns the files.
    @discardableResult
    public static func write(_ candidates: [Candidate], to output: URL) throws -> [URL] {
        // The folder is derived whole from the candidates: an earlier run's best animation
        // (a resumed comparison's, a merge's) must not stay beside this one's.
        let animations = output.appendingPathComponent(folderName)
        if FileManager.default.fileExists(atPath: animations.path) {
            do { try FileManager.default.removeItem(at: animations) } catch {
                throw OutputError("cannot remove the old animations in \(animations.path): \(error.localizedDescription)")
            }
        }
        var best: [String: Int] = [:]
        var order: [String] = []
        for (index, candidate) in candidates.enumerated() {
            let key = "\(candidate.environmentID)\u{0}\(candidate.agent)"
            if let current = best[key] {
                let other = candidates[current]
                if candidate.score > other.score || (candidate.score == other.score && candidate.seed < other.seed) { best[key] = index }
            } else {
                best[key] = index
                order.append(key)
            }
        }
        var written: [URL] = []
        for key in order {
            guard let index = best[key] else { continue }
            let candidate = candidates[index]
            var options = candidate.environmentOptions
            options["render_mode"] = RenderMode.rgbArray.rawValue
            let environment = try EnvironmentRegistry.shared.make(candidate.environmentID, options: options)
            let fps = (environment.unwrapped as? RenderableEnvironment)?.renderFramesPerSecond ?? 30
            let folder = output.appendingPathComponent(folderName).appendingPathComponent(Comparison.folderName(candidate.environmentID))
            let url = folder.appendingPathComponent("\(candidate.agent).seed-\(candidate.seed).gif")
            let writer = try EpisodeVideoWriter(format: .gif, url: url, framesPerSecond: fps, downscale: downscale)
            let actions = candidate.actions
            try EpisodeVideo.play(environment, seed: candidate.resetSeed, mode: .rgbArray, maxSteps: actions.count, writer: writer) { _, step in
                step < actions.count ? actions[step] : nil
            }
            written.append(url)
        }
        return written
    }

    /// Writes `candidate` to `url` as JSON (numbers as text, so that they read back exactly).
    public static func write(_ candidate: Candidate, to url: URL) throws {
        let actions: [Any] = candidate.actions.map { action -> Any in
            switch action {
            case .discrete(let index): return index
            case .continuous(let values): return values.map(\.description)
            }
        }
        let object: [String: Any] = [
            "agent": candidate.agent, "env": candidate.environmentID, "environment_options": candidate.environmentOptions,
            "seed": String(candidate.seed), "reset_seed": String(candidate.resetSeed),
            "score": candidate.score.description, "actions": actions,
        ]
        let data: Data
        do { data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) } catch {
            throw OutputError("cannot encode the animation candidate for \(url.path): \(error)")
        }
        try OutputFile.replace(url, with: String(decoding: data, as: UTF8.self) + "\n")
    }

    /// Reads a candidate written by ``write(_:to:)``.
    ///
    /// - Throws: ``ResultsError`` when the file is missing or malformed.
    public static func read(_ url: URL) throws -> Candidate {
        let malformed = ResultsError("\(url.path) is not an animation candidate written by rllab")
        guard let data = FileManager.default.contents(atPath: url.path) else { throw ResultsError("cannot read \(url.path)") }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let agent = object["agent"] as? String, let environmentID = object["env"] as? String,
              let options = object["environment_options"] as? [String: String],
              let seed = (object["seed"] as? String).flatMap({ UInt64($0) }),
              let resetSeed = (object["reset_seed"] as? String).flatMap({ UInt64($0) }),
              let score = (object["score"] as? String).flatMap({ Double($0) }),
              let actionList = object["actions"] as? [Any] else { throw malformed }
        let actions: [Action] = try actionList.map { item in
            if let values = item as? [String] {
                let floats = values.compactMap { Float($0) }
                guard floats.count == values.count else { throw malformed }
                return .continuous(floats)
            }
            guard let number = item as? NSNumber, let index = Int(exactly: number.doubleValue) else { throw malformed }
            return .discrete(index)
        }
        return Candidate(agent: agent, environmentID: environmentID, environmentOptions: options, seed: seed,
                         resetSeed: resetSeed, score: score, actions: actions)
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

extension ReportAnimations.Candidate {
    /// The candidate of `result` (a finished run) with its greedy `actions`.
    public init(_ result: RunResult, actions: [Action]) {
        let spec = result.spec
        self.init(agent: spec.agent, environmentID: spec.environmentID, environmentOptions: spec.environmentOptions,
                  seed: spec.seed, resetSeed: spec.evaluationSeed,
                  score: result.evaluation?.mean ?? EpisodeStatistics(result.episodes).last100Mean, actions: actions)
    }
}
