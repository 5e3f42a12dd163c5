import Foundation
import Gym
import LabCore

/// REINFORCE (Williams 1992): Monte-Carlo policy gradient, with an optional learned value
/// baseline, CleanRL-style.
///
/// Until the budget is spent:
/// 1. play `episodes_per_update` whole episodes with the current stochastic policy (from
///    `n_envs` copies, each finishing its own episodes);
/// 2. per step, the discounted return `G_t = r_t + gamma G_{t+1}`; an episode cut by a
///    time limit starts from `G_T = V(final observation)` with a baseline (SB3's
///    timeout bootstrap), from 0 without;
/// 3. advantages `G_t - V(s_t)` (with `baseline`) or `G_t`, normalized over the batch
///    when `normalize_advantage` is set;
/// 4. one Adam step on `-mean(A log π(a|s)) - ent_coef mean(H) + vf_coef mean((G - V)²)`
///    with gradients clipped to `max_grad_norm`.
public final class ReinforceAgent: Agent {
    public static let name = "reinforce"
    public static let summary = "REINFORCE: Monte-Carlo policy gradient with an optional value baseline and normalized advantages"
    public struct Settings: LabCore.Settings {
        @ScheduleSetting("learning_rate", range: 0...Double.infinity, help: "Adam step size") public var learningRate = Schedule.constant(1e-3)
        @SettingGroup public var common: PolicyGradientSettings
        @Setting("episodes_per_update", range: 1..., help: "whole episodes per update (n_episodes is the budget key)") public var episodesPerUpdate = 4
        @Setting("baseline", help: "subtract a learned value baseline") public var baseline = true
        @SettingGroup public var policy: ActorCriticPolicy.Settings
        public init() {}
    }

    private let settings: Settings

    public let policy: ActorCriticPolicy
    private let optimizer: Adam
    private let actionRandom: RandomSource
    public private(set) var updates = 0

    // Episodes in progress, per copy, and the finished ones waiting for an update.
    private var trajectories: [Trajectory]
    private var batchObservations: [Float] = []
    private var batchActions: [Float] = []
    private var batchReturns: [Float] = []
    private var finishedEpisodes = 0

    private struct Trajectory {
        var observations: [Float] = []
        var actions: [Float] = []
        var rewards: [Float] = []
    }

    public static func check(environment: EnvironmentSignature, hyperparameters: Hyperparameters) throws {
        _ = try hyperparameters.settings(Settings.self)
        _ = try ActorCriticPolicy.check(agent: name, environment: environment, hyperparameters: hyperparameters)
    }

    public init(environment: EnvironmentSignature, hyperparameters h: Hyperparameters, random: RandomSource) throws {
        let settings = try h.settings(Settings.self)
        self.settings = settings
        policy = try ActorCriticPolicy(agent: Self.name, environment: environment, hyperparameters: h, random: random.derived("policy"))
        // Without a baseline the value network is not trained: it stays out of the optimizer.
        let parameters = settings.baseline ? policy.parameters : policy.policyNetwork.parameters + (policy.logStd.map { [$0] } ?? [])
        optimizer = Adam(parameters, learningRate: Float(settings.learningRate.value(at: 0)), epsilon: 1e-5)
        actionRandom = random.derived("actions")
        trajectories = Array(repeating: Trajectory(), count: settings.common.copies)
    }

    public func learn(_ loop: EpisodeLoop) throws {
        let copies = settings.common.copies
        let vector = try loop.vectorized(copies: copies, autoreset: .sameStep)
        try vector.start()
        let width = policy.encoder.width, rawWidth = policy.encoder.rawWidth, actionSize = policy.actionSize
        var observations = [Float](repeating: 0, count: copies * width)
        var actions = [Float](repeating: 0, count: copies * actionSize)
        var clipped = actions
        var discrete = [Int](repeating: 0, count: copies)
        var final = [Float](repeating: 0, count: width)
        let environment = vector.environment
        while !loop.isDone {
            // The whole state is in the agent's fields, the loops and the environments (the
            // encoded observations are made again below).
            try loop.checkpointIfDue(midEpisode: true)
            for i in 0..<copies {
                policy.encoder.encode(environment.observations[i * rawWidth..<(i + 1) * rawWidth], into: &observations, at: i * width)
                _ = policy.sample(observations[i * width..<(i + 1) * width], random: actionRandom, into: &actions, at: i * actionSize)
                policy.clip(actions, at: i * actionSize, into: &clipped)
            }
            if policy.actionCount != nil {
                for i in 0..<copies { discrete[i] = Int(actions[i]) }
                try vector.step(actions: discrete)
            } else {
                try vector.step(continuousActions: clipped, size: actionSize)
            }
            for i in 0..<copies {
                trajectories[i].observations.append(contentsOf: observations[i * width..<(i + 1) * width])
                trajectories[i].actions.append(contentsOf: actions[i * actionSize..<(i + 1) * actionSize])
                trajectories[i].rewards.append(Float(environment.rewards[i]))
                guard environment.isDone(i) else { continue }
                var tail: Float = 0
                if settings.baseline && environment.truncations[i] && !environment.terminations[i], let last = vector.finalObservation(i) {
                    policy.encoder.encode(last, into: &final, at: 0)
                    tail = policy.value(final)
                }
                finish(copy: i, bootstrap: tail)
            }
            if finishedEpisodes >= settings.episodesPerUpdate {
                try train(progress: loop.progress)
            }
        }
    }

