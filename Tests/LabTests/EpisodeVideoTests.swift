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
        #expect(episode.steps == 4 && episode.frames == 5 && episode.totalReward == -4)
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
