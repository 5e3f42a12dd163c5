import Foundation
import Gym
import LabCore

/// Advantage Actor-Critic (Mnih et al. 2016, synchronous) with Stable-Baselines3's
/// semantics, CleanRL-style.
///
/// Until the budget is spent:
/// 1. collect a rollout of `n_steps` steps from each of `n_envs` copies
///    (``RolloutCollector``) and compute GAE(`gamma`, `gae_lambda`; SB3's default
///    `gae_lambda` 1 gives Monte-Carlo returns bootstrapped at the rollout's end);
/// 2. set the learning rate from its schedule;
/// 3. one gradient step on the whole rollout: policy loss `-mean(A log π(a|s))`
///    (advantages normalized if `normalize_advantage`), value loss `mean((R - V)²)`,
///    entropy loss `-mean(H)`, total `policy + ent_coef entropy + vf_coef value`,
///    gradients clipped to global norm `max_grad_norm`, then RMSprop (alpha 0.99,
///    eps `rms_prop_eps`, SB3's settings) or Adam (eps 1e-5).
public final class A2CAgent: Agent {
    public static let name = "a2c"
    public static let summary = "Advantage Actor-Critic (SB3 semantics): n-step rollouts from n_envs copies, RMSprop, one update per rollout"
    public struct Settings: LabCore.Settings {
        @ScheduleSetting("learning_rate", range: 0...Double.infinity, help: "optimizer step size") public var learningRate = Schedule.constant(7e-4)
        @Setting("n_envs", range: 1..., help: "copies of the environment collected from (SB3's n_envs)") public var copies = 1
        @Setting("n_steps", range: 1..., help: "steps per copy per rollout (one update per rollout)") public var steps = 5
        @Setting("gamma", range: 0...1, help: "discount factor") public var gamma = 0.99
        @Setting("gae_lambda", range: 0...1, help: "GAE lambda (1: Monte-Carlo advantages)") public var gaeLambda = 1.0
        @Setting("normalize_advantage", help: "normalize advantages over the rollout") public var normalizeAdvantage = false
        @Setting("ent_coef", help: "entropy coefficient") public var entropyCoefficient = 0.0
        @Setting("vf_coef", range: 0..., help: "value loss coefficient") public var valueCoefficient = 0.5
        @Setting("max_grad_norm", range: 0..., help: "clip gradients to this global L2 norm") public var maxGradientNorm = 0.5
        @Setting("use_rms_prop", help: "RMSprop (SB3's default for A2C); false: Adam") public var useRMSprop = true
        @Setting("rms_prop_eps", range: 0..., help: "RMSprop epsilon") public var rmsPropEpsilon = 1e-5
        @SettingGroup public var policy: ActorCriticPolicy.Settings
        @SettingGroup public var normalization: NormalizationSettings
        public init() {}
    }

    private let learningRate: Schedule
    private let copies: Int
    private let steps: Int
    private let gamma: Double
    private let gaeLambda: Double
    private let normalizeAdvantage: Bool
    private let entropyCoefficient: Float
    private let valueCoefficient: Float
    private let maxGradientNorm: Float

    public let policy: ActorCriticPolicy
    public let normalizer: VectorNormalizer?
    private let optimizer: Optimizer
    private let buffer: RolloutBuffer
    private let batch: RolloutBatch
    private let actionRandom: RandomSource
    private let batchRandom: RandomSource
    /// Gradient steps taken so far (one per rollout).
    public private(set) var updates = 0
    public private(set) var lastLosses = PolicyGradientLosses()

