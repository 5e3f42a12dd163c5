import Gym
import LabCore

/// The collection loop every off-policy agent learns through (DQN, SAC, TD3, DDPG), over
/// N >= 1 copies of the environment, as Stable-Baselines3's `OffPolicyAlgorithm.learn`
/// and `collect_rollouts`. Per vector step:
///
/// 1. the agent's `act` fills one action per copy into ``actions``, in the form the replay
///    buffer stores (a discrete index, or a continuous action scaled to [-1, 1]), from the
///    encoded ``observations`` (SB3's `preprocess_obs`: `Discrete` one-hot, `Box` flat);
/// 2. every copy steps (continuous actions unscaled to the Box's bounds) and each real
///    transition is stored in the replay buffer with SB3's timeout handling: a
///    time-limit truncation is stored as non-terminal with the episode's final
///    observation as the next one, so its target bootstraps;
/// 3. the agent's `afterStep` sees the number of vector steps taken (DQN moves its target
///    network there);
/// 4. every `train_freq` vector steps, once more than `learning_starts` environment steps
///    were taken, the agent's `train` runs `gradient_steps` updates.
///
/// The loop owns stepping, storing and the counting; each agent owns its acting and its
/// update. Nothing here allocates per step: observations, actions and the encoded next
/// observation live in buffers made once.
///
/// One copy (N = 1) is the run's own environment stepped by the scalar ``EpisodeLoop``
/// itself: every step is one transition and resets happen when the next episode starts, so
/// the run is exactly the scalar loop's. Training checkpoints are taken before acting, at
/// any step (``EpisodeLoop/checkpointIfDue(midEpisode:)``); the loop saves its vector step
/// count as a part of the episode loop (``EpisodeLoop/attach(_:as:)``). N > 1 copies come from
/// ``EpisodeLoop/vectorized(copies:threads:autoreset:)`` (Gymnasium's next-step autoreset); a step
/// that resets a copy gives no transition for it and its action is not chosen
/// (``isResetting(_:)``).
public final class OffPolicyLoop {
    /// How the agent's actions are stored and given to the environment.
    public enum ActionForm {
        /// `Discrete(n)`: one number per copy, the action's index.
        case discrete
        /// A Box: the buffer holds the action scaled to [-1, 1]; the environment gets it
        /// in its own bounds.
        case continuous(BoxActionScaling)
    }

    /// The run's loop: budget, episode records, evaluation, Ctrl-C, checkpoints; it steps
    /// the single copy.
    public let loop: EpisodeLoop
    /// The copies stepped when there are several (nil for one).
    public let vector: VectorEpisodeLoop?
    /// The number of copies.
    public let copies: Int
    public let encoder: ObservationEncoder
    /// Numbers per action in ``actions`` (1 for a discrete action).
    public let actionSize: Int
    /// The encoded observations the next actions are chosen for, `copies x encoder.width`.
    public private(set) var observations: [Float]
    /// The actions of the next step, `copies x actionSize`, as the replay buffer stores
    /// them; the agent's `act` writes them.
    public var actions: [Float]

    private let replay: ReplayBuffer
    private let form: ActionForm
    /// The agent's name, for errors.
    private let agentName: String
    private let schedule: OffPolicySettings
    /// DQN's `termination_reward`: the reward stored for a terminal transition.
    private let terminationReward: TerminationReward
    // Scratch, allocated once.
    private var discreteActions: [Int]
    private var environmentActions: [Float]
    private var encodedNext: [Float]
    /// The single copy's continuous action, its array reused from step to step.
    private var scalarAction: Action
    /// Vector steps taken (with one copy: environment steps); saved in checkpoints, since
    /// steps that autoreset a copy are not counted in the loop's steps.
    private var vectorSteps = 0

    /// - Parameters:
    ///   - loop: The run's loop (budget, episode records, evaluation, Ctrl-C).
    ///   - agent: The agent's name, for errors.
    ///   - copies: N; 1 steps `loop`'s own environment.
    ///   - schedule: `learning_starts`, `train_freq` and `gradient_steps`.
    ///   - terminationReward: A reward stored in place of the environment's for a
    ///     transition that terminates its episode (nil keeps the environment's).
    /// - Throws: ``AgentError`` when copies cannot be made.
    public init(_ loop: EpisodeLoop, agent: String, copies: Int, encoder: ObservationEncoder, replay: ReplayBuffer, actions form: ActionForm,
                schedule: OffPolicySettings, terminationReward: TerminationReward = .unchanged) throws {
        self.loop = loop
        agentName = agent
        vector = copies == 1 ? nil : try loop.vectorized(copies: copies)
        self.copies = copies
        self.encoder = encoder
        self.replay = replay
        self.form = form
        switch form {
        case .discrete: actionSize = 1
        case .continuous(let scaling): actionSize = scaling.count
        }
        precondition(replay.observationSize == encoder.width && replay.actionSize == actionSize,
                     "OffPolicyLoop: the replay buffer's sizes do not match the encoder and the actions")
        self.schedule = schedule
        self.terminationReward = terminationReward
        observations = [Float](repeating: 0, count: copies * encoder.width)
        actions = [Float](repeating: 0, count: copies * actionSize)
        discreteActions = [Int](repeating: 0, count: copies)
        environmentActions = actions
        encodedNext = [Float](repeating: 0, count: encoder.width)
        scalarAction = .continuous([Float](repeating: 0, count: actionSize))
    }

