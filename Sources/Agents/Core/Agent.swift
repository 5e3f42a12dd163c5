import Foundation
import Gym
import LabCore

/// How long an agent may learn: a number of environment steps or of episodes.
public enum TrainingBudget: Equatable, Sendable, CustomStringConvertible {
    case timesteps(Int)
    case episodes(Int)

    public var description: String {
        switch self {
        case .timesteps(let n): return "\(n) timesteps"
        case .episodes(let n): return "\(n) episodes"
        }
    }

    /// The budget keys of a hyperparameter file: RL-Zoo's `n_timesteps`, and `n_episodes`.
    /// A file's budget is the run's unless the command line gives one.
    public struct Settings: LabCore.Settings {
        @Setting("n_timesteps", range: 1..., help: "training budget in environment steps") public var timesteps: Int? = nil
        @Setting("n_episodes", range: 1..., help: "training budget in episodes") public var episodes: Int? = nil
        public init() {}

        fileprivate var names: (timesteps: String, episodes: String) { (_timesteps.declaration.name, _episodes.declaration.name) }
    }

    /// The budget a hyperparameter file's `key` sets to `input`, or nil when `key` is not
    /// a budget key.
    ///
    /// - Throws: ``ConfigurationError`` for a value that is not a positive integer.
    public static func read(_ key: String, _ input: SettingInput, source: String) throws -> TrainingBudget? {
        var values = Settings.values(owner: "", noun: "hyperparameter")
        guard values.declaration(key) != nil else { return nil }
        try values.set(key, input, source: source)
        let settings = try values.decode(Settings.self)
        return settings.timesteps.map(TrainingBudget.timesteps) ?? settings.episodes.map(TrainingBudget.episodes)
    }

    /// The key and value a hyperparameter file gives this budget.
    public var setting: (name: String, value: SettingValue) {
        switch self {
        case .timesteps(let n): return (Settings().names.timesteps, .int(n))
        case .episodes(let n): return (Settings().names.episodes, .int(n))
        }
    }
}

/// What an agent needs to know about the environment it will learn in.
public struct EnvironmentSignature: Sendable {
    public let id: String
    public let observationSpace: Space
    public let actionSpace: Space

    public init(id: String, observationSpace: Space, actionSpace: Space) {
        self.id = id
        self.observationSpace = observationSpace
        self.actionSpace = actionSpace
    }
}

extension EnvironmentSignature {
    /// The spaces of `environment`, made from the id `id`.
    public init(id: String, environment: Environment) {
        self.init(id: id, observationSpace: environment.observationSpace, actionSpace: environment.actionSpace)
    }

    /// The Discrete action space `agent` needs.
    public func discreteActions(for agent: String) throws -> Discrete {
        guard case .discrete(let actions) = actionSpace else {
            throw AgentError("\(agent) needs a Discrete action space; \(id) has \(actionSpace)")
        }
        return actions
    }
}

extension ResolvedEnvironment {
    /// What agents are checked against: the spaces of one copy of the environment.
    public func signature() throws -> EnvironmentSignature {
        EnvironmentSignature(id: id, environment: try make())
    }
}

/// An error an agent raises for an environment it cannot handle or a state it cannot load.
public struct AgentError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A learning (or planning) agent.
///
/// An agent learns in an environment through an ``EpisodeLoop`` within a budget, then
/// acts greedily for evaluation. The loop does the episode bookkeeping (stepping, resets,
/// truncation, recording returns); an agent only chooses actions and learns from what
/// it sees.
public protocol Agent: AnyObject {
    /// The name the command line uses, e.g. `q-learning`.
    static var name: String { get }
    /// One line on what the agent does.
    static var summary: String { get }
    /// The agent's hyperparameters, declared once each (see `LabCore/Settings`).
    associatedtype Settings: LabCore.Settings

    /// Creates an untrained agent.
    ///
    /// - Parameters:
    ///   - environment: The spaces of the environment the agent will act in.
    ///   - hyperparameters: Resolved hyperparameters.
    ///   - random: The agent's own stream (exploration, initialisation, sampling).
    /// - Throws: ``AgentError`` when the agent cannot handle these spaces.
    init(environment: EnvironmentSignature, hyperparameters: Hyperparameters, random: RandomSource) throws

    /// Checks, without building the agent (no network, buffer or table is made), that it
    /// can learn in `environment` with `hyperparameters`: the spaces it needs and its
    /// settings (declared ranges and choices, cross-setting checks). Runners call it for
    /// each agent and environment before any run starts; ``init(environment:hyperparameters:random:)``
    /// makes the same checks through the same functions, so it throws the same errors.
    static func check(environment: EnvironmentSignature, hyperparameters: Hyperparameters) throws

    /// Learns until `loop`'s budget is spent.
    func learn(_ loop: EpisodeLoop) throws

    /// The greedy action for `observation`.
    func act(_ observation: Observation) throws -> Action

    /// Saves the learned state (a safetensors file or similar) to `url`.
    func save(to url: URL) throws

    /// Restores the learned state written by ``save(to:)``.
    func load(from url: URL) throws
}

extension Agent {
    /// Agents that take any spaces check their settings alone.
    public static func check(environment: EnvironmentSignature, hyperparameters: Hyperparameters) throws {
        _ = try hyperparameters.settings(Settings.self)
    }

    /// The agent's defaults as resolved hyperparameters.
    public static var defaultHyperparameters: Hyperparameters {
        Hyperparameters(agent: name, declarations: Settings.declarations)
    }

    /// The hyperparameters the agent declares, in declaration order.
    public static var settingDeclarations: [SettingDeclaration] { Settings.declarations }
}
