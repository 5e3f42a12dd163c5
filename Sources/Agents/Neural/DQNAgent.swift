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
/// Observations enter the network as SB3 preprocesses them (``ObservationEncoder``:
/// `Discrete(n)` one-hot, a Box flat).
///
/// Collection goes through the off-policy loop (``OffPolicyLoop``) over `num_envs` N
/// copies, as SB3 with N environments: one epsilon draw per vector step decides for all
/// copies, the target moves every `target_update_interval / N` vector steps and training
/// runs every `train_freq` vector steps (`train_freq * N` transitions).
public final class DQNAgent: Agent {
    public static let name = "dqn"
    public static let summary = "Deep Q-Network (SB3 semantics): replay buffer, target network, epsilon-greedy, optional Double DQN"

    /// The temporal-difference loss.
    public enum TDLoss: String, CaseIterable, Sendable, SettingType {
        /// Smooth L1, as SB3 (`smooth_l1` is the same loss by PyTorch's name).
        case huber, smooth_l1, mse
    }

    public struct Settings: LabCore.Settings {
        @ScheduleSetting("learning_rate", range: 0...Double.infinity, help: "Adam step size") public var learningRate = Schedule.constant(1e-4)
        /// The replay and training schedule, with SB3's DQN defaults.
        @SettingGroup({ $0.batchSize = 32; $0.tau = 1; $0.trainFrequency = 4 }) public var offPolicy: OffPolicySettings
        @Setting("target_update_interval", range: 1..., help: "update the target network every this many environment steps")
        public var targetUpdateInterval = 10_000
        @Setting("exploration_fraction", range: .positive, help: "fraction of the budget over which epsilon falls") public var explorationFraction = 0.1
        @Setting("exploration_initial_eps", range: 0...1, help: "epsilon at the start") public var explorationInitialEpsilon = 1.0
        @Setting("exploration_final_eps", range: 0...1, help: "epsilon after exploration_fraction of the budget") public var explorationFinalEpsilon = 0.05
        @Setting("max_grad_norm", range: 0..., help: "clip gradients to this global L2 norm") public var maxGradientNorm = 10.0
        @Setting("net_arch", range: 1..., help: "hidden layer sizes of the Q-network") public var netArch = [64, 64]
        @Setting("activation", help: "activation between layers: relu or tanh") public var activation = MultilayerPerceptron.Activation.relu
        @Setting("loss", help: "TD loss: huber (smooth L1, SB3) or mse") public var loss = TDLoss.huber
        @Setting("double_q", help: "Double DQN: the online network picks the next action, the target values it") public var doubleQ = false
        @SettingGroup public var copies: CopiesSettings
        @Setting("termination_reward", help: "reward stored for a transition that terminates the episode (the TF2 tutorial's -10); none keeps the environment's")
        public var terminationReward = TerminationReward.unchanged
        public init() {}
    }

    /// The hyperparameters, read where they are used.
    let settings: Settings

    // Learned state and its machinery.
    let online: MultilayerPerceptron
    let target: MultilayerPerceptron
    private let optimizer: Adam
    let replay: ReplayBuffer
    private let batch: ReplayBatch
    private let actionCount: Int
    /// Network inputs from observations (one-hot for a discrete space).
    let encoder: ObservationEncoder
    /// The encoded observation ``act(_:)`` is asked about, allocated once.
    private var actingInput: [Float]
    /// Epsilon-greedy and warm-up actions.
    private let explorationRandom: RandomSource
    /// Minibatch indices.
    private let replayRandom: RandomSource
    /// Gradient steps taken so far (SB3's `_n_updates`).
    public private(set) var updates = 0

    public init(environment: EnvironmentSignature, hyperparameters h: Hyperparameters, random: RandomSource) throws {
        let (actions, encoder) = try Self.spaces(environment)
        self.encoder = encoder
        actingInput = [Float](repeating: 0, count: encoder.width)
        actionCount = actions.n

        let settings = try h.settings(Settings.self)
        self.settings = settings

        // Separate streams per consumer, so changing one (say the batch size) leaves the others' draws alone.
        let initialisation = random.derived("q_net")
        online = try MultilayerPerceptron(inputSize: encoder.width, hiddenSizes: settings.netArch, outputSize: actionCount,
                                          activation: settings.activation, source: initialisation)
        target = try MultilayerPerceptron(inputSize: encoder.width, hiddenSizes: settings.netArch, outputSize: actionCount,
                                          activation: settings.activation, source: initialisation)
        target.update(towards: online, tau: 1)
        optimizer = Adam(online.parameters, learningRate: Float(settings.learningRate.value(at: 0)))
        replay = try ReplayBuffer(capacity: settings.offPolicy.bufferSize, observationSize: encoder.width)
        batch = ReplayBatch(size: settings.offPolicy.batchSize, observationSize: encoder.width)
        explorationRandom = random.derived("exploration")
        replayRandom = random.derived("replay")
    }

    public static func check(environment: EnvironmentSignature, hyperparameters: Hyperparameters) throws {
        _ = try spaces(environment)
        _ = try hyperparameters.settings(Settings.self)
    }

    /// A Discrete action space, and a flat Box or a Discrete (one-hot) observation space.
    private static func spaces(_ environment: EnvironmentSignature) throws -> (Discrete, ObservationEncoder) {
        let actions = try environment.discreteActions(for: name)
        if case .box(let box) = environment.observationSpace, box.shape.count != 1 {
            throw AgentError("dqn needs a flat Box or a Discrete observation space; \(environment.id) has \(environment.observationSpace)")
        }
        return (actions, try ObservationEncoder(space: environment.observationSpace, agent: name, environmentID: environment.id))
    }

