import Foundation
import LabCore
import Testing
@testable import Gym

private func fixturesFolder() throws -> URL {
    try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("render")
}

private struct AnsiTrajectory: Decodable {
    let env_id: String
    let options: [String: String]
    let seed: Int
    let actions: [Int]
    let states: [Int]
    let frames: [String]
}

private struct RGBState: Decodable {
    let env_id: String
    let file: String
    let state: [Double]
}

/// The share of pixels of `a` and `b` (same size) with the same RGB value.
private func identicalShare(_ a: PNGImage, _ b: PNGImage) -> Double {
    var same = 0
    for p in 0..<(a.width * a.height) where a.rgb(x: p % a.width, y: p / a.width) == b.rgb(x: p % b.width, y: p / b.width) {
        same += 1
    }
    return Double(same) / Double(a.width * a.height)
}

private func frame(_ id: String, state: [Double], options: [String: String] = [:]) throws -> PNGImage {
    let env = try EnvironmentRegistry.shared.make(id, options: options.merging(["render_mode": "rgb_array"]) { a, _ in a })
    try env.reset(seed: 0)
    try #require(env.unwrapped as? InternalStateEnvironment).setInternalState(state)
    return try #require(try env.render()?.image)
}

@Suite struct RenderTests {
    /// Every frame of Gymnasium's ansi trajectories, character for character (colour codes
    /// included), with RLLab put in the same state after the same last action.
    /// Generated polygons and discs anywhere, mostly or wholly off the canvas: nothing traps,
    /// and a shape that lies wholly outside leaves every pixel as it was.
    @Test func shapesAnywhereDrawOnlyInsideTheCanvas() {
        var seed: UInt64 = 0xC0FF_EE12_3456_789B
        func next(_ low: Int, _ high: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return low + Int((seed >> 33) % UInt64(high - low + 1))
        }
        for trial in 0..<400 {
            var canvas = Canvas(width: 40, height: 30)
            let points = (0..<next(1, 6)).map { _ in (next(-100, 140), next(-100, 130)) }
            canvas.polygon(points, RGB(10, 20, 30))
            canvas.filledPolygon(points, RGB(40, 50, 60))
            canvas.disc(next(-60, 100), next(-60, 90), next(0, 50), RGB(70, 80, 90))
            #expect(canvas.pixels.count == 40 * 30 * 3, "trial \(trial)")
            // Wholly outside: above, below, left or right of the canvas.
            var outside = Canvas(width: 40, height: 30)
            let (dx, dy) = [(0, -200), (0, 200), (-200, 0), (200, 0)][trial % 4]
            let far = (0..<next(3, 6)).map { _ in (next(0, 39) + dx, next(0, 29) + dy) }
            outside.polygon(far, RGB(1, 2, 3))
            outside.filledPolygon(far, RGB(1, 2, 3))
            outside.disc(next(0, 39) + dx, next(0, 29) + dy, next(0, 40), RGB(1, 2, 3))
            #expect(outside.pixels == Canvas(width: 40, height: 30).pixels, "trial \(trial): \(far)")
        }
    }

    @Test func ansiFramesMatchGymnasium() throws {
        let data = try Data(contentsOf: fixturesFolder().appendingPathComponent("ansi.json"))
        let trajectories = try JSONDecoder().decode([AnsiTrajectory].self, from: data)
        #expect(trajectories.count >= 8)
        var compared = 0
        for trajectory in trajectories {
            let env = try EnvironmentRegistry.shared.make(trajectory.env_id, options: trajectory.options.merging(["render_mode": "ansi"]) { a, _ in a })
            try env.reset(seed: UInt64(trajectory.seed))
            let tabular = try #require(env.unwrapped as? TabularEnvironment)
            for (i, expected) in trajectory.frames.enumerated() {
                try tabular.setState(trajectory.states[i])
                tabular.lastAction = i == 0 ? nil : trajectory.actions[i - 1]
                let text = try #require(try env.render()?.text)
                #expect(text == expected, "\(trajectory.env_id) seed \(trajectory.seed) frame \(i)")
                compared += 1
            }
        }
        #expect(compared > 150)
    }

    /// RLLab's own episodes: the ansi frame always shows the current state highlighted.
    @Test func ansiFollowsTheEpisode() throws {
        let env = try EnvironmentRegistry.shared.make("FrozenLake-v1", options: ["render_mode": "ansi", "is_slippery": "false"])
        try env.reset(seed: 3)
        for (action, cell) in [(2, 1), (2, 2), (1, 6)] {
            _ = try env.step(action)
            let lines = try #require(try env.render()?.text).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(lines[0] == "  (\(["Left", "Down", "Right", "Up"][action]))")
            let row = lines[1 + cell / 4]
            #expect(row.contains("\u{1b}[41m"))
        }
    }

    /// Gymnasium's frames at fixed states: identical pixel for pixel (the primitives follow
    /// SDL_gfx's and pygame's algorithms; Pendulum's torque arrow, absent after a reset, is
    /// the one approximate part).
    @Test func rgbFramesMatchGymnasium() throws {
        let folder = try fixturesFolder()
        let states = try JSONDecoder().decode([RGBState].self, from: Data(contentsOf: folder.appendingPathComponent("rgb.json")))
        #expect(states.count == 12)
        for entry in states {
            let reference = try PNGImage(contentsOf: folder.appendingPathComponent(entry.file), channels: 3)
            let ours = try frame(entry.env_id, state: entry.state)
            #expect(ours.width == reference.width && ours.height == reference.height, "\(entry.file)")
            let share = identicalShare(ours, reference)
            #expect(share == 1, "\(entry.file): \(share)")
        }
    }

