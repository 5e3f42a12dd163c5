import Foundation
import Gym
import LabCore
import Testing
@testable import Lab

@Suite struct EpisodeVideoTests {
    @Test func gifAndFoldersHoldEveryRenderedFrame() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rllab-video-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let env = try EnvironmentRegistry.shared.make("MountainCar-v0", options: ["render_mode": "rgb_array"])
        // The frames as render() gives them, for the same episode.
        try env.reset(seed: 4)
        var expected = [try #require(try env.render()?.image)]
        for a in [2, 2, 0, 1] { _ = try env.step(a); expected.append(try #require(try env.render()?.image)) }

        let gifURL = folder.appendingPathComponent("car.gif")
        let writer = try EpisodeVideoWriter(format: EpisodeVideoFormat(path: gifURL.path), url: gifURL, framesPerSecond: 30)
        let actions = [2, 2, 0, 1]
        let episode = try EpisodeVideo.play(env, seed: 4, mode: .rgbArray, maxSteps: 100, writer: writer) { _, step in
            step < actions.count ? .discrete(actions[step]) : nil
        }
        #expect(episode.steps == 4 && episode.totalReward == -4 && episode.ending == nil)
        let decoded = try GIFAnimation.read(gifURL)
        #expect(decoded.frames.count == 5)
        let same = zip(decoded.frames, expected).map { pair in zip(pair.0.pixels, pair.1.pixels).filter { $0 == $1 }.count }
        #expect(same.allSatisfy { Double($0) >= 0.999 * Double(600 * 400 * 3) })

        // Half size for reports.
        let smallURL = folder.appendingPathComponent("small.gif")
        let small = try EpisodeVideoWriter(format: .gif, url: smallURL, framesPerSecond: 30, downscale: 2)
        try EpisodeVideo.play(env, seed: 4, mode: .rgbArray, maxSteps: 2, writer: small) { _, _ in .discrete(1) }
        let smallFrames = try GIFAnimation.read(smallURL).frames
        #expect(smallFrames.count == 3 && smallFrames[0].width == 300 && smallFrames[0].height == 200)
    }

    @Test func theFormatFollowsThePath() {
        #expect(EpisodeVideoFormat(path: "a/b.GIF") == .gif)
        #expect(EpisodeVideoFormat(path: "x.txt").mode == .ansi)
        #expect(EpisodeVideoFormat(path: "frames") == .pngFolder)
    }
}

@Suite struct ReportAnimationTests {
    private func folder() -> URL { FileManager.default.temporaryDirectory.appendingPathComponent("rllab-anim-\(UUID().uuidString)") }

    /// A comparison keeps one greedy episode of each agent's best run as a GIF, the same bytes
    /// on every run, and the report embeds it.
    @Test func bestRunsAnimateInTheReport() throws {
        let (a, b) = (folder(), folder())
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        var results: [RunResult] = []
        for output in [a, b] {
            let comparison = try Comparison(
                agents: ["value-iteration", "random"], environments: ["FrozenLake-v1"], seeds: [0, 1, 2],
                budget: .episodes(5), evaluationEpisodes: 3, sources: HyperparameterSources(agentsFolder: nil), output: output, jobs: 2)
            results = try comparison.run(isCancelled: { false })
        }
        let found = ReportAnimations.find(in: a, environment: "FrozenLake-v1")
        try #require(found.count == 2)
        // value-iteration plays greedily and deterministically: its animation is the first
        // evaluation episode of its best run (highest evaluation mean, lowest seed on ties).
        let planner = results.filter { $0.spec.agent == "value-iteration" }
        let best = planner.max { ($0.evaluation?.mean ?? 0, -Double($0.spec.seed)) < ($1.evaluation?.mean ?? 0, -Double($1.spec.seed)) }!
        let animation = try #require(found.first { $0.agent == "value-iteration" })
        #expect(animation.seed == "\(best.spec.seed)")
        let decoded = try GIFAnimation.read(animation.url)
        let firstEvaluationLength = try #require(best.evaluation?.lengths.first)
        #expect(decoded.frames.count == firstEvaluationLength + 1)
        #expect(decoded.frames[0].width == 128 && decoded.frames[0].height == 128)
        for (x, y) in zip(found, ReportAnimations.find(in: b, environment: "FrozenLake-v1")) {
            #expect(try Data(contentsOf: x.url) == Data(contentsOf: y.url))
        }

        try Report(results: try ResultsFolder([a])).write(to: a)
        let html = try String(contentsOf: a.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("<img alt=\"value-iteration, seed \(best.spec.seed)") && html.contains("src=\"data:image/gif;base64,R0lGODlh"))
        #expect(html.components(separatedBy: "<img ").count == 3)
    }
}
