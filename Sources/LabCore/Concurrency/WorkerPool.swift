import CGSL
import Foundation
import Synchronization

/// Persistent threads that run one parallel job at a time, with a low-latency handoff.
///
/// A vector-environment step is short (tens of microseconds), and waking a sleeping
/// thread through the kernel, as `DispatchQueue.concurrentPerform` does once its workers
/// go idle, costs about as much on a virtual machine. So workers spin on a generation
/// counter for a while (about 100 µs) after each job and only then sleep on a semaphore:
/// a job that arrives within the spin window starts at once, and an idle pool costs
/// nothing.
public final class WorkerPool: @unchecked Sendable {
    /// Jobs are split into this many parts; part 0 runs on the calling thread.
    public let parts: Int

    /// One worker thread's sleep state.
    private final class Worker: Sendable {
        let asleep = Atomic<Bool>(false)
        let wake = DispatchSemaphore(value: 0)
    }

    private let workers: [Worker]
    private let generation = Atomic<Int>(0)
    private let unfinished = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let exited = DispatchSemaphore(value: 0)
    /// The current job: written before `generation` moves, read after a worker sees it move.
    private var job: (Int) -> Void = { _ in }

    private static let spinLimit = 50_000

    /// A pool that splits each job into `parts` (at least 1; 1 runs jobs inline).
    public init(parts: Int) {
        self.parts = max(1, parts)
        workers = (1..<self.parts).map { _ in Worker() }
        for part in 1..<self.parts {
            let thread = Thread { [unowned self] in self.work(part) }
            thread.start()
        }
    }

    deinit {
        stopping.store(true, ordering: .sequentiallyConsistent)
        generation.add(1, ordering: .sequentiallyConsistent)
        wakeSleepers()
        for _ in workers { exited.wait() }
    }

    /// Runs `body(part)` for every part in `0..<parts` in parallel; returns when all are done.
    public func run(_ body: @escaping (Int) -> Void) {
        guard parts > 1 else { return body(0) }
        job = body
        unfinished.store(parts - 1, ordering: .sequentiallyConsistent)
        generation.add(1, ordering: .sequentiallyConsistent)
        wakeSleepers()
        body(0)
        while unfinished.load(ordering: .acquiring) > 0 { rllab_cpu_relax() }
        // Let go of the job: callers may lend a non-escaping closure for the duration of
        // the call (`withoutActuallyEscaping`), which must not outlive it. An empty closure
        // allocates nothing.
        job = { _ in }
    }

    /// Signals each worker that went to sleep (exactly one of it and us clears its flag).
    private func wakeSleepers() {
        for worker in workers where worker.asleep.exchange(false, ordering: .sequentiallyConsistent) {
            worker.wake.signal()
        }
    }

    private func work(_ part: Int) {
        let me = workers[part - 1]
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins < Self.spinLimit {
                    rllab_cpu_relax()
                    continue
                }
                spins = 0
                me.asleep.store(true, ordering: .sequentiallyConsistent)
                if generation.load(ordering: .sequentiallyConsistent) != seen,
                   me.asleep.exchange(false, ordering: .sequentiallyConsistent) {
                    continue  // A job arrived and nobody will signal: take it.
                }
                me.wake.wait()  // Either still idle, or `run` cleared the flag and signals.
            }
            seen = generation.load(ordering: .acquiring)
            if stopping.load(ordering: .sequentiallyConsistent) { exited.signal(); return }
            job(part)
            unfinished.subtract(1, ordering: .releasing)
        }
    }
}
