import Foundation
import Gym

/// Acts uniformly at random over the action space; learns nothing.
public final class RandomAgent: Agent {
    public static let name = "random"
    public static let summary = "uniform over the action space"
    public static let hyperparameterSpecs: [HyperparameterSpec] = []

    private let actionSpace: Space
    private let random: RandomSource

    public init(environment: EnvironmentSignature, hyperparameters: Hyperparameters, random: RandomSource) throws {
        self.actionSpace = environment.actionSpace
        self.random = random
    }

    public func learn(_ loop: EpisodeLoop) throws {
        try loop.run(policy: { _ in self.actionSpace.sample(using: self.random) })
    }

    /// A random agent's "greedy" action is still random.
    public func act(_ observation: Observation) throws -> Action {
        actionSpace.sample(using: random)
    }

    public func save(to url: URL) throws {
        try Data("{\"agent\": \"random\"}\n".utf8).write(to: url)
    }

    public func load(from url: URL) throws {}
}
