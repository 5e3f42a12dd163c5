import Foundation
import Synchronization
import Testing
@testable import LabCore

/// The worker pool: every chunk of every job runs exactly once, whoever claims it, however
/// the jobs follow one another (back to back, or after the workers went to sleep).
@Suite struct WorkerPoolTests {
    final class Counter: Sendable { let value = Atomic<Int>(0) }

    /// One two-chunk job in which the worker, once it claims a chunk, holds it for
    /// `workerHolds` microseconds (a preempted worker), while the caller waits up to
    /// `callerWaits` seconds for it to start. Returns whether the worker claimed a chunk.
    @discardableResult
    static func runWithWorkerHolding(_ pool: WorkerPool, caller: pthread_t, workerHolds: useconds_t,
                                     callerWaits: TimeInterval) -> Bool {
        let workerStarted = Counter()
        let deadline = Date().addingTimeInterval(callerWaits)
        pool.run(chunks: 2) { _ in
            if pthread_equal(pthread_self(), caller) != 0 {
                while workerStarted.value.load(ordering: .acquiring) == 0 && Date() < deadline { usleep(100) }
            } else {
                workerStarted.value.store(1, ordering: .releasing)
                usleep(workerHolds)
            }
        }
        return workerStarted.value.load(ordering: .acquiring) == 1
    }

    /// Runs `jobs` jobs of varying chunk counts and checks that each chunk ran once.
    static func checkEveryChunkOnce(pool: WorkerPool, jobs: Int, pauseEvery: Int? = nil) {
        for job in 0..<jobs {
            let chunks = 1 + (job * 31) % 97
            let counters = (0..<chunks).map { _ in Counter() }
            pool.run(chunks: chunks) { chunk in
                counters[chunk].value.add(1, ordering: .relaxed)
            }
            // `run` returned: every chunk has finished and none runs again.
            let ran = counters.map { $0.value.load(ordering: .relaxed) }
            #expect(ran == Array(repeating: 1, count: chunks), "job \(job): \(ran)")
            if let pauseEvery, job % pauseEvery == 0 { usleep(3_000) }  // Let the workers go to sleep.
        }
    }

    @Test func everyChunkRunsOnceBackToBack() {
        for parts in [1, 2, 3, 5] {
            Self.checkEveryChunkOnce(pool: WorkerPool(parts: parts), jobs: 3_000)
        }
    }

    /// Jobs after the workers have gone to sleep wake them (or run without them).
    @Test func everyChunkRunsOnceAfterSleeping() {
        Self.checkEveryChunkOnce(pool: WorkerPool(parts: 3), jobs: 40, pauseEvery: 1)
    }

    /// Chunks that take a while (one of them much longer) still all run once, and the
    /// results are those of one thread.
    @Test func unevenChunksMatchOneThread() {
        let pool = WorkerPool(parts: 3)
        let count = 10_000
        let out = UnsafeMutableBufferPointer<Double>.allocate(capacity: count)
        defer { out.deallocate() }
        out.initialize(repeating: 0)
        for round in 0..<20 {
            pool.run(count: count, alignment: 8, minimumChunk: 64) { range in
                if range.lowerBound == 0 && round % 5 == 0 { usleep(500) }
                for i in range { out[i] += sin(Double(i)) }
            }
        }
        let expected = (0..<count).map { i in (0..<20).reduce(0.0) { acc, _ in acc + sin(Double(i)) } }
        #expect(Array(out) == expected)
    }

