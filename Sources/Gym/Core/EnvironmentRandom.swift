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

    /// The current stream (created unseeded on first use).
    public var source: RandomSource {
        if let current { return current }
        try? reseed(nil)
        return current!
    }
}
