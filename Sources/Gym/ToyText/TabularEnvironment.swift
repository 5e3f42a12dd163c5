import LabCore
/// An environment that steps by sampling its transition model, as Gymnasium's toy-text
/// environments do (`categorical_sample` over `P[s][a]`).
///
/// FrozenLake, CliffWalking, Taxi and tabular MDP files are tabular environments.
/// Observations are state indices; `info["prob"]` is the probability of the outcome
/// that occurred.
public class TabularEnvironment: TabularModelEnvironment {
    public let transitionModel: TransitionModel
    public let observationSpace: Space
    public let actionSpace: Space
    /// A short name used in error messages.
    public let name: String

    /// The current state (Gymnasium's `env.unwrapped.s`); `nil` before the first reset.
    public internal(set) var state: Int?
    /// The last action taken (Gymnasium's `lastaction`).
    public internal(set) var lastAction: Int?

    let random = EnvironmentRandom()

    /// Creates an environment from a model; `name` appears in error messages.
    public init(name: String, model: TransitionModel) {
        self.name = name
        self.transitionModel = model
        self.observationSpace = .discrete(Discrete(model.stateCount))
        self.actionSpace = .discrete(Discrete(model.actionCount))
    }

    @discardableResult
    public func reset(seed: UInt64?, options: Info?) throws -> (observation: Observation, info: Info) {
        try random.reseed(seed)
        let s = TabularEnvironment.categoricalSample(transitionModel.initialStateDistribution, random.source)
        state = s
        lastAction = nil
        return (.discrete(s), resetInfo(state: s))
    }

    /// The info dictionary of `reset`; subclasses add entries.
    func resetInfo(state: Int) -> Info { ["prob": .double(1)] }

    /// Stores the state, the last action and the random stream (``StateArchiving``;
    /// subclasses with more state add theirs).
    public func archive(into archive: inout StateArchive, prefix: String) {
        archive.set("\(prefix).state", optional: state)
        archive.set("\(prefix).last_action", optional: lastAction)
        random.archive(into: &archive, prefix: prefix)
    }

    public func restore(from archive: StateArchive, prefix: String) throws {
        let saved = try archive.optionalInt("\(prefix).state"), action = try archive.optionalInt("\(prefix).last_action")
        if let saved, !(0..<transitionModel.stateCount).contains(saved) {
            throw StateArchiveError("\(archive.source): state \(saved) outside 0..<\(transitionModel.stateCount)")
        }
        try random.restore(from: archive, prefix: prefix)
        state = saved
        lastAction = action
    }

    public func step(_ action: Action) throws -> StepResult {
        let (a, s) = try validated(action)
        let rows = transitionModel.transitions(state: s, action: a)
        let outcome = rows[TabularEnvironment.categoricalSample(rows.lazy.map(\.probability), random.source)]
        state = outcome.nextState
        lastAction = a
        return StepResult(observation: .discrete(outcome.nextState), reward: outcome.reward,
                          terminated: outcome.terminal, truncated: false,
                          info: ["prob": .double(outcome.probability)])
    }

    /// The action index and current state, or an error for an invalid action or a
    /// missing reset.
    func validated(_ action: Action) throws -> (action: Int, state: Int) {
        guard case .discrete(let a) = action, a >= 0, a < transitionModel.actionCount else {
            throw EnvironmentError.invalidAction(action, space: actionSpace)
        }
        guard let s = state else {
            throw EnvironmentError(.resetNeeded, "\(name): call reset() before step()")
        }
        return (a, s)
    }

    /// Moves the environment to state `s` (as assigning `env.unwrapped.s` in Gymnasium).
    public func setState(_ s: Int) throws {
        guard s >= 0, s < transitionModel.stateCount else {
            throw EnvironmentError(.invalidState, "\(name) has states 0...\(transitionModel.stateCount - 1), got \(s)")
        }
        state = s
    }

    /// Gymnasium's `categorical_sample`: the first index whose cumulative probability
    /// exceeds a uniform draw (index 0 if rounding leaves none). Gymnasium draws a number
    /// even when there is one outcome; so does this. Steps pass their rows' probabilities
    /// as a lazy view, so no array is built.
    static func categoricalSample(_ probabilities: some Sequence<Double>, _ random: RandomSource) -> Int {
        let u = random.uniform()
        var cumulative = 0.0
        for (i, p) in probabilities.enumerated() {
            cumulative += p
            if cumulative > u { return i }
        }
        return 0
    }
}

extension TabularEnvironment: StateArchiving {}