    /// `run(count:)` splits into ranges that cover `0..<count` once, inner bounds aligned,
    /// no more chunks than the minimum size allows.
    @Test func rangesCoverTheCountOnce() {
        let pool = WorkerPool(parts: 2)
        for count in [1, 7, 8, 63, 64, 65, 1000, 1024, 4099] {
            for (alignment, minimum) in [(1, 1), (8, 64), (16, 16)] {
                let seen = Mutex<[Range<Int>]>([])
                pool.run(count: count, alignment: alignment, minimumChunk: minimum) { range in
                    seen.withLock { $0.append(range) }
                }
                let ranges = seen.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound }
                #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == count)
                #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
                #expect(ranges.dropFirst().allSatisfy { $0.lowerBound % alignment == 0 })
                // At most 4 chunks per thread, and no more than whole minimum-sized groups of
                // alignment units allow.
                let units = (count + alignment - 1) / alignment, minimumUnits = (minimum + alignment - 1) / alignment
                #expect(ranges.count <= max(1, units / minimumUnits) && ranges.count <= 2 * 4)
            }
        }
    }

    /// A worker preempted in the middle of a chunk (here: sleeping in it) holds up the
    /// job; the caller counts that as a stall and runs the next jobs alone, on its own
    /// thread, while the backoff lasts. Results stay those of one thread throughout.
    @Test func aStalledWorkerSendsTheCallerToRunAlone() {
        let pool = WorkerPool(parts: 2, shortestBackoff: 60_000_000_000)
        let caller = pthread_self()
        let workerStarted = Counter()
        let deadline = Date().addingTimeInterval(30)
        pool.run(chunks: 2) { chunk in
            if pthread_equal(pthread_self(), caller) != 0 {
                // Hold the caller until the worker has claimed the other chunk.
                while workerStarted.value.load(ordering: .acquiring) == 0 && Date() < deadline { usleep(100) }
            } else {
                workerStarted.value.store(1, ordering: .releasing)
                usleep(300_000)  // Far longer than the caller's own chunk took.
            }
        }
        let started = workerStarted.value.load(ordering: .acquiring)
        #expect(started == 1, "the worker never claimed a chunk")
        #expect(pool.stalls == 1)
        // Backing off: every chunk of the next jobs runs on the calling thread, and every
        // chunk still runs exactly once.
        // (Chunks slow enough that a pool which did not back off would hand some to the worker.)
        let others = Counter()
        for _ in 0..<10 {
            pool.run(chunks: 8) { _ in
                if pthread_equal(pthread_self(), caller) == 0 { others.value.add(1, ordering: .relaxed) }
                usleep(500)
            }
        }
        let onOtherThreads = others.value.load(ordering: .relaxed)
        #expect(onOtherThreads == 0)
        Self.checkEveryChunkOnce(pool: pool, jobs: 200)
    }

    /// After a short backoff the pool goes back to running jobs in parallel: a job of
    /// slow chunks is shared with the worker again.
    @Test func thePoolRunsInParallelAgainAfterTheBackoff() {
        let pool = WorkerPool(parts: 2, shortestBackoff: 1_000_000)
        let caller = pthread_self()
        Self.runWithWorkerHolding(pool, caller: caller, workerHolds: 200_000, callerWaits: 30)
        #expect(pool.stalls == 1)
        // Each job lasts about 8 ms on one thread, long enough for a woken worker to join;
        // on a loaded machine a few attempts may stall and back off again (each at most a
        // quarter second alone), so allow up to 30 s.
        let others = Counter()
        let deadline = Date().addingTimeInterval(30)
        while others.value.load(ordering: .relaxed) == 0 && Date() < deadline {
            usleep(2_000)
            pool.run(chunks: 8) { _ in
                if pthread_equal(pthread_self(), caller) == 0 { others.value.add(1, ordering: .relaxed) }
                usleep(1_000)
            }
        }
        let shared = others.value.load(ordering: .relaxed)
        #expect(shared > 0)
    }

    /// Stalls far apart (a kernel thread preempting a worker every half second on idle
    /// cores) each cost the shortest backoff; stalls that follow one another (a contended
    /// core) double it. With a reset only after a second without stalls, stalls half a
    /// second apart grew the backoff to its longest.
    @Test func theBackoffGrowsOnlyWhileStallsComeCloseTogether() {
        let shortest: UInt64 = 20_000_000
        let pool = WorkerPool(parts: 2, shortestBackoff: shortest)
        let caller = pthread_self()
        /// A job whose worker chunk takes 30 ms (a preempted worker); retried until the
        /// worker claims its chunk and the pool counts the stall (while the pool backs off,
        /// or on a loaded machine, the caller takes both chunks).
        func stall() {
            let before = pool.stalls
            let deadline = Date().addingTimeInterval(20)
            while pool.stalls == before && Date() < deadline {
                Self.runWithWorkerHolding(pool, caller: caller, workerHolds: 30_000, callerWaits: 0.01)
            }
        }
        stall()
        #expect(pool.stalls == 1 && pool.backoff == shortest)
        // The next stall, in the first parallel job after the backoff: doubled.
        stall()
        #expect(pool.stalls == 2 && pool.backoff == 2 * shortest)
        // After 0.4 s of parallel jobs (more than four times that backoff, less than a
        // second): the shortest again.
        let start = Date()
        while Date().timeIntervalSince(start) < 0.4 { pool.run(chunks: 2) { _ in usleep(200) } }
        stall()
        // (A stall of the machine's own during the run would have cut it short.)
        if pool.stalls == 3 { #expect(pool.backoff == shortest) }
    }
}
