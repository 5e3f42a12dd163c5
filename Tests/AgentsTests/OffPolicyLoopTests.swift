import Foundation
import Testing
@testable import Agents
import Gym
import LabCore

/// DQN on Discrete observations (one-hot, as SB3) and the off-policy collection loop.
@Suite struct OffPolicyLoopTests {
    static func repositoryFile(_ path: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(path).path
    }

    @Test func dqnLearnsTheDeterministicFrozenLake() throws {
        // Reward 1 only at the goal, 6 steps away past four holes. A greedy policy from
        // untrained or broken Q values (no one-hot input, no bootstrap) does not reach it,
        // and a random walk reaches it in about 1.5% of episodes.
        let options = ["is_slippery": "false"]
        let environment = try EnvironmentRegistry.shared.make("FrozenLake-v1", options: options)
        let signature = EnvironmentSignature(id: "FrozenLake-v1", observationSpace: environment.observationSpace,
                                             actionSpace: environment.actionSpace)
        var h = DQNAgent.defaultHyperparameters
        try h.merge(overrides: ["learning_rate=1e-3", "batch_size=32", "buffer_size=5000", "learning_starts=500", "gamma=0.95",
                                "target_update_interval=100", "train_freq=4", "gradient_steps=2", "exploration_fraction=0.6",
                                "exploration_final_eps=0.05", "net_arch=[32]"])
        let agent = try DQNAgent(environment: signature, hyperparameters: h, random: try RandomSource(seed: 0).derived("agent"))
        #expect(agent.encoder.width == 16)
        var successes = 0
        try agent.learn(EpisodeLoop(environment: environment, budget: .timesteps(4000), seed: 0,
                                    onEpisode: { if $0.return > 0 { successes += 1 } }))
        #expect(successes > 20, "\(successes) training episodes reached the goal")
        let result = try evaluate(agent, in: try EnvironmentRegistry.shared.make("FrozenLake-v1", options: options), episodes: 5, seed: 1)
        #expect(result.mean == 1, "greedy success rate \(result.mean)")
    }

    @Test func dqnRunsOnEveryDiscreteObservationEnvironment() throws {
        let overrides = ["learning_starts=100", "train_freq=4", "batch_size=16", "buffer_size=1000", "net_arch=[16]"]
        for id in ["FrozenLake-v1", "FrozenLake8x8-v1", "CliffWalking-v1", "Taxi-v4", Self.repositoryFile("envs/maze.txt")] {
            let environment = try EnvironmentRegistry.shared.make(id)
            guard case .discrete(let space) = environment.observationSpace else { Issue.record("\(id) is not Discrete"); continue }
            let signature = EnvironmentSignature(id: id, observationSpace: environment.observationSpace, actionSpace: environment.actionSpace)
            var h = DQNAgent.defaultHyperparameters
            try h.merge(overrides: overrides)
            let agent = try DQNAgent(environment: signature, hyperparameters: h, random: try RandomSource(seed: 3).derived("agent"))
            let loop = EpisodeLoop(environment: environment, budget: .timesteps(300), seed: 3)
            try agent.learn(loop)
            #expect(loop.totalSteps == 300, "\(id)")
            #expect(agent.updates > 0, "\(id)")
            // Every stored observation is one-hot over the states.
            let batch = ReplayBatch(size: agent.replay.count, observationSize: space.n)
            batch.indices = Array(0..<agent.replay.count)
            agent.replay.gather(into: batch)
            for rows in [batch.observations.scalars, batch.nextObservations.scalars] {
                for r in 0..<batch.size {
                    let row = rows[(r * space.n)..<((r + 1) * space.n)]
                    #expect(row.filter { $0 == 1 }.count == 1 && row.filter { $0 == 0 }.count == space.n - 1, "\(id) row \(r)")
                }
            }
            guard case .discrete(let a) = try agent.act(.discrete(space.start)) else { Issue.record("\(id): not a discrete action"); continue }
            #expect(environment.actionSpace.contains(Action.discrete(a)), "\(id)")
            #expect(throws: AgentError.self, "\(id)") { try agent.act(.discrete(space.start + space.n)) }
            #expect(throws: AgentError.self, "\(id)") { try agent.act(.vector([0])) }
        }
    }

