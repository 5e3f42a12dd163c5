import Foundation
import Testing
@testable import Agents
import Gym
@testable import LabCore

/// With two compute threads, the policy-gradient agents run their separate policy and
/// value networks' forward and backward passes on two threads at once
/// (`runConcurrently`, `Tensor.backward(splittingBetween:and:)`): training must give the
/// same bits as on one thread. Each run trains a few updates with the second half of
/// every split on a thread of its own, then compares every parameter, every optimizer
/// moment and every training return with a one-thread run.
@Suite struct TwoThreadUpdateTests {
    struct Outcome: Equatable {
        var parameters: [[UInt32]]
        var moments: [[UInt32]]
        var returns: [Double]
        var losses: [UInt32]
    }

    static func bits(_ tensors: [Tensor]) -> [[UInt32]] { tensors.map { $0.scalars.map(\.bitPattern) } }

    /// Trains; with `twoThreads`, checks that every update ran its forward and its
    /// backward pass as two halves on two threads (`pairs`: at least two per update).
    static func outcome(_ agent: String, env: String, steps: Int, _ overrides: [String], twoThreads: Bool) throws -> Outcome {
        let log = ConcurrentPair.Log()
        return try ConcurrentPair.$separateThreads.withValue(twoThreads ? log : nil) {
            #expect(runsConcurrently || !twoThreads)
            switch agent {
            case "ppo":
                let (ppo, returns) = try PolicyGradientAgentTests.train(PPOAgent.self, env: env, seed: 5, steps: steps, overrides)
                #expect(ppo.updates > 1)
                #expect(!twoThreads || log.pairs >= 2 * ppo.updates, "\(log.pairs) pairs on two threads for \(ppo.updates) updates")
                let adam = try #require(ppo.rollouts.optimizer as? Adam)
                let losses = ppo.lastLosses
                return Outcome(parameters: bits(ppo.policy.parameters.map(\.value)),
                               moments: bits(adam.parameters.indices.flatMap { [adam.firstMoment($0), adam.secondMoment($0)] }),
                               returns: returns,
                               losses: [losses.policy, losses.value, losses.entropy, losses.total, losses.approximateKL].map(\.bitPattern))
            case "a2c":
                let (a2c, returns) = try PolicyGradientAgentTests.train(A2CAgent.self, env: env, seed: 5, steps: steps, overrides)
                #expect(!twoThreads || log.pairs >= 2 * a2c.updates && a2c.updates > 1, "\(log.pairs) pairs for \(a2c.updates) updates")
                let losses = a2c.lastLosses
                return Outcome(parameters: bits(a2c.policy.parameters.map(\.value)), moments: [], returns: returns,
                               losses: [losses.policy, losses.value, losses.entropy, losses.total].map(\.bitPattern))
            default:
                let (reinforce, returns) = try PolicyGradientAgentTests.train(ReinforceAgent.self, env: env, seed: 5, steps: steps, overrides)
                #expect(!twoThreads || log.pairs >= 2 * reinforce.updates && reinforce.updates > 1, "\(log.pairs) pairs for \(reinforce.updates) updates")
                return Outcome(parameters: bits(reinforce.policy.parameters.map(\.value)), moments: [], returns: returns, losses: [])
            }
        }
    }

    /// PPO's fused categorical loss (CartPole), its composed loss (value clipping; the
    /// Gaussian policy of Pendulum), A2C and REINFORCE with a baseline.
    @Test(arguments: [
        ("ppo", "CartPole-v1", 1_024, ["n_envs=4", "n_steps=64", "batch_size=64", "n_epochs=3", "net_arch=[64,64]"]),
        ("ppo", "CartPole-v1", 512, ["n_envs=2", "n_steps=64", "batch_size=32", "n_epochs=2", "clip_range_vf=0.2", "ent_coef=0.01"]),
        ("ppo", "Pendulum-v1", 512, ["n_envs=2", "n_steps=64", "batch_size=64", "n_epochs=2", "net_arch=[32,32]"]),
        ("a2c", "CartPole-v1", 1_000, ["n_envs=4", "net_arch=[32,32]"]),
        ("reinforce", "CartPole-v1", 600, ["n_envs=2", "episodes_per_update=2", "net_arch=[32,32]", "baseline=true"]),
    ])
    func twoThreadsTrainTheSameBitsAsOne(_ agent: String, _ env: String, _ steps: Int, _ overrides: [String]) throws {
        let one = try Self.outcome(agent, env: env, steps: steps, overrides, twoThreads: false)
        let two = try Self.outcome(agent, env: env, steps: steps, overrides, twoThreads: true)
        #expect(!one.returns.isEmpty)
        #expect(one.returns == two.returns, "\(agent) \(env): training returns")
        #expect(one.losses == two.losses, "\(agent) \(env): last losses")
        #expect(one.moments == two.moments, "\(agent) \(env): Adam's moments")
        for (k, (a, b)) in zip(one.parameters, two.parameters).enumerated() {
            let differing = zip(a, b).filter { $0 != $1 }.count
            #expect(differing == 0, "\(agent) \(env): parameter \(k): \(differing) of \(a.count) values differ")
        }
    }

    /// The split backward itself: every parameter's gradient is `backward()`'s, on a loss
    /// whose top (several operations) joins the two networks' outputs (split: one pair),
    /// and on two graphs it must back-propagate whole (no pair): a top that uses both
    /// sides again after one side's nodes (a product of the two networks' sums), and
    /// parts that meet below the top (the input scaled by a parameter of neither set).
    @Test(arguments: ["split", "cross", "mixed"])
    func splitBackwardGivesBackwardsGradients(_ shape: String) throws {
        let source = try RandomSource(seed: 11)
        let policy = try MultilayerPerceptron(inputSize: 5, hiddenSizes: [16, 16], outputSize: 3, activation: .tanh, source: source)
        let value = try MultilayerPerceptron(inputSize: 5, hiddenSizes: [16, 16], outputSize: 1, activation: .tanh, source: source)
        let shared = Parameter(Tensor(shape: [1], scalars: [0.7]), name: "shared")
        let x = Tensor(shape: [9, 5], scalars: (0..<45).map { _ in Float(source.uniform(-1, 1)) })
        func gradients(split: Bool) -> [[UInt32]] {
            let all = policy.parameters + value.parameters + [shared]
            all.zeroGrad()
            let input = shape == "mixed" ? x * shared.tensor : x
            let p = policy(input), v = value(input)
            let policyTerm: Tensor = (p * p).mean()
            let valueTerm: Tensor = (v.tanh() - 0.5).squared().mean() * 0.3
            var loss: Tensor = (policyTerm + valueTerm) * 0.7
            if shape == "cross" {
                let both: Tensor = (p.sum() * v.sum()) * 0.01
                loss = loss + both
            }
            if split {
                let log = ConcurrentPair.Log()
                ConcurrentPair.$separateThreads.withValue(log) {
                    loss.backward(splittingBetween: policy.parameters, and: value.parameters)
                }
                #expect(log.pairs == (shape == "split" ? 1 : 0), "\(shape): pairs on two threads")
            } else {
                loss.backward()
            }
            return all.map { $0.grad.map { $0.scalars.map(\.bitPattern) } ?? [] }
        }
        let whole = gradients(split: false), split = gradients(split: true)
        #expect(whole.dropLast().allSatisfy { !$0.isEmpty } && whole.last!.isEmpty == (shape != "mixed"))
        #expect(whole == split, "\(shape)")
    }
}