    @Test func framesHaveGymnasiumSizes() throws {
        for (id, width, height) in [("CartPole-v1", 600, 400), ("Acrobot-v1", 500, 500), ("MountainCar-v0", 600, 400),
                                    ("Pendulum-v1", 500, 500), ("FrozenLake-v1", 256, 256), ("FrozenLake8x8-v1", 512, 512),
                                    ("CliffWalking-v1", 768, 256), ("Taxi-v4", 536, 456)] {
            let env = try EnvironmentRegistry.shared.make(id, options: ["render_mode": "rgb_array"])
            try env.reset(seed: 1)
            let image = try #require(try env.render()?.image)
            #expect(image.width == width && image.height == height && image.channels == 3, "\(id)")
        }
    }

    /// Known points of the CartPole scene at x = 0, theta = 0 (image rows count down from the top).
    @Test func cartPoleGeometry() throws {
        let image = try frame("CartPole-v1", state: [0, 0, 0, 0])
        func at(_ x: Int, _ y: Int) -> RGB { let c = image.rgb(x: x, y: y); return RGB(c.0, c.1, c.2) }
        // The track: gfxdraw.hline at y = 100, flipped to row 299.
        #expect(at(5, 299) == .black && at(595, 299) == .black && at(5, 298) == .white)
        // The cart: 50 x 30 around (300, 100), black.
        #expect(at(280, 290) == .black && at(320, 310) == .black && at(330, 290) == .white)
        // The pole: 10 px wide, 125 px up from the axle at y = 107.5, in (202, 152, 101).
        #expect(at(300, 250) == RGB(202, 152, 101) && at(300, 180) == RGB(202, 152, 101))
        #expect(at(300, 168) == .white && at(310, 250) == .white)
        // The axle: a disc of radius 5 at (300, 107), (129, 132, 203).
        #expect(at(300, 292) == RGB(129, 132, 203))
        // A tilted pole leans the way Gymnasium's does: positive theta to the right.
        let tilted = try frame("CartPole-v1", state: [0, 0, 0.2, 0])
        let c = tilted.rgb(x: 300 + Int(100 * sin(0.2)), y: 292 - Int(100 * cos(0.2)))
        #expect(RGB(c.0, c.1, c.2) == RGB(202, 152, 101))
    }

    @Test func pendulumAndAcrobotGeometry() throws {
        // Pendulum upright (theta = 0): the rod goes up from the centre (250, 250).
        let pendulum = try frame("Pendulum-v1", state: [0, 0])
        let rod = pendulum.rgb(x: 250, y: 170), below = pendulum.rgb(x: 250, y: 330)
        #expect(RGB(rod.0, rod.1, rod.2) == RGB(204, 77, 77) && RGB(below.0, below.1, below.2) == .white)
        let axle = pendulum.rgb(x: 250, y: 249)
        #expect(RGB(axle.0, axle.1, axle.2) == .black)
        // Acrobot hanging down: the first link below the pivot, cyan; the bar above it, black.
        let acrobot = try frame("Acrobot-v1", state: [0, 0, 0, 0])
        let link = acrobot.rgb(x: 250, y: 320)
        #expect(RGB(link.0, link.1, link.2) == RGB(0, 204, 204))
        let bar = acrobot.rgb(x: 20, y: 499 - Int(1 * 500 / 4.4 + 250))
        #expect(RGB(bar.0, bar.1, bar.2) == .black)
    }

    @Test func renderModesAreChecked() throws {
        #expect(throws: EnvironmentError.self) { try EnvironmentRegistry.shared.make("CartPole-v1", options: ["render_mode": "ansi"]) }
        #expect(throws: EnvironmentError.self) { try EnvironmentRegistry.shared.make("CartPole-v1", options: ["render_mode": "human"]) }
        let env = try EnvironmentRegistry.shared.make("Taxi-v4", options: ["render_mode": "ansi"])
        #expect(env.renderMode == .ansi)
        #expect(throws: EnvironmentError.self) { try env.render() }  // before reset
        try env.reset(seed: 0)
        #expect(try env.render()?.text != nil)
        let plain = try EnvironmentRegistry.shared.make("Taxi-v4")
        try plain.reset(seed: 0)
        #expect(try plain.render() == nil)
        let files = try EnvironmentRegistry.shared.make(mazePath(), options: ["render_mode": "ansi"])
        try files.reset(seed: 0)
        #expect(try files.render()?.text?.contains("W") == true)
    }

    private func mazePath() -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("envs/maze.txt").path
    }

    /// Rendering does not change the environment: the same steps with and without frames
    /// give the same states.
    @Test func renderingDoesNotChangeTheDynamics() throws {
        let plain = try EnvironmentRegistry.shared.make("CartPole-v1")
        let drawn = try EnvironmentRegistry.shared.make("CartPole-v1", options: ["render_mode": "rgb_array"])
        try plain.reset(seed: 5)
        try drawn.reset(seed: 5)
        for i in 0..<20 {
            let a = try plain.step(i % 3 == 0 ? 0 : 1), b = try drawn.step(i % 3 == 0 ? 0 : 1)
            _ = try drawn.render()
            #expect(a.observation == b.observation)
            if a.done { break }
        }
    }
}