    @Test func dqnCollectsDiscreteObservationsFromSeveralCopies() throws {
        let id = "FrozenLake-v1"
        func run() throws -> ([Double], Int) {
            let environment = try EnvironmentRegistry.shared.make(id)
            let signature = EnvironmentSignature(id: id, observationSpace: environment.observationSpace, actionSpace: environment.actionSpace)
            var h = DQNAgent.defaultHyperparameters
            try h.merge(overrides: ["num_envs=3", "learning_starts=60", "train_freq=2", "batch_size=8", "buffer_size=1000", "net_arch=[8]"])
            let agent = try DQNAgent(environment: signature, hyperparameters: h, random: try RandomSource(seed: 9).derived("agent"))
            var returns: [Double] = []
            let loop = EpisodeLoop(environment: environment, budget: .timesteps(600), seed: 9, onEpisode: { returns.append($0.return) })
            loop.resolvedEnvironment = try EnvironmentRegistry.shared.resolve(id, options: [:])
            try agent.learn(loop)
            #expect(agent.replay.count == loop.totalSteps)
            #expect(loop.totalSteps >= 600 && loop.totalSteps < 603)
            return (returns, agent.updates)
        }
        let (a, updatesA) = try run()
        let (b, updatesB) = try run()
        #expect(a.count > 10 && a == b && updatesA == updatesB && updatesA > 0)
    }

    @Test func oneCopyIsTheScalarLoop() throws {
        // The same action sequence through the scalar EpisodeLoop and through the off-policy
        // loop's single copy gives the same episodes and the same stored transitions.
        for id in ["Pendulum-v1", "FrozenLake-v1"] {
            let scalarEnvironment = try EnvironmentRegistry.shared.make(id)
            var scalarRecords: [EpisodeRecord] = []
            let scalar = EpisodeLoop(environment: scalarEnvironment, budget: .timesteps(450), seed: 4, onEpisode: { scalarRecords.append($0) })
            let encoder = try ObservationEncoder(space: scalarEnvironment.observationSpace, agent: "test", environmentID: id)
            let continuous: BoxActionScaling?
            if case .box(let box) = scalarEnvironment.actionSpace {
                continuous = try BoxActionScaling(box, agent: "test", environment: id)
            } else { continuous = nil }
            let actionSize = continuous?.count ?? 1
            let expected = try ReplayBuffer(capacity: 1000, observationSize: encoder.width, actionSize: actionSize)
            let actionStream = try RandomSource(seed: 8)
            func nextScaledAction() -> [Float] {
                if continuous != nil { return (0..<actionSize).map { _ in Float(actionStream.uniform(-1, 1)) } }
                return [Float(actionStream.uniformIndex(below: 4))]
            }
            while !scalar.isDone {
                let scaled = nextScaledAction()
                let action: Action = continuous.map { .continuous($0.unscale(scaled)) } ?? .discrete(Int(scaled[0]))
                let t = try scalar.step(action)
                let o = try encoder.encode(t.observation, agent: "test"), n = try encoder.encode(t.nextObservation, agent: "test")
                if continuous != nil {
                    expected.add(observation: o, action: scaled, reward: Float(t.reward), nextObservation: n, terminated: t.terminated)
                } else {
                    expected.add(observation: o, action: Int(scaled[0]), reward: Float(t.reward), nextObservation: n, terminated: t.terminated)
                }
            }

            let actionStream2 = try RandomSource(seed: 8)
            var vectorRecords: [EpisodeRecord] = []
            let loop = EpisodeLoop(environment: try EnvironmentRegistry.shared.make(id), budget: .timesteps(450), seed: 4,
                                   onEpisode: { vectorRecords.append($0) })
            let stored = try ReplayBuffer(capacity: 1000, observationSize: encoder.width, actionSize: actionSize)
            var schedule = OffPolicySettings()
            schedule.learningStarts = 100
            schedule.trainFrequency = 7
            let collection = try OffPolicyLoop(loop, agent: "test", copies: 1, encoder: encoder, replay: stored,
                                               actions: continuous.map { .continuous($0) } ?? .discrete, schedule: schedule)
            var trainedAt: [Int] = []
            try collection.run(
                act: {
                    for j in 0..<actionSize {
                        collection.actions[j] = continuous != nil ? Float(actionStream2.uniform(-1, 1)) : Float(actionStream2.uniformIndex(below: 4))
                    }
                },
                train: { trainedAt.append(collection.loop.totalSteps * 100 + $0) })
            #expect(vectorRecords.map(\.return) == scalarRecords.map(\.return) && vectorRecords.map(\.length) == scalarRecords.map(\.length), "\(id)")
            #expect(vectorRecords.count > 1, "\(id)")
            #expect(trainedAt == stride(from: 105, through: 449, by: 7).map { $0 * 100 + 1 }, "\(id)")
            let a = ReplayBatch(size: 450, observationSize: encoder.width, actionSize: actionSize)
            let b = ReplayBatch(size: 450, observationSize: encoder.width, actionSize: actionSize)
            a.indices = Array(0..<450)
            b.indices = a.indices
            expected.gather(into: a)
            stored.gather(into: b)
            #expect(a.observations.scalars == b.observations.scalars && a.nextObservations.scalars == b.nextObservations.scalars, "\(id)")
            #expect(a.actions.scalars == b.actions.scalars && a.rewards.scalars == b.rewards.scalars, "\(id)")
            #expect(a.terminals.scalars == b.terminals.scalars, "\(id)")
        }
    }
}
