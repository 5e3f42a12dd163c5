import Foundation

/// A registry entry: how to make an environment and what `make` wraps it in, as
/// Gymnasium's `EnvSpec`.
public struct EnvironmentSpec: @unchecked Sendable {
    /// The id, `Name-vN` (e.g. `CartPole-v1`), or a file path for file environments.
    public let id: String
    /// The default ``TimeLimit`` (`nil`: no limit); `max_episode_steps=N` overrides it.
    public let maxEpisodeSteps: Int?
    /// The average return at which the task counts as solved, if defined.
    public let rewardThreshold: Double?
    /// The keyword options `make` accepts (besides `max_episode_steps`).
    public let options: [OptionSpec]
    /// Whether the environment is nondeterministic even after seeding.
    public let nondeterministic: Bool
    /// One line describing the environment.
    public let summary: String
    /// Creates the bare environment from validated option values.
    public let make: (OptionValues) throws -> Environment

    public init(id: String, maxEpisodeSteps: Int?, rewardThreshold: Double?, options: [OptionSpec] = [],
                nondeterministic: Bool = false, summary: String = "",
                make: @escaping (OptionValues) throws -> Environment) {
        self.id = id
        self.maxEpisodeSteps = maxEpisodeSteps
        self.rewardThreshold = rewardThreshold
        self.options = options
        self.nondeterministic = nondeterministic
        self.summary = summary
        self.make = make
    }

    /// The name part of the id (`CartPole` for `CartPole-v1`).
    public var name: String { EnvironmentSpec.split(id).name }

    /// The version (`1` for `CartPole-v1`), if the id has one.
    public var version: Int? { EnvironmentSpec.split(id).version }

    /// Splits `Name-vN` into its name and version.
    static func split(_ id: String) -> (name: String, version: Int?) {
        if let range = id.range(of: "-v", options: .backwards), let v = Int(id[range.upperBound...]), v >= 0 {
            return (String(id[..<range.lowerBound]), v)
        }
        return (id, nil)
    }
}

