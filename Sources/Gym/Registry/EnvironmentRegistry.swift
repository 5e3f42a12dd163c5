import Foundation

/// The environment registry: ids to specs, and `make`, as Gymnasium's `registry` and
/// `gymnasium.make`.
///
/// ```swift
/// let env = try EnvironmentRegistry.shared.make("FrozenLake-v1", options: ["is_slippery": "false"])
/// var (observation, _) = try env.reset(seed: 42, options: nil)
/// ```
///
/// The shared registry holds every built-in environment. An id that looks like a
/// path (contains `/` or ends in `.txt`, `.yml`, `.yaml` or `.json`) loads an
/// environment file instead (see ``EnvironmentFile``).
public final class EnvironmentRegistry: @unchecked Sendable {
    /// The registry with the built-in environments; register your own here.
    public static let shared: EnvironmentRegistry = {
        let registry = EnvironmentRegistry()
        BuiltinEnvironments.register(in: registry)
        return registry
    }()

    private var entries: [String: EnvironmentSpec] = [:]
    private let lock = NSLock()

    /// Deprecated ids and their replacements (Gymnasium raises `DeprecatedEnv` for these).
    private var deprecated: [String: String] = [:]

    /// An empty registry (tests, or a lab with only custom environments).
    public init() {}

    /// Registers `spec`, replacing any spec with the same id (as Gymnasium, which warns).
    public func register(_ spec: EnvironmentSpec) {
        lock.withLock { entries[spec.id] = spec }
    }

    /// Marks `id` as deprecated in favour of `replacement`: `make(id)` throws and names it.
    public func registerDeprecated(_ id: String, replacement: String) {
        lock.withLock { deprecated[id] = replacement }
    }

    /// Every registered spec, sorted by id.
    public var specs: [EnvironmentSpec] {
        lock.withLock { entries.values.sorted { $0.id < $1.id } }
    }

    /// The spec registered under `id`, or `nil`.
    public func spec(_ id: String) -> EnvironmentSpec? {
        lock.withLock { entries[id] }
    }

    /// Whether `id` names an environment file rather than a registered id.
    public static func isFilePath(_ id: String) -> Bool {
        let lower = id.lowercased()
        return id.contains("/") || [".txt", ".yml", ".yaml", ".json"].contains { lower.hasSuffix($0) }
    }

    /// The spec for `id`: a registered id, or an environment file.
    ///
    /// - Throws: ``EnvironmentError`` for an unknown or deprecated id (with the closest
    ///   ids or the replacement), or for a malformed file.
    public func resolve(_ id: String) throws -> EnvironmentSpec {
        if let spec = spec(id) { return spec }
        if EnvironmentRegistry.isFilePath(id) { return try EnvironmentFile.load(path: id) }
        throw unknownIdError(id)
    }

    /// Makes the environment `id` with keyword options given as strings, wrapped as
    /// `gymnasium.make` wraps it: the environment, then ``OrderEnforcing`` (order and
    /// action checks), then ``TimeLimit`` when the spec or `max_episode_steps` sets one.
    ///
    /// - Parameters:
    ///   - id: A registered id (`CartPole-v1`) or an environment file path.
    ///   - options: Option values as written after `--option key=`; typed and validated
    ///     against the spec (`is_slippery=false`, `desc=SFFF,FHFH,FFFH,HFFG`,
    ///     `max_episode_steps=50`).
    /// - Throws: ``EnvironmentError`` for an unknown id, an unknown option (listing the
    ///   valid ones) or an invalid value.
    public func make(_ id: String, options: [String: String] = [:]) throws -> Environment {
        try resolve(id, options: options).make()
    }

    /// Resolves `id` once and checks `options` against its spec: the value that makes
    /// scalar and vector copies of the environment (see ``ResolvedEnvironment``).
    ///
    /// - Throws: ``EnvironmentError`` for an unknown id, an unknown option (listing the
    ///   valid ones) or an invalid value.
    public func resolve(_ id: String, options: [String: String]) throws -> ResolvedEnvironment {
        try ResolvedEnvironment(spec: resolve(id), options: options)
    }

    // MARK: Error messages

    private func unknownIdError(_ id: String) -> EnvironmentError {
        let (ids, replacement) = lock.withLock { (Array(entries.keys), deprecated[id]) }
        let (name, version) = EnvironmentSpec.split(id)
        if let replacement {
            let v = version.map { "v\($0)" } ?? id
            return EnvironmentError(.deprecatedEnvironment, "environment version \(v) for `\(name)` is deprecated; use `\(replacement)` instead")
        }
        let versions = ids.map(EnvironmentSpec.split).filter { $0.name == name }.compactMap(\.version).sorted()
        if let latest = versions.last {
            let list = versions.map { "v\($0)" }.joined(separator: ", ")
            if let version, version < latest {
                return EnvironmentError(.deprecatedEnvironment, "environment version v\(version) for `\(name)` is deprecated; use `\(name)-v\(latest)` instead")
            }
            return EnvironmentError(.unknownEnvironment, "environment version `\(version.map { "v\($0)" } ?? "(none)")` for `\(name)` does not exist; it provides versions: \(list) (e.g. `\(name)-v\(latest)`)")
        }
        let suggestions = EnvironmentRegistry.closest(to: id, among: ids)
        var message = "unknown environment id '\(id)'"
        if !suggestions.isEmpty { message += "; did you mean: \(suggestions.joined(separator: ", "))?" }
        message += " (`EnvironmentRegistry.specs` lists every registered id; a path ending in .txt, .yml, .yaml or .json loads an environment file)"
        return EnvironmentError(.unknownEnvironment, message)
    }

    /// The ids closest to `id` by case-insensitive edit distance (at most three).
    static func closest(to id: String, among ids: [String]) -> [String] {
        let target = Array(id.lowercased())
        let scored = ids.map { ($0, editDistance(target, Array($0.lowercased()))) }
        let limit = max(3, target.count / 2)
        return scored.filter { $0.1 <= limit }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(3).map(\.0)
    }

    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        var current = previous
        for i in a.indices {
            current[0] = i + 1
            for j in b.indices {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (a[i] == b[j] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
