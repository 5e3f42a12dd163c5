import Foundation
import Testing
@testable import Agents
import Gym
import LabCore

/// PPO's loss for discrete actions is one recorded operation
/// (`PolicyGradientLosses.ppoCategorical`) that repeats the composed tape operations'
/// arithmetic: its value, every logged term and every parameter's gradient must be the
/// composed loss's bits, on random minibatches with ties in the surrogate's minimum
/// (zero advantages), ratios clipped on both sides, an entropy bonus, two and three
/// actions and a shared network.
@Suite struct FusedPPOLossTests {
    static func batch(policy: ActorCriticPolicy, actions: Int, rows: Int, seed: UInt64) throws -> RolloutBatch {
        let source = try RandomSource(seed: seed)
        let batch = RolloutBatch(capacity: rows, observationSize: policy.encoder.width, actionSize: 1)
        for k in 0..<(rows * policy.encoder.width) { batch.observations[k] = Float(source.uniform(-2, 2)) }
        for i in 0..<rows {
            batch.actions[i] = Float(try source.uniformInt(below: actions))
            // Old log-probabilities around the uniform policy's: ratios on both sides of 1 ± ε.
            batch.logProbabilities[i] = Float(-Foundation.log(Double(actions)) + source.uniform(-0.6, 0.6))
            batch.advantages[i] = i % 5 == 0 ? 0 : Float(source.uniform(-2, 2))
            batch.returns[i] = Float(source.uniform(-3, 3))
            batch.values[i] = Float(source.uniform(-3, 3))
        }
        return batch
    }

    @Test(arguments: [("CartPole-v1", false), ("Acrobot-v1", false), ("CartPole-v1", true)])
    func fusedLossIsTheComposedLossBitForBit(_ setting: (String, Bool)) throws {
        let (id, shared) = setting
        let environment = try EnvironmentRegistry.shared.make(id)
        let signature = EnvironmentSignature(id: id, observationSpace: environment.observationSpace, actionSpace: environment.actionSpace)
        var h = PPOAgent.defaultHyperparameters
        try h.merge(overrides: ["net_arch=[32,16]", "shared_network=\(shared)"])
        let policy = try ActorCriticPolicy(agent: "ppo", environment: signature, hyperparameters: h, random: try RandomSource(seed: 3))
        let actions = try #require(policy.actionCount)
        // One scratch storage for every fused loss, as the agent keeps it: it grows (61 to
        // 90 rows) and is reused for fewer rows (30) without changing a bit.
        let scratch = PolicyGradientLosses.CategoricalScratch()
        for (seed, normalize, entropy, rows) in [(UInt64(1), false, Float(0), 61), (2, true, 0.01, 90), (3, false, 0.5, 30)] {
            let batch = try Self.batch(policy: policy, actions: actions, rows: rows, seed: seed)
            func run(composed: Bool) -> (terms: PolicyGradientLosses, total: UInt32, gradients: [[UInt32]]) {
                policy.parameters.zeroGrad()
                let (total, terms) = PolicyGradientLosses.ppo(
                    policy: policy, batch: batch, clipRange: 0.2, clipRangeValue: nil, normalizeAdvantage: normalize,
                    entropyCoefficient: entropy, valueCoefficient: 0.5, composed: composed, scratch: composed ? nil : scratch)
                total.backward()
                return (terms, total.scalar.bitPattern, policy.parameters.map { $0.grad!.scalars.map(\.bitPattern) })
            }
            let fused = run(composed: false), composed = run(composed: true)
            #expect(composed.terms.clipFraction > 0 && composed.terms.clipFraction < 1, "the batch should clip some ratios")
            #expect(fused.total == composed.total, "\(id) seed \(seed): total")
            for (a, b) in [(fused.terms.policy, composed.terms.policy), (fused.terms.value, composed.terms.value),
                           (fused.terms.entropy, composed.terms.entropy), (fused.terms.total, composed.terms.total),
                           (fused.terms.approximateKL, composed.terms.approximateKL), (fused.terms.clipFraction, composed.terms.clipFraction)] {
                #expect(a.bitPattern == b.bitPattern, "\(id) seed \(seed): terms \(fused.terms) vs \(composed.terms)")
            }
            for (k, (a, b)) in zip(fused.gradients, composed.gradients).enumerated() {
                let differing = zip(a, b).filter { $0 != $1 }.count
                #expect(differing == 0, "\(id) shared \(shared) seed \(seed): parameter \(k): \(differing) of \(a.count) gradients differ")
            }
        }
    }
}
