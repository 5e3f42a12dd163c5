import Foundation
import Gym
import LabCore

/// Deep Q-Network (Mnih et al. 2015) with Stable-Baselines3's semantics, CleanRL-style.
///
/// Per environment step, in this order (as SB3's `collect_rollouts`):
/// 1. act: a uniform random action during the first `learning_starts` steps, then
///    epsilon-greedy on the online network, epsilon falling linearly from
///    `exploration_initial_eps` to `exploration_final_eps` over the first
///    `exploration_fraction` of the budget;
/// 2. store the transition in the replay buffer (a time-limit truncation is stored as
///    non-terminal, so its target bootstraps from the next state);
/// 3. every `target_update_interval` steps, move the target network to the online one
///    (`tau = 1`: a hard copy);
/// 4. every `train_freq` steps, once more than `learning_starts` steps were taken, run
///    `gradient_steps` updates (-1: as many as `train_freq`): sample `batch_size`
///    transitions, target `r + gamma (1 - terminated) max_a' Q_target(s', a')` (Double
///    DQN: the online network picks a'), Huber (or MSE) loss on `Q(s, a)`, gradients
///    clipped to global norm `max_grad_norm`, one Adam step.
///
/// Steps count the environment steps of the run, as SB3's `num_timesteps`. With an
/// episode budget the exploration schedule follows the fraction of episodes played.
///
/// With `num_envs` N > 1 it collects from N copies (a vector environment) as SB3 does
/// with N environments: one epsilon draw per vector step decides for all copies, the
/// target moves every `target_update_interval / N` vector steps and training runs every
/// `train_freq` vector steps (`train_freq * N` transitions).
public final class DQNAgent: Agent {
    public static let name = "dqn"
    public static let summary = "Deep Q-Network (SB3 semantics): replay buffer, target network, epsilon-greedy, optional Double DQN"
    public static let hyperparameterSpecs: [HyperparameterSpec] =
        Schedule.specs("learning_rate", start: 1e-4, end: 1e-4, allowed: 0...Double.infinity, help: "Adam step size")
        + [
            HyperparameterSpec("buffer_size", .int(1_000_000), "replay buffer capacity (transitions)"),
            HyperparameterSpec("learning_starts", .int(100), "environment steps of uniform random play before learning"),
            HyperparameterSpec("batch_size", .int(32), "transitions per gradient step"),
            HyperparameterSpec("tau", .double(1.0), "target update coefficient: 1 copies, below 1 is a Polyak average"),
            HyperparameterSpec("gamma", .double(0.99), "discount factor", allowed: 0...1),
            HyperparameterSpec("train_freq", .int(4), "train every this many environment steps"),
            HyperparameterSpec("gradient_steps", .int(1), "gradient steps per training round (-1: as many as train_freq)"),
            HyperparameterSpec("target_update_interval", .int(10_000), "update the target network every this many environment steps"),
            HyperparameterSpec("exploration_fraction", .double(0.1), "fraction of the budget over which epsilon falls"),
            HyperparameterSpec("exploration_initial_eps", .double(1.0), "epsilon at the start", allowed: 0...1),
            HyperparameterSpec("exploration_final_eps", .double(0.05), "epsilon after exploration_fraction of the budget", allowed: 0...1),
            HyperparameterSpec("max_grad_norm", .double(10), "clip gradients to this global L2 norm", allowed: 0...Double.infinity),
            HyperparameterSpec("net_arch", .list([.int(64), .int(64)]), "hidden layer sizes of the Q-network"),
            HyperparameterSpec("activation", .string("relu"), "activation between layers: relu or tanh"),
            HyperparameterSpec("loss", .string("huber"), "TD loss: huber (smooth L1, SB3) or mse"),
            HyperparameterSpec("double_q", .bool(false), "Double DQN: the online network picks the next action, the target values it"),
            HyperparameterSpec("num_envs", .int(1), "copies of the environment to collect from (a vector environment)"),
            HyperparameterSpec("termination_reward", .string("none"),
                               "reward stored for a transition that terminates the episode (the TF2 tutorial's -10); none keeps the environment's"),
        ]

    // Hyperparameters.
    private let gamma: Float
    private let learningRate: Schedule
    private let exploration: Schedule
    private let learningStarts: Int
    private let batchSize: Int
    private let trainFrequency: Int
    private let gradientSteps: Int
    private let targetUpdateInterval: Int
    private let tau: Float
    private let maxGradientNorm: Float
    private let useHuberLoss: Bool
    private let doubleQ: Bool
    private let terminationReward: Float?
    private let copies: Int

    // Learned state and its machinery.
    let online: MultilayerPerceptron
    let target: MultilayerPerceptron
    private let optimizer: Adam
    let replay: ReplayBuffer
    private let batch: ReplayBatch
    private let actionCount: Int
    private let observationSize: Int
    /// Epsilon-greedy and warm-up actions.
    private let explorationRandom: RandomSource
    /// Minibatch indices.
    private let replayRandom: RandomSource
    /// Gradient steps taken so far (SB3's `_n_updates`).
    public private(set) var updates = 0

