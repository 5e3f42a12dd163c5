import Foundation
import Testing
@testable import Gym

/// MountainCar, Acrobot and Pendulum against trajectories recorded with Gymnasium
/// 1.4.0 by Fixtures/generate_classic_control.py (see Fixtures/PROVENANCE.md).
@Suite struct ClassicControlConformanceTests {
    struct Counts { var rows = 0; var steps = 0; var mismatches = 0; var trajectories = 0; var terminated = 0; var truncated = 0 }

    /// Replays every trajectory of `file` through `make(envID)`, comparing the float64
    /// state bit for bit and the observation, reward and flags exactly.
    static func replay(_ file: String, envID: String, continuous: Bool) throws -> Counts {
        let table = try CSVTable("classic_control/\(file)")
        let episodes = try CSVTable("classic_control/episodes.csv").records.filter { $0["env_id"] == envID }
        let (trajCol, stepCol, actionCol) = (table.column("traj_id"), table.column("step"), table.column("action"))
        let stateCols = table.columns(prefix: "state_"), obsCols = table.columns(prefix: "obs_")
        let (rewardCol, terminatedCol, truncatedCol) = (table.column("reward"), table.column("terminated"), table.column("truncated"))
        var counts = Counts()
        counts.rows = table.rows.count
        var env: Environment?
        var state: InternalStateEnvironment?
        for row in table.rows {
            if row[stepCol] == "0" {
                let episode = try #require(episodes.first { $0["traj_id"] == row[trajCol] })
                let made = try EnvironmentRegistry.shared.make(envID)
                try made.reset(seed: UInt64(episode["reset_seed"]!)!)
                state = try #require(made.unwrapped as? InternalStateEnvironment)
                try state!.setInternalState(stateCols.map { double(row[$0]) })
                env = made
                counts.trajectories += 1
                continue
            }
            let action: Action = continuous ? .continuous([Float(row[actionCol])!]) : .discrete(Int(row[actionCol])!)
            let result = try env!.step(action)
            counts.steps += 1
            let expectedState = stateCols.map { double(row[$0]) }
            let expectedObs = obsCols.map { Float(row[$0])! }
            if state!.internalState != expectedState || result.observation != .vector(expectedObs)
                || result.reward != double(row[rewardCol]) || result.terminated != flag(row[terminatedCol])
                || result.truncated != flag(row[truncatedCol]) {
                counts.mismatches += 1
                Issue.record("\(envID) trajectory \(row[trajCol]) step \(row[stepCol]): state \(state!.internalState) vs \(expectedState), obs \(result.observation) vs \(expectedObs), reward \(result.reward) vs \(row[rewardCol])")
            }
            if result.terminated { counts.terminated += 1 }
            if result.truncated { counts.truncated += 1 }
        }
        return counts
    }

    @Test func mountainCarMatchesGymnasium() throws {
        let counts = try Self.replay("mountaincar_steps.csv", envID: "MountainCar-v0", continuous: false)
        #expect(counts.trajectories == 13)
        #expect(counts.steps == counts.rows - counts.trajectories && counts.steps > 500)
        #expect(counts.terminated > 0 && counts.truncated > 0)
        #expect(counts.mismatches == 0)
    }

    @Test func acrobotMatchesGymnasium() throws {
        let counts = try Self.replay("acrobot_steps.csv", envID: "Acrobot-v1", continuous: false)
        #expect(counts.trajectories == 11)
        #expect(counts.steps == counts.rows - counts.trajectories && counts.steps > 500)
        #expect(counts.terminated > 0 && counts.truncated > 0)
        #expect(counts.mismatches == 0)
    }

    @Test func pendulumMatchesGymnasium() throws {
        let counts = try Self.replay("pendulum_steps.csv", envID: "Pendulum-v1", continuous: true)
        #expect(counts.trajectories == 12)
        #expect(counts.steps == counts.rows - counts.trajectories && counts.steps > 500)
        #expect(counts.truncated == 1)
        #expect(counts.mismatches == 0)
    }

