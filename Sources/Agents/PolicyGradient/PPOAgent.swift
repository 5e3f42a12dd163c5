import Foundation
import Gym
import LabCore

/// Proximal Policy Optimization (Schulman et al. 2017) with Stable-Baselines3's
/// semantics, CleanRL-style.
///
/// Until the budget is spent:
/// 1. collect a rollout of `n_steps` steps from each of `n_envs` copies
///    (``RolloutCollector``: sampled actions, SB3's timeout bootstrap, optional
///    `VecNormalize`-style normalization) and compute GAE(`gamma`, `gae_lambda`);
/// 2. set the learning rate and clip range from their schedules (fraction of the budget
///    spent, RL-Zoo's `lin_` is a linear schedule to 0);
/// 3. for `n_epochs` passes over the rollout in a fresh random order, for each minibatch
///    of `batch_size` transitions: normalize the advantages over the minibatch, ratio
///    `r = exp(log π(a|s) - log π_old(a|s))`, policy loss `-mean(min(A r, A clip(r, 1 ± ε)))`,
///    value loss `mean((R - V)²)` (with `clip_range_vf`, `V` is kept within ± of the
///    rollout's value), entropy loss `-mean(H)`; the total
///    `policy + ent_coef entropy + vf_coef value` is minimized by one Adam step (eps 1e-5)
///    after clipping the gradients' global norm to `max_grad_norm`. With `target_kl`,
///    training stops for this rollout once the approximate KL
///    `mean((r - 1) - log r)` of a minibatch exceeds 1.5 `target_kl`.
public final class PPOAgent: Agent {
    public static let name = "ppo"
    public static let summary = "Proximal Policy Optimization (SB3 semantics): clipped surrogate, GAE, minibatch epochs, optional normalization"
    public static let hyperparameterSpecs: [HyperparameterSpec] =
        Schedule.specs("learning_rate", start: 3e-4, end: 3e-4, allowed: 0...Double.infinity, help: "Adam step size")
        + Schedule.specs("clip_range", start: 0.2, end: 0.2, allowed: 0...Double.infinity, help: "PPO clipping parameter epsilon")
        + [
            HyperparameterSpec("n_envs", .int(1), "copies of the environment collected from (SB3's n_envs)"),
            HyperparameterSpec("n_steps", .int(2048), "steps per copy per rollout"),
            HyperparameterSpec("batch_size", .int(64), "minibatch size"),
            HyperparameterSpec("n_epochs", .int(10), "passes over each rollout"),
            HyperparameterSpec("gamma", .double(0.99), "discount factor", allowed: 0...1),
            HyperparameterSpec("gae_lambda", .double(0.95), "GAE lambda (1: Monte-Carlo advantages)", allowed: 0...1),
            HyperparameterSpec("clip_range_vf", .double(0), "clip the value change to this range (0: no value clipping, SB3's None)", allowed: 0...Double.infinity),
            HyperparameterSpec("normalize_advantage", .bool(true), "normalize advantages per minibatch"),
            HyperparameterSpec("ent_coef", .double(0), "entropy coefficient"),
            HyperparameterSpec("vf_coef", .double(0.5), "value loss coefficient", allowed: 0...Double.infinity),
            HyperparameterSpec("max_grad_norm", .double(0.5), "clip gradients to this global L2 norm", allowed: 0...Double.infinity),
            HyperparameterSpec("target_kl", .double(0), "stop a rollout's epochs when the approximate KL passes 1.5 x this (0: never, SB3's None)", allowed: 0...Double.infinity),
        ]
        + ActorCriticPolicy.specs(learningRate: 3e-4)
        + NormalizationSettings.specs

    // Hyperparameters.
    private let learningRate: Schedule
    private let clipRange: Schedule
    private let copies: Int
    private let steps: Int
    private let batchSize: Int
    private let epochs: Int
    private let gamma: Double
    private let gaeLambda: Double
    private let clipRangeValue: Float?
    private let normalizeAdvantage: Bool
    private let entropyCoefficient: Float
    private let valueCoefficient: Float
    private let maxGradientNorm: Float
    private let targetKL: Float?

    // Learned state and its machinery.
    public let policy: ActorCriticPolicy
    public let normalizer: VectorNormalizer?
    private let optimizer: Adam
    private let buffer: RolloutBuffer
    private let batch: RolloutBatch
    /// Action sampling while collecting.
    private let actionRandom: RandomSource
    /// Minibatch order.
    private let batchRandom: RandomSource
    /// Gradient steps taken so far (SB3's `_n_updates` counts epochs; this counts minibatches).
    public private(set) var updates = 0
    /// The loss terms of the last minibatch (for logs and tests).
    public private(set) var lastLosses = PolicyGradientLosses()

