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
    public static let hyperparameterSpecs: [HyperparameterSpec] =
        Schedule.specs("learning_rate", start: 7e-4, end: 7e-4, allowed: 0...Double.infinity, help: "optimizer step size")
        + [
            HyperparameterSpec("n_envs", .int(1), "copies of the environment collected from (SB3's n_envs)"),
            HyperparameterSpec("n_steps", .int(5), "steps per copy per rollout (one update per rollout)"),
            HyperparameterSpec("gamma", .double(0.99), "discount factor", allowed: 0...1),
            HyperparameterSpec("gae_lambda", .double(1.0), "GAE lambda (1: Monte-Carlo advantages)", allowed: 0...1),
            HyperparameterSpec("normalize_advantage", .bool(false), "normalize advantages over the rollout"),
            HyperparameterSpec("ent_coef", .double(0), "entropy coefficient"),
            HyperparameterSpec("vf_coef", .double(0.5), "value loss coefficient", allowed: 0...Double.infinity),
            HyperparameterSpec("max_grad_norm", .double(0.5), "clip gradients to this global L2 norm", allowed: 0...Double.infinity),
            HyperparameterSpec("use_rms_prop", .bool(true), "RMSprop (SB3's default for A2C); false: Adam"),
            HyperparameterSpec("rms_prop_eps", .double(1e-5), "RMSprop epsilon", allowed: 0...Double.infinity),
        ]
        + ActorCriticPolicy.specs(learningRate: 7e-4)
        + NormalizationSettings.specs

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
        learningRate = try Schedule(hyperparameters: h, name: "learning_rate")
        copies = h.int("n_envs")
        steps = h.int("n_steps")
        gamma = h.double("gamma")
        gaeLambda = h.double("gae_lambda")
        normalizeAdvantage = h.bool("normalize_advantage")
        entropyCoefficient = Float(h.double("ent_coef"))
        valueCoefficient = Float(h.double("vf_coef"))
        maxGradientNorm = Float(h.double("max_grad_norm"))
        guard copies >= 1 else { throw ConfigurationError("n_envs must be at least 1, got \(copies)") }
        guard steps >= 1 else { throw ConfigurationError("n_steps must be at least 1, got \(steps)") }
        guard !normalizeAdvantage || steps * copies >= 2 else {
            throw ConfigurationError("n_steps * n_envs must be at least 2 with normalize_advantage, got \(steps * copies)")
        }

        policy = try ActorCriticPolicy(agent: Self.name, environment: environment, hyperparameters: h, random: random.derived("policy"))
        normalizer = try NormalizationSettings(hyperparameters: h, gamma: gamma)
            .makeNormalizer(agent: Self.name, environment: environment, encoder: policy.encoder, copies: copies)
        let rate = Float(learningRate.value(at: 0))
        optimizer = h.bool("use_rms_prop")
            ? RMSprop(policy.parameters, learningRate: rate, alpha: 0.99, epsilon: h.double("rms_prop_eps"))
            : Adam(policy.parameters, learningRate: rate, epsilon: 1e-5)
        buffer = try RolloutBuffer(steps: steps, copies: copies, observationSize: policy.encoder.width, actionSize: policy.actionSize)
        batch = RolloutBatch(capacity: steps * copies, observationSize: policy.encoder.width, actionSize: policy.actionSize)
        actionRandom = random.derived("actions")
        batchRandom = random.derived("minibatches")
    }

    public func learn(_ loop: EpisodeLoop) throws {
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
        try NonFiniteTrainingError.check(loss: losses.total.scalar, step: updates + 1)
        optimizer.zeroGrad()
        losses.total.backward()
        clipGradientNorm(policy.parameters, maxNorm: maxGradientNorm)
        optimizer.step()
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
