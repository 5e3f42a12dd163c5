/// The outcome of one ``Environment/step(_:)``, as Gymnasium's 5-tuple.
public struct StepResult: Sendable {
    /// The observation after the step (an element of the observation space).
    public var observation: Observation
    /// The reward for taking the action.
    public var reward: Double
    /// Whether the agent reached a terminal state of the MDP (success or failure).
    /// After termination the episode is over; call `reset`.
    public var terminated: Bool
    /// Whether a condition outside the MDP ended the episode, typically a time limit.
    /// The state is not terminal: bootstrap from `observation` when learning.
    public var truncated: Bool
    /// Diagnostics; never needed to act.
    public var info: Info

    public init(observation: Observation, reward: Double, terminated: Bool, truncated: Bool, info: Info = Info()) {
        self.observation = observation
        self.reward = reward
        self.terminated = terminated
        self.truncated = truncated
        self.info = info
    }

    /// Whether the episode ended (terminated or truncated).
    @inlinable public var done: Bool { terminated || truncated }
}

/// The main RLLab environment protocol, with Gymnasium's `Env` semantics.
///
/// An environment is a partially observed MDP: ``reset(seed:options:)`` starts an
/// episode and returns the first observation; ``step(_:)`` applies an action and
/// returns the next observation, the reward and whether the episode ended, either by
/// reaching a terminal state (`terminated`) or by a limit outside the MDP
/// (`truncated`).
///
/// Implementations must:
/// - reseed their random source when `reset` receives a seed (and keep the current
///   stream otherwise), so `reset(seed: s)` always gives the same episode;
/// - validate the action (throw ``EnvironmentError/invalidAction(_:space:)`` rather
///   than trap) and throw `.resetNeeded` when stepped before `reset`.
///
/// Time limits and step-order checks are wrappers (``TimeLimit``, ``OrderEnforcing``)
/// that ``EnvironmentRegistry/make(_:options:)`` applies, as `gymnasium.make` does.
public protocol Environment: AnyObject {
    /// The space of every observation returned by `reset` and `step`.
    var observationSpace: Space { get }
    /// The space of valid actions for `step`.
    var actionSpace: Space { get }

    /// Starts a new episode.
    ///
    /// - Parameters:
    ///   - seed: Reseeds the environment's random source; `nil` continues the current
    ///     stream (an environment never seeded draws a seed from the system, as Gymnasium).
    ///   - options: Environment-specific reset options (e.g. `low`/`high` for the
    ///     classic-control reset ranges, as Gymnasium).
    /// - Returns: The first observation and an info dictionary.
    @discardableResult
    func reset(seed: UInt64?, options: Info?) throws -> (observation: Observation, info: Info)

    /// Runs one timestep of the dynamics with `action`.
    func step(_ action: Action) throws -> StepResult

    /// The innermost environment, below every wrapper (Gymnasium's `env.unwrapped`).
    var unwrapped: Environment { get }

    /// The registry entry this environment was made from, if any.
    var spec: EnvironmentSpec? { get }
}

extension Environment {
    public var unwrapped: Environment { self }
    public var spec: EnvironmentSpec? { nil }

    /// `reset(seed: seed, options: nil)`.
    @discardableResult
    public func reset(seed: UInt64? = nil) throws -> (observation: Observation, info: Info) {
        try reset(seed: seed, options: nil)
    }

    /// Steps with a discrete action.
    public func step(_ action: Int) throws -> StepResult {
        try step(.discrete(action))
    }
}

/// An environment whose full internal state is a vector of doubles that can be read
/// and overwritten, as `env.unwrapped.state = ...` in Gymnasium (classic control).
public protocol InternalStateEnvironment: Environment {
    /// The float64 internal state (e.g. CartPole's `x, x_dot, theta, theta_dot`).
    var internalState: [Double] { get }
    /// Overwrites the internal state; the next `step` continues from it.
    ///
    /// - Throws: ``EnvironmentError`` (`.invalidState`) for a wrong number of values.
    func setInternalState(_ state: [Double]) throws
}

/// One possible outcome of taking an action in a state: a row of Gymnasium's `P[s][a]`
/// (`(probability, next_state, reward, terminated)`). A step the agent experiences is an
/// `Agents.Transition`.
public struct ModelOutcome: Equatable, Sendable {
    /// The probability of this outcome.
    public var probability: Double
    /// The state reached.
    public var nextState: Int
    /// The reward received.
    public var reward: Double
    /// Whether the episode terminates on this outcome.
    public var terminal: Bool

    public init(probability: Double, nextState: Int, reward: Double, terminal: Bool) {
        self.probability = probability
        self.nextState = nextState
        self.reward = reward
        self.terminal = terminal
    }
}

/// A finite MDP's dynamics, as Gymnasium's `P` plus `initial_state_distrib`.
public struct TransitionModel: Equatable, Sendable {
    /// The number of states; states are `0..<stateCount`.
    public let stateCount: Int
    /// The number of actions; actions are `0..<actionCount`.
    public let actionCount: Int
    /// `table[s][a]`: the outcomes of action `a` in state `s`.
    @usableFromInline let table: [[[ModelOutcome]]]
    /// The probability of starting in each state.
    public let initialStateDistribution: [Double]

    /// Creates a model from `table[s][a]` rows.
    ///
    /// - Throws: ``EnvironmentError`` when the table is not `stateCount x actionCount`,
    ///   a pair has no outcome, or a next state is out of range.
    public init(table: [[[ModelOutcome]]], initialStateDistribution: [Double]) throws {
        let stateCount = table.count
        guard stateCount > 0, let actionCount = table.first?.count, actionCount > 0 else {
            throw EnvironmentError(.invalidState, "a transition model needs at least one state and one action")
        }
        guard initialStateDistribution.count == stateCount else {
            throw EnvironmentError(.invalidState, "the initial state distribution has \(initialStateDistribution.count) entries for \(stateCount) states")
        }
        for (s, row) in table.enumerated() {
            guard row.count == actionCount else {
                throw EnvironmentError(.invalidState, "state \(s) has \(row.count) actions, expected \(actionCount)")
            }
            for (a, outcomes) in row.enumerated() {
                guard !outcomes.isEmpty else {
                    throw EnvironmentError(.invalidState, "state \(s) action \(a) has no transitions")
                }
                for t in outcomes where t.nextState < 0 || t.nextState >= stateCount {
                    throw EnvironmentError(.invalidState, "state \(s) action \(a) leads to state \(t.nextState), outside 0..<\(stateCount)")
                }
            }
        }
        self.stateCount = stateCount
        self.actionCount = actionCount
        self.table = table
        self.initialStateDistribution = initialStateDistribution
    }

    /// The outcomes of `action` in `state`, in Gymnasium's `P[state][action]` order
    /// (duplicates kept). Returns the stored array without copying.
    @inlinable public func transitions(state: Int, action: Int) -> [ModelOutcome] {
        table[state][action]
    }

    /// The total number of rows (Gymnasium's `sum(len(P[s][a]))`).
    public var rowCount: Int {
        table.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } }
    }
}

/// An environment that knows its transition model, so planners can use it.
public protocol TabularModelEnvironment: Environment {
    /// The model (`P` and the initial state distribution).
    var transitionModel: TransitionModel { get }
}
