import CGSL
import CLabKernels

/// An error raised by ``RandomSource`` for arguments GSL would reject.
public enum RandomSourceError: Error, Equatable, CustomStringConvertible {
    /// The generator name is not one GSL knows.
    case unknownGenerator(String, known: [String])
    /// A range or count that cannot be sampled from.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .unknownGenerator(let name, let known):
            return "unknown GSL generator '\(name)'; known generators include: \(known.prefix(12).joined(separator: ", ")) (\(known.count) in all)"
        case .invalidArgument(let message):
            return message
        }
    }
}

/// The one source of randomness in RLLab: a GSL random-number generator.
///
/// Every consumer of randomness (environment resets, exploration, replay sampling,
/// weight initialisation, dropout, GAN noise, data shuffling) draws from its own
/// `RandomSource`, derived from a run's master seed with ``derived(_:)`` or
/// ``spawn()``. The same seed always gives the same numbers, on every run and machine.
///
/// ```swift
/// let master = try RandomSource(seed: 42)            // gsl_rng_mt19937
/// let exploration = master.derived("exploration")
/// let u = exploration.uniform()                      // in [0, 1)
/// ```
public final class RandomSource {
    private let rng: UnsafeMutablePointer<gsl_rng>

    /// The seed this source was created with.
    public let seed: UInt64

    /// The GSL name of the generator, e.g. `mt19937`.
    public let generatorName: String

    /// Every generator name GSL offers, in GSL's order.
    public static var availableGenerators: [String] { generatorTypes.map { String(cString: $0.pointee.name) } }

    /// GSL's generator types, in its order.
    private static var generatorTypes: [UnsafePointer<gsl_rng_type>] {
        var types: [UnsafePointer<gsl_rng_type>] = []
        var cursor = rllab_gsl_rng_types()
        while let type = cursor?.pointee {
            types.append(type)
            cursor = cursor?.advanced(by: 1)
        }
        return types
    }

    /// Creates a generator seeded with `seed`.
    ///
    /// - Parameters:
    ///   - seed: Passed to `gsl_rng_set`. Generators with a 32-bit seed use its low 32 bits.
    ///   - generator: A GSL generator name (`mt19937`, `ranlxd2`, `taus2`, ...).
    /// - Throws: ``RandomSourceError/unknownGenerator(_:known:)`` for an unknown name.
    public init(seed: UInt64, generator: String = "mt19937") throws {
        RandomSource.disableGSLAbort
        guard let type = RandomSource.generatorType(named: generator) else {
            throw RandomSourceError.unknownGenerator(generator, known: RandomSource.availableGenerators)
        }
        guard let rng = gsl_rng_alloc(type) else {
            throw RandomSourceError.invalidArgument("GSL could not allocate generator '\(generator)'")
        }
        self.rng = rng
        self.seed = seed
        self.generatorName = generator
        gsl_rng_set(rng, UInt(truncatingIfNeeded: seed))
        isFastMT19937 = type == rllab_gsl_rng_mt19937() && gsl_rng_size(rng) == rllab_mt19937_state_size()
    }

    /// Whether the generator is GSL's mt19937, whose state block the batch draws
    /// (``fillUniform(_:)``, ``fillGaussian(_:standardDeviation:)``) advance directly.
    private let isFastMT19937: Bool

    deinit {
        gsl_rng_free(rng)
        polarPoints?.deallocate()
    }

    /// The polar method's accepted points for ``gaussianFloats(_:count:mean:standardDeviation:)``,
    /// kept between calls (grown when needed): a noise batch allocates nothing.
    private var polarPoints: UnsafeMutablePointer<Double>?
    private var polarCapacity = 0

    private static let disableGSLAbort: Void = rllab_gsl_disable_abort()

    private static func generatorType(named name: String) -> UnsafePointer<gsl_rng_type>? {
        if name == "mt19937" { return rllab_gsl_rng_mt19937() }
        return generatorTypes.first { String(cString: $0.pointee.name) == name }
    }

