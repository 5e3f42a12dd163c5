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
}