    /// Whether the next step resets copy `copy` and ignores its action.
    public func isResetting(_ copy: Int) -> Bool { vector?.isResetting(copy) ?? false }
    /// The encoded observation of copy `copy` (a view, no copy made).
    public func observation(_ copy: Int) -> ArraySlice<Float> {
        observations[copy * encoder.width..<(copy + 1) * encoder.width]
    }

    /// Runs until the budget is spent (see the type's notes for the order of things).
    ///
    /// - Parameters:
    ///   - act: Writes the actions of copies that are not resetting into ``actions``.
    ///   - episodeEnded: Told the copy whose episode ended (terminated or truncated), after
    ///     its last transition is stored.
    ///   - afterStep: Told the number of vector steps taken, after storing, before training.
    ///   - train: Runs this many gradient steps.
    public func run(
        act: () throws -> Void,
        episodeEnded: (_ copy: Int) -> Void = { _ in },
        afterStep: (_ vectorSteps: Int) throws -> Void = { _ in },
        train: (_ gradientSteps: Int) throws -> Void
    ) throws {
        // A local function, not a closure value: passed as a non-escaping argument it needs
        // no heap context.
        func storeTransition(_ transition: VectorTransition) {
            self.store(copy: transition.copy, reward: transition.reward,
                       nextObservation: transition.nextObservation, terminated: transition.terminated)
            if transition.terminated || transition.truncated { episodeEnded(transition.copy) }
        }
        try loop.attach(self, as: "off_policy")
        if let vector {
            try vector.start()
            encodeVectorObservations(vector)
        }
        while !loop.isDone {
            // Here, before acting, the whole state is in the agent's fields, the loops and
            // the environments (the encoded observations are made again from them).
            try loop.checkpointIfDue(midEpisode: true)
            if vector == nil {
                try encoder.encode(try loop.observation(), into: &observations, at: 0, agent: agentName)
            }
            try act()
            if let vector {
                switch form {
                case .discrete:
                    for i in 0..<copies { discreteActions[i] = Int(actions[i]) }
                    try vector.step(actions: discreteActions, learn: storeTransition)
                case .continuous(let scaling):
                    for i in 0..<copies { scaling.unscale(actions, at: i * actionSize, into: &environmentActions, at: i * actionSize) }
                    try vector.step(continuousActions: environmentActions, size: actionSize, learn: storeTransition)
                }
                encodeVectorObservations(vector)
                vectorSteps += 1
            } else {
                let transition = try loop.step(scalarEnvironmentAction())
                try encoder.encode(transition.nextObservation, into: &encodedNext, at: 0, agent: agentName)
                self.store(copy: 0, reward: transition.reward, nextObservation: encodedNext[...],
                      terminated: transition.terminated, encoded: true)
                if transition.terminated || transition.truncated { episodeEnded(0) }
                // One step per vector step; the loop's count survives a checkpoint's restore.
                vectorSteps = loop.totalSteps
            }
            try afterStep(vectorSteps)
            // The run's environment steps, SB3's `num_timesteps`.
            if vectorSteps % schedule.trainFrequency == 0 && loop.totalSteps > schedule.learningStarts {
                try train(schedule.gradientStepsPerRound)
            }
        }
    }

    /// The single copy's action for the environment: the index, or the action unscaled to
    /// the Box's bounds in an array reused from step to step.
    private func scalarEnvironmentAction() -> Action {
        switch form {
        case .discrete:
            return .discrete(Int(actions[0]))
        case .continuous(let scaling):
            var row: [Float] = []
            if case .continuous(let held) = scalarAction { row = held }
            // Taken out of its slot, the array is uniquely referenced and written in place.
            scalarAction = .discrete(0)
            scaling.unscale(actions, at: 0, into: &row, at: 0)
            scalarAction = .continuous(row)
            return scalarAction
        }
    }

