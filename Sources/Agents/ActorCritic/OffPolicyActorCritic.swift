import Foundation
import Gym
import LabCore

/// What SAC, TD3 and DDPG share, as Stable-Baselines3's `OffPolicyAlgorithm` with a
/// continuous actor and `ContinuousCritic`: the actor and the critics, the replay buffer,
/// the warm-up, the collection loop and the shape of training, each written once. An
/// algorithm is a subclass that gives its update rule (``gradientStep(_:)``) and, when its
/// behaviour policy is not the deterministic actor, its exploration (``explore(_:into:at:)``).
///
/// Per environment step, through the off-policy loop (``OffPolicyLoop``, SB3's
/// `collect_rollouts` with one environment):
/// 1. act: during the first `learning_starts` steps a uniform action from the Box, scaled
///    to [-1, 1] (SB3 samples the Box and scales the sample), then the algorithm's
///    exploration; with action noise (TD3, DDPG: `noise_type`, `noise_std`) the noise is
///    added in [-1, 1] and the sum clipped to [-1, 1], in the warm-up too; the buffer
///    stores that action, the environment gets it in its own bounds;
/// 2. the loop stores the transition (a time-limit truncation is stored as non-terminal);
///    when an episode ends the action noise is reset;
/// 3. every `train_freq` steps, once more than `learning_starts` steps were taken, the
///    loop runs `gradient_steps` updates: each samples `batch_size` transitions and hands
///    them to the algorithm's ``gradientStep(_:)``; a loss that is not finite stops the run.
///
/// Greedy acting is `tanh` of the actor's first k outputs (SAC's mean, TD3's `mu`) in
/// the environment's bounds.
///
/// Randomness: streams `exploration` (warm-up actions, SAC's samples while collecting),
/// `replay` (minibatches), `action_noise`, `actor` and `critic` (initial weights); the
/// algorithm derives its own for its updates.
public class OffPolicyActorCritic {
    /// The agent's name, for errors and saved files.
    let agentName: String
    let offPolicy: OffPolicySettings
    let gamma: Float
    let tau: Float
    let batchSize: Int

    // Learned state and its machinery.
    /// `observation -> net_arch -> m k`: SAC's mean and log std (m = 2), TD3's `mu` (m = 1).
    let actor: MultilayerPerceptron
    let critic: ContinuousCritic
    let criticTarget: ContinuousCritic
    let actorOptimizer: Adam
    let criticOptimizer: Adam
    let replay: ReplayBuffer
    let batch: ReplayBatch
    /// Exploration noise added to the collected actions (nil: none, as SAC).
    let noise: ActionNoise?
    let scaling: BoxActionScaling
    let actionBox: Box
    let observationSize: Int
    let actionSize: Int
    let encoder: ObservationEncoder
    let explorationRandom: RandomSource
    let replayRandom: RandomSource
    /// A warm-up action in the Box's bounds, before scaling.
    private var boxSample: [Float]
    /// The greedy action of ``act(_:)`` in [-1, 1].
    private var scaledAction: [Float]
    /// Per batch row: the clipped double-Q value of the next state (then its target part).
    private var targetScratch: [Float]
    /// Gradient steps taken so far (SB3's `_n_updates`).
    public internal(set) var updates = 0

    /// - Parameters:
    ///   - actorOutputsPerAction: The actor's outputs per action number (SAC 2, TD3 1).
    ///   - critics: The number of Q-networks (SB3's `n_critics`).
    ///   - noise: Exploration noise settings, or nil for none.
    init(agent: String, environment: EnvironmentSignature, offPolicy: OffPolicySettings, learningRate: Double,
         netArch hidden: [Int], activation: MultilayerPerceptron.Activation, actorOutputsPerAction: Int, critics: Int,
         noise: ActionNoise.Settings?, random: RandomSource) throws {
        let spaces = try ContinuousControlSpaces(agent: agent, environment: environment)
        agentName = agent
        scaling = spaces.scaling
        actionBox = spaces.actionBox
        encoder = spaces.encoder
        observationSize = spaces.observations.count
        actionSize = scaling.count
        self.offPolicy = offPolicy
        gamma = Float(offPolicy.gamma)
        tau = Float(offPolicy.tau)
        batchSize = offPolicy.batchSize

        actor = try MultilayerPerceptron(inputSize: observationSize, hiddenSizes: hidden, outputSize: actorOutputsPerAction * actionSize,
                                         activation: activation, source: random.derived("actor"))
        // The targets start as copies of the online networks.
        let criticSource = random.derived("critic")
        critic = try ContinuousCritic(count: critics, observationSize: observationSize, actionSize: actionSize,
                                      hiddenSizes: hidden, activation: activation, source: criticSource)
        criticTarget = try ContinuousCritic(count: critics, observationSize: observationSize, actionSize: actionSize,
                                            hiddenSizes: hidden, activation: activation, source: criticSource)
        criticTarget.update(towards: critic, tau: 1)
        actorOptimizer = Adam(actor.parameters, learningRate: Float(learningRate))
        criticOptimizer = Adam(critic.parameters, learningRate: Float(learningRate))
        replay = try ReplayBuffer(capacity: offPolicy.bufferSize, observationSize: observationSize, actionSize: actionSize)
        batch = ReplayBatch(size: batchSize, observationSize: observationSize, actionSize: actionSize)
        self.noise = noise.map {
            ActionNoise($0.kind, size: spaces.scaling.count, standardDeviation: $0.standardDeviation,
                        random: random.derived("action_noise"))
        }
        explorationRandom = random.derived("exploration")
        replayRandom = random.derived("replay")
        scaledAction = [Float](repeating: 0, count: actionSize)
        boxSample = scaledAction
        targetScratch = [Float](repeating: 0, count: batchSize)
    }

