import CGymKernels
import Foundation
import LabCore

/// N CartPoles in structure-of-arrays form, bit-exact with N scalar ``CartPole``s
/// (behind the registry's `TimeLimit`) copy by copy, with next-step autoreset.
///
/// The state of copy `i` is `x[i], xDot[i], theta[i], thetaDot[i]` in float64; a step
/// runs the scalar environment's float64 operations in the same order for each copy,
/// so every observation, reward and flag matches a scalar ``CartPole`` given the same
/// seeds and actions. Each copy has its own random stream (seeded `seed + i`), so
/// splitting the copies over ``threads`` threads gives the same results as one thread.
///
/// Stepping does not allocate: the state lives in buffers allocated once.
public final class CartPoleVector: VectorEnvironment {
    public let count: Int
    public let singleObservationSpace: Space
    public let singleActionSpace: Space = .discrete(Discrete(2))
    public let observationWidth = 4
    /// The time limit (Gymnasium's `max_episode_steps`), or nil for none.
    public let maxEpisodeSteps: Int?
    /// Whether rewards follow Sutton and Barto (0 per step, -1 on failure).
    public let suttonBartoReward: Bool
    /// Threads the copies are split over in `step` (1: the calling thread).
    public let threads: Int

    public private(set) var observations: [Float]
    public private(set) var rewards: [Double]
    public private(set) var terminations: [Bool]
    public private(set) var truncations: [Bool]

    // Structure of arrays, allocated once; threads write disjoint ranges.
    private let x: UnsafeMutablePointer<Double>
    private let xDot: UnsafeMutablePointer<Double>
    private let theta: UnsafeMutablePointer<Double>
    private let thetaDot: UnsafeMutablePointer<Double>
    private let elapsed: UnsafeMutablePointer<Int>
    private let autoreset: UnsafeMutablePointer<Bool>
    /// Scratch for one step's `sin(theta)` and `cos(theta)`.
    private let sines: UnsafeMutablePointer<Double>
    private let cosines: UnsafeMutablePointer<Double>
    private let randoms: [EnvironmentRandom]
    private var hasReset = false
    /// The threads of a multi-threaded step (nil: step on the calling thread).
    private let pool: WorkerPool?

