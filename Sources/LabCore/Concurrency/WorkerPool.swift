import CGSL
import Foundation
import Synchronization

/// Persistent threads that run one parallel job at a time, split into chunks that the
/// threads claim as they go.
///
/// A vector-environment step is short (tens of microseconds), and waking a sleeping
/// thread through the kernel costs about as much on a virtual machine, so idle workers
/// first poll for a while (pausing, then yielding the core to anything else that wants
/// it) and only then sleep on a semaphore: a job that arrives within that window starts
/// at once, and an idle pool costs nothing.
///
/// Work is split dynamically: a job is `chunks` pieces, and every thread, the calling one
/// included, claims the next unclaimed piece with an atomic counter until none is left.
/// A worker that is not running claims nothing, and the caller does its share.
///
/// What dynamic claiming cannot help is a worker that the kernel preempts in the middle
/// of a chunk (another process wants its core): the job cannot end before that chunk
/// does, and the worker may not run again for a scheduler time slice (milliseconds,
/// hundreds of steps). So the caller watches for it: when it has waited for another
/// thread's chunk much longer than its own chunks took, it sleeps (freeing its core for
/// the preempted worker) and then runs the next jobs alone for a while, with the workers
/// asleep, doubling that while such stalls keep coming (up to a quarter second). On a
/// busy machine the pool so costs little more than one thread; on an idle one it never
/// stalls and stays parallel. An adaptive pool (for streams of similar jobs) instead lets
/// a ``ParallelismGovernor`` choose between its workers and the calling thread alone by
/// measured throughput, stalls and idle cores (``IdleCoreGauge``), starting alone so that
/// a pool made on a busy machine never wakes its worker. Which thread runs a chunk never
/// changes a result. `RLLAB_POOL_STATS=1` in the environment makes an adaptive pool print
/// its jobs and time per mode, its stalls and its skipped probes to standard error when
/// it goes away (diagnostics).
public final class WorkerPool: @unchecked Sendable {
    /// Threads that work on each job, the calling thread included (1 runs jobs inline).
    public let parts: Int

    /// One worker thread's sleep state.
    private final class Worker: Sendable {
        let asleep = Atomic<Bool>(false)
        let wake = DispatchSemaphore(value: 0)
    }

    private let workers: [Worker]
    /// The current job in one word: its generation (high 24 bits), its chunk count (middle
    /// 20 bits) and its next unclaimed chunk (low 20 bits). A claim is a compare-and-swap
    /// of the whole word, so a thread that is late can never claim a chunk of a later job
    /// with an earlier one in mind, nor judge a job's chunks by another job's count.
    private let ticket = Atomic<UInt64>(0)
    private static let fieldBits: UInt64 = 20
    private static let fieldMask: UInt64 = (1 << fieldBits) - 1
    /// The most chunks one job can have.
    public static let maximumChunks = Int(fieldMask)
    /// Chunks of the current job that are finished.
    private let finished = Atomic<Int>(0)
    /// Set while the calling thread sleeps until the last chunk finishes.
    private let callerAsleep = Atomic<Bool>(false)
    private let callerWake = DispatchSemaphore(value: 0)
    /// Set while the caller runs jobs alone: idle workers go to sleep at once rather than
    /// poll a core that another process wants.
    private let parked = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    private let exited = DispatchSemaphore(value: 0)
    /// The current job: written before its generation is published, read only by a thread
    /// holding a claimed chunk (the caller does not return, and so does not replace the
    /// job, before every claimed chunk has finished).
    private var job: (Int) -> Void = { _ in }
    /// The last generation published (the calling thread's own count).
    private var generation: UInt64 = 0

