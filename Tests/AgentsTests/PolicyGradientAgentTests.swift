import Foundation
import Testing
@testable import Agents
import Gym
import LabCore

/// `ppo`, `a2c` and `reinforce` and their shared pieces, on small budgets.
@Suite struct PolicyGradientAgentTests {
    /// Trains `type` on `id` for `steps` steps; returns the agent and its training returns.
    static func train<A: Agent>(_ type: A.Type, env id: String, options: [String: String] = [:], seed: UInt64, steps: Int,
                                _ overrides: [String] = []) throws -> (A, [Double]) {
        let environment = try EnvironmentRegistry.shared.make(id, options: options)
        var h = A.defaultHyperparameters
        try h.merge(overrides: overrides)
        let agent = try A(environment: EnvironmentSignature(id: id, observationSpace: environment.observationSpace, actionSpace: environment.actionSpace),
                          hyperparameters: h, random: try RandomSource(seed: seed).derived("agent"))
        var returns: [Double] = []
        let loop = EpisodeLoop(environment: environment, budget: .timesteps(steps), seed: seed, onEpisode: { returns.append($0.return) })
        loop.resolvedEnvironment = try EnvironmentRegistry.shared.resolve(id, options: options)
        try agent.learn(loop)
        return (agent, returns)
    }

    static func greedyMean(_ agent: any Agent, env id: String, options: [String: String] = [:], episodes: Int = 10) throws -> Double {
        try evaluate(agent, in: try EnvironmentRegistry.shared.make(id, options: options), episodes: episodes, seed: 99).mean
    }

    static let smallPPO = ["n_envs=8", "n_steps=32", "batch_size=128", "n_epochs=10", "gae_lambda=0.8", "gamma=0.98",
                           "learning_rate=1e-3", "net_arch=[32,32]"]

    // MARK: Learning (thresholds a random policy, about 22 on CartPole, cannot reach)

    @Test func ppoLearnsCartPole() throws {
        let (agent, returns) = try Self.train(PPOAgent.self, env: "CartPole-v1", seed: 0, steps: 15_000, Self.smallPPO)
        let greedy = try Self.greedyMean(agent, env: "CartPole-v1")
        #expect(greedy >= 150, "greedy mean \(greedy)")
        #expect(returns.suffix(10).reduce(0, +) / 10 >= 80, "last training returns \(returns.suffix(10))")
    }

    @Test func a2cLearnsCartPole() throws {
        let (agent, _) = try Self.train(A2CAgent.self, env: "CartPole-v1", seed: 1, steps: 25_000, ["n_envs=8", "net_arch=[32,32]", "learning_rate=2e-3"])
        let greedy = try Self.greedyMean(agent, env: "CartPole-v1")
        #expect(greedy >= 100, "greedy mean \(greedy)")
    }

    @Test func reinforceLearnsCartPole() throws {
        let (agent, _) = try Self.train(ReinforceAgent.self, env: "CartPole-v1", seed: 0, steps: 25_000,
                                        ["n_envs=4", "episodes_per_update=4", "net_arch=[32,32]", "learning_rate=3e-3"])
        let greedy = try Self.greedyMean(agent, env: "CartPole-v1")
        #expect(greedy >= 100, "greedy mean \(greedy)")
    }

    /// Discrete observations are one-hot encoded, so PPO runs (and learns) on FrozenLake.
    @Test func ppoLearnsDeterministicFrozenLake() throws {
        let options = ["is_slippery": "false"]
        let (agent, _) = try Self.train(PPOAgent.self, env: "FrozenLake-v1", options: options, seed: 0, steps: 8_000,
                                        ["n_envs=4", "n_steps=64", "batch_size=64", "n_epochs=4", "ent_coef=0.01", "learning_rate=3e-3"])
        #expect(try Self.greedyMean(agent, env: "FrozenLake-v1", options: options, episodes: 5) == 1)
    }

    // MARK: Semantics

