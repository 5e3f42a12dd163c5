import Foundation
import Testing
@testable import Gym
import LabCore

/// The vector environments against N scalar environments stepped by hand.
@Suite struct VectorTests {
    /// Steps N scalar envs (registry-made, so with TimeLimit) with Gymnasium's next-step
    /// autoreset by hand, and the vector env with the same seeds and actions, comparing
    /// every observation, reward and flag exactly.
    func compareWithScalar(_ vector: VectorEnvironment, id: String, options: [String: String] = [:], steps: Int, actionSeed: UInt64) throws {
        let n = vector.count
        let scalars = try (0..<n).map { _ in try EnvironmentRegistry.shared.make(id, options: options) }
        let seed: UInt64 = 17
        try vector.reset(seed: seed)
        var expected = [Observation]()
        for (i, env) in scalars.enumerated() {
            expected.append(try env.reset(seed: seed + UInt64(i)).observation)
        }
        for i in 0..<n { #expect(vector.observation(at: i) == expected[i]) }
        let random = try RandomSource(seed: actionSeed)
        var pending = [Bool](repeating: false, count: n)
        var episodesEnded = 0
        for t in 0..<steps {
            let actions = (0..<n).map { _ in random.uniformIndex(below: 2) }
            try vector.step(discrete: actions)
            for i in 0..<n {
                if pending[i] {
                    let observation = try scalars[i].reset(seed: nil).observation
                    #expect(vector.observation(at: i) == observation, "step \(t) copy \(i) autoreset")
                    #expect(vector.rewards[i] == 0 && !vector.terminations[i] && !vector.truncations[i])
                    pending[i] = false
                } else {
                    let result = try scalars[i].step(actions[i])
                    #expect(vector.observation(at: i) == result.observation, "step \(t) copy \(i)")
                    #expect(vector.rewards[i] == result.reward)
                    #expect(vector.terminations[i] == result.terminated)
                    #expect(vector.truncations[i] == result.truncated)
                    if let kernel = vector as? CartPoleVector, let cart = scalars[i].unwrapped as? CartPole {
                        #expect(kernel.internalState(of: i) == cart.internalState)
                    }
                    if result.done { pending[i] = true; episodesEnded += 1 }
                }
            }
        }
        #expect(episodesEnded > n, "the run must cover several autoresets")
    }

    /// 7 copies run the portable loop; 37 also run the AVX-512 lanes (8 copies at a time,
    /// on CPUs that have them) and a remainder, split over threads.
    @Test(arguments: [(7, 1), (7, 3), (37, 1), (37, 2)])
    func cartPoleKernelIsBitExactWithScalarCartPoles(count: Int, threads: Int) throws {
        let vector = try EnvironmentRegistry.shared.makeVector("CartPole-v1", count: count, threads: threads)
        #expect(vector is CartPoleVector)
        try compareWithScalar(vector, id: "CartPole-v1", steps: 400, actionSeed: 3)
    }

    @Test func cartPoleKernelTruncatesAtTheTimeLimit() throws {
        // A short limit so truncation (not only termination) happens and autoresets.
        let options = ["max_episode_steps": "9", "sutton_barto_reward": "true"]
        let vector = try EnvironmentRegistry.shared.makeVector("CartPole-v1", options: options, count: 19)
        #expect((vector as? CartPoleVector)?.maxEpisodeSteps == 9)
        try compareWithScalar(vector, id: "CartPole-v1", options: options, steps: 60, actionSeed: 5)
    }

    @Test func syncVectorMatchesScalarEnvironments() throws {
        let vector = try EnvironmentRegistry.shared.makeVector("CartPole-v1", options: ["max_episode_steps": "20"], count: 5, native: false)
        #expect(vector is SyncVectorEnvironment)
        try compareWithScalar(vector, id: "CartPole-v1", options: ["max_episode_steps": "20"], steps: 120, actionSeed: 9)
    }

    @Test func threadCountDoesNotChangeResults() throws {
        let one = try CartPoleVector(count: 101, threads: 1)
        let four = try CartPoleVector(count: 101, threads: 4)
        try one.reset(seed: 2)
        try four.reset(seed: 2)
        let random = try RandomSource(seed: 1)
        for _ in 0..<300 {
            let actions = (0..<101).map { _ in random.uniformIndex(below: 2) }
            try one.step(discrete: actions)
            try four.step(discrete: actions)
            #expect(one.observations == four.observations)
            #expect(one.terminations == four.terminations && one.truncations == four.truncations)
        }
    }

    @Test func badInputThrows() throws {
        #expect(throws: EnvironmentError.self) { try EnvironmentRegistry.shared.makeVector("CartPole-v1", count: 0) }
        let vector = try EnvironmentRegistry.shared.makeVector("CartPole-v1", count: 2)
        #expect(throws: EnvironmentError.self) { try vector.step(discrete: [0, 1]) }  // before reset
        try vector.reset(seed: 0)
        #expect(throws: EnvironmentError.self) { try vector.step(discrete: [0]) }
        #expect(throws: EnvironmentError.self) { try vector.step(discrete: [0, 2]) }
        let sync = try EnvironmentRegistry.shared.makeVector("CartPole-v1", count: 2, native: false)
        try sync.reset(seed: 0)
        #expect(throws: EnvironmentError.self) { try sync.step(discrete: [0, 7]) }
    }

    /// The native vector kernel is the spec's vector entry (Gymnasium's
    /// `vector_entry_point`): chosen by the resolved spec, not by inspecting wrappers.
    @Test func theNativeVectorIsTheSpecsVectorEntry() throws {
        for id in ["CartPole-v0", "CartPole-v1"] {
            let cartPole = try EnvironmentRegistry.shared.resolve(id, options: ["sutton_barto_reward": "true"])
            #expect(cartPole.spec.hasNativeVector)
            let vector = try #require(try cartPole.makeVector(count: 3) as? CartPoleVector)
            #expect(vector.maxEpisodeSteps == cartPole.maxEpisodeSteps && vector.suttonBartoReward)
            #expect(try cartPole.makeVector(count: 3, native: false) is SyncVectorEnvironment)
        }
        let lake = try EnvironmentRegistry.shared.resolve("FrozenLake-v1", options: ["is_slippery": "false"])
        #expect(!lake.spec.hasNativeVector)
        #expect(try lake.makeVector(count: 2) is SyncVectorEnvironment)
        // A spec registered under another id with the same environment has no vector entry
        // unless it declares one: nothing is guessed from the environment's type.
        let registry = EnvironmentRegistry()
        registry.register(EnvironmentSpec(id: "MyPole-v0", maxEpisodeSteps: 50, rewardThreshold: nil) { CartPole() })
        #expect(try registry.resolve("MyPole-v0", options: [:]).makeVector(count: 2) is SyncVectorEnvironment)
    }

    /// An id or file is resolved once: copies made later never read the file again, and
    /// every option is checked when resolving, before any copy is made.
    @Test func aResolvedEnvironmentMakesCopiesWithoutResolvingAgain() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("resolved-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("maze.txt")
        try "SFF\nFHF\nFFG\n".write(to: file, atomically: true, encoding: .utf8)
        let maze = try EnvironmentRegistry.shared.resolve(file.path, options: ["max_episode_steps": "7"])
        try FileManager.default.removeItem(at: file)
        #expect(maze.id == file.path && maze.maxEpisodeSteps == 7 && maze.options == ["max_episode_steps": "7"])
        let env = try maze.make()
        #expect(env.spec?.id == file.path && (env as? TimeLimit)?.maxEpisodeSteps == 7)
        let copies = try maze.makeVector(count: 4)
        try copies.reset(seed: 1)
        #expect(copies.count == 4)
        #expect(throws: EnvironmentError.self) { try EnvironmentRegistry.shared.resolve("CartPole-v1", options: ["max_episode_steps": "0"]) }
        #expect(throws: EnvironmentError.self) { try EnvironmentRegistry.shared.resolve("CartPole-v1", options: ["gravity": "1"]) }
        #expect(throws: EnvironmentError.self) { try EnvironmentRegistry.shared.resolve("CartPole-v1", options: [:]).makeVector(count: 0) }
    }
}
