import Testing
@testable import Gym
import Foundation
import LabCore

/// CartPole against the 32 Gymnasium 1.4.0 trajectories in Fixtures/conformance.
@Suite struct CartPoleConformanceTests {
    /// CartPole takes sine and cosine from one `sincos` call; Gymnasium calls `math.sin`
    /// and `math.cos`. They must agree bit for bit, on angles CartPole reaches and beyond.
    @Test func sineAndCosineMatchSeparateCalls() throws {
        let random = try RandomSource(seed: 11)
        var mismatches = 0
        for k in 0..<400_000 {
            let scale = [0.25, 4.0, 1e3, 1e12][k % 4]
            let x = random.uniform(-scale, scale)
            let (s, c) = sineAndCosine(x)
            if s.bitPattern != sin(x).bitPattern || c.bitPattern != cos(x).bitPattern { mismatches += 1 }
        }
        for x in [0.0, -0.0, .pi / 4, 0.20943951023931953, -0.41887903, 1e-300, .infinity, .nan] {
            let (s, c) = sineAndCosine(x)
            if s.bitPattern != sin(x).bitPattern || c.bitPattern != cos(x).bitPattern { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    struct Trajectory {
        let id: Int
        let envID: String
        let maxEpisodeSteps: Int
        let suttonBarto: Bool
        let resetSeed: UInt64
        let steps: [[String]]  // rows of cartpole_steps.csv, step 0 first
    }

    static func load() throws -> (trajectories: [Trajectory], steps: CSVTable) {
        let episodes = try CSVTable("conformance/cartpole_episodes.csv")
        let steps = try CSVTable("conformance/cartpole_steps.csv")
        let traj = steps.column("traj_id")
        var byID: [Int: [[String]]] = [:]
        for row in steps.rows { byID[Int(row[traj])!, default: []].append(row) }
        let trajectories = episodes.records.map { e in
            Trajectory(id: Int(e["traj_id"]!)!, envID: e["env_id"]!, maxEpisodeSteps: Int(e["max_episode_steps"]!)!,
                       suttonBarto: e["sutton_barto_reward"] == "1", resetSeed: UInt64(e["reset_seed"]!)!,
                       steps: byID[Int(e["traj_id"]!)!]!)
        }
        return (trajectories, steps)
    }

    @Test func fixturesHaveAllTrajectories() throws {
        let (trajectories, steps) = try Self.load()
        #expect(trajectories.count == 32)
        #expect(steps.rows.count == 3507)
    }

    /// Full replays through `make` (OrderEnforcing + TimeLimit): every state bit for
    /// bit, every observation, reward and flag, including truncation at the limit.
    @Test func fullReplaysMatchBitForBit() throws {
        let (trajectories, steps) = try Self.load()
        let c = (step: steps.column("step"), action: steps.column("action"), x: steps.column("x"),
                 obs: steps.column("obs_x"), reward: steps.column("reward"),
                 terminated: steps.column("terminated"), truncated: steps.column("truncated"))
        var mismatches = 0
        var compared = 0
        for t in trajectories {
            let env = try EnvironmentRegistry.shared.make(t.envID, options: ["sutton_barto_reward": t.suttonBarto ? "true" : "false"])
            #expect((env as? TimeLimit)?.maxEpisodeSteps == t.maxEpisodeSteps)
            try env.reset(seed: t.resetSeed)
            let unwrapped = try #require(env.unwrapped as? CartPole)
            let s0 = (0..<4).map { double(t.steps[0][c.x + $0]) }
            try unwrapped.setInternalState(s0)
            for row in t.steps.dropFirst() {
                let result = try env.step(.discrete(Int(row[c.action])!))
                let expectedState = (0..<4).map { double(row[c.x + $0]) }
                let expectedObs = (0..<4).map { Float(row[c.obs + $0])! }
                compared += 1
                if unwrapped.internalState != expectedState || result.observation != .vector(expectedObs)
                    || result.reward != double(row[c.reward]) || result.terminated != flag(row[c.terminated])
                    || result.truncated != flag(row[c.truncated]) {
                    mismatches += 1
                    Issue.record("trajectory \(t.id) step \(row[c.step]): got \(unwrapped.internalState) \(result)")
                }
            }
            #expect(t.steps.count - 1 <= t.maxEpisodeSteps)
        }
        #expect(compared == 3507 - 32)
        #expect(mismatches == 0)
    }

    /// One-step checks: from every recorded state, one step gives the next row.
    @Test func everyStepFromItsRecordedStateMatches() throws {
        let (trajectories, steps) = try Self.load()
        let (xCol, obsCol, actionCol) = (steps.column("x"), steps.column("obs_x"), steps.column("action"))
        let rewardCol = steps.column("reward"), terminatedCol = steps.column("terminated")
        var mismatches = 0
        for t in trajectories {
            let env = CartPole(suttonBarto: t.suttonBarto)
            try env.reset(seed: 0)
            for k in 1..<t.steps.count {
                try env.setInternalState((0..<4).map { double(t.steps[k - 1][xCol + $0]) })
                let result = try env.step(.discrete(Int(t.steps[k][actionCol])!))
                let row = t.steps[k]
                if env.internalState != (0..<4).map({ double(row[xCol + $0]) })
                    || result.observation.vector! != (0..<4).map({ Float(row[obsCol + $0])! })
                    || result.reward != double(row[rewardCol]) || result.terminated != flag(row[terminatedCol])
                    || result.truncated {
                    mismatches += 1
                }
            }
        }
        #expect(mismatches == 0)
    }

    @Test func specsMatchGymnasiumRegistry() throws {
        let v0 = try #require(EnvironmentRegistry.shared.spec("CartPole-v0"))
        let v1 = try #require(EnvironmentRegistry.shared.spec("CartPole-v1"))
        #expect(v0.maxEpisodeSteps == 200 && v0.rewardThreshold == 195.0)
        #expect(v1.maxEpisodeSteps == 500 && v1.rewardThreshold == 475.0)
        let env = try EnvironmentRegistry.shared.make("CartPole-v1")
        #expect(env.observationSpace.description == "Box([-4.8 -inf -0.41887903 -inf], [4.8 inf 0.41887903 inf], (4,), float32)")
        #expect(env.actionSpace.description == "Discrete(2)")
    }

    @Test func resetIsReproducibleAndWithinRange() throws {
        let env = CartPole()
        let (first, _) = try env.reset(seed: 7)
        let state = env.internalState
        #expect(state.allSatisfy { $0 >= -0.05 && $0 < 0.05 })
        #expect(first == .vector(state.map(Float.init)))
        try env.reset(seed: 7)
        #expect(env.internalState == state)
        try env.reset(seed: 8)
        #expect(env.internalState != state)
        try env.reset(seed: 1, options: ["low": .double(-0.2), "high": .double(-0.1)])
        #expect(env.internalState.allSatisfy { $0 >= -0.2 && $0 < -0.1 })
    }

    /// Observations reuse their storage when the caller drops them; one that is kept
    /// must never change.
    @Test func keptObservationsDoNotChange() throws {
        for env in [CartPole(), MountainCar(), Acrobot()] as [Environment] {
            let (first, _) = try env.reset(seed: 2)
            let copy = first.vector!
            let second = try env.step(.discrete(1)).observation
            let third = try env.step(.discrete(0)).observation
            #expect(first.vector! == copy)
            #expect(second != third)
        }
    }

    @Test func steppingAfterTerminationOfTheBareEnvironmentFollowsGymnasium() throws {
        let env = CartPole(suttonBarto: false)
        try env.reset(seed: 0)
        try env.setInternalState([2.5, 0, 0, 0])
        let first = try env.step(.discrete(1))
        #expect(first.terminated && first.reward == 1.0)
        let second = try env.step(.discrete(1))
        #expect(second.terminated && second.reward == 0.0)
    }
}

extension CartPole {
    convenience init(suttonBarto: Bool) { self.init(suttonBartoReward: suttonBarto) }
}