    /// Moves copy `copy`'s finished episode into the batch with its discounted returns.
    private func finish(copy: Int, bootstrap: Float) {
        let trajectory = trajectories[copy]
        let g = Float(settings.common.gamma)
        var running = bootstrap
        var returns = [Float](repeating: 0, count: trajectory.rewards.count)
        for t in stride(from: trajectory.rewards.count - 1, through: 0, by: -1) {
            running = trajectory.rewards[t] + g * running
            returns[t] = running
        }
        batchObservations.append(contentsOf: trajectory.observations)
        batchActions.append(contentsOf: trajectory.actions)
        batchReturns.append(contentsOf: returns)
        trajectories[copy].observations.removeAll(keepingCapacity: true)
        trajectories[copy].actions.removeAll(keepingCapacity: true)
        trajectories[copy].rewards.removeAll(keepingCapacity: true)
        finishedEpisodes += 1
    }

    /// One gradient step on the finished episodes.
    private func train(progress: Double) throws {
        optimizer.learningRate = Float(settings.learningRate.value(at: progress))
        let n = batchReturns.count
        let observations = Tensor(shape: [n, policy.encoder.width], scalars: batchObservations)
        let (values, logProbability, entropy) = policy.evaluate(observations: observations, actions: batchActions)
        var advantages = batchReturns
        if settings.baseline { values.withUnsafeBufferPointer { v in for k in 0..<n { advantages[k] -= v[k] } } }
        if settings.common.normalizeAdvantage {
            advantages.withUnsafeMutableBufferPointer { PolicyGradientLosses.normalizeAdvantages($0.baseAddress!, count: n) }
        }
        var loss = -(Tensor(shape: [n], scalars: advantages) * logProbability).mean() - entropy.mean() * Float(settings.common.entropyCoefficient)
        if settings.baseline {
            loss = loss + Loss.meanSquaredError(Tensor(shape: [n], scalars: batchReturns), values) * Float(settings.common.valueCoefficient)
        }
        try NonFiniteTrainingError.check(loss: loss.scalar, step: updates + 1)
        optimizer.minimize(loss, clippingGradientNormTo: Float(settings.common.maxGradientNorm), backward: policy.backward)
        updates += 1
        batchObservations.removeAll(keepingCapacity: true)
        batchActions.removeAll(keepingCapacity: true)
        batchReturns.removeAll(keepingCapacity: true)
        finishedEpisodes = 0
    }

    public func act(_ observation: Observation) throws -> Action {
        policy.greedyAction(try policy.encoder.encode(observation, agent: Self.name))
    }

    public func save(to url: URL) throws { try PolicyGradientCheckpoint.save(policy, nil, agent: Self.name, to: url) }

    public func load(from url: URL) throws { try PolicyGradientCheckpoint.load(policy, nil, agent: Self.name, from: url) }
}

/// Training checkpoints, at any step: the networks, Adam's moments, each copy's episode
/// so far, the finished episodes not yet trained on, the stream and the counters.
extension ReinforceAgent: ResumableAgent {
    public var checkpointsNeedEnvironmentState: Bool { true }

    public func archiveTrainingState(into archive: inout StateArchive) throws {
        archive.set("agent.policy", parameters: policy.parameters)
        optimizer.archive(into: &archive, prefix: "agent.optimizer")
        for (i, trajectory) in trajectories.enumerated() {
            archive.set("agent.trajectory.\(i).observations", float32: trajectory.observations)
            archive.set("agent.trajectory.\(i).actions", float32: trajectory.actions)
            archive.set("agent.trajectory.\(i).rewards", float32: trajectory.rewards)
        }
        archive.set("agent.batch.observations", float32: batchObservations)
        archive.set("agent.batch.actions", float32: batchActions)
        archive.set("agent.batch.returns", float32: batchReturns)
        archive.set("agent.finished_episodes", finishedEpisodes)
        archive.set("agent.action_random", random: actionRandom)
        archive.set("agent.updates", updates)
    }

    public func restoreTrainingState(from archive: StateArchive) throws {
        let width = policy.encoder.width, actionSize = policy.actionSize
        let saved = try trajectories.indices.map { i -> Trajectory in
            let rewards = try archive.float32("agent.trajectory.\(i).rewards")
            return Trajectory(observations: try archive.float32("agent.trajectory.\(i).observations", count: rewards.count * width),
                              actions: try archive.float32("agent.trajectory.\(i).actions", count: rewards.count * actionSize),
                              rewards: rewards)
        }
        let returns = try archive.float32("agent.batch.returns")
        let observations = try archive.float32("agent.batch.observations", count: returns.count * width)
        let actions = try archive.float32("agent.batch.actions", count: returns.count * actionSize)
        let finished = try archive.int("agent.finished_episodes")
        try archive.restore(policy.parameters, from: "agent.policy")
        try optimizer.restore(from: archive, prefix: "agent.optimizer")
        try archive.restore(actionRandom, from: "agent.action_random")
        trajectories = saved
        batchObservations = observations
        batchActions = actions
        batchReturns = returns
        finishedEpisodes = finished
        updates = try archive.int("agent.updates")
    }
}