    public func learn(_ loop: EpisodeLoop) throws {
        let copies = settings.copies.numEnvs, learningStarts = settings.offPolicy.learningStarts, tau = Float(settings.offPolicy.tau)
        let collection = try OffPolicyLoop(loop, agent: Self.name, copies: copies, encoder: encoder, replay: replay, actions: .discrete,
                                           schedule: settings.offPolicy, terminationReward: settings.terminationReward)
        // SB3 counts target_update_interval in environment steps: N of them per vector step.
        let targetEvery = max(settings.targetUpdateInterval / copies, 1)
        let epsilon = Schedule(.linear, start: settings.explorationInitialEpsilon, end: settings.explorationFinalEpsilon,
                               fraction: settings.explorationFraction)
        let explorer = EpsilonGreedy(epsilon: epsilon, actionCount: actionCount, random: explorationRandom)
        try collection.run(
            act: {
                // Warm-up, then epsilon-greedy; one draw per vector step decides for every copy.
                let explore = explorer.explores(at: loop.progress, warmingUp: loop.totalSteps < learningStarts)
                for i in 0..<copies where !collection.isResetting(i) {
                    collection.actions[i] = Float(explore ? explorer.randomAction()
                                                          : online.argmax(collection.observation(i)))
                }
            },
            afterStep: { vectorSteps in
                if vectorSteps % targetEvery == 0 { target.update(towards: online, tau: tau) }
            },
            train: { gradientSteps in
                optimizer.learningRate = Float(settings.learningRate.value(at: loop.progress))
                for _ in 0..<gradientSteps { try trainStep() }
            })
    }

    /// Stores a transition as the collection loop does (encoded observations, the
    /// termination reward); only termination (not truncation) marks it terminal.
    public func remember(_ transition: Transition) throws {
        guard case .discrete(let action) = transition.action else { throw AgentError("dqn stores discrete actions") }
        let observation = try encoder.encode(transition.observation, agent: Self.name)
        let next = try encoder.encode(transition.nextObservation, agent: Self.name)
        let reward = settings.terminationReward.stored(transition.reward, terminated: transition.terminated)
        replay.add(observation: observation, action: action, reward: reward, nextObservation: next, terminated: transition.terminated)
    }

    /// One gradient step on a minibatch from the replay buffer: the update ``learn(_:)``
    /// runs every `train_freq` steps (public so that `rllab bench core` times this very step).
    ///
    /// - Throws: ``NonFiniteTrainingError`` when the loss is not finite (training diverged).
    public func trainStep() throws {
        replay.sample(into: batch, random: replayRandom)
        let targets = tdTargets(batch)
        let predicted = online(batch.observations).selecting(columns: batch.actionIndices)
        let loss = settings.loss == .mse ? Loss.meanSquaredError(predicted, targets) : Loss.huber(predicted, targets)
        try NonFiniteTrainingError.check(loss: loss.scalar, step: updates + 1)
        optimizer.minimize(loss, clippingGradientNormTo: Float(settings.maxGradientNorm))
        updates += 1
    }

    /// `r + gamma (1 - terminated) Q_target(s', a')` per transition of `batch`, with
    /// `a' = argmax Q_target(s', .)` (Double DQN: `argmax Q_online(s', .)`), off the tape.
    func tdTargets(_ batch: ReplayBatch) -> Tensor {
        withoutGradient {
            let gamma = Float(settings.offPolicy.gamma)
            let nextValues = target(batch.nextObservations)
            let nextActions = settings.doubleQ ? online(batch.nextObservations).argmax(axis: 1) : nextValues.argmax(axis: 1)
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
        try encoder.encode(observation, into: &actingInput, at: 0, agent: Self.name)
        return .discrete(online.argmax(actingInput))
    }

    /// The online network's Q values for an encoded observation (``encoder``'s width).
    public func qValues(_ observation: [Float]) -> [Float] { Array(online.forward(observation)) }

    /// Saves both networks (`q_net.*`, `q_net_target.*`, F32, PyTorch names).
    public func save(to url: URL) throws {
        try NetworkCheckpoint.save([("q_net", online), ("q_net_target", target)], agent: Self.name, to: url)
    }

    public func load(from url: URL) throws {
        try NetworkCheckpoint.load(into: [("q_net", online), ("q_net_target", target)], agent: Self.name, from: url)
    }
}

/// Training checkpoints: both networks, Adam's moments, the replay buffer, both streams
/// and the update count; the schedules follow the loop's progress, and the off-policy loop
/// saves its vector steps and copies.
extension DQNAgent: ResumableAgent {
    public var checkpointsNeedEnvironmentState: Bool { settings.copies.numEnvs > 1 }

    private var trainingState: OffPolicyTrainingState {
        OffPolicyTrainingState(parameters: [("q_net", online.parameters), ("q_net_target", target.parameters)],
                               optimizers: [("optimizer", optimizer)], replay: replay,
                               streams: [("exploration_random", explorationRandom), ("replay_random", replayRandom)])
    }

    public func archiveTrainingState(into archive: inout StateArchive) throws { try trainingState.archive(into: &archive, updates: updates) }

    public func restoreTrainingState(from archive: StateArchive) throws { updates = try trainingState.restore(from: archive) }
}