    /// A time-limit cut adds gamma * V(final observation) to the stored reward (SB3's
    /// timeout bootstrap); a termination does not.
    @Test func truncationBootstrapsFromTheFinalObservation() throws {
        let options = ["max_episode_steps": "5"]
        let environment = try EnvironmentRegistry.shared.make("CartPole-v1", options: options)
        var h = PPOAgent.defaultHyperparameters
        try h.merge(overrides: ["n_envs=2", "n_steps=12"])
        let signature = EnvironmentSignature(id: "CartPole-v1", observationSpace: environment.observationSpace, actionSpace: environment.actionSpace)
        let policy = try ActorCriticPolicy(agent: "ppo", environment: signature, hyperparameters: h, random: try RandomSource(seed: 3))
        let loop = EpisodeLoop(environment: environment, budget: .timesteps(1000), seed: 3)
        loop.resolvedEnvironment = try EnvironmentRegistry.shared.resolve("CartPole-v1", options: options)
        let vector = try loop.vectorized(copies: 2, autoreset: .sameStep)
        let collector = RolloutCollector(vector: vector, policy: policy, normalizer: nil, random: try RandomSource(seed: 4))
        let buffer = try RolloutBuffer(steps: 12, copies: 2, observationSize: 4, actionSize: 1)
        var expected: [Float] = []
        var truncations = 0
        try collector.collect(into: buffer, gamma: 0.9, gaeLambda: 0.95) {
            for i in 0..<2 {
                let env = vector.environment
                if env.truncations[i] && !env.terminations[i] {
                    truncations += 1
                    expected.append(1 + Float(0.9) * policy.value(Array(vector.finalObservation(i)!)))
                } else {
                    expected.append(1)
                }
            }
        }
        #expect(truncations >= 2)
        #expect(buffer.rewards == expected)
        // Episode starts follow the 5-step episodes (no terminations that early in CartPole).
        #expect(buffer.episodeStarts[0] == 1 && buffer.episodeStarts[2 * 5] == 1 && buffer.episodeStarts[2 * 3] == 0)
    }

    /// Same seed, same bytes; the saved file restores the greedy policy and the
    /// normalization statistics.
    @Test func deterministicAndSavesNormalization() throws {
        let settings = ["n_envs=4", "n_steps=16", "batch_size=32", "n_epochs=2", "normalize=true", "net_arch=[16,16]"]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rllab-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var files: [Data] = []
        var agents: [PPOAgent] = []
        for run in 0..<2 {
            let (agent, _) = try Self.train(PPOAgent.self, env: "Acrobot-v1", seed: 7, steps: 640, settings)
            let url = directory.appendingPathComponent("\(run).safetensors")
            try agent.save(to: url)
            files.append(try Data(contentsOf: url))
            agents.append(agent)
        }
        #expect(files[0] == files[1])
        let (fresh, _) = try Self.train(PPOAgent.self, env: "Acrobot-v1", seed: 8, steps: 0, settings)
        try fresh.load(from: directory.appendingPathComponent("0.safetensors"))
        #expect(fresh.normalizer!.observationStatistics == agents[0].normalizer!.observationStatistics)
        #expect(fresh.normalizer!.observationStatistics.count > 640)
        let environment = try EnvironmentRegistry.shared.make("Acrobot-v1")
        var (observation, _) = try environment.reset(seed: 5, options: nil)
        for _ in 0..<50 {
            let action = try agents[0].act(observation)
            #expect(try fresh.act(observation) == action)
            observation = try environment.step(action).observation
        }
        // A file of another agent is refused.
        let (a2c, _) = try Self.train(A2CAgent.self, env: "Acrobot-v1", seed: 8, steps: 0, ["normalize=true", "net_arch=[16,16]"])
        #expect(throws: AgentError.self) { try a2c.load(from: directory.appendingPathComponent("0.safetensors")) }
    }

    /// Pendulum's Box actions: Gaussian sampling, clipping at the bounds, one learning run.
    @Test func ppoRunsOnPendulumWithClippedGreedyActions() throws {
        let (agent, returns) = try Self.train(PPOAgent.self, env: "Pendulum-v1", seed: 0, steps: 800,
                                              ["n_envs=2", "n_steps=200", "batch_size=100", "n_epochs=2", "normalize=true", "log_std_init=1"])
        #expect(returns.count == 4)
        let action = try agent.act(.vector([1, 0, 0]))
        let torque = try #require(action.continuous)
        #expect(torque.count == 1 && torque[0] >= -2 && torque[0] <= 2)
        #expect(agent.updates == 2 * 2 * 4)
    }

    @Test func badSettingsAreErrors() throws {
        #expect(throws: ConfigurationError.self) { _ = try Self.train(PPOAgent.self, env: "CartPole-v1", seed: 0, steps: 0, ["batch_size=1"]) }
        #expect(throws: ConfigurationError.self) { _ = try Self.train(PPOAgent.self, env: "CartPole-v1", seed: 0, steps: 0, ["n_envs=0"]) }
        #expect(throws: ConfigurationError.self) { _ = try Self.train(A2CAgent.self, env: "FrozenLake-v1", seed: 0, steps: 0, ["normalize=true"]) }
        #expect(throws: ConfigurationError.self) { _ = try Self.train(PPOAgent.self, env: "CartPole-v1", seed: 0, steps: 0, ["activation=gelu"]) }
    }