    // MARK: Collecting

    public func learn(_ loop: EpisodeLoop) throws {
        let collection = try OffPolicyLoop(loop, agent: agentName, copies: 1, encoder: encoder, replay: replay,
                                           actions: .continuous(scaling), schedule: offPolicy)
        try collection.run(
            act: {
                if loop.totalSteps < offPolicy.learningStarts {
                    actionBox.sample(using: explorationRandom, into: &boxSample)
                    scaling.scale(boxSample, into: &collection.actions)
                } else {
                    explore(collection.observation(0), into: &collection.actions, at: 0)
                }
                // SB3: np.clip(scaled_action + action_noise(), -1, 1).
                if let noise, noise.kind != .none {
                    noise.add(to: &collection.actions)
                    for j in 0..<actionSize { collection.actions[j] = Swift.min(Swift.max(collection.actions[j], -1), 1) }
                }
            },
            episodeEnded: { _ in noise?.reset() },
            train: { gradientSteps in try train(gradientSteps: gradientSteps) })
    }

    /// The behaviour policy after the warm-up, in [-1, 1], into `actions[offset..<offset + k]`:
    /// the deterministic actor (TD3 and DDPG explore through the action noise); SAC samples.
    func explore(_ observation: ArraySlice<Float>, into actions: inout [Float], at offset: Int) {
        greedy(observation, into: &actions, at: offset)
    }

    /// `tanh` of the actor's first k outputs, off the tape, into `actions[offset..<offset + k]`.
    func greedy<Input: Collection<Float>>(_ observation: Input, into actions: inout [Float], at offset: Int) {
        let out = actor.forward(observation)
        for j in 0..<actionSize { actions[offset + j] = tanhf(out[j]) }
    }

    // MARK: Training

    /// `gradientSteps` updates on minibatches from the replay buffer.
    func train(gradientSteps: Int) throws {
        for _ in 0..<gradientSteps {
            replay.sample(into: batch, random: replayRandom)
            let losses = gradientStep(batch)
            // A diverged update stops the run (the losses are scalars already computed).
            try NonFiniteTrainingError.check(loss: losses.critic, name: "critic loss", step: updates)
            if let actor = losses.actor { try NonFiniteTrainingError.check(loss: actor, name: "actor loss", step: updates) }
        }
    }

    /// The algorithm's update on one minibatch: its critic loss, and its actor loss when
    /// the actor was updated.
    func gradientStep(_ batch: ReplayBatch) -> (critic: Float, actor: Float?) {
        preconditionFailure("\(type(of: self)) gives no update rule")
    }

    /// The critics' targets, off the tape: `r + gamma (1 - terminated) (min_i Q'_i(s', a') - alpha log pi(a'|s'))`,
    /// the entropy term with SAC's `entropy` only.
    func criticTargets(_ batch: ReplayBatch, nextActions: Tensor, entropy: (alpha: Float, logProbability: Tensor)? = nil) -> Tensor {
        columnMinimum(criticTarget(batch.nextObservations, nextActions), into: &targetScratch)
        if let entropy {
            entropy.logProbability.withUnsafeBufferPointer { logP in
                for i in 0..<batchSize { targetScratch[i] = targetScratch[i] - entropy.alpha * logP[i] }
            }
        }
        var y = Tensor.zeros([batchSize, 1])
        y.withUnsafeMutableBufferPointer { y in
            batch.rewards.withUnsafeBufferPointer { r in
                batch.terminals.withUnsafeBufferPointer { done in
                    // SB3's float32 order: rewards + (1 - dones) * gamma * next_q.
                    for i in 0..<batchSize { y[i] = r[i] + (1 - done[i]) * gamma * targetScratch[i] }
                }
            }
        }
        return y
    }

