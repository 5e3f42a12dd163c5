import Foundation
import Testing
@testable import Agents
import Gym
import LabCore

/// The policy-gradient pieces against Stable-Baselines3 on the same numbers
/// (`Fixtures/policy_gradient/generate_sb3_fixtures.py`, provenance in the file).
@Suite struct PolicyGradientFixtureTests {
    static let fixtures: [String: Any] = {
        let url = Bundle.module.url(forResource: "Fixtures/policy_gradient/sb3_fixtures", withExtension: "json")!
        return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }()

    static func floats(_ value: Any?) -> [Float] { (value as! [Any]).map { Float(($0 as! NSNumber).doubleValue) } }
    static func doubles(_ value: Any?) -> [Double] { (value as! [Any]).map { ($0 as! NSNumber).doubleValue } }
    static func number(_ value: Any?) -> Double { (value as! NSNumber).doubleValue }

    /// Agreement to `relative` of the larger magnitude, with an absolute floor for values near 0.
    static func expectClose(_ actual: [Float], _ expected: [Float], relative: Float = 1e-5, absolute: Float = 1e-6,
                            _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        var worst = 0
        var worstError: Float = 0
        for k in 0..<min(actual.count, expected.count) {
            let error = Swift.abs(actual[k] - expected[k]) / Swift.max(Swift.abs(expected[k]), absolute / relative)
            if error > worstError { worstError = error; worst = k }
        }
        #expect(worstError <= relative, "\(what)[\(worst)]: \(actual.isEmpty ? .nan : actual[worst]) vs SB3 \(expected.isEmpty ? .nan : expected[worst])",
                sourceLocation: sourceLocation)
    }

    /// A policy for `env` with the fixture's weights.
    static func policy(_ agent: any Agent.Type, env id: String, weights: [String: Any]) throws -> ActorCriticPolicy {
        let environment = try EnvironmentRegistry.shared.make(id)
        var h = agent.defaultHyperparameters
        try h.merge(overrides: ["net_arch=[16,16]"])
        let policy = try ActorCriticPolicy(
            agent: agent.name,
            environment: EnvironmentSignature(id: id, observationSpace: environment.observationSpace, actionSpace: environment.actionSpace),
            hyperparameters: h, random: try RandomSource(seed: 0))
        var named = policy.policyNetwork.network.namedParameters.map { ("pi.\($0.name)", $0.parameter) }
            + policy.valueNetwork.network.namedParameters.map { ("vf.\($0.name)", $0.parameter) }
        if let logStd = policy.logStd { named.append(("log_std", logStd)) }
        for (name, parameter) in named {
            let entry = try #require(weights[name] as? [String: Any], "fixture has no \(name)")
            let shape = (entry["shape"] as! [Any]).map { ($0 as! NSNumber).intValue }
            #expect(shape == parameter.shape, "\(name): fixture shape \(shape), ours \(parameter.shape)")
            parameter.value = Tensor(shape: parameter.shape, scalars: floats(entry["values"]))
        }
        return policy
    }

    static func namedParameters(_ policy: ActorCriticPolicy) -> [(String, Parameter)] {
        policy.policyNetwork.network.namedParameters.map { ("pi.\($0.name)", $0.parameter) }
            + policy.valueNetwork.network.namedParameters.map { ("vf.\($0.name)", $0.parameter) }
            + (policy.logStd.map { [("log_std", $0)] } ?? [])
    }

    /// The fixture's rollout in a buffer, with GAE computed by RLLab.
    static func buffer(_ case_: [String: Any], policy: ActorCriticPolicy) throws -> RolloutBuffer {
        let rollout = case_["rollout"] as! [String: Any]
        let steps = (case_["n_steps"] as! NSNumber).intValue, copies = (case_["n_envs"] as! NSNumber).intValue
        let buffer = try RolloutBuffer(steps: steps, copies: copies, observationSize: policy.encoder.width, actionSize: policy.actionSize)
        for row in rollout["steps"] as! [[String: Any]] {
            buffer.add(observations: floats(row["observations"]), actions: floats(row["actions"]), rewards: floats(row["rewards"]),
                       episodeStarts: floats(row["episode_starts"]).map { $0 != 0 }, values: floats(row["values"]),
                       logProbabilities: floats(row["log_probs"]))
        }
        buffer.computeReturnsAndAdvantage(lastValues: floats(rollout["last_values"]), dones: rollout["dones"] as! [Bool],
                                          gamma: number(case_["gamma"]), gaeLambda: number(case_["gae_lambda"]))
        return buffer
    }

    @Test(arguments: 0..<3) func ppoMatchesSB3(index: Int) throws {
        let case_ = (Self.fixtures["ppo"] as! [[String: Any]])[index]
        let env = case_["env"] as! String
        let policy = try Self.policy(PPOAgent.self, env: env, weights: case_["weights"] as! [String: Any])
        let buffer = try Self.buffer(case_, policy: policy)
        let rollout = case_["rollout"] as! [String: Any]
        Self.expectClose(buffer.advantages, Self.floats(rollout["advantages"]), "\(env) advantages")
        Self.expectClose(buffer.returns, Self.floats(rollout["returns"]), "\(env) returns")

        let batch = RolloutBatch(capacity: buffer.count, observationSize: buffer.observationSize, actionSize: buffer.actionSize)
        buffer.gather(from: 0, into: batch)
        let clipRangeValue = Self.number(case_["clip_range_vf"])
        let (total, terms) = PolicyGradientLosses.ppo(
            policy: policy, batch: batch, clipRange: Self.number(case_["clip_range"]),
            clipRangeValue: clipRangeValue > 0 ? Float(clipRangeValue) : nil, normalizeAdvantage: true,
            entropyCoefficient: Float(Self.number(case_["ent_coef"])), valueCoefficient: Float(Self.number(case_["vf_coef"])))
        let losses = case_["losses"] as! [String: Any]
        let ours: [Float] = [terms.policy, terms.value, terms.entropy, terms.approximateKL, terms.clipFraction, terms.total]
        let theirs = ["policy", "value", "entropy", "approx_kl", "clip_fraction", "total"].map { Float(Self.number(losses[$0])) }
        Self.expectClose(ours, theirs, "\(env) loss terms (policy, value, entropy, approx KL, clip fraction, total)")
        #expect(terms.clipFraction > 0, "the fixture should exercise clipping")

        let adam = Adam(policy.parameters, learningRate: Float(Self.number(case_["learning_rate"])), epsilon: 1e-5)
        adam.zeroGrad()
        total.backward()
        clipGradientNorm(policy.parameters, maxNorm: Float(Self.number(case_["max_grad_norm"])))
        let gradients = case_["gradients"] as! [String: Any]
        for (name, parameter) in Self.namedParameters(policy) {
            Self.expectClose(parameter.grad?.scalars ?? [], Self.floats(gradients[name]), relative: 1e-4, absolute: 1e-7, "\(env) gradient \(name)")
        }
        adam.step()
        let after = case_["parameters_after"] as! [String: Any]
        for (name, parameter) in Self.namedParameters(policy) {
            Self.expectClose(parameter.value.scalars, Self.floats(after[name]), "\(env) \(name) after the Adam step")
        }
    }

    @Test(arguments: 0..<2) func a2cMatchesSB3(index: Int) throws {
        let case_ = (Self.fixtures["a2c"] as! [[String: Any]])[index]
        let env = case_["env"] as! String
        let policy = try Self.policy(A2CAgent.self, env: env, weights: case_["weights"] as! [String: Any])
        let buffer = try Self.buffer(case_, policy: policy)
        let rollout = case_["rollout"] as! [String: Any]
        Self.expectClose(buffer.advantages, Self.floats(rollout["advantages"]), "\(env) advantages")
        Self.expectClose(buffer.returns, Self.floats(rollout["returns"]), "\(env) returns")

        let batch = RolloutBatch(capacity: buffer.count, observationSize: buffer.observationSize, actionSize: buffer.actionSize)
        buffer.gather(from: 0, into: batch)
        let (total, terms) = PolicyGradientLosses.a2c(
            policy: policy, batch: batch, normalizeAdvantage: false,
            entropyCoefficient: Float(Self.number(case_["ent_coef"])), valueCoefficient: Float(Self.number(case_["vf_coef"])))
        let losses = case_["losses"] as! [String: Any]
        Self.expectClose([terms.policy, terms.value, terms.entropy], ["policy", "value", "entropy"].map { Float(Self.number(losses[$0])) },
                         "\(env) loss terms (policy, value, entropy)")
        let rmsprop = RMSprop(policy.parameters, learningRate: Float(Self.number(case_["learning_rate"])), alpha: 0.99, epsilon: 1e-5)
        rmsprop.zeroGrad()
        total.backward()
        clipGradientNorm(policy.parameters, maxNorm: Float(Self.number(case_["max_grad_norm"])))
        let gradients = case_["gradients"] as! [String: Any]
        for (name, parameter) in Self.namedParameters(policy) {
            Self.expectClose(parameter.grad?.scalars ?? [], Self.floats(gradients[name]), relative: 1e-4, absolute: 1e-7, "\(env) gradient \(name)")
        }
        rmsprop.step()
        let after = case_["parameters_after"] as! [String: Any]
        for (name, parameter) in Self.namedParameters(policy) {
            Self.expectClose(parameter.value.scalars, Self.floats(after[name]), "\(env) \(name) after the RMSprop step")
        }
    }

    @Test func distributionsMatchSB3() throws {
        let d = Self.fixtures["distributions"] as! [String: Any]
        let c = d["categorical"] as! [String: Any]
        let logits = Tensor(shape: [16, 5], scalars: Self.floats(c["logits"]))
        let actions = (c["actions"] as! [Any]).map { ($0 as! NSNumber).intValue }
        let (logP, entropy) = CategoricalDistribution.logProbabilityAndEntropy(logits: logits, actions: actions)
        Self.expectClose(logP.scalars, Self.floats(c["log_prob"]), "categorical log-probabilities")
        Self.expectClose(entropy.scalars, Self.floats(c["entropy"]), "categorical entropies")
        // The tape-free path agrees with the tape.
        logits.withUnsafeBufferPointer { all in
            for row in 0..<16 {
                let one = UnsafeBufferPointer(rebasing: all[row * 5..<(row + 1) * 5])
                let value = CategoricalDistribution.logProbability(logits: one, action: actions[row])
                #expect(Swift.abs(value - logP.scalars[row]) <= 1e-5 * Swift.max(1, Swift.abs(value)))
            }
        }

        let g = d["gaussian"] as! [String: Any]
        let mean = Tensor(shape: [16, 3], scalars: Self.floats(g["mean"]))
        let logStd = Tensor(shape: [3], scalars: Self.floats(g["log_std"]))
        let gaussianActions = Tensor(shape: [16, 3], scalars: Self.floats(g["actions"]))
        let (gaussianLogP, gaussianEntropy) = DiagonalGaussianDistribution.logProbabilityAndEntropy(mean: mean, logStd: logStd, actions: gaussianActions)
        Self.expectClose(gaussianLogP.scalars, Self.floats(g["log_prob"]), "Gaussian log-probabilities")
        Self.expectClose(gaussianEntropy.scalars, Self.floats(g["entropy"]), "Gaussian entropies")
        for row in 0..<16 {
            let value = DiagonalGaussianDistribution.logProbability(
                action: gaussianActions.scalars[row * 3..<(row + 1) * 3], mean: mean.scalars[row * 3..<(row + 1) * 3], logStd: logStd.scalars)
            #expect(Swift.abs(value - gaussianLogP.scalars[row]) <= 1e-5 * Swift.max(1, Swift.abs(value)))
        }
    }

    /// ``VectorNormalizer`` fed the raw stream SB3's `VecNormalize` saw (CartPole-v1
    /// copies; RLLab's own copies draw other reset noise) gives its statistics, normalized
    /// observations and rewards.
    @Test func vectorNormalizerMatchesVecNormalize() throws {
        let v = Self.fixtures["vec_normalize"] as! [String: Any]
        let copies = (v["n_envs"] as! NSNumber).intValue
        let stream = v["stream"] as! [[String: Any]]
        let normalizer = VectorNormalizer(observationSize: 4, copies: copies, gamma: Self.number(v["gamma"]))
        normalizer.reset(observations: Self.floats(stream[0]["observations"]))
        var rewards = [Double](repeating: 0, count: copies)
        var observations: [Float] = []
        for step in stream.dropFirst() {
            observations = Self.floats(step["observations"])
            normalizer.step(observations: observations, rewards: Self.doubles(step["rewards"]), dones: step["dones"] as! [Bool],
                            normalizedRewards: &rewards)
        }
        let statistics = normalizer.observationStatistics
        Self.expectClose(statistics.mean.map(Float.init), Self.doubles(v["obs_mean"]).map(Float.init), "observation means")
        Self.expectClose(statistics.variance.map(Float.init), Self.doubles(v["obs_var"]).map(Float.init), "observation variances")
        #expect(Swift.abs(statistics.count - Self.number(v["obs_count"])) < 1e-9)
        Self.expectClose([Float(normalizer.returnStatistics.mean[0]), Float(normalizer.returnStatistics.variance[0])],
                         [Float(Self.number(v["ret_mean"])), Float(Self.number(v["ret_var"]))], "return mean and variance")
        for i in 0..<copies { normalizer.normalize(&observations, at: i * 4, count: 4) }
        Self.expectClose(observations, Self.floats(v["last_observations"]), "normalized observations")
        Self.expectClose(rewards.map(Float.init), Self.floats(v["last_rewards"]), "normalized rewards")
        // Frozen statistics: normalizing more observations outside training changes nothing.
        normalizer.isTraining = false
        normalizer.step(observations: observations, rewards: [1, 1, 1], dones: [false, false, false], normalizedRewards: &rewards)
        #expect(normalizer.observationStatistics == statistics)
    }
}