    public init(environment: EnvironmentSignature, hyperparameters h: Hyperparameters, random: RandomSource) throws {
        guard case .discrete(let actions) = environment.actionSpace else {
            throw AgentError("dqn needs a Discrete action space; \(environment.id) has \(environment.actionSpace)")
        }
        switch environment.observationSpace {
        case .box(let box) where box.shape.count == 1: observationSize = box.count
        default: throw AgentError("dqn needs a flat Box observation space; \(environment.id) has \(environment.observationSpace)")
        }
        actionCount = actions.n

        gamma = Float(h.double("gamma"))
        learningRate = try Schedule(hyperparameters: h, name: "learning_rate")
        exploration = Schedule(.linear, start: h.double("exploration_initial_eps"), end: h.double("exploration_final_eps"),
                               fraction: h.double("exploration_fraction"))
        learningStarts = h.int("learning_starts")
        batchSize = h.int("batch_size")
        trainFrequency = h.int("train_freq")
        gradientSteps = h.int("gradient_steps") == -1 ? trainFrequency : h.int("gradient_steps")
        targetUpdateInterval = h.int("target_update_interval")
        tau = Float(h.double("tau"))
        maxGradientNorm = Float(h.double("max_grad_norm"))
        doubleQ = h.bool("double_q")
        switch h.string("loss") {
        case "huber", "smooth_l1": useHuberLoss = true
        case "mse": useHuberLoss = false
        case let other: throw ConfigurationError("loss: '\(other)' is not one of huber, mse")
        }
        let termination = h.string("termination_reward")
        if termination == "none" {
            terminationReward = nil
        } else if let value = Float(termination) {
            terminationReward = value
        } else {
            throw ConfigurationError("termination_reward: expected a number or none, got '\(termination)'")
        }
        copies = h.int("num_envs")
        guard copies >= 1 else { throw ConfigurationError("num_envs must be at least 1, got \(copies)") }
        guard batchSize > 0 else { throw ConfigurationError("batch_size must be positive, got \(batchSize)") }
        guard trainFrequency > 0 else { throw ConfigurationError("train_freq must be positive, got \(trainFrequency)") }
        guard gradientSteps >= 0 else { throw ConfigurationError("gradient_steps must be -1 or at least 0, got \(gradientSteps)") }
        guard targetUpdateInterval > 0 else { throw ConfigurationError("target_update_interval must be positive, got \(targetUpdateInterval)") }
        guard tau > 0 && tau <= 1 else { throw ConfigurationError("tau must be in (0, 1], got \(tau)") }
        guard learningStarts >= 0 else { throw ConfigurationError("learning_starts must be at least 0, got \(learningStarts)") }
        guard exploration.fraction > 0 else { throw ConfigurationError("exploration_fraction must be positive, got \(exploration.fraction)") }
        guard let activation = MultilayerPerceptron.Activation(rawValue: h.string("activation")) else {
            throw ConfigurationError("activation: '\(h.string("activation"))' is not one of relu, tanh")
        }

        // Separate streams per consumer, so changing one (say the batch size) leaves the others' draws alone.
        let initialisation = random.derived("q_net")
        online = try MultilayerPerceptron(inputSize: observationSize, hiddenSizes: h.ints("net_arch"), outputSize: actionCount,
                                          activation: activation, source: initialisation)
        target = try MultilayerPerceptron(inputSize: observationSize, hiddenSizes: h.ints("net_arch"), outputSize: actionCount,
                                          activation: activation, source: initialisation)
        target.update(towards: online, tau: 1)
        optimizer = Adam(online.parameters, learningRate: Float(learningRate.value(at: 0)))
        replay = try ReplayBuffer(capacity: h.int("buffer_size"), observationSize: observationSize)
        batch = ReplayBatch(size: batchSize, observationSize: observationSize)
        explorationRandom = random.derived("exploration")
        replayRandom = random.derived("replay")
    }

    public func learn(_ loop: EpisodeLoop) throws {
        if copies > 1 { return try learn(loop.vectorized(copies: copies)) }
        try loop.run(
            policy: { observation in
                let steps = loop.totalSteps
                if steps < self.learningStarts || self.explorationRandom.uniform() < self.exploration.value(at: loop.progress) {
                    return .discrete(self.explorationRandom.uniformIndex(below: self.actionCount))
                }
                return try self.act(observation)
            },
            learn: { transition in
                self.remember(transition)
                let steps = loop.totalSteps
                if steps % self.targetUpdateInterval == 0 {
                    self.target.update(towards: self.online, tau: self.tau)
                }
                if steps % self.trainFrequency == 0 && steps > self.learningStarts {
                    self.optimizer.learningRate = Float(self.learningRate.value(at: loop.progress))
                    for _ in 0..<self.gradientSteps { try self.trainStep() }
                }
            })
    }