    /// Replays the wide set's trajectories of `file` (Fixtures/generate_classic_control.py,
    /// "the wide set"): each made with its id and options, its state set, then stepped;
    /// state, observation and reward compared by bit pattern (so -0.0 differs from 0.0).
    static func replayWide(_ file: String, continuous: Bool) throws -> Counts {
        let table = try CSVTable("classic_control/\(file)")
        let episodes = Dictionary(uniqueKeysWithValues: try CSVTable("classic_control/wide_episodes.csv").records.map { ($0["traj_id"]!, $0) })
        let (trajCol, stepCol, actionCol) = (table.column("traj_id"), table.column("step"), table.column("action"))
        let stateCols = table.columns(prefix: "state_"), obsCols = table.columns(prefix: "obs_")
        let (rewardCol, terminatedCol, truncatedCol) = (table.column("reward"), table.column("terminated"), table.column("truncated"))
        var counts = Counts()
        counts.rows = table.rows.count
        var env: Environment?
        var state: InternalStateEnvironment?
        var mismatchedTrajectories = Set<String>()
        for row in table.rows {
            if row[stepCol] == "0" {
                let episode = try #require(episodes[row[trajCol]])
                var options: [String: String] = [:]
                for pair in episode["options"]!.split(separator: ";") {
                    let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                    options[parts[0]] = parts[1]
                }
                let made = try EnvironmentRegistry.shared.make(episode["env_id"]!, options: options)
                try made.reset(seed: UInt64(episode["reset_seed"]!)!)
                state = try #require(made.unwrapped as? InternalStateEnvironment)
                try state!.setInternalState(stateCols.map { double(row[$0]) })
                env = made
                counts.trajectories += 1
                continue
            }
            let action: Action = continuous ? .continuous([Float(row[actionCol])!]) : .discrete(Int(row[actionCol])!)
            let result = try env!.step(action)
            counts.steps += 1
            let expectedState = stateCols.map { double(row[$0]).bitPattern }
            let expectedObs = obsCols.map { Float(row[$0])!.bitPattern }
            if state!.internalState.map(\.bitPattern) != expectedState || result.observation.floatValues.map(\.bitPattern) != expectedObs
                || result.reward.bitPattern != double(row[rewardCol]).bitPattern || result.terminated != flag(row[terminatedCol])
                || result.truncated != flag(row[truncatedCol]) {
                counts.mismatches += 1
                if mismatchedTrajectories.insert(row[trajCol]).inserted && mismatchedTrajectories.count <= 10 {
                    Issue.record("\(file) trajectory \(row[trajCol]) step \(row[stepCol]) (first mismatch): state \(state!.internalState) vs \(stateCols.map { row[$0] }), obs \(result.observation) vs \(obsCols.map { row[$0] }), reward \(result.reward) vs \(row[rewardCol]), flags \(result.terminated) \(result.truncated)")
                }
                // Continue from Gymnasium's state so one difference is counted once.
                try state!.setInternalState(stateCols.map { double(row[$0]) })
            }
            if result.terminated { counts.terminated += 1 }
            if result.truncated { counts.truncated += 1 }
        }
        return counts
    }

    /// The wide set per environment: at least 100 trajectories from start states over the
    /// whole state space, every step bit for bit.
    @Test(arguments: [
        ("wide_cartpole_steps.csv", false, 1000), ("wide_mountaincar_steps.csv", false, 5000),
        ("wide_acrobot_steps.csv", false, 3000), ("wide_pendulum_steps.csv", true, 5000),
        ("wide_mountaincarcontinuous_steps.csv", true, 5000),
    ])
    func wideFixturesMatchGymnasium(file: String, continuous: Bool, minimumSteps: Int) throws {
        let counts = try Self.replayWide(file, continuous: continuous)
        #expect(counts.trajectories >= 100, "\(file): \(counts.trajectories) trajectories")
        #expect(counts.steps == counts.rows - counts.trajectories && counts.steps >= minimumSteps)
        #expect(counts.mismatches == 0, "\(file): \(counts.mismatches) of \(counts.steps) steps differ")
    }

    /// Acrobot's reset observation: numpy's float32 cos and sin of the float32 reset
    /// state, over default and custom reset ranges (some beyond numpy's SIMD range).
    @Test func acrobotResetObservationsMatchGymnasium() throws {
        let table = try CSVTable("classic_control/acrobot_resets.csv")
        let stateCols = table.columns(prefix: "state_"), obsCols = table.columns(prefix: "obs_")
        #expect(table.rows.count >= 300)
        var mismatches = 0
        let env = Acrobot()
        for row in table.rows {
            let state = stateCols.map { Float(row[$0])! }
            let observation = env.setResetState(state).floatValues
            let expected = obsCols.map { Float(row[$0])! }
            if observation.map(\.bitPattern) != expected.map(\.bitPattern) {
                mismatches += 1
                if mismatches <= 5 { Issue.record("reset \(row[0]): state \(state): \(observation) vs \(expected)") }
            }
        }
        #expect(mismatches == 0)
        // A plain float32 rounding of the float64 cosine would not pass: the fixture has
        // values where numpy's float32 cosine differs from it.
        let rounded = table.rows.filter { row in
            let state = stateCols.map { Double(Float(row[$0])!) }
            return [Float(cos(state[0])), Float(sin(state[0])), Float(cos(state[1])), Float(sin(state[1]))]
                != obsCols.prefix(4).map { Float(row[$0])! }
        }
        #expect(!rounded.isEmpty)
    }