    public init(environment: EnvironmentSignature, hyperparameters h: Hyperparameters, random: RandomSource) throws {
        let settings = try h.settings(Settings.self)
        learningRate = settings.learningRate
        copies = settings.copies
        steps = settings.steps
        gamma = settings.gamma
        gaeLambda = settings.gaeLambda
        normalizeAdvantage = settings.normalizeAdvantage
        entropyCoefficient = Float(settings.entropyCoefficient)
        valueCoefficient = Float(settings.valueCoefficient)
        maxGradientNorm = Float(settings.maxGradientNorm)
        guard copies >= 1 else { throw ConfigurationError("n_envs must be at least 1, got \(copies)") }
        guard steps >= 1 else { throw ConfigurationError("n_steps must be at least 1, got \(steps)") }
        guard !normalizeAdvantage || steps * copies >= 2 else {
            throw ConfigurationError("n_steps * n_envs must be at least 2 with normalize_advantage, got \(steps * copies)")
        }

        policy = try ActorCriticPolicy(agent: Self.name, environment: environment, hyperparameters: h, random: random.derived("policy"))
        normalizer = try NormalizationSettings(hyperparameters: h, gamma: gamma)
            .makeNormalizer(agent: Self.name, environment: environment, encoder: policy.encoder, copies: copies)
        let rate = Float(learningRate.value(at: 0))
        optimizer = settings.useRMSprop
            ? RMSprop(policy.parameters, learningRate: rate, alpha: 0.99, epsilon: settings.rmsPropEpsilon)
            : Adam(policy.parameters, learningRate: rate, epsilon: 1e-5)
        buffer = try RolloutBuffer(steps: steps, copies: copies, observationSize: policy.encoder.width, actionSize: policy.actionSize)
        batch = RolloutBatch(capacity: steps * copies, observationSize: policy.encoder.width, actionSize: policy.actionSize)
        actionRandom = random.derived("actions")
        batchRandom = random.derived("minibatches")
    }

    public func learn(_ loop: EpisodeLoop) throws {
        // Every minibatch's tape allocates and frees the same tensors again; without this
        // glibc hands the memory back to the kernel and faults it in again (a sixth of
        // the CPU time of PPO on CartPole-v1).
        AllocatorTuning.keepFreedMemoryForReuse()
        let collector = RolloutCollector(vector: try loop.vectorized(copies: copies, autoreset: .sameStep), policy: policy,
                                         normalizer: normalizer, random: actionRandom)
        while !loop.isDone {
            guard try collector.collect(into: buffer, gamma: gamma, gaeLambda: gaeLambda) else { break }
            try train(progress: loop.progress)
        }
    }

    /// One gradient step on the whole rollout (in SB3's shuffled order).
    func train(progress: Double) throws {
        optimizer.learningRate = Float(learningRate.value(at: progress))
        buffer.shuffle(random: batchRandom)
        buffer.gather(from: 0, into: batch)
        let losses = PolicyGradientLosses.a2c(policy: policy, batch: batch, normalizeAdvantage: normalizeAdvantage,
                                              entropyCoefficient: entropyCoefficient, valueCoefficient: valueCoefficient)
        lastLosses = losses.terms
        try PolicyGradientLosses.descend(losses.total, policy: policy, optimizer: optimizer, maxGradientNorm: maxGradientNorm, update: updates + 1)
        updates += 1
    }

    public func act(_ observation: Observation) throws -> Action {
        var encoded = try policy.encoder.encode(observation, agent: Self.name)
        normalizer?.normalize(&encoded, at: 0, count: encoded.count)
        return policy.greedyAction(encoded)
    }

    public func save(to url: URL) throws { try PolicyGradientCheckpoint.save(policy, normalizer, agent: Self.name, to: url) }

    public func load(from url: URL) throws { try PolicyGradientCheckpoint.load(policy, normalizer, agent: Self.name, from: url) }
}

/// Training checkpoints, at any step of a rollout (see ``PPOAgent``'s): the networks, the
/// optimizer's state (RMSprop or Adam), the rollout so far, the normalization statistics,
/// both streams and the update count.
extension A2CAgent: ResumableAgent {
    public var checkpointsNeedEnvironmentState: Bool { true }

    public func archiveTrainingState(into archive: inout StateArchive) throws {
        archive.set("agent.policy", parameters: policy.parameters)
        try archive.set("agent.optimizer", optimizer: optimizer)
        buffer.archive(into: &archive, prefix: "agent.rollout")
        normalizer?.archive(into: &archive, prefix: "agent.normalizer")
        archive.set("agent.action_random", random: actionRandom)
        archive.set("agent.batch_random", random: batchRandom)
        archive.set("agent.updates", updates)
    }

    public func restoreTrainingState(from archive: StateArchive) throws {
        try archive.restore(policy.parameters, from: "agent.policy")
        try archive.restore(optimizer, from: "agent.optimizer")
        try buffer.restore(from: archive, prefix: "agent.rollout")
        try normalizer?.restore(from: archive, prefix: "agent.normalizer")
        try archive.restore(actionRandom, from: "agent.action_random")
        try archive.restore(batchRandom, from: "agent.batch_random")
        updates = try archive.int("agent.updates")
    }
}
