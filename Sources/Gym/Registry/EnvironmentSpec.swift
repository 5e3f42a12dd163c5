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
    /// The keyword options `make` accepts (besides `max_episode_steps`), with this spec's defaults.
    public let options: [SettingDeclaration]
    /// Whether the environment is nondeterministic even after seeding.
    public let nondeterministic: Bool
    /// One line describing the environment.
    public let summary: String
    /// Creates the bare environment from validated option values (by name).
    private let makeWithValues: @Sendable ([String: SettingValue]) throws -> Environment
    /// Creates the native vector implementation (Gymnasium's `vector_entry_point`), when
    /// the environment has one: option values, copies, time limit, threads.
    private let makeVectorWithValues: (@Sendable ([String: SettingValue], Int, Int?, Int) throws -> VectorEnvironment)?

    /// A spec whose environment takes the keyword options `Options` declares.
    ///
    /// - Parameters:
    ///   - options: The options struct (see `LabCore/Settings`).
    ///   - hiding: Options of the struct this id does not accept (they keep their defaults).
    ///   - defaults: Defaults of this id that differ from the struct's.
    ///   - make: Makes the bare environment from the options.
    ///   - vector: Makes the native vector implementation from the options, the number of
    ///     copies, the time limit and the threads (Gymnasium's `vector_entry_point`): copy
    ///     for copy bit-exact with `make`'s environment in its ``TimeLimit``. Nil when the
    ///     environment has none (vector copies are then stepped one by one).
    public init<Options: Settings>(id: String, maxEpisodeSteps: Int?, rewardThreshold: Double?, options: Options.Type,
                                   hiding: Set<String> = [], defaults: [String: SettingValue] = [:],
                                   nondeterministic: Bool = false, summary: String = "",
                                   make: @escaping @Sendable (Options) throws -> Environment,
                                   vector: (@Sendable (Options, _ count: Int, _ maxEpisodeSteps: Int?, _ threads: Int) throws -> VectorEnvironment)? = nil) {
        self.id = id
        self.maxEpisodeSteps = maxEpisodeSteps
        self.rewardThreshold = rewardThreshold
        self.options = Options.declarations.filter { !hiding.contains($0.name) }.map { declaration in
            defaults[declaration.name].map(declaration.withDefault) ?? declaration
        }
        self.nondeterministic = nondeterministic
        self.summary = summary
        makeWithValues = { try make(EnvironmentSpec.validated($0)) }
        makeVectorWithValues = vector.map { vector in
            { @Sendable in try vector(EnvironmentSpec.validated($0), $1, $2, $3) }
        }
    }

    /// The options struct filled in with `values` and validated.
    private static func validated<Options: Settings>(_ values: [String: SettingValue]) throws -> Options {
        let options = Options(values: values)
        try options.validate()
        return options
    }

    /// A spec whose environment takes no keyword options.
    public init(id: String, maxEpisodeSteps: Int?, rewardThreshold: Double?, nondeterministic: Bool = false, summary: String = "",
                make: @escaping @Sendable () throws -> Environment) {
        self.init(id: id, maxEpisodeSteps: maxEpisodeSteps, rewardThreshold: rewardThreshold, options: NoOptions.self,
                  nondeterministic: nondeterministic, summary: summary, make: { _ in try make() })
    }

    /// The options with their defaults, to fill in and check (messages name this id).
    public var optionValues: SettingValues {
        SettingValues(options, owner: id, noun: "option", extraNames: MakeOptions.declarations.map(\.name))
    }

    /// Makes the bare environment from option values filled in by ``optionValues``.
    public func make(_ values: SettingValues) throws -> Environment { try makeWithValues(values.values) }

    /// Whether the environment has a native vector implementation.
    public var hasNativeVector: Bool { makeVectorWithValues != nil }

    /// The native vector implementation of `count` copies, or nil when there is none.
    func makeVector(_ values: SettingValues, count: Int, maxEpisodeSteps: Int?, threads: Int) throws -> VectorEnvironment? {
        try makeVectorWithValues?(values.values, count, maxEpisodeSteps, threads)
    }

    /// Splits `Name-vN` into its name and version.
    static func split(_ id: String) -> (name: String, version: Int?) {
        if let range = id.range(of: "-v", options: .backwards), let v = Int(id[range.upperBound...]), v >= 0 {
            return (String(id[..<range.lowerBound]), v)
        }
        return (id, nil)
    }
}

/// The options of an environment that takes none.
public struct NoOptions: Settings {
    public init() {}
}