    @Test func mountainCarWallStopsTheCar() throws {
        let env = MountainCar()
        try env.reset(seed: 0)
        try env.setInternalState([-1.19, -0.05])
        _ = try env.step(.discrete(0))
        #expect(env.internalState == [-1.2, 0])
    }

    @Test func specsAndSpacesMatchGymnasium() throws {
        let registry = EnvironmentRegistry.shared
        let expected: [(String, Int?, Double?, String, String)] = [
            ("MountainCar-v0", 200, -110.0, "Box([-1.2 -0.07], [0.6 0.07], (2,), float32)", "Discrete(3)"),
            ("Acrobot-v1", 500, -100.0, "Box([-1.0 -1.0 -1.0 -1.0 -12.566371 -28.274334], [1.0 1.0 1.0 1.0 12.566371 28.274334], (6,), float32)", "Discrete(3)"),
            ("Pendulum-v1", 200, nil, "Box([-1.0 -1.0 -8.0], [1.0 1.0 8.0], (3,), float32)", "Box(-2.0, 2.0, (1,), float32)"),
            ("MountainCarContinuous-v0", 999, 90.0, "Box([-1.2 -0.07], [0.6 0.07], (2,), float32)", "Box(-1.0, 1.0, (1,), float32)"),
        ]
        for (id, steps, threshold, observation, action) in expected {
            let spec = try #require(registry.spec(id))
            #expect(spec.maxEpisodeSteps == steps && spec.rewardThreshold == threshold, "\(id)")
            let env = try registry.make(id)
            #expect(env.observationSpace.description == observation)
            #expect(env.actionSpace.description == action)
        }
    }

    @Test func resetsStayInGymnasiumRanges() throws {
        let acrobot = Acrobot()
        try acrobot.reset(seed: 3)
        #expect(acrobot.internalState.allSatisfy { $0 >= -0.1 && $0 <= 0.1 && Double(Float($0)) == $0 })
        let pendulum = Pendulum()
        try pendulum.reset(seed: 3)
        #expect(abs(pendulum.internalState[0]) <= Double.pi && abs(pendulum.internalState[1]) <= 1)
        let car = MountainCar()
        try car.reset(seed: 3)
        #expect(car.internalState[0] >= -0.6 && car.internalState[0] < -0.4 && car.internalState[1] == 0)
        let continuous = MountainCarContinuous()
        let (observation, _) = try continuous.reset(seed: 3, options: ["low": .double(-1), "high": .double(-0.9)])
        #expect(continuous.internalState[0] >= -1 && continuous.internalState[0] < -0.9 && continuous.internalState[1] == 0)
        #expect(observation == .vector(continuous.internalState.map { Float($0) }))
    }

    @Test func pendulumClipsTorqueAndRejectsMalformedActions() throws {
        let env = try EnvironmentRegistry.shared.make("Pendulum-v1")
        try env.reset(seed: 1)
        _ = try env.step(.continuous([5]))
        #expect((env.unwrapped as! Pendulum).lastTorque == 2)
        expectEnvironmentError(.invalidAction, containing: ["continuous action", "Box(-2.0, 2.0, (1,), float32)"]) {
            _ = try env.step(.continuous([0.5, 0.5]))
        }
        expectEnvironmentError(.invalidAction, containing: ["discrete action 1"]) {
            _ = try env.step(.discrete(1))
        }
        expectEnvironmentError(.invalidAction, containing: ["finite"]) {
            _ = try env.step(.continuous([.nan]))
        }
    }

    @Test func internalStateSizeIsChecked() {
        expectEnvironmentError(.invalidState, containing: ["CartPole", "4-value state", "got 3"]) {
            try CartPole().setInternalState([0, 0, 0])
        }
        expectEnvironmentError(.invalidState, containing: ["Pendulum", "theta, theta_dot"]) {
            try Pendulum().setInternalState([0])
        }
    }
}
