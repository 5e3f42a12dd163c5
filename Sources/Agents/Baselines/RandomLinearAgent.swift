import Foundation
import Gym
import LabCore

/// The classic TensorFlow book's `policy_random`: one weight vector theta drawn uniformly
/// in [-1, 1]^d per run; action 1 if theta . observation > 0, else 0. It never learns.
public final class RandomLinearAgent: Agent {
    public static let name = "random-linear"
    public static let summary = "one random linear threshold policy per run (the book's policy_random)"
    public struct Settings: LabCore.Settings { public init() {} }

    /// The weight vector, one entry per observation dimension.
    public private(set) var theta: [Double]

    public init(environment: EnvironmentSignature, hyperparameters: Hyperparameters, random: RandomSource) throws {
        let (box, _) = try Self.spaces(environment, agent: Self.name)
        theta = (0..<box.count).map { _ in random.uniform(-1, 1) }
    }

    public static func check(environment: EnvironmentSignature, hyperparameters: Hyperparameters) throws {
        _ = try spaces(environment, agent: name)
        _ = try hyperparameters.settings(Settings.self)
    }

    /// The spaces of the book's linear policy (and of naive-nn, whose data it collects): a
    /// flat Box observation and two discrete actions.
    static func spaces(_ environment: EnvironmentSignature, agent: String, note: String = "") throws -> (Box, Discrete) {
        guard case .box(let box) = environment.observationSpace, box.shape.count == 1 else {
            throw AgentError("\(agent) needs a flat Box observation; \(environment.id) has \(environment.observationSpace)")
        }
        guard case .discrete(let actions) = environment.actionSpace, actions.n == 2 else {
            throw AgentError("\(agent) needs two discrete actions\(note); \(environment.id) has \(environment.actionSpace)")
        }
        return (box, actions)
    }

    /// Plays its fixed policy for the whole budget.
    public func learn(_ loop: EpisodeLoop) throws {
        try loop.run(policy: act)
    }

    public func act(_ observation: Observation) throws -> Action {
        .discrete(RandomLinearAgent.decide(theta, observation))
    }

    static func decide(_ theta: [Double], _ observation: Observation) -> Int {
        guard case .vector(let values) = observation else { return 0 }
        var dot = 0.0
        for i in 0..<theta.count { dot += theta[i] * Double(values[i]) }
        return dot > 0 ? 1 : 0
    }

    public func save(to url: URL) throws {
        try AgentState.save(["theta": (theta, [theta.count])], agent: Self.name, to: url)
    }

    public func load(from url: URL) throws {
        theta = try AgentState.load(from: url, agent: Self.name).values("theta", shape: [theta.count])
    }
}

/// Training checkpoints: the policy, drawn once and never changed.
extension RandomLinearAgent: ResumableAgent {
    public func archiveTrainingState(into archive: inout StateArchive) throws {
        archive.set("agent.theta", float64: theta)
    }

    public func restoreTrainingState(from archive: StateArchive) throws {
        theta = try archive.float64("agent.theta", count: theta.count)
    }
}