    // The caller's contention guard (only the calling thread reads or writes these).
    /// Until this time (``now()``, nanoseconds) jobs run on the calling thread alone.
    private var aloneUntil: UInt64 = 0
    /// How long the last stall sent the caller to run alone (and the base of the next).
    private(set) var backoff: UInt64
    /// The first such time after a stretch without stalls.
    private let shortestBackoff: UInt64
    /// When the pool last went back to running jobs in parallel.
    private var parallelSince: UInt64 = 0
    /// Stalls seen, for tests and diagnostics.
    private(set) var stalls = 0
    /// With adaptation: which mode each job runs in, chosen by measured throughput (then the
    /// stall backoff above is off: stalls go to the governor, which has its own).
    private(set) var governor: ParallelismGovernor?
    /// With adaptation: whether a core was idle while the caller ran alone (a worker
    /// probing the parallel mode needs one), and the mode of the last job.
    private var idleCores = IdleCoreGauge()
    private var lastMode: ParallelismGovernor.Mode?

    /// How long an idle worker polls with the CPU's pause hint, then with `sched_yield`
    /// (letting any other runnable thread have its core), before it sleeps (nanoseconds).
    private static let pauseWindow: UInt64 = 50_000
    private static let yieldWindow: UInt64 = 2_000_000
    /// The least time the caller waits for another thread's chunk before it counts the
    /// wait as a stall, whatever its own chunks took (a woken worker needs some
    /// microseconds to start on a virtual machine).
    private static let leastPatience: UInt64 = 50_000
    /// The least duration of a parallel job that an adaptive pool reports to its governor
    /// as a stall (nanoseconds). Measured on the 2-vCPU AMD EPYC VM under load
    /// (vector CartPole steps of 1024 copies, 4,183 waits): a worker that runs finishes
    /// its chunk within 64 µs of the caller, a preempted one after another process's time
    /// slice (2-32 ms); no wait fell in between. Half a millisecond separates the two.
    static let stallWait: UInt64 = 500_000
    /// Time alone after a stall: doubled on each stall up to the longest, back to the
    /// shortest (2 ms unless a test says otherwise) when the parallel run the stall ended
    /// lasted at least `backoffResetFactor` times the current backoff (a second at the
    /// longest): then the stall was a passing disturbance, not a contended core.
    private static let longestBackoff: UInt64 = 250_000_000
    private static let backoffResetFactor: UInt64 = 4

    /// A pool with `parts - 1` worker threads besides the caller (`parts` at least 1).
    ///
    /// With `adaptive`, the pool measures its throughput with and without its workers and
    /// keeps the faster (``ParallelismGovernor``): for a stream of similar jobs, such as a
    /// vector environment's steps, where a second thread must never cost. Without it, a
    /// stall sends the caller to run alone for a while (the stall backoff).
    public convenience init(parts: Int, adaptive: Bool = false) {
        self.init(parts: parts, shortestBackoff: 2_000_000, governor: adaptive ? ParallelismGovernor(initial: .alone) : nil)
    }

    /// A pool whose first time alone after a stall is `shortestBackoff` nanoseconds, or
    /// whose jobs' mode `governor` chooses.
    init(parts: Int, shortestBackoff: UInt64, governor: ParallelismGovernor? = nil) {
        self.parts = max(1, parts)
        self.shortestBackoff = shortestBackoff
        backoff = shortestBackoff
        self.governor = self.parts > 1 ? governor : nil
        workers = (1..<self.parts).map { _ in Worker() }
        // Not a strong (nor a checked unowned) reference, which would keep the pool alive
        // while the thread runs: `deinit` stops the threads and waits for them before the
        // pool's memory goes away. (An `unowned(unsafe)` capture is not enough: calling
        // `work` through it takes a strong reference for the call, which never returns, and
        // the pool and its threads leaked.)
        let unretained = Unmanaged.passUnretained(self)
        for index in workers.indices {
            let thread = Thread { unretained._withUnsafeGuaranteedRef { $0.work(index) } }
            thread.start()
        }
    }

