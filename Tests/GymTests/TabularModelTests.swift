import Testing
@testable import Gym

/// The toy-text transition models against Gymnasium 1.4.0's `env.unwrapped.P`.
@Suite struct TabularModelTests {
    static func options(_ kwargs: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in kwargs.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            result[parts[0]] = parts[1]
        }
        return result
    }

    @Test func everyRowOfTheSevenModelsMatches() throws {
        let models = try CSVTable("conformance/tabular_models.csv").records
        #expect(models.count == 7)
        var comparedRows = 0
        var mismatches = 0
        for m in models {
            let env = try EnvironmentRegistry.shared.make(m["env_id"]!, options: Self.options(m["make_kwargs"]!))
            let model = try #require((env.unwrapped as? TabularModelEnvironment)?.transitionModel)
            #expect(model.stateCount == Int(m["n_states"]!)!)
            #expect(model.actionCount == Int(m["n_actions"]!)!)
            #expect(model.rowCount == Int(m["n_P_rows"]!)!)
            #expect((env as? TimeLimit)?.maxEpisodeSteps == Int(m["max_episode_steps"]!), "\(m["model_id"]!)")
            let starts = m["start_states"]!.split(separator: ";").map { Int($0)! }
            let expectedStart = (0..<model.stateCount).map { starts.contains($0) ? 1.0 / Double(starts.count) : 0.0 }
            #expect(model.initialStateDistribution == expectedStart)

            let table = try CSVTable("conformance/P_\(m["model_id"]!).csv")
            #expect(table.rows.count == model.rowCount)
            var expected: [[Int]: [ModelOutcome]] = [:]
            for r in table.records {
                expected[[Int(r["state"]!)!, Int(r["action"]!)!], default: []].append(ModelOutcome(
                    probability: double(r["probability"]!), nextState: Int(r["next_state"]!)!,
                    reward: double(r["reward"]!), terminal: flag(r["terminal"]!)))
            }
            for s in 0..<model.stateCount {
                for a in 0..<model.actionCount {
                    let got = model.transitions(state: s, action: a)
                    let want = expected[[s, a]] ?? []
                    comparedRows += want.count
                    if got != want {
                        mismatches += 1
                        Issue.record("\(m["model_id"]!) P[\(s)][\(a)]: got \(got), want \(want)")
                    }
                }
            }
        }
        #expect(comparedRows == 152 + 64 + 680 + 256 + 192 + 576 + 3000)
        #expect(mismatches == 0)
    }

    /// Rainy Taxi's whole table, row by row in Gymnasium's order (the seven-model fixture
    /// covers only the dry one); `toy_text/generate_taxi_rainy.py` wrote it.
    @Test func rainyTaxiMatchesGymnasiumRowByRow() throws {
        let env = try EnvironmentRegistry.shared.make("Taxi-v4", options: ["is_rainy": "true"])
        let model = try #require((env.unwrapped as? TabularModelEnvironment)?.transitionModel)
        var expected: [[Int]: [ModelOutcome]] = [:]
        for r in try CSVTable("toy_text/P_taxi_rainy.csv").records {
            expected[[Int(r["state"]!)!, Int(r["action"]!)!], default: []].append(ModelOutcome(
                probability: double(r["probability"]!), nextState: Int(r["next_state"]!)!,
                reward: double(r["reward"]!), terminal: flag(r["terminal"]!)))
        }
        #expect(expected.values.map(\.count).reduce(0, +) == 7000)
        var mismatches = 0
        for s in 0..<500 {
            for a in 0..<6 where model.transitions(state: s, action: a) != expected[[s, a]] {
                mismatches += 1
                if mismatches <= 5 { Issue.record("rainy Taxi P[\(s)][\(a)]: got \(model.transitions(state: s, action: a))") }
            }
        }
        #expect(mismatches == 0)
    }

    @Test func frozenLakeMapsAndCustomDesc() throws {
        let env = try EnvironmentRegistry.shared.make("FrozenLake-v1", options: ["desc": "SFF,FHF,FFG", "is_slippery": "0"])
        let lake = try #require(env.unwrapped as? FrozenLake)
        #expect(lake.desc == ["SFF", "FHF", "FFG"])
        #expect(env.observationSpace == .discrete(Discrete(9)))
        #expect(lake.transitionModel.transitions(state: 5, action: 1) == [ModelOutcome(probability: 1, nextState: 8, reward: 1, terminal: true)])
        let eight = try EnvironmentRegistry.shared.make("FrozenLake-v1", options: ["map_name": "8x8"])
        #expect(eight.observationSpace == .discrete(Discrete(64)))
    }

    @Test func frozenLakeRewardScheduleAndSuccessRate() throws {
        let env = try EnvironmentRegistry.shared.make("FrozenLake-v1", options: ["reward_schedule": "5,-1,0.5", "success_rate": "0.5"])
        let model = try #require((env.unwrapped as? TabularModelEnvironment)?.transitionModel)
        // State 14 (row 3, col 2), RIGHT lists DOWN (stays at 14, F), RIGHT (15, G), UP (10, F).
        #expect(model.transitions(state: 14, action: 2) == [
            ModelOutcome(probability: 0.25, nextState: 14, reward: 0.5, terminal: false),
            ModelOutcome(probability: 0.5, nextState: 15, reward: 5, terminal: true),
            ModelOutcome(probability: 0.25, nextState: 10, reward: 0.5, terminal: false),
        ])
        #expect(model.transitions(state: 0, action: 1)[1] == ModelOutcome(probability: 0.5, nextState: 4, reward: 0.5, terminal: false))
        #expect(model.transitions(state: 1, action: 1)[1] == ModelOutcome(probability: 0.5, nextState: 5, reward: -1, terminal: true))
    }

    @Test func episodesFollowTheModel() throws {
        let env = try EnvironmentRegistry.shared.make("FrozenLake-v1", options: ["is_slippery": "false"])
        let (start, info) = try env.reset(seed: 1)
        #expect(start == .discrete(0) && info["prob"] == .double(1))
        for action in [1, 1, 2, 2, 1] { _ = try env.step(action) }
        let last = try env.step(2)
        #expect(last.observation == .discrete(15) && last.reward == 1 && last.terminated)
    }

    @Test func slipperyStepsAreSeededAndFollowProbabilities() throws {
        let env = try EnvironmentRegistry.shared.make("FrozenLake-v1")
        func run(_ seed: UInt64) throws -> [Int] {
            try env.reset(seed: seed)
            var states: [Int] = []
            for _ in 0..<5 {
                let r = try env.step(2)
                states.append(r.observation.discrete!)
                if r.terminated { break }
            }
            return states
        }
        #expect(try run(3) == run(3))
        // From state 0 RIGHT: UP (stay 0), RIGHT (1), DOWN (4), each about 1/3.
        var counts = [0: 0, 1: 0, 4: 0]
        for seed in 0..<3000 {
            try env.reset(seed: UInt64(seed))
            counts[try env.step(2).observation.discrete!, default: 0] += 1
        }
        #expect(counts.count == 3)
        #expect(counts.values.allSatisfy { $0 > 850 && $0 < 1150 })
    }

    @Test func cliffSendsTheAgentBackWithoutTerminating() throws {
        let env = try EnvironmentRegistry.shared.make("CliffWalking-v1")
        #expect(try env.reset(seed: 0).observation == .discrete(36))
        let fall = try env.step(1)
        #expect(fall.observation == .discrete(36) && fall.reward == -100 && !fall.terminated && !fall.truncated)
    }

    @Test func taxiDeliversAndReportsActionMasks() throws {
        let env = try EnvironmentRegistry.shared.make("Taxi-v4")
        let taxi = try #require(env.unwrapped as? Taxi)
        let (observation, info) = try env.reset(seed: 5)
        let start = observation.discrete!
        #expect(info["action_mask"] == .ints(Taxi.actionMask(start)))
        let (_, _, passenger, destination) = Taxi.decode(start)
        #expect(passenger < 4 && passenger != destination)
        // Put the taxi on the passenger, pick up, drive to the destination's stop, drop off.
        let stops = [(0, 0), (0, 4), (4, 0), (4, 3)]
        try taxi.setState(Taxi.encode(stops[passenger].0, stops[passenger].1, passenger, destination))
        let pickup = try env.step(4)
        #expect(pickup.reward == -1 && Taxi.decode(pickup.observation.discrete!).passenger == 4)
        try taxi.setState(Taxi.encode(stops[destination].0, stops[destination].1, 4, destination))
        let dropoff = try env.step(5)
        #expect(dropoff.reward == 20 && dropoff.terminated)
        #expect(Taxi.actionMask(Taxi.encode(0, 0, 0, 1)) == [1, 0, 1, 0, 1, 0])
    }

    @Test func ficklePassengerChangesDestinationOnceAfterBoarding() throws {
        let env = try EnvironmentRegistry.shared.make("Taxi-v4", options: ["fickle_passenger": "true", "fickle_probability": "1"])
        let taxi = try #require(env.unwrapped as? Taxi)
        try env.reset(seed: 9)
        try taxi.setState(Taxi.encode(0, 0, 0, 1))  // at R with the passenger waiting there
        _ = try env.step(4)  // pickup: no move, destination unchanged
        #expect(Taxi.decode(taxi.state!).destination == 1)
        let moved = Taxi.decode(try env.step(0).observation.discrete!)  // first move after boarding
        #expect(moved.passenger == 4 && moved.taxiRow == 1 && moved.destination != 1)
        let again = Taxi.decode(try env.step(1).observation.discrete!)  // only once
        #expect(again.destination == moved.destination)
    }

    @Test func taxiRainyModelHasThreeRowsPerMove() throws {
        let env = try EnvironmentRegistry.shared.make("Taxi-v4", options: ["is_rainy": "true"])
        let model = try #require((env.unwrapped as? TabularModelEnvironment)?.transitionModel)
        let rows = model.transitions(state: Taxi.encode(2, 2, 0, 1), action: 0)
        #expect(rows.map(\.probability) == [0.8, (1.0 - 0.8) / 2.0, (1.0 - 0.8) / 2.0])
        #expect(rows.map(\.nextState) == [Taxi.encode(3, 2, 0, 1), Taxi.encode(2, 3, 0, 1), Taxi.encode(2, 1, 0, 1)])
        #expect(model.transitions(state: Taxi.encode(2, 2, 0, 1), action: 4).count == 1)
    }
}
