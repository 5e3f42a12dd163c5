import Foundation
import LabCore
import Testing

@Suite struct RenderCommandTests {
    @Test func gifHasEveryFrameAtRenderFPS() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let gif = folder.appendingPathComponent("cartpole.gif")
        let output = try CLI.run(["render", "--env", "CartPole-v1", "--seed", "3", "--actions", "1,1,0,0,1", "--out", gif.path])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("5 steps") && output.stdout.contains("6 frames"))
        let decoded = try GIFAnimation.read(gif)
        #expect(decoded.frames.count == 6)
        #expect(decoded.frames.allSatisfy { $0.width == 600 && $0.height == 400 })
        #expect(decoded.delays.allSatisfy { $0 == 2 })  // render_fps 50
        #expect(decoded.loops)
        // The folder form gives the same pictures as PNGs (the GIF holds them exactly: few colours).
        let pngs = folder.appendingPathComponent("frames")
        #expect(try CLI.run(["render", "--env", "CartPole-v1", "--seed", "3", "--actions", "1,1,0,0,1", "--out", pngs.path]).status == 0)
        let names = try FileManager.default.contentsOfDirectory(atPath: pngs.path).sorted()
        #expect(names == (0...5).map { String(format: "frame_%04d.png", $0) })
        for (i, name) in names.enumerated() {
            let png = try PNGImage(contentsOf: pngs.appendingPathComponent(name), channels: 3)
            #expect(png == decoded.frames[i], "\(name)")
        }
    }

    @Test func everyEnvironmentRenders() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for id in ["Acrobot-v1", "MountainCar-v0", "Pendulum-v1", "FrozenLake-v1", "CliffWalking-v1", "Taxi-v4", "envs/maze.txt"] {
            let gif = folder.appendingPathComponent("\(id.replacingOccurrences(of: "/", with: "_")).gif")
            let output = try CLI.run(["render", "--env", id, "--policy", "random", "--seed", "1", "--max-steps", "8", "--out", gif.path])
            #expect(output.status == 0, "\(id): \(output.stderr)")
            let decoded = try GIFAnimation.read(gif)
            #expect(decoded.frames.count >= 2 && decoded.frames.count <= 9, "\(id)")
        }
    }

    @Test func ansiTextIsTheFramesOneAfterAnother() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = folder.appendingPathComponent("taxi.txt")
        let output = try CLI.run(["render", "--env", "Taxi-v4", "--seed", "2", "--actions", "0,1,2", "--mode", "ansi", "--out", text.path])
        #expect(output.status == 0, "\(output.stderr)")
        let content = try String(contentsOf: text, encoding: .utf8)
        #expect(content.components(separatedBy: "+---------+\n|").count - 1 == 4)
        #expect(content.hasSuffix("  (East)\n"))
        #expect(content.contains("\u{1b}[35m"))
    }

    @Test func savedAgentPlaysGreedily() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let saved = folder.appendingPathComponent("vi.safetensors")
        let train = try CLI.run(["train", "--env", "FrozenLake-v1", "--option", "is_slippery=false", "--agent", "value-iteration",
                                 "--episodes", "1", "--seed", "0", "--save", saved.path, "--out", folder.appendingPathComponent("run").path])
        #expect(train.status == 0, "\(train.stderr)")
        let text = folder.appendingPathComponent("play.txt")
        let output = try CLI.run(["render", "--env", "FrozenLake-v1", "--option", "is_slippery=false", "--agent", "value-iteration",
                                  "--load", saved.path, "--seed", "0", "--out", text.path])
        #expect(output.status == 0, "\(output.stderr)")
        // The shortest path from S to G on the 4x4 map: 6 moves, 7 frames.
        #expect(output.stdout.contains("6 steps, return 1.0"), "\(output.stdout)")
        let frames = try String(contentsOf: text, encoding: .utf8).components(separatedBy: "\u{1b}[41m").count - 1
        #expect(frames == 7)
    }

    @Test func badRequestsAreErrors() throws {
        let folder = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for arguments in [
            ["render", "--env", "CartPole-v1", "--policy", "random", "--out", folder.appendingPathComponent("a.txt").path],
            ["render", "--env", "CartPole-v1", "--policy", "random", "--mode", "ansi", "--out", folder.appendingPathComponent("a.gif").path],
            ["render", "--env", "CartPole-v1", "--out", folder.appendingPathComponent("a.gif").path],
            ["render", "--env", "CartPole-v1", "--actions", "0,x", "--out", folder.appendingPathComponent("a.gif").path],
            ["render", "--env", "CartPole-v1", "--agent", "dqn", "--load", folder.appendingPathComponent("none").path, "--out", folder.appendingPathComponent("a.gif").path],
        ] {
            let output = try CLI.run(arguments)
            #expect(output.status != 0, "\(arguments)")
            #expect(output.stderr.contains("rror"), "\(arguments): \(output.stderr)")
        }
    }
}
