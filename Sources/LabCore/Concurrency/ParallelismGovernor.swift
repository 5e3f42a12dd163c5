/// Decides, job by job, whether a ``WorkerPool`` shares its jobs with its workers or runs
/// them on the calling thread alone, from the throughput it measures in each mode.
///
/// Why measure: whether a second thread pays depends on what else the machine runs. On
/// idle cores the workers speed each job up; when another process keeps a core busy, a
/// worker that the kernel preempts in the middle of a chunk holds the whole job until it
/// runs again, and a pool of N threads can be slower than one thread. Neither case can be
/// told from the pool's own state, but the time per unit of work in each mode can be
/// measured, and the faster mode kept.
///
/// How: the governor exploits one mode for a stretch of wall time, then explores the
/// other for a short slice, and switches only when the other was faster by more than
/// ``margin`` (hysteresis: measurement noise does not make it flip back and forth). Each
/// time exploring confirms the current mode, the next stretch doubles (up to
/// ``longestStretch``), so a steady situation costs less and less exploring; a switch
/// starts again from ``shortestStretch``. A mode's time per unit is the sum of its jobs'
/// durations over the units of work they did, so the caller's own work between jobs (an
/// agent's update, say) does not count against either mode. The other mode's estimate
/// is averaged over its last two slices, so one lucky slice does not cause a switch.
///
/// A stall is acted on at once rather than averaged: the pool reports a parallel job whose
/// caller waited for a worker's chunk longer than the job takes alone and than half a
/// millisecond (the worker was preempted, and may not run again for a scheduler slice,
/// hundreds of steps). Then the
/// governor leaves the parallel mode at that job (or ends a parallel exploration slice
/// there), for a backoff that doubles while stalls keep coming (``shortestBackoff`` up to
/// ``longestStretch``) and starts again from the shortest only after ``stallFreeReset`` of
/// parallel running without one. So a lull that makes the parallel mode look faster costs
/// at most one stall before the governor is back on the calling thread, and exploring the
/// parallel mode under steady contention costs one stall per (growing) backoff.
///
/// The governor only ever changes which threads run a job's chunks, never the chunks, so
/// results do not depend on its decisions. It is a value with no clock of its own: the
/// pool passes the time in, and tests drive it with a simulated clock.
struct ParallelismGovernor {
    /// How a job runs.
    enum Mode: Int, Sendable {
        /// Split over the pool's threads.
        case parallel = 0
        /// On the calling thread alone, the workers asleep.
        case alone = 1

        var other: Mode { self == .parallel ? .alone : .parallel }
    }

    /// The first stretch in a mode after a switch (nanoseconds).
    let shortestStretch: UInt64
    /// The longest stretch in a mode between two explorations (nanoseconds).
    let longestStretch: UInt64
    /// How long the other mode is tried (nanoseconds).
    let exploreSlice: UInt64
    /// The fewest jobs a stretch or a slice measures before it may end.
    let leastJobs: Int
    /// How much faster (as a fraction of the time per unit) the other mode must be to be
    /// chosen.
    let margin: Double
    /// The first time alone after a stall (nanoseconds): short, since on idle cores a
    /// stall is a passing interrupt and the parallel mode is soon faster again.
    let shortestBackoff: UInt64
    /// Parallel running without a stall after which the stall backoff starts again from
    /// ``shortestBackoff`` (nanoseconds).
    let stallFreeReset: UInt64

    /// The mode the governor keeps between explorations.
    private(set) var chosen: Mode = .parallel
    /// Whether the current phase tries the other mode.
    private(set) var exploring = false
    /// Switches of ``chosen`` so far, and jobs run in each mode (diagnostics and tests).
    private(set) var switches = 0
    private(set) var jobs: (parallel: Int, alone: Int) = (0, 0)
    /// Stalls reported so far (diagnostics and tests).
    private(set) var stalls = 0

    private var stretch: UInt64
    /// When the current phase began (0: no phase yet).
    private var phaseStart: UInt64 = 0
    private var phaseJobs = 0
    private var phaseNanoseconds: UInt64 = 0
    private var phaseUnits: UInt64 = 0
    /// Nanoseconds per unit of work measured in each mode (nil: not measured yet).
    private var estimate: [Double?] = [nil, nil]
    /// The stretch alone that the next stall sends the governor to.
    private var backoff: UInt64
    /// When the governor last chose the parallel mode, and when it last stalled (0: never).
    private var parallelSince: UInt64 = 0
    private var lastStall: UInt64 = 0