    deinit {
        if let governor, ProcessInfo.processInfo.environment["RLLAB_POOL_STATS"] != nil {
            func spent(_ nanoseconds: UInt64, _ units: UInt64) -> String {
                String(format: "%.3f s, %.2f ns per unit", Double(nanoseconds) / 1e9, Double(nanoseconds) / Double(max(1, units)))
            }
            let line = "worker pool (\(parts) threads, adaptive): \(governor.jobs.parallel) jobs parallel ("
                + spent(governor.nanoseconds.parallel, governor.units.parallel) + "), \(governor.jobs.alone) alone ("
                + spent(governor.nanoseconds.alone, governor.units.alone) + "), \(governor.stalls) stalls, "
                + "\(governor.switches) switches, \(governor.skippedProbes) probes skipped (no idle core)\n"
            try? FileOutput.standardError.write(line)  // diagnostics: a closed stderr must not trap
        }
        stopping.store(true, ordering: .sequentiallyConsistent)
        generation &+= 1
        ticket.store((generation & 0xFF_FFFF) << (2 * Self.fieldBits), ordering: .sequentiallyConsistent)
        wakeSleepers()
        for _ in workers { exited.wait() }
    }

    /// The monotonic clock in nanoseconds (a vDSO call, tens of nanoseconds).
    @inline(__always)
    private static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    /// Runs `body(chunk)` for every chunk in `0..<chunks` on the pool's threads (the
    /// calling thread included), each chunk exactly once; returns when all are done.
    ///
    /// Which thread runs which chunk varies from call to call (and all run on the calling
    /// thread while other processes hold the cores): `body` must give the same result
    /// whatever thread runs a chunk (chunks write disjoint outputs).
    public func run(chunks: Int, _ body: (Int) -> Void) {
        run(chunks: chunks, units: chunks, wholeWhenAlone: false, body) {}
    }

    /// ``run(chunks:_:)`` for a job of `units` units of work (the governor's measure of
    /// throughput); with `wholeWhenAlone`, a job that the governor runs alone calls `whole`
    /// instead of each chunk.
    private func run(chunks: Int, units: Int, wholeWhenAlone: Bool, _ body: (Int) -> Void, whole: () -> Void) {
        let splits = chunks > 1 && parts > 1 && chunks <= Self.maximumChunks
        if splits && governor != nil {
            return runGoverned(chunks: chunks, units: units, wholeWhenAlone: wholeWhenAlone, body, whole: whole)
        }
        guard splits && !runsAlone() else {
            for chunk in 0..<max(0, chunks) { body(chunk) }
            return
        }
        // `body` lives on the caller's stack (no allocation); it is only reached through
        // `job` until every chunk has finished, and `job` lets go of it before returning.
        if withoutActuallyEscaping(body, do: { body in runParallel(chunks: chunks, body) }) { stalled() }
    }

    /// Runs a job in the mode the governor chooses and tells it how long the job took.
    private func runGoverned(chunks: Int, units: Int, wholeWhenAlone: Bool, _ body: (Int) -> Void, whole: () -> Void) {
        let start = Self.now()
        let mode = governor!.begin(now: start) {
            idleCores.hadIdleCore(now: start, idle: IdleCoreGauge.machineIdleSeconds())
        }
        if mode == .alone {
            if lastMode != .alone {
                // The idle time the gauge judges is the machine's while the workers sleep.
                idleCores.start(now: start, idle: IdleCoreGauge.machineIdleSeconds())
            }
            // Idle workers sleep at once rather than poll a core that another process wants.
            parked.store(true, ordering: .relaxed)
            if wholeWhenAlone { whole() } else { for chunk in 0..<chunks { body(chunk) } }
        } else {
            parked.store(false, ordering: .relaxed)
            _ = withoutActuallyEscaping(body) { body in runParallel(chunks: chunks, body) }
        }
        lastMode = mode
        let end = Self.now()
        let duration = end &- start
        governor!.end(units: units, nanoseconds: duration)
        // A parallel job longer than it takes alone, and than a scheduler's time slice
        // begins to be, had a thread preempted in it: the caller waiting for a worker's
        // chunk, or the caller itself in its own chunk with the workers' done (both happen
        // when another process wants a core). A stall, acted on at once: the next jobs run
        // alone (the governor's stall backoff).
        if mode == .parallel && duration >= Self.stallWait
            && Double(duration) > (governor!.estimate(.alone, units: units) ?? 0) {
            stalls += 1
            let usual = governor!.estimate(.parallel, units: units) ?? 0
            governor!.stalled(now: end, cost: UInt64(Swift.max(0, Double(duration) - usual)))
        }
    }

