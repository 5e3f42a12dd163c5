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
/// When another process holds a core, a worker that is not running simply claims nothing
/// and the caller does its share, so a busy machine costs at most the pieces a worker had
/// claimed when it was preempted, never a fixed half of the job.
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
    private let stopping = Atomic<Bool>(false)
    private let exited = DispatchSemaphore(value: 0)
    /// The current job: written before its generation is published, read only by a thread
    /// holding a claimed chunk (the caller does not return, and so does not replace the
    /// job, before every claimed chunk has finished).
    private var job: (Int) -> Void = { _ in }
    /// The last generation published (the calling thread's own count).
    private var generation: UInt64 = 0

    /// Polls (with the CPU's pause hint) before a worker starts yielding its core.
    private static let pauseSpins = 2_000
    /// Polls with `sched_yield` after that, before a worker goes to sleep.
    private static let yieldSpins = 2_000
    /// Polls of the calling thread for other threads' last chunks before it sleeps.
    private static let callerSpins = 4_000

    /// A pool with `parts - 1` worker threads besides the caller (`parts` at least 1).
    public init(parts: Int) {
        self.parts = max(1, parts)
        workers = (1..<self.parts).map { _ in Worker() }
        for index in workers.indices {
            // Not a strong (nor a checked unowned) reference, which would keep the pool alive
            // while the thread runs: `deinit` stops the threads and waits for them before the
            // pool's memory goes away.
            let thread = Thread { [unowned(unsafe) self] in self.work(index) }
            thread.start()
        }
    }

    deinit {
        stopping.store(true, ordering: .sequentiallyConsistent)
        generation &+= 1
        ticket.store((generation & 0xFF_FFFF) << (2 * Self.fieldBits), ordering: .sequentiallyConsistent)
        wakeSleepers()
        for _ in workers { exited.wait() }
    }

    /// Runs `body(chunk)` for every chunk in `0..<chunks` on the pool's threads (the
    /// calling thread included), each chunk exactly once; returns when all are done.
    ///
    /// Which thread runs which chunk varies from call to call: `body` must give the same
    /// result whatever thread runs a chunk (chunks write disjoint outputs).
    public func run(chunks: Int, _ body: (Int) -> Void) {
        guard chunks > 1 && parts > 1 && chunks <= Self.maximumChunks else {
            for chunk in 0..<max(0, chunks) { body(chunk) }
            return
        }
        // `body` lives on the caller's stack (no allocation); it is only reached through
        // `job` until every chunk has finished, and `job` lets go of it before returning.
        withoutActuallyEscaping(body) { body in runParallel(chunks: chunks, body) }
    }

    private func runParallel(chunks: Int, _ body: @escaping (Int) -> Void) {
        job = body
        finished.store(0, ordering: .relaxed)
        generation &+= 1
        let current = generation & 0xFF_FFFF
        // Publishes the job and the reset counter with it.
        ticket.store(current << (2 * Self.fieldBits) | UInt64(chunks) << Self.fieldBits, ordering: .sequentiallyConsistent)
        wakeSleepers()
        var mine = 0
        while let (chunk, _) = claim(generation: current) {
            body(chunk)
            mine += 1
        }
        if finished.add(mine, ordering: .acquiringAndReleasing).newValue != chunks {
            waitForOthers(chunks)
        }
        // Let go of the job, which must not outlive the call. An empty closure allocates nothing.
        job = { _ in }
    }

    /// Runs `body` over `0..<count` in chunks of about `count / (parts * chunksPerThread)`
    /// elements, with inner bounds on multiples of `alignment` and no chunk smaller than
    /// `minimumChunk` elements (rounded up to the alignment).
    public func run(count: Int, alignment: Int = 1, minimumChunk: Int = 1, chunksPerThread: Int = 4,
                    _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let align = max(1, alignment)
        let units = (count + align - 1) / align
        let minimumUnits = max(1, (minimumChunk + align - 1) / align)
        let chunks = max(1, min(parts * max(1, chunksPerThread), units / minimumUnits))
        run(chunks: chunks) { chunk in
            let lower = min(count, units * chunk / chunks * align)
            let upper = chunk == chunks - 1 ? count : min(count, units * (chunk + 1) / chunks * align)
            if lower < upper { body(lower..<upper) }
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

    /// Waits until every chunk has finished: polls while the others' last chunks are
    /// probably running, then sleeps, which also frees this core for a preempted worker.
    private func waitForOthers(_ chunks: Int) {
        for _ in 0..<Self.callerSpins {
            if finished.load(ordering: .acquiring) == chunks { return }
            rllab_cpu_relax()
        }
        callerAsleep.store(true, ordering: .sequentiallyConsistent)
        if finished.load(ordering: .sequentiallyConsistent) == chunks,
           callerAsleep.exchange(false, ordering: .sequentiallyConsistent) {
            return  // Done meanwhile, and nobody will signal.
        }
        callerWake.wait()  // The worker that finishes the last chunk clears the flag and signals.
    }

    /// Signals each worker that went to sleep (exactly one of it and us clears its flag).
    private func wakeSleepers() {
        for worker in workers where worker.asleep.exchange(false, ordering: .sequentiallyConsistent) {
            worker.wake.signal()
        }
    }

    private func work(_ index: Int) {
        let me = workers[index]
        let exited = exited  // Outlives the pool's last moment, when this thread reports its exit.
        var seen: UInt64 = 0
        while true {
            var spins = 0
            var current = Self.generation(ticket.load(ordering: .acquiring))
            while current == seen {
                spins += 1
                if spins < Self.pauseSpins {
                    rllab_cpu_relax()
                } else if spins < Self.pauseSpins + Self.yieldSpins {
                    // Another process may want this core: let it run rather than poll.
                    sched_yield()
                } else {
                    spins = 0
                    me.asleep.store(true, ordering: .sequentiallyConsistent)
                    if Self.generation(ticket.load(ordering: .sequentiallyConsistent)) != seen,
                       me.asleep.exchange(false, ordering: .sequentiallyConsistent) {
                        // A job arrived and nobody will signal: take it.
                    } else {
                        me.wake.wait()  // Either still idle, or `run` cleared the flag and signals.
                    }
                }
                current = Self.generation(ticket.load(ordering: .acquiring))
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