    /// Stores one transition: the encoded observation it was chosen for, its action as
    /// ``actions`` holds it (a discrete index is stored as the same float), the (possibly
    /// replaced) reward, the encoded next observation, and whether it terminated (a
    /// truncation is not a termination). `nextObservation` is the environment's (raw)
    /// unless `encoded`.
    private func store(copy i: Int, reward environmentReward: Double, nextObservation: ArraySlice<Float>,
                       terminated: Bool, encoded: Bool = false) {
        let width = encoder.width
        if !encoded { encoder.encode(nextObservation, into: &encodedNext, at: 0) }
        let reward = terminationReward.stored(environmentReward, terminated: terminated)
        let observation = observations[i * width..<(i + 1) * width], next = encodedNext[0..<width]
        replay.add(observation: observation, action: actions[i * actionSize..<(i + 1) * actionSize], reward: reward,
                   nextObservation: next, terminated: terminated)
    }

    private func encodeVectorObservations(_ vector: VectorEpisodeLoop) {
        let raw = vector.observations, rawWidth = encoder.rawWidth
        for i in 0..<copies { encoder.encode(raw[i * rawWidth..<(i + 1) * rawWidth], into: &observations, at: i * encoder.width) }
    }
}

extension OffPolicyLoop: StateArchiving {
    public func archive(into archive: inout StateArchive, prefix: String) {
        archive.set("\(prefix).vector_steps", vectorSteps)
    }

    public func restore(from archive: StateArchive, prefix: String) throws {
        let steps = try archive.int("\(prefix).vector_steps")
        guard steps >= 0 else { throw StateArchiveError("\(archive.source): negative vector step count \(steps)") }
        vectorSteps = steps
    }
}

/// What an off-policy agent's training checkpoint holds (DQN, SAC, TD3, DDPG): its
/// networks and other learned parameters, its optimizers' state, the replay buffer, any
/// other stateful part (TD3's action noise), its streams and its update count, each under
/// the name the agent gives it (stored under `agent.<name>`). The agent lists its parts
/// once; saving and restoring walk the same list. The loop's own count and the copies are
/// saved by the episode loop they are attached to.
struct OffPolicyTrainingState {
    /// Parameter sets by name: networks, target networks, SAC's `log_ent_coef`.
    var parameters: [(name: String, values: [Parameter])]
    var optimizers: [(name: String, optimizer: Adam)]
    var replay: ReplayBuffer
    var others: [(name: String, part: StateArchiving)] = []
    var streams: [(name: String, random: RandomSource)]

    func archive(into archive: inout StateArchive, updates: Int) throws {
        for (name, values) in parameters { archive.set("agent.\(name)", parameters: values) }
        for (name, optimizer) in optimizers { optimizer.archive(into: &archive, prefix: "agent.\(name)") }
        replay.archive(into: &archive, prefix: "agent.replay")
        for (name, part) in others { try part.archive(into: &archive, prefix: "agent.\(name)") }
        for (name, random) in streams { archive.set("agent.\(name)", random: random) }
        archive.set("agent.updates", updates)
    }

    /// Restores what ``archive(into:updates:)`` stored and returns the update count.
    func restore(from archive: StateArchive) throws -> Int {
        for (name, values) in parameters { try archive.restore(values, from: "agent.\(name)") }
        for (name, optimizer) in optimizers { try optimizer.restore(from: archive, prefix: "agent.\(name)") }
        try replay.restore(from: archive, prefix: "agent.replay")
        for (name, part) in others { try part.restore(from: archive, prefix: "agent.\(name)") }
        for (name, random) in streams { try archive.restore(random, from: "agent.\(name)") }
        return try archive.int("agent.updates")
    }
}

/// DQN's `termination_reward`: the reward stored for a transition that ends its episode
/// by termination (the TF2 tutorial's -10), or `none` to keep the environment's. Kept as
/// written, so the resolved configuration shows it so.
public struct TerminationReward: SettingType, Equatable {
    public let text: String
    /// The reward stored for a terminal transition, or nil for the environment's.
    public let value: Float?

    /// `none`: the environment's reward is stored.
    public static let unchanged = TerminationReward(text: "none", value: nil)
    public static var expectation: String { "a number or none" }
    public static func read(_ input: SettingInput) -> TerminationReward? {
        guard case .scalar(let text) = input else { return nil }
        if text == "none" { return .unchanged }
        guard let value = Float(text), value.isFinite else { return nil }
        return TerminationReward(text: text, value: value)
    }
    public var settingValue: SettingValue? { .string(text) }

    /// The reward the replay buffer stores for a step that gave `reward`.
    public func stored(_ reward: Double, terminated: Bool) -> Float {
        if terminated, let value { return value }
        return Float(reward)
    }
}
