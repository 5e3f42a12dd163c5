import Foundation
import Gym
import LabCore

/// Acts uniformly at random over the action space; learns nothing.
public final class RandomAgent: Agent {
    public static let name = "random"
    public static let summary = "uniform over the action space"
    public struct Settings: LabCore.Settings {
        @SettingGroup public var copies: CopiesSettings
        public init() {}
    }

    private let actionSpace: Space
    private let random: RandomSource
    private let copies: Int

    public init(environment: EnvironmentSignature, hyperparameters: Hyperparameters, random: RandomSource) throws {
        self.actionSpace = environment.actionSpace
        self.random = random
        copies = try Self.copies(environment: environment, hyperparameters: hyperparameters)
    }

    public static func check(environment: EnvironmentSignature, hyperparameters: Hyperparameters) throws {
        _ = try copies(environment: environment, hyperparameters: hyperparameters)
    }

    /// `num_envs`, which needs a discrete action space beyond one copy.
    private static func copies(environment: EnvironmentSignature, hyperparameters: Hyperparameters) throws -> Int {
        let copies = try hyperparameters.settings(Settings.self).copies.numEnvs
        if copies > 1 && !environment.actionSpace.isDiscrete {
            throw AgentError("random: num_envs > 1 needs a discrete action space, got \(environment.actionSpace)")
        }
        return copies
    }

    public func learn(_ loop: EpisodeLoop) throws {
        guard copies > 1, let space = actionSpace.discrete else {
            try loop.run(policy: { _ in self.actionSpace.sample(using: self.random) })
            return
        }
        // One action per copy, drawn in copy order from the agent's stream (none for copies
        // being reset, so one copy draws exactly what the scalar loop draws).
        let vector = try loop.vectorized(copies: copies)
        try vector.run(policy: { _, actions in
            for i in actions.indices where !vector.isResetting(i) { actions[i] = space.sample(using: self.random) }
        })
    }

    /// A random agent's "greedy" action is still random.
    public func act(_ observation: Observation) throws -> Action {
        actionSpace.sample(using: random)
    }

    public func save(to url: URL) throws {
        try AtomicFile.write("{\"agent\": \"random\"}\n", to: url)
    }

    public func load(from url: URL) throws {}
}

/// Training checkpoints: the stream the actions come from (the copies are saved by the
/// loop), so that even a baseline's run resumes exactly.
extension RandomAgent: ResumableAgent {
    public var checkpointsNeedEnvironmentState: Bool { copies > 1 && actionSpace.discrete != nil }

    public func archiveTrainingState(into archive: inout StateArchive) throws {
        archive.set("agent.random", random: random)
    }

    public func restoreTrainingState(from archive: StateArchive) throws {
        try archive.restore(random, from: "agent.random")
    }
}