    // MARK: Derived streams

    /// A new, independent source whose seed depends only on this source's seed and `label`.
    ///
    /// Derivation does not consume numbers from this source, so the order in which
    /// consumers are derived does not matter.
    public func derived(_ label: String) -> RandomSource {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a over the label's UTF-8 bytes
        for byte in label.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return makeSibling(seed: RandomSource.splitMix64(seed ^ RandomSource.splitMix64(hash)))
    }

    /// A new source seeded from the next numbers of this one (a child stream).
    ///
    /// Successive calls give different children; the sequence of children is fixed by
    /// this source's seed.
    public func spawn() -> RandomSource {
        let high = UInt64(nextUInt32())
        return makeSibling(seed: (high << 32) | UInt64(nextUInt32()))
    }

    private func makeSibling(seed: UInt64) -> RandomSource {
        // The generator name is known to be valid: it made this source.
        try! RandomSource(seed: seed, generator: generatorName)
    }

    static func splitMix64(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    // MARK: State

    /// The generator's whole state (GSL's state block, `gsl_rng_state` over
    /// `gsl_rng_size` bytes), from which ``restore(state:)`` continues the very same
    /// sequence: what a training checkpoint stores for every stream.
    ///
    /// GSL's generator states are plain values (arrays and counters, no pointers), so
    /// a byte copy is the state; `gsl_ran_gaussian` keeps no cached second variate.
    public var state: [UInt8] {
        let size = gsl_rng_size(rng)
        guard let base = gsl_rng_state(rng) else { return [] }
        return Array(UnsafeRawBufferPointer(start: base, count: size))
    }

    /// Continues from a state taken with ``state`` of a source of the same generator.
    ///
    /// - Throws: ``RandomSourceError/invalidArgument(_:)`` when `state` is not a state of
    ///   this generator (another size), e.g. from a damaged or foreign checkpoint.
    public func restore(state bytes: [UInt8]) throws {
        let size = gsl_rng_size(rng)
        guard bytes.count == size, let base = gsl_rng_state(rng) else {
            throw RandomSourceError.invalidArgument(
                "a saved state of \(bytes.count) bytes is not a state of generator \(generatorName) (\(size) bytes)")
        }
        if generatorName == "mt19937" {
            // GSL's `mt19937_state_t` is `unsigned long mt[624]; int mti;`: an index out of
            // 0...624 would make the next draw read outside the array.
            let offset = 624 * MemoryLayout<UInt>.size
            let index = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int32.self) }
            guard (0...624).contains(index) else {
                throw RandomSourceError.invalidArgument("a saved mt19937 state has position \(index), outside 0...624 (damaged file?)")
            }
        }
        bytes.withUnsafeBytes { base.copyMemory(from: $0.baseAddress!, byteCount: size) }
    }

    // MARK: Sampling

    /// The generator's next raw output (`gsl_rng_get`).
    @inline(__always)
    public func next() -> UInt {
        gsl_rng_get(rng)
    }

    /// The next raw output reduced to 32 bits (every GSL generator's range fits 32 bits).
    @inline(__always)
    public func nextUInt32() -> UInt32 {
        UInt32(truncatingIfNeeded: gsl_rng_get(rng))
    }

    /// A double uniform in [0, 1) (`gsl_rng_uniform`).
    @inline(__always)
    public func uniform() -> Double {
        gsl_rng_uniform(rng)
    }

    /// A double uniform in (0, 1) (`gsl_rng_uniform_pos`), safe for logarithms.
    @inline(__always)
    public func uniformPositive() -> Double {
        gsl_rng_uniform_pos(rng)
    }

    /// A double uniform in [`low`, `high`).
    @inline(__always)
    public func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * gsl_rng_uniform(rng)
    }

    /// An integer uniform in `0..<count` (`gsl_rng_uniform_int`).
    ///
    /// - Throws: ``RandomSourceError/invalidArgument(_:)`` when `count` is not positive
    ///   or exceeds the generator's range (GSL itself would abort the process).
    public func uniformInt(below count: Int) throws -> Int {
        guard count > 0 else {
            throw RandomSourceError.invalidArgument("uniformInt(below:) needs a positive count, got \(count)")
        }
        let range = gsl_rng_max(rng) - gsl_rng_min(rng)
        guard UInt(count) - 1 <= range else {
            throw RandomSourceError.invalidArgument("uniformInt(below:) count \(count) exceeds the range of generator \(generatorName)")
        }
        return Int(gsl_rng_uniform_int(rng, UInt(count)))
    }

    /// An integer uniform in `0..<count` for a count already known to be valid.
    ///
    /// For hot loops whose count was validated once (action spaces, replay sizes).
    @inline(__always)
    public func uniformIndex(below count: Int) -> Int {
        Int(gsl_rng_uniform_int(rng, UInt(count)))
    }

    /// An integer uniform in `0..<count` (1 <= count <= 2^32), drawn the way numpy's legacy
    /// `RandomState.randint` (and so `np.random.choice`) draws it: each 32-bit output is
    /// masked to the smallest all-ones mask covering `count - 1` and rejected while it is
    /// above `count - 1`; `count == 1` consumes nothing.
    ///
    /// An `mt19937` source seeded with `s` (0 < s < 2^32) produces the 32-bit outputs of
    /// `np.random.seed(s)` (both seed MT19937 with `init_genrand`), so it draws the very
    /// integers numpy does: that is how the bootstrap reproduces rliable's resamples. For
    /// a generator with fewer than 32 output bits, counts must fit its range.
    @inline(__always)
    public func maskedIndex(below count: Int) -> Int {
        let largest = UInt32(truncatingIfNeeded: count - 1)
        if largest == 0 { return 0 }
        var mask = largest
        mask |= mask >> 1
        mask |= mask >> 2
        mask |= mask >> 4
        mask |= mask >> 8
        mask |= mask >> 16
        while true {
            let value = nextUInt32() & mask
            if value <= largest { return Int(value) }
        }
    }

    /// A Gaussian sample with the given mean and standard deviation (`gsl_ran_gaussian`).
    @inline(__always)
    public func gaussian(mean: Double = 0, standardDeviation: Double = 1) -> Double {
        mean + gsl_ran_gaussian(rng, standardDeviation)
    }

    /// Fills `out` with the numbers `out.count` calls of ``uniform()`` would return, in
    /// order, leaving the generator where those calls would.
    ///
    /// For mt19937 (every source RLLab makes) the words come straight from GSL's state
    /// block, without a library call per number (`rllab_mt19937_uniform`; the tests
    /// compare it with GSL's calls); other generators draw one by one.
    public func fillUniform(_ out: UnsafeMutableBufferPointer<Double>) {
        guard let base = out.baseAddress, !out.isEmpty else { return }
        if isFastMT19937, let state = gsl_rng_state(rng) { return rllab_mt19937_uniform(state, base, out.count) }
        for i in 0..<out.count { base[i] = gsl_rng_uniform(rng) }
    }

    /// Fills `out` with the numbers `out.count` calls of
    /// `gaussian(mean: 0, standardDeviation: standardDeviation)` would return, in order,
    /// leaving the generator where those calls would (as ``fillUniform(_:)``, directly from
    /// an mt19937 state block: `rllab_mt19937_gaussian`, GSL's polar method).
    public func fillGaussian(_ out: UnsafeMutableBufferPointer<Double>, standardDeviation: Double = 1) {
        guard let base = out.baseAddress, !out.isEmpty else { return }
        if isFastMT19937, let state = gsl_rng_state(rng) { return rllab_mt19937_gaussian(state, standardDeviation, base, out.count) }
        for i in 0..<out.count { base[i] = gsl_ran_gaussian(rng, standardDeviation) }
    }

    /// Writes `Float(gaussian(mean: mean, standardDeviation: standardDeviation))` of
    /// `count` draws, in order, to `out`: the floats the one-by-one calls give.
    ///
    /// For mt19937 the polar method's points are drawn in order here and GSL's transform
    /// (a logarithm, a division and a square root each) runs over pieces on the compute
    /// threads (each element computed alone, so the thread count changes no bit).
    func gaussianFloats(_ out: UnsafeMutablePointer<Float>, count: Int, mean: Double, standardDeviation: Double) {
        guard count > 0 else { return }
        guard isFastMT19937, let state = gsl_rng_state(rng) else {
            for i in 0..<count { out[i] = Float(mean + gsl_ran_gaussian(rng, standardDeviation)) }
            return
        }
        if polarCapacity < count {
            polarPoints?.deallocate()
            polarPoints = .allocate(capacity: 2 * count)
            polarCapacity = count
        }
        let points = polarPoints!
        rllab_mt19937_polar_points(state, points, count)
        // The transform costs tens of element-wise operations per number.
        ComputeThreads.forEachPiece(count: count, work: 16 * count) { r in
            rllab_polar_gaussian_floats(points + 2 * r.lowerBound, mean, standardDeviation, out + r.lowerBound, r.count)
        }
    }

    /// Draws `count` uniform numbers (``fillUniform(_:)``) in batches of at most 256 into
    /// a stack buffer and hands each batch with its offset to `body`: batch draws without
    /// an allocation.
    @inline(__always)
    func inBatches(_ count: Int, _ body: (_ offset: Int, _ numbers: UnsafeMutableBufferPointer<Double>) -> Void) {
        guard count > 0 else { return }
        withUnsafeTemporaryAllocation(of: Double.self, capacity: Swift.min(count, 256)) { buffer in
            var offset = 0
            while offset < count {
                let batch = UnsafeMutableBufferPointer(rebasing: buffer[0..<Swift.min(buffer.count, count - offset)])
                fillUniform(batch)
                body(offset, batch)
                offset += batch.count
            }
        }
    }

    /// Writes a dropout mask of `count` elements to `out`: element `i` is 0 when the `i`-th
    /// of `count` calls of ``uniform()`` would return less than `rate`, else `keep`. Leaves
    /// the generator where those calls would.
    ///
    /// For mt19937 the words are turned into the mask in one pass over GSL's state block
    /// (`rllab_mt19937_dropout_mask`), without the numbers in between.
    func fillDropoutMask(_ out: UnsafeMutablePointer<Float>, count: Int, rate: Double, keep: Float) {
        guard count > 0 else { return }
        if isFastMT19937, let state = gsl_rng_state(rng) { return rllab_mt19937_dropout_mask(state, rate, keep, out, count) }
        for i in 0..<count { out[i] = gsl_rng_uniform(rng) < rate ? 0 : keep }
    }

    /// A Bernoulli trial that is `true` with probability `p`.
    @inline(__always)
    public func bernoulli(_ p: Double) -> Bool {
        gsl_rng_uniform(rng) < p
    }

    /// Shuffles `elements` in place with the Fisher-Yates algorithm GSL uses in
    /// `gsl_ran_shuffle` (same draws, same result).
    ///
    /// Specialized for indices, which the agents shuffle for every minibatch pass (the
    /// unspecialized generic swaps cost about 150 ns an element there).
    @_specialize(exported: true, where T == Int)
    public func shuffle<T>(_ elements: inout [T]) {
        let n = elements.count
        guard n > 1 else { return }
        elements.withUnsafeMutableBufferPointer { buffer in
            var i = n - 1
            while i > 0 {
                let j = Int(gsl_rng_uniform_int(rng, UInt(i + 1)))
                buffer.swapAt(i, j)
                i -= 1
            }
        }
    }

    /// A random permutation of `0..<count`.
    public func permutation(_ count: Int) -> [Int] {
        var indices = Array(0..<max(0, count))
        shuffle(&indices)
        return indices
    }
}