    /// Whether the caller is backing off after a stall (and should run this job alone).
    @inline(__always)
    private func runsAlone() -> Bool {
        guard aloneUntil != 0 else { return false }
        let time = Self.now()
        if time < aloneUntil { return true }
        aloneUntil = 0
        parallelSince = time
        parked.store(false, ordering: .relaxed)
        return false
    }

    /// Runs one job on the caller and the workers; returns whether the caller's wait for
    /// other threads' chunks after its own was a stall: longer than twice its own chunks'
    /// mean and than ``leastPatience``, when it went to sleep.
    private func runParallel(chunks: Int, _ body: @escaping (Int) -> Void) -> Bool {
        job = body
        finished.store(0, ordering: .relaxed)
        generation &+= 1
        let current = generation & 0xFF_FFFF
        let start = Self.now()
        // Publishes the job and the reset counter with it.
        ticket.store(current << (2 * Self.fieldBits) | UInt64(chunks) << Self.fieldBits, ordering: .sequentiallyConsistent)
        wakeSleepers()
        var mine = 0
        var stalled = false
        while let (chunk, _) = claim(generation: current) {
            body(chunk)
            mine += 1
        }
        if finished.add(mine, ordering: .acquiringAndReleasing).newValue != chunks {
            // Another thread's chunk is still running. Wait about as long as two of our own
            // chunks took; longer means its thread was preempted.
            let ownEnd = Self.now()
            let patience = Swift.max(Self.leastPatience, 2 * (ownEnd &- start) / UInt64(Swift.max(mine, 1)))
            stalled = !waitForOthers(chunks, deadline: ownEnd &+ patience)
        }
        // Let go of the job, which must not outlive the call. An empty closure allocates nothing.
        job = { _ in }
        return stalled
    }

    /// Runs the next jobs on the calling thread alone, for longer when stalls keep coming.
    private func stalled() {
        stalls += 1
        let time = Self.now()
        // Under contention stalls come soon after each return to parallel running, and the
        // backoff grows; on idle cores they are far apart (on the 2-vCPU VM kdamond preempts
        // a worker for 1.7 ms every half second) and each costs the shortest backoff (a reset
        // only after a stall-free second grew those to 250 ms: an MLP GAN ran alone half the time).
        backoff = time &- parallelSince >= Self.backoffResetFactor * backoff
            ? shortestBackoff : Swift.min(2 * backoff, Swift.max(shortestBackoff, Self.longestBackoff))
        aloneUntil = time &+ backoff
        parked.store(true, ordering: .relaxed)
    }

    /// Runs `body` over `0..<count` in chunks of about `count / (parts * chunksPerThread)`
    /// elements, with inner bounds on multiples of `alignment` and no chunk smaller than
    /// `minimumChunk` elements (rounded up to the alignment). The chunks depend only on
    /// the arguments and ``parts``, never on which threads run them.
    ///
    /// With `wholeWhenAlone`, a job that an adaptive pool runs on the calling thread alone
    /// is one call of `body` with `0..<count` instead: for a `body` whose every element's
    /// result is the same however the range is split, this spares a job run alone the cost
    /// of its chunks (calls, loop start-ups, shorter vector loops).
    public func run(count: Int, alignment: Int = 1, minimumChunk: Int = 1, chunksPerThread: Int = 4,
                    wholeWhenAlone: Bool = false, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let align = max(1, alignment)
        let units = (count + align - 1) / align
        let minimumUnits = max(1, (minimumChunk + align - 1) / align)
        let chunks = max(1, min(parts * max(1, chunksPerThread), units / minimumUnits))
        run(chunks: chunks, units: count, wholeWhenAlone: wholeWhenAlone) { chunk in
            let piece = ComputeThreads.range(part: chunk, of: chunks, count: count, alignment: align)
            if !piece.isEmpty { body(piece) }
        } whole: {
            body(0..<count)
        }
    }

    /// The generation in a ticket.
    private static func generation(_ ticket: UInt64) -> UInt64 { ticket >> (2 * fieldBits) }