    public init(environment: EnvironmentSignature, hyperparameters h: Hyperparameters, random: RandomSource) throws {
        learningRate = try Schedule(hyperparameters: h, name: "learning_rate")
        clipRange = try Schedule(hyperparameters: h, name: "clip_range")
        copies = h.int("n_envs")
        steps = h.int("n_steps")
        batchSize = h.int("batch_size")
        epochs = h.int("n_epochs")
        gamma = h.double("gamma")
        gaeLambda = h.double("gae_lambda")
        clipRangeValue = h.double("clip_range_vf") > 0 ? Float(h.double("clip_range_vf")) : nil
        normalizeAdvantage = h.bool("normalize_advantage")
        entropyCoefficient = Float(h.double("ent_coef"))
        valueCoefficient = Float(h.double("vf_coef"))
        maxGradientNorm = Float(h.double("max_grad_norm"))
        targetKL = h.double("target_kl") > 0 ? Float(h.double("target_kl")) : nil
        guard copies >= 1 else { throw ConfigurationError("n_envs must be at least 1, got \(copies)") }
        guard steps >= 1 else { throw ConfigurationError("n_steps must be at least 1, got \(steps)") }
        guard epochs >= 1 else { throw ConfigurationError("n_epochs must be at least 1, got \(epochs)") }
        // SB3 refuses batch_size 1 when advantages are normalized (the std of one value is NaN).
        guard batchSize >= (normalizeAdvantage ? 2 : 1) else {
            throw ConfigurationError("batch_size must be at least \(normalizeAdvantage ? 2 : 1), got \(batchSize)")
        }
        guard steps * copies >= (normalizeAdvantage ? 2 : 1) else {
            throw ConfigurationError("n_steps * n_envs must be at least 2 with normalize_advantage, got \(steps * copies)")
        }

        policy = try ActorCriticPolicy(agent: Self.name, environment: environment, hyperparameters: h, random: random.derived("policy"))
        normalizer = try NormalizationSettings(hyperparameters: h, gamma: gamma)
            .makeNormalizer(agent: Self.name, environment: environment, encoder: policy.encoder, copies: copies)
        optimizer = Adam(policy.parameters, learningRate: Float(learningRate.value(at: 0)), epsilon: 1e-5)
        buffer = try RolloutBuffer(steps: steps, copies: copies, observationSize: policy.encoder.width, actionSize: policy.actionSize)
        batch = RolloutBatch(capacity: min(batchSize, steps * copies), observationSize: policy.encoder.width, actionSize: policy.actionSize)
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

    /// `n_epochs` passes of minibatch updates on the collected rollout.
    func train(progress: Double) throws {
        optimizer.learningRate = Float(learningRate.value(at: progress))
        let epsilon = clipRange.value(at: progress)
        for _ in 0..<epochs {
            buffer.shuffle(random: batchRandom)
            var start = 0
            while start < buffer.count {
                buffer.gather(from: start, into: batch)
                start += batch.size
                let losses = PolicyGradientLosses.ppo(
                    policy: policy, batch: batch, clipRange: epsilon, clipRangeValue: clipRangeValue,
                    normalizeAdvantage: normalizeAdvantage, entropyCoefficient: entropyCoefficient, valueCoefficient: valueCoefficient)
                lastLosses = losses.terms
                if let targetKL, losses.terms.approximateKL > 1.5 * targetKL { return }
                try NonFiniteTrainingError.check(loss: losses.total.scalar, step: updates + 1)
                optimizer.zeroGrad()
                losses.total.backward()
                clipGradientNorm(policy.parameters, maxNorm: maxGradientNorm)
                optimizer.step()
                updates += 1
            }
        }
    }

    public func act(_ observation: Observation) throws -> Action {
        var encoded = try policy.encoder.encode(observation, agent: Self.name)
        normalizer?.normalize(&encoded, at: 0, count: encoded.count)
        return policy.greedyAction(encoded)
    }

    /// Saves the networks (`pi.*`, `vf.*`, `log_std`, F32) and the normalization
    /// statistics (`obs_rms.*`, `ret_rms.*`, F64).
    public func save(to url: URL) throws { try PolicyGradientCheckpoint.save(policy, normalizer, agent: Self.name, to: url) }

    public func load(from url: URL) throws { try PolicyGradientCheckpoint.load(policy, normalizer, agent: Self.name, from: url) }
}
