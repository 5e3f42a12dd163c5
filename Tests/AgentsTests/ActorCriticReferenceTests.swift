import Foundation
import Testing
@testable import Agents
import Gym
import LabCore

/// SAC's and TD3's updates against Stable-Baselines3's own `train` on the same networks,
/// batch and noise (Fixtures/actor_critic, made by generate_actor_critic.py; see its
/// PROVENANCE.md): losses, log-probabilities, every gradient, and every parameter after
/// the Adam steps and Polyak updates agree to 1e-5 relative.
@Suite struct ActorCriticReferenceTests {
    /// The fixture file: section -> name -> (shape, values).
    static let fixture: [String: [String: (shape: [Int], data: [Double])]] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/actor_critic/actor_critic.json")
        guard let data = try? Data(contentsOf: url),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        var sections: [String: [String: (shape: [Int], data: [Double])]] = [:]
        for (section, value) in root {
            guard let entries = value as? [String: Any] else { continue }
            var table: [String: (shape: [Int], data: [Double])] = [:]
            for (name, entry) in entries {
                guard let entry = entry as? [String: Any], let shape = entry["shape"] as? [Int],
                      let values = entry["data"] as? [Double] else { continue }
                table[name] = (shape, values)
            }
            sections[section] = table
        }
        return sections
    }()

    static func values(_ section: String, _ name: String) -> [Double] {
        guard let entry = fixture[section]?[name] else { preconditionFailure("fixture has no \(section).\(name)") }
        return entry.data
    }

    static func tensor(_ section: String, _ name: String, shape: [Int]? = nil) -> Tensor {
        guard let entry = fixture[section]?[name] else { preconditionFailure("fixture has no \(section).\(name)") }
        return Tensor(shape: shape ?? entry.shape, scalars: entry.data.map { Float($0) })
    }

    /// |actual - expected| <= 1e-5 |expected| + 1e-6 (the floor for values near zero).
    static func check(_ actual: [Float], _ expected: [Double], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        var worst = 0.0
        for (a, e) in zip(actual, expected) {
            let excess = Swift.abs(Double(a) - e) - (1e-5 * Swift.abs(e) + 1e-6)
            worst = Swift.max(worst, excess)
        }
        #expect(worst <= 0, "\(what): off by \(worst) beyond tolerance", sourceLocation: sourceLocation)
    }

    static let signature = EnvironmentSignature(
        id: "Box3To2",
        observationSpace: .box(Box(low: -.infinity, high: .infinity, shape: [3])),
        actionSpace: .box(Box(low: [-2, -1], high: [2, 3])))

    static func batch() -> ReplayBatch {
        let batch = ReplayBatch(size: 6, observationSize: 3, actionSize: 2)
        batch.observations = tensor("batch", "observations")
        batch.nextObservations = tensor("batch", "next_observations")
        batch.actions = tensor("batch", "actions")
        batch.rewards = tensor("batch", "rewards", shape: [6])
        batch.terminals = tensor("batch", "dones", shape: [6])
        return batch
    }

    /// Loads SB3's `prefix.{0,2,4}` Sequential layers into `network`'s Dense layers.
    static func load(_ network: MultilayerPerceptron, _ section: String, _ prefix: String) {
        for (i, layer) in network.denseLayers.enumerated() {
            layer.weight.value = tensor(section, "\(prefix).\(2 * i).weight")
            layer.bias!.value = tensor(section, "\(prefix).\(2 * i).bias")
        }
    }

    static func checkNetwork(_ network: MultilayerPerceptron, _ section: String, _ prefix: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for (i, layer) in network.denseLayers.enumerated() {
            check(layer.weight.value.scalars, values(section, "\(prefix).\(2 * i).weight"), "\(prefix).\(2 * i).weight", sourceLocation: sourceLocation)
            check(layer.bias!.value.scalars, values(section, "\(prefix).\(2 * i).bias"), "\(prefix).\(2 * i).bias", sourceLocation: sourceLocation)
        }
    }

    // MARK: SAC

    static func loadSACActor(_ actor: MultilayerPerceptron, prefix: String = "") {
        let layers = actor.denseLayers
        for i in 0..<(layers.count - 1) {
            layers[i].weight.value = tensor("sac", "\(prefix)actor.latent_pi.\(2 * i).weight")
            layers[i].bias!.value = tensor("sac", "\(prefix)actor.latent_pi.\(2 * i).bias")
        }
        // SB3's mu and log_std heads are the two halves of the last layer.
        let head = layers[layers.count - 1]
        head.weight.value = Tensor(shape: head.weight.shape, scalars: (values("sac", "\(prefix)actor.mu.weight") + values("sac", "\(prefix)actor.log_std.weight")).map { Float($0) })
        head.bias!.value = Tensor(shape: head.bias!.shape, scalars: (values("sac", "\(prefix)actor.mu.bias") + values("sac", "\(prefix)actor.log_std.bias")).map { Float($0) })
    }

    static func makeSAC() throws -> SACAgent {
        var h = SACAgent.defaultHyperparameters
        try h.merge(overrides: ["learning_rate=1e-3", "batch_size=6", "tau=0.1", "gamma=0.95", "ent_coef=auto_0.5",
                                "net_arch=[8,6]", "buffer_size=10"])
        let agent = try SACAgent(environment: signature, hyperparameters: h, random: try RandomSource(seed: 0))
        loadSACActor(agent.actor)
        for k in 0..<2 {
            load(agent.critic.networks[k], "sac", "critic.qf\(k)")
            load(agent.criticTarget.networks[k], "sac", "critic_target.qf\(k)")
        }
        #expect(agent.logEntropyCoefficient.value.scalars == values("sac", "log_ent_coef").map { Float($0) })
        return agent
    }

    @Test func squashedGaussianSamplesAndLogProbabilitiesMatchSB3() throws {
        let agent = try Self.makeSAC()
        let (actions, logProbability) = agent.policy(Self.tensor("batch", "observations"))
            .sampleWithLogProbability(noise: Self.tensor("sac", "noise"))
        Self.check(actions.scalars, Self.values("sac", "actions_pi"), "actions")
        Self.check(logProbability.scalars, Self.values("sac", "log_prob"), "log-probabilities")
    }

    @Test func sacUpdateMatchesSB3() throws {
        let agent = try Self.makeSAC()
        let losses = agent.update(Self.batch(), noise: Self.tensor("sac", "noise"), nextNoise: Self.tensor("sac", "next_noise"))
        Self.check([losses.entropyCoefficient], Self.values("sac", "ent_coef"), "ent_coef")
        Self.check([try #require(losses.entropyCoefficientLoss)], Self.values("sac", "loss.ent_coef"), "ent_coef loss")
        Self.check([losses.critic], Self.values("sac", "loss.critic"), "critic loss")
        Self.check([losses.actor], Self.values("sac", "loss.actor"), "actor loss")

        // Gradients as each optimizer applied them.
        Self.check(try #require(agent.logEntropyCoefficient.grad).scalars, Self.values("sac", "grad.ent_coef.0"), "log_ent_coef gradient")
        for (i, parameter) in agent.critic.parameters.enumerated() {
            Self.check(try #require(parameter.grad).scalars, Self.values("sac", "grad.critic.\(i)"), "critic gradient \(i)")
        }
        let actorParameters = agent.actor.parameters
        for i in 0..<4 {
            Self.check(try #require(actorParameters[i].grad).scalars, Self.values("sac", "grad.actor.\(i)"), "actor gradient \(i)")
        }
        // Head: SB3's mu (4, 5) and log_std (6, 7) gradients, stacked.
        Self.check(try #require(actorParameters[4].grad).scalars, Self.values("sac", "grad.actor.4") + Self.values("sac", "grad.actor.6"), "head weight gradient")
        Self.check(try #require(actorParameters[5].grad).scalars, Self.values("sac", "grad.actor.5") + Self.values("sac", "grad.actor.7"), "head bias gradient")

        // Parameters after Adam and the Polyak update of the target critics.
        let expected = try Self.makeSAC()
        Self.loadSACActor(expected.actor, prefix: "after.")
        for (a, e) in zip(agent.actor.parameters, expected.actor.parameters) {
            Self.check(a.value.scalars, e.value.scalars.map(Double.init), "actor after the update")
        }
        for k in 0..<2 {
            Self.checkNetwork(agent.critic.networks[k], "sac", "after.critic.qf\(k)")
            Self.checkNetwork(agent.criticTarget.networks[k], "sac", "after.critic_target.qf\(k)")
        }
        Self.check(agent.logEntropyCoefficient.value.scalars, Self.values("sac", "after.log_ent_coef"), "log_ent_coef after")
    }

    // MARK: TD3

    @Test func td3CriticAndDelayedActorUpdatesMatchSB3() throws {
        var h = TD3Agent.defaultHyperparameters
        try h.merge(overrides: ["learning_rate=1e-3", "batch_size=6", "tau=0.1", "gamma=0.95", "net_arch=[8,6]", "buffer_size=10"])
        let agent = try TD3Agent(environment: Self.signature, hyperparameters: h, random: try RandomSource(seed: 0))
        Self.load(agent.actor, "td3", "actor.mu")
        Self.load(agent.actorTarget, "td3", "actor_target.mu")
        for k in 0..<2 {
            Self.load(agent.critic.networks[k], "td3", "critic.qf\(k)")
            Self.load(agent.criticTarget.networks[k], "td3", "critic_target.qf\(k)")
        }
        let batch = Self.batch()
        // First update: the critics only (policy_delay 2).
        let first = agent.update(batch, smoothingNoise: Self.tensor("td3", "smoothing.0"))
        #expect(first.actor == nil)
        for (i, parameter) in agent.critic.parameters.enumerated() {
            Self.check(try #require(parameter.grad).scalars, Self.values("td3", "grad.critic0.\(i)"), "first critic gradient \(i)")
        }
        #expect(agent.actor.parameters.allSatisfy { $0.grad == nil })
        // Second: critics, then the actor and the targets.
        let second = agent.update(batch, smoothingNoise: Self.tensor("td3", "smoothing.1"))
        Self.check([(first.critic + second.critic) / 2], Self.values("td3", "loss.critic_mean"), "mean critic loss")
        Self.check([try #require(second.actor)], Self.values("td3", "loss.actor"), "actor loss")
        for (i, parameter) in agent.critic.parameters.enumerated() {
            Self.check(try #require(parameter.grad).scalars, Self.values("td3", "grad.critic1.\(i)"), "second critic gradient \(i)")
        }
        for (i, parameter) in agent.actor.parameters.enumerated() {
            Self.check(try #require(parameter.grad).scalars, Self.values("td3", "grad.actor0.\(i)"), "actor gradient \(i)")
        }
        Self.checkNetwork(agent.actor, "td3", "after.actor.mu")
        Self.checkNetwork(agent.actorTarget, "td3", "after.actor_target.mu")
        for k in 0..<2 {
            Self.checkNetwork(agent.critic.networks[k], "td3", "after.critic.qf\(k)")
            Self.checkNetwork(agent.criticTarget.networks[k], "td3", "after.critic_target.qf\(k)")
        }
    }

    // MARK: Ornstein-Uhlenbeck noise

    @Test func ornsteinUhlenbeckNoiseMatchesSB3FromTheSameNormals() throws {
        let noise = ActionNoise(.ornsteinUhlenbeck, size: 2, standardDeviation: 0.5, random: try RandomSource(seed: 0))
        let normals = Self.values("ou", "normals"), expected = Self.values("ou", "outputs")
        var outputs: [Float] = []
        for t in 0..<12 {
            if t == 8 { noise.reset() }
            for j in 0..<2 { outputs.append(noise.next(normal: normals[2 * t + j], index: j)) }
        }
        // The same float64 operations in the same order: the same numbers exactly.
        #expect(outputs == expected.map { Float($0) })
    }
}