    /// Claims the next chunk of generation `current`: the chunk and the job's chunk count,
    /// or nil when it has none left (or a later job has replaced it).
    private func claim(generation current: UInt64) -> (chunk: Int, of: Int)? {
        var value = ticket.load(ordering: .acquiring)
        while true {
            guard Self.generation(value) == current else { return nil }
            let chunk = Int(value & Self.fieldMask), chunks = Int((value >> Self.fieldBits) & Self.fieldMask)
            guard chunk < chunks else { return nil }
            let (exchanged, original) = ticket.compareExchange(expected: value, desired: value + 1, ordering: .acquiringAndReleasing)
            if exchanged { return (chunk, chunks) }
            value = original
        }
    }

    /// Waits until every chunk has finished: polls until `deadline`, then sleeps, which
    /// also frees this core for a preempted worker. Returns whether the chunks finished
    /// before the deadline.
    private func waitForOthers(_ chunks: Int, deadline: UInt64) -> Bool {
        var polls = 0
        while finished.load(ordering: .acquiring) != chunks {
            rllab_cpu_relax()
            polls &+= 1
            if polls & 31 == 0 && Self.now() >= deadline { return sleepUntilFinished(chunks) }
        }
        return true
    }

    /// Sleeps until the thread that finishes the last chunk signals; returns false.
    private func sleepUntilFinished(_ chunks: Int) -> Bool {
        callerAsleep.store(true, ordering: .sequentiallyConsistent)
        if finished.load(ordering: .sequentiallyConsistent) == chunks,
           callerAsleep.exchange(false, ordering: .sequentiallyConsistent) {
            return false  // Done meanwhile, and nobody will signal.
        }
        callerWake.wait()  // The worker that finishes the last chunk clears the flag and signals.
        return false
    }

    /// Signals each worker that went to sleep (exactly one of it and us clears its flag).
    private func wakeSleepers() {
        for worker in workers where worker.asleep.exchange(false, ordering: .sequentiallyConsistent) {
            worker.wake.signal()
        }
    }

    /// Sleeps until `run` publishes a job after `seen` (or finds one published meanwhile).
    private func sleep(_ me: Worker, seen: UInt64) {
        me.asleep.store(true, ordering: .sequentiallyConsistent)
        if Self.generation(ticket.load(ordering: .sequentiallyConsistent)) != seen,
           me.asleep.exchange(false, ordering: .sequentiallyConsistent) {
            return  // A job arrived and nobody will signal: take it.
        }
        me.wake.wait()  // Either still idle, or `run` cleared the flag and signals.
    }

    private func work(_ index: Int) {
        let me = workers[index]
        let exited = exited  // Outlives the pool's last moment, when this thread reports its exit.
        var seen: UInt64 = 0
        while true {
            var current = Self.generation(ticket.load(ordering: .acquiring))
            if current == seen {
                var idleSince = Self.now()
                var polls = 0
                var yielding = false
                while current == seen {
                    if parked.load(ordering: .relaxed) {
                        sleep(me, seen: seen)
                    } else if !yielding {
                        rllab_cpu_relax()
                        polls &+= 1
                        yielding = polls & 31 == 0 && Self.now() &- idleSince >= Self.pauseWindow
                    } else {
                        // Another process may want this core: let it run rather than poll.
                        sched_yield()
                        if Self.now() &- idleSince >= Self.pauseWindow + Self.yieldWindow {
                            sleep(me, seen: seen)
                            idleSince = Self.now()
                            yielding = false
                        }
                    }
                    current = Self.generation(ticket.load(ordering: .acquiring))
                }
            }
            seen = current
            if stopping.load(ordering: .sequentiallyConsistent) { exited.signal(); return }
            while let (chunk, chunks) = claim(generation: current) {
                // A claimed chunk keeps the caller (and so this job) in place until it finishes.
                job(chunk)
                if finished.add(1, ordering: .acquiringAndReleasing).newValue == chunks,
                   callerAsleep.exchange(false, ordering: .sequentiallyConsistent) {
                    callerWake.signal()
                }
            }
        }
    }
}