    /// The defaults suit steps of tens of microseconds: a slice of 10 ms holds hundreds
    /// of jobs and several scheduler time slices, so a preempted worker shows in it.
    init(shortestStretch: UInt64 = 40_000_000, longestStretch: UInt64 = 640_000_000,
         exploreSlice: UInt64 = 10_000_000, leastJobs: Int = 8, margin: Double = 0.05,
         shortestBackoff: UInt64 = 10_000_000, stallFreeReset: UInt64 = 1_000_000_000) {
        self.shortestStretch = shortestStretch
        self.longestStretch = Swift.max(shortestStretch, longestStretch)
        self.exploreSlice = exploreSlice
        self.leastJobs = Swift.max(1, leastJobs)
        self.margin = margin
        self.shortestBackoff = Swift.min(shortestBackoff, self.longestStretch)
        self.stallFreeReset = stallFreeReset
        stretch = shortestStretch
        backoff = self.shortestBackoff
    }

    /// The time one job of `units` units is expected to take on the calling thread alone
    /// (nanoseconds; nil until the alone mode has been measured). The pool's measure of a
    /// stall.
    func aloneEstimate(units: Int) -> Double? {
        estimate[Mode.alone.rawValue].map { $0 * Double(Swift.max(1, units)) }
    }

    /// The mode the next job runs in, at time `now`.
    var mode: Mode { exploring ? chosen.other : chosen }

    /// Called before a job, at time `now` (nanoseconds): ends the current phase if it has
    /// lasted long enough, and returns the mode the job runs in.
    mutating func begin(now: UInt64) -> Mode {
        if phaseStart == 0 {
            phaseStart = now
            parallelSince = now
        } else if phaseJobs >= leastJobs && now &- phaseStart >= (exploring ? exploreSlice : stretch) {
            endPhase(now: now)
        }
        return mode
    }

    /// Called after ``end(units:nanoseconds:)`` for a parallel job in which the caller
    /// waited for a worker's chunk longer than the job takes alone, at time `now`: ends the
    /// parallel stretch or slice at once and runs alone for the stall backoff.
    mutating func stalled(now: UInt64) {
        guard mode == .parallel else { return }
        stalls += 1
        // Doubles while stalls keep coming; from the shortest again after a long stall-free
        // parallel run (the machine became idle again).
        let stallFree = chosen == .parallel && now &- Swift.max(lastStall, parallelSince) >= stallFreeReset
        backoff = lastStall == 0 || stallFree ? shortestBackoff : Swift.min(2 * backoff, longestStretch)
        lastStall = now
        // The estimates stay those of whole phases: the backoff is the stall's answer, and a
        // stall-free slice after it may show the parallel mode faster again at once (on an
        // idle machine, after an interrupt). The cut phase's measurements are dropped.
        if chosen == .parallel {
            chosen = .alone
            switches += 1
        }
        exploring = false
        stretch = backoff
        startPhase(now: now)
    }

    /// Called after a job of `units` units of work that ran in ``mode`` for `nanoseconds`.
    mutating func end(units: Int, nanoseconds: UInt64) {
        phaseJobs += 1
        phaseUnits &+= UInt64(Swift.max(1, units))
        phaseNanoseconds &+= nanoseconds
        if mode == .parallel { jobs.parallel += 1 } else { jobs.alone += 1 }
    }

    private mutating func endPhase(now: UInt64) {
        let measured = Double(phaseNanoseconds) / Double(Swift.max(1, phaseUnits))
        let current = mode.rawValue
        if exploring {
            // Averaged with the previous slice: one lucky slice (no preemption in it) alone
            // does not make the other mode look faster.
            let other = estimate[current].map { ($0 + measured) / 2 } ?? measured
            estimate[current] = other
            if let kept = estimate[chosen.rawValue], other < kept * (1 - margin) {
                chosen = chosen.other
                switches += 1
                stretch = shortestStretch
                if chosen == .parallel { parallelSince = now }
                // The mode just left keeps the estimate its stretch measured; the new one
                // starts from its slices' average until its own stretch measures it.
            } else {
                stretch = Swift.min(2 * stretch, longestStretch)
            }
            exploring = false
        } else {
            estimate[current] = measured
            exploring = true
        }
        startPhase(now: now)
    }

    private mutating func startPhase(now: UInt64) {
        phaseStart = now
        phaseJobs = 0
        phaseUnits = 0
        phaseNanoseconds = 0
    }
}