    /// The settings the three agents share are declared once (`PolicyGradientSettings`,
    /// `RolloutSettings`), each agent keeping SB3's own defaults and the shared messages.
    @Test func sharedSettingsKeepEachAgentsDefaults() throws {
        let ppo = try PPOAgent.defaultHyperparameters.settings(PPOAgent.Settings.self)
        let a2c = try A2CAgent.defaultHyperparameters.settings(A2CAgent.Settings.self)
        let reinforce = try ReinforceAgent.defaultHyperparameters.settings(ReinforceAgent.Settings.self)
        #expect(ppo.common.normalizeAdvantage && ppo.rollout.steps == 2048 && ppo.rollout.gaeLambda == 0.95)
        #expect(!a2c.common.normalizeAdvantage && a2c.rollout.steps == 5 && a2c.rollout.gaeLambda == 1)
        #expect(reinforce.common.normalizeAdvantage && reinforce.common.copies == 1 && reinforce.common.gamma == 0.99)
        #expect(ReinforceAgent.defaultHyperparameters.values["n_steps"] == nil)
        let message = ConfigurationError("n_steps * n_envs must be at least 2 with normalize_advantage, got 1")
        var h = A2CAgent.defaultHyperparameters
        try h.merge(overrides: ["n_steps=1", "normalize_advantage=true"])
        #expect(throws: message) { _ = try h.settings(A2CAgent.Settings.self) }
        h = PPOAgent.defaultHyperparameters
        try h.merge(overrides: ["n_steps=1", "batch_size=2"])
        #expect(throws: message) { _ = try h.settings(PPOAgent.Settings.self) }
    }

    // MARK: Pieces

    @Test(arguments: [(64, 4), (4, 64), (2, 64), (1, 1), (16, 16)])
    func orthogonalInitializationIsOrthogonal(shape: (Int, Int)) throws {
        let (rows, columns) = shape
        let gain: Float = 1.5
        let w = Initializer.orthogonal(gain: gain).make([rows, columns], fanIn: columns, fanOut: rows, source: try RandomSource(seed: 1)).scalars
        // The smaller side is orthonormal (times gain): W Wᵀ = gain² I for wide, Wᵀ W for tall.
        let small = min(rows, columns)
        for p in 0..<small {
            for q in 0..<small {
                var dot: Float = 0
                for k in 0..<max(rows, columns) {
                    dot += rows <= columns ? w[p * columns + k] * w[q * columns + k] : w[k * columns + p] * w[k * columns + q]
                }
                #expect(Swift.abs(dot - (p == q ? gain * gain : 0)) < 1e-5)
            }
        }
        #expect(Initializer.orthogonal(gain: 1).make([3], fanIn: 1, fanOut: 3, source: try RandomSource(seed: 1)).scalars == [0, 0, 0])
    }

    /// torch.minimum's gradient: to the smaller input, split on ties.
    @Test func minimumGradient() {
        let a = Tensor([1, 2, 3]).requiringGradient(), b = Tensor([2, 2, 1]).requiringGradient()
        let y = Tensor.minimum(a, b)
        #expect(y.scalars == [1, 2, 1])
        (y * Tensor([1, 10, 100])).sum().backward()
        #expect(a.gradient?.scalars == [1, 5, 0])
        #expect(b.gradient?.scalars == [0, 5, 100])
    }

    /// GAE with lambda 1 and no bootstrapping is the discounted return minus the value.
    @Test func gaeReducesToMonteCarloReturns() throws {
        let buffer = try RolloutBuffer(steps: 4, copies: 1, observationSize: 1, actionSize: 1)
        let rewards: [Float] = [1, 2, 3, 4], values: [Float] = [0.5, -1, 2, 0.25]
        for t in 0..<4 {
            buffer.add(observations: [0], actions: [0], rewards: [rewards[t]], episodeStarts: [t == 0], values: [values[t]], logProbabilities: [0])
        }
        buffer.computeReturnsAndAdvantage(lastValues: [100], dones: [true], gamma: 0.5, gaeLambda: 1)
        let expected: [Float] = [3.25, 4.5, 5, 4]  // G = r + 0.5 G', backwards from 4
        #expect(buffer.returns == expected)
        #expect(buffer.advantages == zip(buffer.returns, values).map { $0 - $1 })
    }