    /// Creates `count` CartPoles.
    ///
    /// - Parameters:
    ///   - maxEpisodeSteps: Truncate after this many steps (500 for `CartPole-v1`), nil for no limit.
    ///   - threads: Threads to split the copies over in each step; results do not depend on it.
    /// - Throws: ``EnvironmentError`` for `count < 1`, `threads < 1` or a non-positive limit.
    public init(count: Int, maxEpisodeSteps: Int? = 500, suttonBartoReward: Bool = false, threads: Int = 1) throws {
        guard count >= 1 else { throw EnvironmentError(.invalidOptionValue, "CartPoleVector needs at least one copy, got \(count)") }
        guard threads >= 1 else { throw EnvironmentError(.invalidOptionValue, "threads must be at least 1, got \(threads)") }
        if let limit = maxEpisodeSteps, limit < 1 {
            throw EnvironmentError(.invalidOptionValue, "max_episode_steps must be positive, got \(limit)")
        }
        self.count = count
        self.maxEpisodeSteps = maxEpisodeSteps
        self.suttonBartoReward = suttonBartoReward
        // More threads than copies would leave threads with nothing to do.
        self.threads = min(threads, count)
        // Adaptive: a step is tens of microseconds, and whether a second thread speeds it up
        // or (with another process on a core) slows it down is measured, not guessed.
        pool = self.threads > 1 ? WorkerPool(parts: self.threads, adaptive: true) : nil
        singleObservationSpace = CartPole().observationSpace
        observations = [Float](repeating: 0, count: count * 4)
        rewards = [Double](repeating: 0, count: count)
        terminations = [Bool](repeating: false, count: count)
        truncations = [Bool](repeating: false, count: count)
        func buffer<T>(_ value: T) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: count)
            p.initialize(repeating: value, count: count)
            return p
        }
        x = buffer(0.0); xDot = buffer(0.0); theta = buffer(0.0); thetaDot = buffer(0.0)
        elapsed = buffer(0)
        autoreset = buffer(false)
        sines = buffer(0.0); cosines = buffer(0.0)
        randoms = (0..<count).map { _ in EnvironmentRandom() }
    }

    deinit {
        x.deallocate(); xDot.deallocate(); theta.deallocate(); thetaDot.deallocate()
        elapsed.deallocate(); autoreset.deallocate(); sines.deallocate(); cosines.deallocate()
    }

    public func reset(seed: UInt64?, options: Info?) throws {
        let (low, high) = try resetBounds(options, defaultLow: -0.05, defaultHigh: 0.05)
        let columns = [x, xDot, theta, thetaDot]
        for i in 0..<count {
            try randoms[i].reseed(seed.map { $0 &+ UInt64(i) })
            resetCopy(i, low: low, high: high)
            rewards[i] = 0
            terminations[i] = false
            truncations[i] = false
            autoreset[i] = false
            for (k, column) in columns.enumerated() { observations[4 * i + k] = Float(column[i]) }
        }
        hasReset = true
    }

    public func step(discrete actions: [Int]) throws {
        try checkActionCount(actions.count, count)
        guard hasReset else {
            throw EnvironmentError(.resetNeeded, "call reset() on the vector environment before step()")
        }
        // Validate before touching any state, so a bad batch leaves every copy as it was.
        // A branch-free pass over the batch first (it vectorizes); the slow search for the
        // culprit only runs when something is wrong.
        let invalidBits = actions.withUnsafeBufferPointer { a in
            var bits = 0
            for i in 0..<count { bits |= (a[i] & ~1) & (autoreset[i] ? 0 : ~0) }
            return bits
        }
        if invalidBits != 0 {
            for i in 0..<count where !autoreset[i] && actions[i] != 0 && actions[i] != 1 {
                throw EnvironmentError(.invalidAction, "copy \(i): " + EnvironmentError.invalidAction(.discrete(actions[i]), space: singleActionSpace).message)
            }
        }
        actions.withUnsafeBufferPointer { actions in
            observations.withUnsafeMutableBufferPointer { observations in
                rewards.withUnsafeMutableBufferPointer { rewards in
                    terminations.withUnsafeMutableBufferPointer { terminations in
                        truncations.withUnsafeMutableBufferPointer { truncations in
                            let out = Outputs(
                                actions: actions.baseAddress!, observations: observations.baseAddress!, rewards: rewards.baseAddress!,
                                terminations: terminations.baseAddress!, truncations: truncations.baseAddress!)
                            if let pool {
                                // Chunks of whole AVX-512 (and AVX2) lanes, claimed dynamically (a preempted thread
                                // holds up at most its current chunk), large enough that claiming stays cheap.
                                // Copies are independent: a step run alone is one range, as with one thread.
                                pool.run(count: count, alignment: 8, minimumChunk: Self.minimumChunk, wholeWhenAlone: true) { range in
                                    self.stepRange(range, out)
                                }
                            } else {
                                stepRange(0..<count, out)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Copies below which a chunk of a threaded step is not worth claiming separately.
    static let minimumChunk = 64

    /// The output buffers of one step, shared by the threads (each writes its own range).
    private struct Outputs: @unchecked Sendable {
        let actions: UnsafePointer<Int>
        let observations: UnsafeMutablePointer<Float>
        let rewards: UnsafeMutablePointer<Double>
        let terminations: UnsafeMutablePointer<Bool>
        let truncations: UnsafeMutablePointer<Bool>
    }

    /// Steps copies `range`: the scalar ``CartPole/step(_:)`` and ``TimeLimit`` in SoA form.
    ///
    /// Three passes: autoresets (rare, branchy), then `sincos` of every angle into a
    /// scratch buffer, then the arithmetic and flags without branches or calls, so the
    /// out-of-order core overlaps the copies' division chains (the step is latency-bound
    /// otherwise). A resetting copy's arithmetic is computed and discarded.
    @inline(__always)
    private func stepRange(_ range: Range<Int>, _ out: Outputs) {
        let limit = maxEpisodeSteps ?? .max
        let rewardAlive = suttonBartoReward ? 0.0 : 1.0
        let rewardTerminal = suttonBartoReward ? -1.0 : 1.0
        for i in range where autoreset[i] {
            // Gymnasium's autoreset calls `env.reset()`: no seed, no options.
            resetCopy(i, low: -0.05, high: 0.05)
        }
        for i in range {
            sineAndCosine(theta[i], sine: sines + i, cosine: cosines + i)
        }
        // AVX-512 or AVX2 lanes where the CPU has them and `RLLAB_ISA` allows them
        // (bit-identical; see cartpole_kernel.h), then this loop for the rest.
        var constants = RLLabCartPoleConstants(
            gravity: CartPole.gravity, massPole: CartPole.massPole, totalMass: CartPole.totalMass, length: CartPole.length,
            poleMassLength: CartPole.poleMassLength, forceMagnitude: CartPole.forceMagnitude, tau: CartPole.tau,
            xThreshold: CartPole.xThreshold, thetaThresholdRadians: CartPole.thetaThresholdRadians,
            rewardAlive: rewardAlive, rewardTerminal: rewardTerminal, limit: limit)
        let start = range.lowerBound
        let vectorized = rllab_cartpole_step_vector(
            Int32(CPUFeatures.level.rawValue), &constants, range.count, sines + start, cosines + start, out.actions + start, x + start, xDot + start,
            theta + start, thetaDot + start, elapsed + start, autoreset + start, out.rewards + start,
            out.terminations + start, out.truncations + start, out.observations + 4 * start)
        for i in (start + vectorized)..<range.upperBound {
            let resetting = autoreset[i]
            let next = CartPole.eulerStep(x: x[i], xDot: xDot[i], theta: theta[i], thetaDot: thetaDot[i],
                                          sinTheta: sines[i], cosTheta: cosines[i], pushRight: out.actions[i] == 1)
            let steps = elapsed[i] + 1
            let terminated = !resetting && next.terminated
            let truncated = !resetting && steps >= limit
            if !resetting {
                x[i] = next.x; xDot[i] = next.xDot; theta[i] = next.theta; thetaDot[i] = next.thetaDot
                elapsed[i] = steps
            }
            out.rewards[i] = resetting ? 0 : (terminated ? rewardTerminal : rewardAlive)
            out.terminations[i] = terminated
            out.truncations[i] = truncated
            autoreset[i] = terminated || truncated
            let o = out.observations + 4 * i
            o[0] = Float(x[i]); o[1] = Float(xDot[i]); o[2] = Float(theta[i]); o[3] = Float(thetaDot[i])
        }
    }

    /// Draws a fresh state for copy `i` exactly as ``CartPole/reset(seed:options:)``.
    @inline(__always)
    private func resetCopy(_ i: Int, low: Double, high: Double) {
        (x[i], xDot[i], theta[i], thetaDot[i]) = CartPole.drawState(randoms[i].source, low: low, high: high)
        elapsed[i] = 0
    }

    /// The float64 state `x, x_dot, theta, theta_dot` of copy `index` (tests compare it
    /// with a scalar CartPole's ``CartPole/internalState``).
    public func internalState(of index: Int) -> [Double] {
        [x[index], xDot[index], theta[index], thetaDot[index]]
    }
}

extension CartPoleVector: StateArchiving {
    public func archive(into archive: inout StateArchive, prefix: String) {
        for (name, column) in zip(["x", "x_dot", "theta", "theta_dot"], [x, xDot, theta, thetaDot]) {
            archive.set("\(prefix).\(name)", float64: Array(UnsafeBufferPointer(start: column, count: count)))
        }
        archive.set("\(prefix).elapsed", ints: Array(UnsafeBufferPointer(start: elapsed, count: count)))
        archive.set("\(prefix).autoreset", bools: Array(UnsafeBufferPointer(start: autoreset, count: count)))
        archive.set("\(prefix).has_reset", hasReset)
        archive.set("\(prefix).observations", float32: observations)
        archive.set("\(prefix).rewards", float64: rewards)
        archive.set("\(prefix).terminations", bools: terminations)
        archive.set("\(prefix).truncations", bools: truncations)
        for (i, random) in randoms.enumerated() { random.archive(into: &archive, prefix: "\(prefix).copy.\(i)") }
    }

    /// Checks every array's size before changing any copy.
    public func restore(from archive: StateArchive, prefix: String) throws {
        let columns = try ["x", "x_dot", "theta", "theta_dot"].map { try archive.float64("\(prefix).\($0)", count: count) }
        let steps = try archive.ints("\(prefix).elapsed", count: count)
        let resetting = try archive.bools("\(prefix).autoreset", count: count)
        let has = try archive.bool("\(prefix).has_reset")
        let savedObservations = try archive.float32("\(prefix).observations", count: observations.count)
        let savedRewards = try archive.float64("\(prefix).rewards", count: count)
        let savedTerminations = try archive.bools("\(prefix).terminations", count: count)
        let savedTruncations = try archive.bools("\(prefix).truncations", count: count)
        if let bad = steps.first(where: { $0 < 0 || $0 > (maxEpisodeSteps ?? .max) }) {
            throw StateArchiveError("\(archive.source): a copy's elapsed steps \(bad) are outside its time limit")
        }
        for (i, random) in randoms.enumerated() { try random.restore(from: archive, prefix: "\(prefix).copy.\(i)") }
        for (pointer, column) in zip([x, xDot, theta, thetaDot], columns) {
            column.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
        }
        for i in 0..<count {
            elapsed[i] = steps[i]
            autoreset[i] = resetting[i]
        }
        hasReset = has
        observations = savedObservations
        rewards = savedRewards
        terminations = savedTerminations
        truncations = savedTruncations
    }
}
