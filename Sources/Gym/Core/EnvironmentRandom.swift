/// An environment's random stream with Gymnasium's seeding rules.
///
/// `reset(seed: s)` replaces the stream with one seeded by `s`; `reset(seed: nil)`
/// keeps drawing from the current stream; an environment reset without ever being
/// seeded starts from a seed drawn from the system generator, as Gymnasium seeds
/// `np_random` from OS entropy. Reproducible runs pass a seed (RLLab's runner derives
/// one per run from the master seed).
public final class EnvironmentRandom {
    private var current: RandomSource?

    public init() {}

    /// Reseeds when `seed` is given; creates an unpredictable stream if there is none yet.
    public func reseed(_ seed: UInt64?) throws {
        if let seed {
            current = try RandomSource(seed: seed)
        } else if current == nil {
            var system = SystemRandomNumberGenerator()
            current = try RandomSource(seed: system.next())
        }
    }

    /// The stream's exact position for a training checkpoint: `nil` before the first
    /// reset (no stream yet), else the generator's state.
    public var savedState: [UInt8]? { current?.state }

    /// Continues from a position taken with ``savedState``; `nil` forgets the stream
    /// (as before the first reset).
    public func restore(savedState state: [UInt8]?) throws {
        guard let state else { current = nil; return }
        // The stream's seed does not matter: its whole state is replaced.
        let source = try current ?? RandomSource(seed: 0)
        try source.restore(state: state)
        current = source
    }

    /// The current stream (created unseeded on first use).
    public var source: RandomSource {
        if let current { return current }
        try? reseed(nil)
        return current!
    }
}
