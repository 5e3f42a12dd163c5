import Foundation

/// Runs two independent pieces of work at once on LabCore's compute threads
/// (`RLLAB_BLAS_THREADS` above 1), or one after the other on this thread when there is
/// only one compute thread or another caller holds them.
///
/// For work that splits into two halves that share nothing they write, such as an
/// actor-critic's separate policy and value networks: each half computes exactly as it
/// would alone, so the results do not depend on the thread count. The halves see this
/// thread's gradient-recording mode (``withoutGradient(_:)``) whichever thread runs them,
/// and anything they split further over the compute threads runs on their own thread
/// (the threads are taken), with the same bits.
///
/// Waking the other thread costs microseconds: give it halves of tens of microseconds or
/// more.
public func runConcurrently(_ first: () -> Void, _ second: () -> Void) {
    if let log = ConcurrentPair.separateThreads { return ConcurrentPair.runOnSeparateThreads(first, second, log: log) }
    if ComputeThreads.isParallel {
        let recording = GradMode.isEnabled
        // `run` returns only after both halves have finished, so neither outlives this call.
        let ran = withoutActuallyEscaping(first) { first in
            withoutActuallyEscaping(second) { second in
                ComputeThreads.run { part, _ in
                    guard part < 2 else { return }
                    let mode = GradMode.set(enabled: recording)
                    defer { GradMode.restore(mode) }
                    if part == 0 { first() } else { second() }
                }
            }
        }
        if ran { return }
    }
    first()
    second()
}

/// Whether ``runConcurrently(_:_:)`` may run its halves on two threads in this process
/// (it still runs them one after the other while another caller holds the threads).
public var runsConcurrently: Bool { ComputeThreads.isParallel || ConcurrentPair.separateThreads != nil }

/// For tests, which cannot choose the compute threads of their process
/// (`RLLAB_BLAS_THREADS` is read once): inside
/// `ConcurrentPair.$separateThreads.withValue(log) { ... }`, ``runConcurrently(_:_:)``
/// always runs its second half on a thread of its own, while this one runs the first,
/// and counts the pairs in `log`.
enum ConcurrentPair {
    /// Pairs run on separate threads (written by the calling thread only).
    final class Log: @unchecked Sendable {
        var pairs = 0
    }

    @TaskLocal static var separateThreads: Log?

    static func runOnSeparateThreads(_ first: () -> Void, _ second: () -> Void, log: Log) {
        log.pairs += 1
        final class Job: @unchecked Sendable {
            var work: (() -> Void)?
            let done = DispatchSemaphore(value: 0)
        }
        let recording = GradMode.isEnabled
        let job = Job()
        withoutActuallyEscaping(second) { second in
            // The thread lets go of `second` before it signals, so `second` does not outlive this call.
            job.work = second
            let thread = Thread {
                let mode = GradMode.set(enabled: recording)
                job.work!()
                job.work = nil
                GradMode.restore(mode)
                job.done.signal()
            }
            thread.start()
            first()
            job.done.wait()
        }
    }
}
