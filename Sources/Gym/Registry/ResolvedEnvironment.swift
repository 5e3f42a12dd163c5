import Foundation
import LabCore

/// An environment id or file resolved once, with its keyword options checked: the value
/// `gymnasium.make(spec, **kwargs)` and `gymnasium.make_vec` start from.
///
/// It makes scalar environments (``make()``) and vector environments (``makeVector(count:threads:native:)``,
/// through the spec's native vector entry when it has one, as Gymnasium's
/// `vector_entry_point`) without resolving the id, reading the file or parsing the
/// options again. Runners resolve an environment once and hand this value down.
///
/// ```swift
/// let frozenLake = try EnvironmentRegistry.shared.resolve("FrozenLake-v1", options: ["is_slippery": "false"])
/// let env = try frozenLake.make()
/// let copies = try frozenLake.makeVector(count: 8)
/// ```
public struct ResolvedEnvironment: Sendable {
    /// The registry entry (or the loaded file's spec).
    public let spec: EnvironmentSpec
    /// The options as given (`key=value` text), for records and messages.
    public let options: [String: String]
    /// The time limit `make` wraps the environment in: `max_episode_steps`, else the spec's.
    public let maxEpisodeSteps: Int?
    /// The render mode asked for, if any.
    public let renderMode: RenderMode?
    /// The spec's options with the given values filled in and checked.
    private let values: SettingValues

    /// The id (a file environment's id is its path).
    public var id: String { spec.id }

    /// Checks `options` against `spec` (types, ranges, choices, `max_episode_steps`,
    /// `render_mode`).
    ///
    /// - Throws: ``EnvironmentError`` for an unknown option (listing the valid ones) or an
    ///   invalid value.
    public init(spec: EnvironmentSpec, options: [String: String] = [:]) throws {
        var values = spec.optionValues
        var makeValues = MakeOptions.values(owner: spec.id, noun: "option")
        let makeOptions: MakeOptions
        do {
            for key in options.keys.sorted() {
                let input = SettingInput(text: options[key]!)
                if makeValues.declaration(key) != nil {
                    try makeValues.set(key, input, source: spec.id)
                } else {
                    guard values.declaration(key) != nil else { throw EnvironmentError(.unknownOption, values.unknown(key).description) }
                    try values.set(key, input, source: spec.id)
                }
            }
            makeOptions = try makeValues.decode(MakeOptions.self)
        } catch let error as ConfigurationError {
            throw EnvironmentError(error.kind == .unknownSetting ? .unknownOption : .invalidOptionValue, error.description)
        }
        self.spec = spec
        self.options = options
        self.values = values
        self.maxEpisodeSteps = makeOptions.maxEpisodeSteps ?? spec.maxEpisodeSteps
        self.renderMode = makeOptions.renderMode
    }

    /// Makes the environment, wrapped as `gymnasium.make` wraps it: the environment, then
    /// ``OrderEnforcing`` (order and action checks), then ``TimeLimit`` when
    /// ``maxEpisodeSteps`` sets one.
    ///
    /// - Throws: ``EnvironmentError`` when the options are invalid together or the
    ///   environment cannot render in ``renderMode``.
    public func make() throws -> Environment {
        var env = try spec.make(values)
        if let renderMode, !env.availableRenderModes.contains(renderMode) {
            let modes = env.availableRenderModes.map(\.rawValue)
            throw EnvironmentError(.invalidOptionValue, "\(spec.id) cannot render in mode \(renderMode.rawValue); " + (modes.isEmpty ? "it has no render modes" : "its render modes: \(modes.joined(separator: ", "))"))
        }
        env = OrderEnforcing(env)
        if let maxEpisodeSteps { env = TimeLimit(env, maxEpisodeSteps: maxEpisodeSteps) }
        (env as? Wrapper)?.spec = spec
        (env as? Wrapper)?.configuredRenderMode = renderMode
        return env
    }

    /// Makes `count` copies as one vector environment, as `gymnasium.make_vec(id, num_envs=count)`.
    ///
    /// A spec with a native vector entry (``CartPoleVector`` for `CartPole-v0`/`CartPole-v1`)
    /// makes its structure-of-arrays kernel, bit-exact with the scalar environment copy by
    /// copy; every other environment is stepped copy by copy (``SyncVectorEnvironment``).
    ///
    /// - Parameters:
    ///   - threads: Threads a native kernel splits the copies over (1: the calling
    ///     thread). Results do not depend on it. Ignored by ``SyncVectorEnvironment``.
    ///   - native: Set to false to force the copy-by-copy path (tests compare the two).
    /// - Throws: ``EnvironmentError`` for `count < 1`, `threads < 1`, a count that cannot
    ///   fit in memory, or options the environment refuses.
    public func makeVector(count: Int, threads: Int = 1, native: Bool = true) throws -> VectorEnvironment {
        guard count >= 1 else {
            throw EnvironmentError(.invalidOptionValue, "a vector environment needs at least one copy, got \(count)")
        }
        guard threads >= 1 else {
            throw EnvironmentError(.invalidOptionValue, "threads must be at least 1, got \(threads)")
        }
        try EnvironmentRegistry.checkCopyCount(count)
        // The first copy checks what only making one can (options invalid together, the
        // render mode), and is the copy-by-copy path's first copy.
        let first = try make()
        if native, let vector = try spec.makeVector(values, count: count, maxEpisodeSteps: maxEpisodeSteps, threads: threads) {
            return vector
        }
        return try SyncVectorEnvironment([first] + (1..<count).map { _ in try make() })
    }
}

/// The keyword options `gymnasium.make` itself takes, for every environment (an
/// environment's own options are its spec's ``EnvironmentSpec/options``).
public struct MakeOptions: Settings {
    @Setting("max_episode_steps", range: 1..., help: "time limit: truncate episodes after this many steps (TimeLimit wrapper)")
    public var maxEpisodeSteps: Int? = nil
    @Setting("render_mode", help: "what render() returns (none: the environment does not render)")
    public var renderMode: RenderMode? = nil
    public init() {}

    /// The declarations, with `spec`'s own time limit as `max_episode_steps`'s default (for listings).
    public static func declarations(for spec: EnvironmentSpec) -> [SettingDeclaration] {
        declarations.map { $0.name == "max_episode_steps" ? $0.withDefault(spec.maxEpisodeSteps.map { .int($0) }) : $0 }
    }
}

extension RenderMode: SettingType {}
