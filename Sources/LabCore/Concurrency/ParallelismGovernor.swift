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
/// A stall is acted on at once rather than averaged: when the pool reports a parallel job
/// that took longer than the job takes alone and than half a millisecond (a thread was
/// preempted in it, and may not run again for a scheduler slice), the governor leaves the
/// parallel mode (or ends a parallel exploration slice) for a backoff that doubles while
/// stalls keep coming (``shortestBackoff`` up to ``longestStretch``). The backoff starts
/// again from the shortest when the parallel run that ended in the stall paid for it:
/// four times the run in which the parallel speed-up makes up the stall's cost, at least
/// two slices and at most ``stallFreeReset``. So under steady contention a stall comes once
/// per (growing) backoff, and on idle cores, where a compiler or a daemon still stalls a
/// job every few hundred milliseconds, each stall costs one short backoff (a fixed
/// one-second reset let those grow the backoff to its longest). A stall says nothing about
/// throughput, so a return to the parallel mode after its backoff resumes the stretch it
/// cut short (up to four shortest stretches).
///
/// A probe of the parallel mode also needs a core for the worker: when one is due (or a
/// return after a backoff), the governor asks the pool whether the machine has had an
/// idle core meanwhile; if not, the worker would only stall the job, so the governor stays
/// alone and asks again after ``shortestStretch``. Under steady contention the pool so
/// runs like one thread, and it returns to the parallel mode within about a stretch of a
/// core becoming free.
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
    /// The longest parallel run without a stall that the stall backoff may ask for before
    /// it starts again from ``shortestBackoff`` (nanoseconds).
    let stallFreeReset: UInt64

    /// The mode the governor keeps between explorations.
    private(set) var chosen: Mode
    /// Whether the current phase tries the other mode.
    private(set) var exploring = false
    /// Switches of ``chosen`` so far, and jobs run in each mode (diagnostics and tests).
    private(set) var switches = 0
    private(set) var jobs: (parallel: Int, alone: Int) = (0, 0)
    /// Stalls reported so far (diagnostics and tests).
    private(set) var stalls = 0
    /// Probes of the parallel mode skipped because no core was idle (diagnostics and tests).
    private(set) var skippedProbes = 0
    /// Time (nanoseconds) and units of work of the jobs run in each mode (diagnostics).
    private(set) var nanoseconds: (parallel: UInt64, alone: UInt64) = (0, 0)
    private(set) var units: (parallel: UInt64, alone: UInt64) = (0, 0)

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
    /// Whether any stall has been reported yet.
    private var stalledBefore = false
    /// The mode of the last job, and when the current run of parallel jobs began.
    private var lastMode: Mode?
    private var parallelRunStart: UInt64 = 0
    /// The stretch the next switch to the parallel mode starts with: the one a stall cut
    /// short, or ``shortestStretch`` once throughput has found the parallel mode slower.
    private var parallelResumeStretch: UInt64

    /// The defaults suit steps of tens of microseconds: a slice of 10 ms holds hundreds
    /// of jobs and several scheduler time slices, so a preempted worker shows in it.
    ///
    /// `initial` is the mode of the first stretch. A pool starts ``Mode/alone``: its first
    /// question for an idle core then comes after a whole stretch, long enough for the
    /// gauge to judge, so under contention its worker never wakes (started parallel, a
    /// fresh pool on a busy machine stalled 2-4 times in its first second, the backoffs
    /// too short for the gauge). On idle cores the alone start costs one stretch.
    init(shortestStretch: UInt64 = 40_000_000, longestStretch: UInt64 = 640_000_000,
         exploreSlice: UInt64 = 10_000_000, leastJobs: Int = 8, margin: Double = 0.05,
         shortestBackoff: UInt64 = 10_000_000, stallFreeReset: UInt64 = 200_000_000, initial: Mode = .parallel) {
        chosen = initial
        self.shortestStretch = shortestStretch
        self.longestStretch = Swift.max(shortestStretch, longestStretch)
        self.exploreSlice = exploreSlice
        self.leastJobs = Swift.max(1, leastJobs)
        self.margin = margin
        self.shortestBackoff = Swift.min(shortestBackoff, self.longestStretch)
        self.stallFreeReset = stallFreeReset
        stretch = shortestStretch
        backoff = self.shortestBackoff
        parallelResumeStretch = shortestStretch
    }

    /// The time one job of `units` units is expected to take in `mode` (nanoseconds; nil
    /// until that mode has been measured). The pool's measure of a stall.
    func estimate(_ mode: Mode, units: Int) -> Double? {
        estimate[mode.rawValue].map { $0 * Double(Swift.max(1, units)) }
    }

    /// The mode the next job runs in, at time `now`.
    var mode: Mode { exploring ? chosen.other : chosen }

    /// Called before a job, at time `now` (nanoseconds): ends the current phase if it has
    /// lasted long enough, and returns the mode the job runs in. `idleCore` tells whether a
    /// core has been idle since the governor last ran alone or asked (a worker could run
    /// there); it is called only when a stretch alone ends and the parallel mode is next.
    mutating func begin(now: UInt64, idleCore: () -> Bool = { true }) -> Mode {
        if phaseStart == 0 {
            phaseStart = now
        } else if phaseJobs >= leastJobs && now &- phaseStart >= (exploring ? exploreSlice : stretch) {
            endPhase(now: now, idleCore: idleCore)
        }
        if mode == .parallel && lastMode != .parallel { parallelRunStart = now }
        lastMode = mode
        return mode
    }

    /// Called after ``end(units:nanoseconds:)`` for a parallel job that stalled (a thread
    /// was preempted in it: the job took longer than it takes alone), at time `now`; `cost`
    /// is the time the stall cost the job (nanoseconds). Ends the parallel stretch or slice
    /// at once and runs alone for the stall backoff.
    mutating func stalled(now: UInt64, cost: UInt64) {
        guard mode == .parallel else { return }
        stalls += 1
        // Doubles while stalls keep coming; from the shortest again when the parallel run
        // before this stall paid for it (a passing disturbance on idle cores).
        let run = now &- parallelRunStart
        backoff = !stalledBefore || runPaysForStall(run: run, cost: cost)
            ? shortestBackoff : Swift.min(2 * backoff, longestStretch)
        stalledBefore = true
        // The estimates stay those of whole phases: the backoff is the stall's answer, and a
        // stall-free slice after it may show the parallel mode faster again at once (on an
        // idle machine, after an interrupt). The cut phase's measurements are dropped.
        if chosen == .parallel {
            chosen = .alone
            switches += 1
            // Throughput still favours the parallel mode as much as before the stall.
            parallelResumeStretch = Swift.min(stretch, 4 * shortestStretch)
        }
        exploring = false
        stretch = backoff
        startPhase(now: now)
    }

    /// Whether a parallel run of `run` nanoseconds without a stall paid for a stall that
    /// cost `cost` nanoseconds (see the type's notes): then the stall was a passing event.
    func runPaysForStall(run: UInt64, cost: UInt64) -> Bool {
        var needed = Double(stallFreeReset)
        if let parallel = estimate[Mode.parallel.rawValue], let alone = estimate[Mode.alone.rawValue], parallel < alone {
            // In a run of t the parallel mode gains t (1 - parallel / alone) of alone time;
            // it makes up the cost at t = cost parallel / (alone - parallel).
            let breakEven = Double(cost) * parallel / (alone - parallel)
            needed = Swift.min(needed, Swift.max(2 * Double(exploreSlice), 4 * breakEven))
        }
        return Double(run) >= needed
    }

    /// Called after a job of `units` units of work that ran in ``mode`` for `nanoseconds`.
    mutating func end(units: Int, nanoseconds: UInt64) {
        phaseJobs += 1
        phaseUnits &+= UInt64(Swift.max(1, units))
        phaseNanoseconds &+= nanoseconds
        if mode == .parallel {
            jobs.parallel += 1
            self.nanoseconds.parallel &+= nanoseconds
            self.units.parallel &+= UInt64(Swift.max(1, units))
        } else {
            jobs.alone += 1
            self.nanoseconds.alone &+= nanoseconds
            self.units.alone &+= UInt64(Swift.max(1, units))
        }
    }

    private mutating func endPhase(now: UInt64, idleCore: () -> Bool) {
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
                if chosen == .parallel {
                    stretch = parallelResumeStretch
                } else {
                    // Measured slower: the next return to the parallel mode is explored soon.
                    stretch = shortestStretch
                    parallelResumeStretch = shortestStretch
                }
                // The mode just left keeps the estimate its stretch measured; the new one
                // starts from its slices' average until its own stretch measures it.
            } else {
                stretch = Swift.min(2 * stretch, longestStretch)
            }
            exploring = false
        } else {
            estimate[current] = measured
            if chosen == .alone && !idleCore() {
                // No core for a worker: a probe would only stall. Stay alone; ask again soon.
                skippedProbes += 1
                stretch = shortestStretch
            } else {
                exploring = true
            }
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
