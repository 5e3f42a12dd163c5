import Foundation
import Gym
import LabCore

/// What PPO and A2C share around their different updates: the policy, the normalizer, the
/// optimizer, the rollout buffer, the two streams and the update count, with the
/// collection loop, the gradient step and the training checkpoint written once on them.
///
/// Each agent keeps its settings and its update (`train(progress:)`): a rollout is
/// collected here, then the agent's update runs on it, until the budget is spent.
final class RolloutTraining {
    let agent: String
    let policy: ActorCriticPolicy
    let normalizer: VectorNormalizer?
    let optimizer: Optimizer
    let buffer: RolloutBuffer
    /// Action sampling while collecting.
    let actionRandom: RandomSource
    /// Minibatch order.
    let batchRandom: RandomSource
    /// Gradient steps taken so far.
    private(set) var updates = 0

    /// Builds the policy (stream `policy`), the normalizer, the optimizer on the policy's
    /// parameters, a rollout buffer of `steps` x `copies` and the streams `actions` and
    /// `minibatches`.
    init(agent: String, environment: EnvironmentSignature, hyperparameters h: Hyperparameters, random: RandomSource,
         copies: Int, steps: Int, gamma: Double, optimizer makeOptimizer: ([Parameter]) -> Optimizer) throws {
        self.agent = agent
        policy = try ActorCriticPolicy(agent: agent, environment: environment, hyperparameters: h, random: random.derived("policy"))
        normalizer = try NormalizationSettings(hyperparameters: h, gamma: gamma)
            .makeNormalizer(agent: agent, environment: environment, encoder: policy.encoder, copies: copies)
        optimizer = makeOptimizer(policy.parameters)
        buffer = try RolloutBuffer(steps: steps, copies: copies, observationSize: policy.encoder.width, actionSize: policy.actionSize)
        actionRandom = random.derived("actions")
        batchRandom = random.derived("minibatches")
    }

    /// A batch for minibatches of up to `size` transitions of the rollout.
    func makeBatch(size: Int) -> RolloutBatch {
        RolloutBatch(capacity: min(size, buffer.count), observationSize: policy.encoder.width, actionSize: policy.actionSize)
    }

    /// PPO's and A2C's checks without building anything: the policy's spaces and settings,
    /// the agent's own settings (`S`, whose cross-setting checks run when it is read) and
    /// the normalization.
    static func check<S: Settings>(_ settings: S.Type, agent: String, environment: EnvironmentSignature, hyperparameters h: Hyperparameters,
                                   gamma: (S) -> Double) throws {
        let own = try h.settings(settings)
        let encoder = try ActorCriticPolicy.check(agent: agent, environment: environment, hyperparameters: h)
        try NormalizationSettings(hyperparameters: h, gamma: gamma(own)).check(agent: agent, environment: environment, encoder: encoder)
    }

    /// Collects rollouts of `buffer.steps` steps from `buffer.copies` copies and runs
    /// `train` on each with the fraction of the budget spent, until the budget is spent.
    func learn(_ loop: EpisodeLoop, gamma: Double, gaeLambda: Double, train: (_ progress: Double) throws -> Void) throws {
        // Every minibatch's tape allocates and frees the same tensors again; without this
        // glibc hands the memory back to the kernel and faults it in again (a sixth of
        // the CPU time of PPO on CartPole-v1).
        AllocatorTuning.keepFreedMemoryForReuse()
        let collector = RolloutCollector(vector: try loop.vectorized(copies: buffer.copies, autoreset: .sameStep), policy: policy,
                                         normalizer: normalizer, random: actionRandom)
        while !loop.isDone {
            guard try collector.collect(into: buffer, gamma: gamma, gaeLambda: gaeLambda) else { break }
            try train(loop.progress)
        }
    }

    /// One gradient step on `loss` (SB3's), back-propagated through the policy's two sides
    /// at once, with the gradients clipped to the global norm `maxGradientNorm`; a
    /// non-finite loss stops training with an error.
    func descend(_ loss: Tensor, maxGradientNorm: Float) throws {
        try NonFiniteTrainingError.check(loss: loss.scalar, step: updates + 1)
        optimizer.minimize(loss, clippingGradientNormTo: maxGradientNorm, backward: policy.backward)
        updates += 1
    }

    /// A training checkpoint, at any step of a rollout: the networks, the optimizer's
    /// state, the rollout stored so far, the normalization statistics, both streams and
    /// the update count. The collector and the copies are saved by the loop they are
    /// attached to.
    func archive(into archive: inout StateArchive) throws {
        archive.set("agent.policy", parameters: policy.parameters)
        try archive.set("agent.optimizer", optimizer: optimizer)
        buffer.archive(into: &archive, prefix: "agent.rollout")
        normalizer?.archive(into: &archive, prefix: "agent.normalizer")
        archive.set("agent.action_random", random: actionRandom)
        archive.set("agent.batch_random", random: batchRandom)
        archive.set("agent.updates", updates)
    }

    /// Restores what ``archive(into:)`` stored.
    func restore(from archive: StateArchive) throws {
        try archive.restore(policy.parameters, from: "agent.policy")
        try archive.restore(optimizer, from: "agent.optimizer")
        try buffer.restore(from: archive, prefix: "agent.rollout")
        try normalizer?.restore(from: archive, prefix: "agent.normalizer")
        try archive.restore(actionRandom, from: "agent.action_random")
        try archive.restore(batchRandom, from: "agent.batch_random")
        updates = try archive.int("agent.updates")
    }
}

/// PPO and A2C as agents around their ``RolloutTraining``: greedy acting and their file,
/// with training checkpoints (at any step of a rollout, with the optimizer's state) through it.
public class RolloutAgent {
    /// Collection, the gradient step and checkpoints.
    let rollouts: RolloutTraining
    public var policy: ActorCriticPolicy { rollouts.policy }
    public var normalizer: VectorNormalizer? { rollouts.normalizer }
    /// Gradient steps taken so far.
    public var updates: Int { rollouts.updates }
    /// The loss terms of the last update (for logs and tests).
    public internal(set) var lastLosses = PolicyGradientLosses()

    init(_ rollouts: RolloutTraining) { self.rollouts = rollouts }

    /// The policy's most likely action for an observation normalized as in training.
    public func act(_ observation: Observation) throws -> Action {
        var encoded = try policy.encoder.encode(observation, agent: rollouts.agent)
        normalizer?.normalize(&encoded, at: 0, count: encoded.count)
        return policy.greedyAction(encoded)
    }

    /// Saves the networks (`pi.*`, `vf.*`, `log_std`, F32) and the normalization
    /// statistics (`obs_rms.*`, `ret_rms.*`, F64).
    public func save(to url: URL) throws {
        try PolicyGradientCheckpoint.save(policy, normalizer, agent: rollouts.agent, to: url)
    }

    public func load(from url: URL) throws {
        try PolicyGradientCheckpoint.load(policy, normalizer, agent: rollouts.agent, from: url)
    }

    public var checkpointsNeedEnvironmentState: Bool { true }

    public func archiveTrainingState(into archive: inout StateArchive) throws { try rollouts.archive(into: &archive) }

    public func restoreTrainingState(from archive: StateArchive) throws { try rollouts.restore(from: archive) }
}