    /// One step of the critics on `weight` times the sum of each critic's mean squared
    /// error to `targets` (SAC halves it); returns the loss.
    func updateCritics(_ batch: ReplayBatch, targets: Tensor, weight: Float? = nil) -> Float {
        let values = critic(batch.observations, batch.actions)
        var loss = Loss.meanSquaredError(values[0], targets)
        for value in values.dropFirst() { loss = loss + Loss.meanSquaredError(value, targets) }
        if let weight { loss = weight * loss }
        criticOptimizer.minimize(loss)
        return loss.scalar
    }

    /// One step of the actor on `loss`, which the algorithm computes from `critic`'s values;
    /// the critics' own gradients are not needed on that path (SB3 computes and discards
    /// them, which changes no result). Returns the loss.
    func updateActor(_ loss: (ContinuousCritic) -> Tensor) -> Float {
        critic.setTrainable(false)
        let actorLoss = loss(critic)
        critic.setTrainable(true)
        actorOptimizer.minimize(actorLoss)
        return actorLoss.scalar
    }

    // MARK: Acting and saving

    /// The greedy action `tanh(mu(s))` in the environment's bounds (SB3's `predict(deterministic=True)`).
    public func act(_ observation: Observation) throws -> Action {
        guard case .vector(let values) = observation, values.count == observationSize else {
            throw AgentError("\(agentName) expects observations of \(observationSize) numbers, got \(observation)")
        }
        greedy(values, into: &scaledAction, at: 0)
        return .continuous(scaling.unscale(scaledAction))
    }

    /// What an algorithm adds to the shared parts in saved files and training checkpoints.
    struct AlgorithmParts {
        /// Networks beyond the actor and the critics (TD3's target actor).
        var networks: [(prefix: String, network: MultilayerPerceptron)] = []
        /// Loose parameters, saved under their names (SAC's `log_ent_coef`).
        var parameters: [Parameter] = []
        var optimizers: [(name: String, optimizer: Adam)] = []
        /// The update rule's streams.
        var streams: [(name: String, random: RandomSource)] = []
    }

    /// The algorithm's own parts (none here).
    var algorithmParts: AlgorithmParts { AlgorithmParts() }

    /// The networks under their checkpoint prefixes (PyTorch names).
    private var checkpointNetworks: [(prefix: String, network: MultilayerPerceptron)] {
        [("actor", actor)] + algorithmParts.networks + critic.checkpointEntries("critic") + criticTarget.checkpointEntries("critic_target")
    }

    /// Saves the actor, the critics, their targets (F32, PyTorch names) and the
    /// algorithm's parameters.
    public func save(to url: URL) throws {
        try NetworkCheckpoint.save(checkpointNetworks, agent: agentName, parameters: algorithmParts.parameters, to: url)
    }

    public func load(from url: URL) throws {
        try NetworkCheckpoint.load(into: checkpointNetworks, agent: agentName, parameters: algorithmParts.parameters, from: url)
    }

    /// A training checkpoint, at any step: the networks and parameters above, the
    /// optimizers' moments, the replay buffer, the action noise (its stream and the
    /// Ornstein-Uhlenbeck process's last value), the streams and the update count (which
    /// paces delayed and periodic updates).
    private var trainingState: OffPolicyTrainingState {
        let parts = algorithmParts
        return OffPolicyTrainingState(
            parameters: checkpointNetworks.map { ($0.prefix, $0.network.parameters) } + parts.parameters.map { ($0.name, [$0]) },
            optimizers: [("actor_optimizer", actorOptimizer), ("critic_optimizer", criticOptimizer)] + parts.optimizers,
            replay: replay, others: noise.map { [(name: "action_noise", part: $0 as StateArchiving)] } ?? [],
            streams: [("exploration_random", explorationRandom), ("replay_random", replayRandom)] + parts.streams)
    }

    public func archiveTrainingState(into archive: inout StateArchive) throws { try trainingState.archive(into: &archive, updates: updates) }

    public func restoreTrainingState(from archive: StateArchive) throws { updates = try trainingState.restore(from: archive) }
}

extension Agent where Self: OffPolicyActorCritic {
    /// The spaces (a bounded one-dimensional Box of actions, flat Box observations) and the settings.
    public static func check(environment: EnvironmentSignature, hyperparameters: Hyperparameters) throws {
        _ = try ContinuousControlSpaces(agent: name, environment: environment)
        _ = try hyperparameters.settings(Settings.self)
    }
}
