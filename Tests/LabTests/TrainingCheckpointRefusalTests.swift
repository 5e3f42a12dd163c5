import Foundation
import Testing
@testable import Agents
import Gym
@testable import Lab
import LabCore

/// What cannot be resumed is refused with a clear error, never a trap: an environment that
/// cannot save its state mid-episode for an agent that checkpoints there, and a checkpoint
/// restored into a run of another agent or other hyperparameters.
@Suite struct TrainingCheckpointRefusalTests {
    /// A counter that ends after 5 steps: its state between episodes is its (unused)
    /// stream, but it does not say how to save its count mid-episode.
    final class Counter: EpisodeBoundaryState {
        let observationSpace: Space = .discrete(Discrete(6))
        let actionSpace: Space = .discrete(Discrete(2))
        let environmentRandom = EnvironmentRandom()
        private var count = 0
        func reset(seed: UInt64?, options: Info?) throws -> (observation: Observation, info: Info) {
            count = 0
            return (.discrete(0), Info())
        }
        func step(_ action: Action) throws -> StepResult {
            count += 1
            return StepResult(observation: .discrete(count), reward: 1, terminated: count == 5, truncated: false)
        }
    }

    static func spec(_ agent: String, _ overrides: [String], steps: Int = 300) throws -> RunSpec {
        let sources = HyperparameterSources(agentsFolder: nil, overrides: overrides)
        return RunSpec(agent: agent, environment: try EnvironmentRegistry.shared.resolve("CartPole-v1", options: [:]), seed: 2, budget: .timesteps(steps),
                       hyperparameters: try sources.resolve(agent: agent, environmentID: "CartPole-v1"), evaluationEpisodes: 0)
    }

    @Test func anEnvironmentWithoutMidEpisodeStateIsRefusedForAgentsThatNeedIt() throws {
        let environment = Counter()
        #expect(EnvironmentState.unarchivableLayer(of: environment) === environment)
        let signature = EnvironmentSignature(id: "counter", observationSpace: environment.observationSpace, actionSpace: environment.actionSpace)
        let spec = try Self.spec("ppo", [])
        let ppo = try PPOAgent(environment: signature, hyperparameters: spec.hyperparameters, random: try RandomSource(seed: 0))
        let error = #expect(throws: ConfigurationError.self) {
            try TrainingCheckpointPlan.validate(spec, agent: ppo, environment: environment)
        }
        #expect(error?.description == "agent 'ppo' takes training checkpoints in the middle of episodes, and Counter in environment 'CartPole-v1' cannot save its state there (conform it to StateArchiving)")
        // DQN with one copy checkpoints between episodes when the environment cannot do more.
        let dqn = try DQNAgent(environment: signature, hyperparameters: DQNAgent.defaultHyperparameters, random: try RandomSource(seed: 0))
        try TrainingCheckpointPlan.validate(try Self.spec("dqn", []), agent: dqn, environment: environment)
        // A built-in environment saves every layer (OrderEnforcing, TimeLimit, CartPole).
        #expect(EnvironmentState.isArchivable(try EnvironmentRegistry.shared.make("CartPole-v1")))
    }

    struct Stop: Error {}

    /// The checkpoint a run writes at its first checkpoint (the run is stopped there).
    static func firstCheckpoint(_ spec: RunSpec, every: Int) throws -> StateArchive {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rllab-refusal-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let plan = TrainingCheckpointPlan(every: every, url: url, didSave: { _ in throw Stop() })
        #expect(throws: Stop.self) { _ = try Run.execute(spec, checkpoint: plan) }
        return try TrainingCheckpointPlan.read(url).archive
    }

    @Test func aCheckpointOfAnotherConfigurationOrAgentIsAnError() throws {
        let small = ["n_envs=2", "n_steps=16", "batch_size=16", "n_epochs=1", "net_arch=[8]"]
        let archive = try Self.firstCheckpoint(try Self.spec("ppo", small), every: 40)
        // The same run resumes; another one is refused before anything is restored.
        _ = try Run.execute(try Self.spec("ppo", small), resumingFrom: archive)
        let other = #expect(throws: StateArchiveError.self) {
            _ = try Run.execute(try Self.spec("ppo", small, steps: 400), resumingFrom: archive)
        }
        #expect(other?.description.hasSuffix("is a checkpoint of another run: its budget is 'timesteps 300', this run's is 'timesteps 400'") == true)

        // An agent of another configuration or kind refuses the state itself: other network
        // sizes, a shorter rollout, another number of copies, another agent.
        let environment = try EnvironmentRegistry.shared.make("CartPole-v1")
        for (agent, overrides) in [("ppo", ["n_envs=2", "n_steps=16", "batch_size=16", "n_epochs=1", "net_arch=[9]"]),
                                   ("ppo", ["n_envs=2", "n_steps=4", "batch_size=4", "n_epochs=1", "net_arch=[8]"]),
                                   ("ppo", ["n_envs=3", "n_steps=16", "batch_size=16", "n_epochs=1", "net_arch=[8]"]),
                                   ("a2c", ["n_envs=2", "n_steps=16", "net_arch=[8]"]),
                                   ("dqn", ["net_arch=[8]"]), ("sac", [])] {
            let spec = try Self.spec(agent, overrides)
            guard let resumable = try? Run.makeAgent(spec, for: agent == "sac" ? try EnvironmentRegistry.shared.make("Pendulum-v1") : environment)
                    as? any ResumableAgent else {
                Issue.record("\(agent) is not resumable")
                continue
            }
            let error = #expect(throws: (any Error).self, "\(agent) \(overrides)") { try resumable.restoreTrainingState(from: archive) }
            #expect(error is StateArchiveError || error is CheckpointError, "\(agent) \(overrides): \(String(describing: error))")
        }
    }
}