    /// Same-step autoreset gives the same episodes as the scalar loop, copy by copy.
    @Test func sameStepAutoresetKeepsTheEpisodes() throws {
        let scalar = try EnvironmentRegistry.shared.make("CartPole-v1")
        var scalarReturns: [Double] = []
        let loop = EpisodeLoop(environment: scalar, budget: .episodes(5), seed: 11, onEpisode: { scalarReturns.append($0.return) })
        try loop.run(policy: { _ in .discrete(loop.totalSteps % 3 == 0 ? 1 : 0) })

        var vectorReturns: [Double] = []
        let vectorLoop = EpisodeLoop(environment: scalar, budget: .episodes(5), seed: 11, onEpisode: { vectorReturns.append($0.return) })
        vectorLoop.resolvedEnvironment = try EnvironmentRegistry.shared.resolve("CartPole-v1", options: [:])
        let vector = try vectorLoop.vectorized(copies: 1, autoreset: .sameStep)
        var step = 0
        while !vector.isDone {
            try vector.step(actions: [step % 3 == 0 ? 1 : 0])
            step += 1
        }
        #expect(vectorReturns == scalarReturns)
    }

    // MARK: Shared networks (shared_network)

    /// A2C with one shared body and two linear heads learns CartPole.
    @Test func a2cWithSharedNetworkLearnsCartPole() throws {
        let (agent, _) = try Self.train(A2CAgent.self, env: "CartPole-v1", seed: 1, steps: 25_000,
                                        ["n_envs=8", "net_arch=[32,32]", "learning_rate=2e-3", "shared_network=true"])
        #expect(agent.policy.sharedNetwork != nil)
        let greedy = try Self.greedyMean(agent, env: "CartPole-v1")
        #expect(greedy >= 100, "greedy mean \(greedy)")
    }

    /// The shared body's gradient of the combined loss is what the policy head sends it
    /// plus vf_coef times what the value head sends it, and both send something; the
    /// heads are one linear layer each; acting without the tape agrees with the tape.
    @Test func sharedLayersGetGradientsFromBothHeads() throws {
        let environment = try EnvironmentRegistry.shared.make("CartPole-v1")
        var h = A2CAgent.defaultHyperparameters
        try h.merge(overrides: ["shared_network=true", "net_arch=[8,6]"])
        let signature = EnvironmentSignature(id: "CartPole-v1", observationSpace: environment.observationSpace, actionSpace: environment.actionSpace)
        let policy = try ActorCriticPolicy(agent: "a2c", environment: signature, hyperparameters: h, random: try RandomSource(seed: 5))
        let shared = try #require(policy.sharedNetwork)
        #expect(shared.denseLayers.map(\.outputSize) == [8, 6])
        #expect(policy.policyNetwork.denseLayers.count == 1 && policy.valueNetwork.denseLayers.count == 1)
        #expect(policy.parameters.count == shared.parameters.count + 4)

        let random = try RandomSource(seed: 6)
        let rows = 16
        let batch = RolloutBatch(capacity: rows, observationSize: 4, actionSize: 1)
        for k in 0..<(rows * 4) { batch.observations[k] = Float(random.uniform(-1, 1)) }
        for k in 0..<rows {
            batch.actions[k] = random.uniform() < 0.5 ? 0 : 1
            batch.advantages[k] = Float(random.uniform(-2, 2))
            batch.returns[k] = Float(random.uniform(-2, 2))
        }
        /// The shared body's gradients after back-propagating the A2C loss with these coefficients.
        func sharedGradients(policyScale: Float, valueCoefficient: Float) throws -> [Float] {
            policy.parameters.zeroGrad()
            let observations = batch.tensor(batch.observations, width: 4)
            let (values, logProbability, _) = policy.evaluate(observations: observations, actions: batch.actions)
            let advantages = batch.tensor(batch.advantages, width: nil)
            let policyLoss = -(advantages * logProbability).mean()
            let valueLoss = Loss.meanSquaredError(batch.tensor(batch.returns, width: nil), values)
            (policyLoss * policyScale + valueLoss * valueCoefficient).backward()
            return try shared.parameters.flatMap { try #require($0.grad).scalars }
        }
        let fromPolicy = try sharedGradients(policyScale: 1, valueCoefficient: 0)
        let fromValue = try sharedGradients(policyScale: 0, valueCoefficient: 1)
        let combined = try sharedGradients(policyScale: 1, valueCoefficient: 0.5)
        #expect(fromPolicy.contains { $0 != 0 } && fromValue.contains { $0 != 0 })
        for k in combined.indices {
            let expected = fromPolicy[k] + 0.5 * fromValue[k]
            #expect(Swift.abs(combined[k] - expected) <= 1e-5 * max(1, Swift.abs(expected)), "parameter scalar \(k)")
        }

        // Acting (no tape) computes the same value as training (the tape).
        let row = Array(batch.observations[0..<4])
        let taped = policy.evaluate(observations: Tensor(shape: [1, 4], scalars: row), actions: [0]).values.scalars[0]
        #expect(Swift.abs(policy.value(row) - taped) <= 1e-5 * max(1, Swift.abs(taped)))
    }
}