    /// Collection from N copies with SB3's `n_envs` semantics (see the type's notes).
    func learn(_ vector: VectorEpisodeLoop) throws {
        let loop = vector.episodeLoop, width = observationSize
        let targetEvery = max(targetUpdateInterval / copies, 1)
        var actions = [Int](repeating: 0, count: copies)
        var calls = 0
        try vector.start()
        while !vector.isDone {
            let warmingUp = loop.totalSteps < learningStarts
            let explore = warmingUp || explorationRandom.uniform() < exploration.value(at: loop.progress)
            for i in 0..<copies where !vector.isResetting(i) {
                actions[i] = explore ? explorationRandom.uniformIndex(below: actionCount)
                                     : online.argmax(vector.observations[i * width..<(i + 1) * width])
            }
            try vector.step(actions: actions) { transition in
                var reward = Float(transition.reward)
                if transition.terminated, let terminationReward { reward = terminationReward }
                replay.add(observation: transition.observation, action: transition.action, reward: reward,
                           nextObservation: transition.nextObservation, terminated: transition.terminated)
            }
            calls += 1
            if calls % targetEvery == 0 { target.update(towards: online, tau: tau) }
            if calls % trainFrequency == 0 && loop.totalSteps > learningStarts {
                optimizer.learningRate = Float(learningRate.value(at: loop.progress))
                for _ in 0..<gradientSteps { try trainStep() }
            }
        }
    }

    /// Stores a transition; only termination (not truncation) marks it terminal.
    func remember(_ transition: Experience) {
        guard case .vector(let observation) = transition.observation,
              case .vector(let next) = transition.nextObservation,
              case .discrete(let action) = transition.action else { return }
        var reward = Float(transition.reward)
        if transition.terminated, let terminationReward { reward = terminationReward }
        replay.add(observation: observation, action: action, reward: reward, nextObservation: next, terminated: transition.terminated)
    }

    /// One gradient step on a minibatch from the replay buffer.
    ///
    /// - Throws: ``NonFiniteTrainingError`` when the loss is not finite (training diverged).
    func trainStep() throws {
        replay.sample(into: batch, random: replayRandom)
        let targets = tdTargets(batch)
        let predicted = online(batch.observations).selecting(columns: batch.actionIndices)
        let loss = useHuberLoss ? Loss.huber(predicted, targets) : Loss.meanSquaredError(predicted, targets)
        try NonFiniteTrainingError.check(loss: loss.scalar, step: updates + 1)
        optimizer.zeroGrad()
        loss.backward()
        clipGradientNorm(online.parameters, maxNorm: maxGradientNorm)
        optimizer.step()
        updates += 1
    }

    /// `r + gamma (1 - terminated) Q_target(s', a')` per transition of `batch`, with
    /// `a' = argmax Q_target(s', .)` (Double DQN: `argmax Q_online(s', .)`), off the tape.
    func tdTargets(_ batch: ReplayBatch) -> Tensor {
        withoutGradient {
            let nextValues = target(batch.nextObservations)
            let nextActions = doubleQ ? online(batch.nextObservations).argmax(axis: 1) : nextValues.argmax(axis: 1)
            var targets = Tensor.zeros([batch.size])
            targets.withUnsafeMutableBufferPointer { y in
                nextValues.withUnsafeBufferPointer { q in
                    batch.rewards.withUnsafeBufferPointer { r in
                        batch.terminals.withUnsafeBufferPointer { done in
                            for i in 0..<batch.size {
                                // SB3's float32 order: rewards + (1 - dones) * gamma * next_q.
                                y[i] = r[i] + (1 - done[i]) * gamma * q[i * actionCount + nextActions[i]]
                            }
                        }
                    }
                }
            }
            return targets
        }
    }

    /// The action with the largest Q value (the lowest on ties).
    public func act(_ observation: Observation) throws -> Action {
        guard case .vector(let values) = observation, values.count == observationSize else {
            throw AgentError("dqn expects observations of \(observationSize) numbers, got \(observation)")
        }
        return .discrete(online.argmax(values))
    }

    /// The online network's Q values for `observation`.
    public func qValues(_ observation: [Float]) -> [Float] { Array(online.forward(observation)) }

    /// Saves both networks (`q_net.*`, `q_net_target.*`, F32, PyTorch names).
    public func save(to url: URL) throws {
        try NetworkCheckpoint.save([("q_net", online), ("q_net_target", target)], agent: Self.name, to: url)
    }

    public func load(from url: URL) throws {
        try NetworkCheckpoint.load(into: [("q_net", online), ("q_net_target", target)], agent: Self.name, from: url)
    }
}
