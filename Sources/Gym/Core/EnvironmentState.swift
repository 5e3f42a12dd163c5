import LabCore
/// Saving and restoring an environment's whole state in the middle of an episode, for
/// training checkpoints taken at any step (vector collection, on-policy rollouts).
///
/// Every layer of an environment (each wrapper and the environment below them) conforms
/// to LabCore's ``StateArchiving`` and stores what its next `step` depends on: the
/// physical state, its random stream, step counters, flags. A restored environment
/// continues exactly as the saved one would have. Every built-in environment, wrapper
/// and vector environment conforms; an environment of your own that does not is still
/// checkpointed between episodes (``EpisodeBoundaryState``), and agents that need more
/// refuse `--checkpoint-every` with a clear error.
public enum EnvironmentState {
    /// The layers of `environment`, outermost first (its wrappers, then the environment).
    static func layers(_ environment: Environment) -> [Environment] {
        var layers: [Environment] = [environment]
        while let wrapper = layers.last as? Wrapper { layers.append(wrapper.env) }
        return layers
    }

    /// The first layer of `environment` that cannot save its state, if any.
    public static func unarchivableLayer(of environment: Environment) -> Environment? {
        layers(environment).first { !($0 is StateArchiving) }
    }

    /// Whether every layer of `environment` can save its state mid-episode.
    public static func isArchivable(_ environment: Environment) -> Bool {
        unarchivableLayer(of: environment) == nil
    }

    /// Stores the state of every layer of `environment` under `prefix`.
    ///
    /// - Throws: ``StateArchiveError`` naming the first layer that cannot save its state.
    public static func archive(_ environment: Environment, into archive: inout StateArchive, prefix: String) throws {
        let layers = layers(environment)
        archive.set("\(prefix).layers", layers.map { String(describing: type(of: $0)) }.joined(separator: ","))
        for (index, layer) in layers.enumerated() {
            guard let part = layer as? StateArchiving else { throw unarchivable(layer) }
            try part.archive(into: &archive, prefix: "\(prefix).\(index)")
        }
    }

    /// Restores a state stored by ``archive(_:into:prefix:)`` into an environment made the
    /// same way (the same layers, checked first).
    public static func restore(_ environment: Environment, from archive: StateArchive, prefix: String) throws {
        let layers = layers(environment)
        let names = layers.map { String(describing: type(of: $0)) }.joined(separator: ",")
        let saved = try archive.string("\(prefix).layers")
        guard saved == names else {
            throw StateArchiveError("\(archive.source): the saved environment's layers are \(saved), this run's are \(names)")
        }
        for (index, layer) in layers.enumerated() {
            guard let part = layer as? StateArchiving else { throw unarchivable(layer) }
            try part.restore(from: archive, prefix: "\(prefix).\(index)")
        }
    }

    static func unarchivable(_ layer: Environment) -> StateArchiveError {
        StateArchiveError("\(type(of: layer)) cannot save its state in the middle of an episode (it does not conform to StateArchiving)")
    }
}

extension EnvironmentRandom {
    /// Stores the stream's position (nothing before the first reset).
    func archive(into archive: inout StateArchive, prefix: String) {
        if let state = savedState { archive.set("\(prefix).random", bytes: state) }
    }

    /// Restores the position stored by ``archive(into:prefix:)``.
    func restore(from archive: StateArchive, prefix: String) throws {
        let name = "\(prefix).random"
        try restore(savedState: archive.contains(name) ? try archive.bytes(name) : nil)
    }
}

extension StateArchive {
    /// Stores an optional integer (absent when nil).
    mutating func set(_ name: String, optional value: Int?) {
        if let value { set(name, value) }
    }

    /// An integer stored by ``set(_:optional:)``.
    func optionalInt(_ name: String) throws -> Int? {
        contains(name) ? try int(name) : nil
    }
}

/// What every classic-control environment's checkpoint holds: its float64 state, whether
/// it has one (none before the first reset), its own flags (`state_is_float32`) and its
/// reset stream. Each environment adds what only it has (CartPole's
/// `steps_beyond_terminated`, Pendulum's last torque) and reads those first, so that a
/// damaged entry is found before anything changes.
struct PhysicalState {
    var values: [Double]
    var hasState: Bool
    var flags: [String: Bool] = [:]

    func archive(random: EnvironmentRandom, into archive: inout StateArchive, prefix: String) {
        archive.set("\(prefix).state", float64: values)
        archive.set("\(prefix).has_state", hasState)
        for (name, flag) in flags { archive.set("\(prefix).\(name)", flag) }
        random.archive(into: &archive, prefix: prefix)
    }

    /// A flag read by ``init(from:prefix:count:flags:restoring:)`` (false if it was not asked for).
    func flag(_ name: String) -> Bool { flags[name] ?? false }
}

extension PhysicalState {
    /// Reads a state of `count` numbers and `flags`, checking every entry, then moves
    /// `random` to its stored position.
    init(from archive: StateArchive, prefix: String, count: Int, flags names: [String] = [], restoring random: EnvironmentRandom) throws {
        values = try archive.float64("\(prefix).state", count: count)
        hasState = try archive.bool("\(prefix).has_state")
        for name in names { flags[name] = try archive.bool("\(prefix).\(name)") }
        try random.restore(from: archive, prefix: prefix)
    }
}

// MARK: Wrappers

extension TimeLimit: StateArchiving {
    public func archive(into archive: inout StateArchive, prefix: String) {
        archive.set("\(prefix).elapsed_steps", elapsedSteps)
        archive.set("\(prefix).has_reset", hasReset)
    }

    public func restore(from archive: StateArchive, prefix: String) throws {
        let steps = try archive.int("\(prefix).elapsed_steps")
        guard (0...maxEpisodeSteps).contains(steps) else {
            throw StateArchiveError("\(archive.source): elapsed steps \(steps) outside 0...\(maxEpisodeSteps)")
        }
        hasReset = try archive.bool("\(prefix).has_reset")
        elapsedSteps = steps
    }
}

extension OrderEnforcing: StateArchiving {
    public func archive(into archive: inout StateArchive, prefix: String) {
        archive.set("\(prefix).has_reset", hasBeenReset)
        archive.set("\(prefix).episode_ended", episodeEnded)
    }

    public func restore(from archive: StateArchive, prefix: String) throws {
        // Both are read before either changes.
        (hasBeenReset, episodeEnded) = (try archive.bool("\(prefix).has_reset"),
                                        try archive.bool("\(prefix).episode_ended"))
    }
}
