import Foundation
import Synchronization
import Testing
@testable import LabCore

/// The governor that chooses between a pool's parallel and alone modes, driven by a
/// simulated clock: each job's duration is given by a cost model of the mode and the time,
/// so every test is deterministic.
@Suite struct ParallelismGovernorTests {
    typealias Mode = ParallelismGovernor.Mode

    struct Outcome {
        /// Simulated job time spent in each mode (nanoseconds).
        var parallelTime: Double = 0
        var aloneTime: Double = 0
        var jobs = 0
        var total: Double { parallelTime + aloneTime }
    }

    /// Runs jobs of `units` units each, back to back with `gap` ns between them, for
    /// `seconds` of simulated time; `nanosecondsPerUnit(mode, job, now)` is the cost model.
    static func simulate(_ governor: inout ParallelismGovernor, from start: UInt64 = 1_000_000_000, seconds: Double,
                         units: Int = 1024, gap: UInt64 = 2_000,
                         _ nanosecondsPerUnit: (Mode, Int, UInt64) -> Double) -> (Outcome, end: UInt64) {
        var now = start
        let end = start + UInt64(seconds * 1e9)
        var outcome = Outcome()
        while now < end {
            let mode = governor.begin(now: now)
            let duration = UInt64(nanosecondsPerUnit(mode, outcome.jobs, now) * Double(units))
            governor.end(units: units, nanoseconds: duration)
            if mode == .parallel { outcome.parallelTime += Double(duration) } else { outcome.aloneTime += Double(duration) }
            outcome.jobs += 1
            now += duration + gap
        }
        return (outcome, now)
    }

    /// Both cores free: the parallel mode is faster, and the governor stays in it, exploring
    /// the alone mode for a small and shrinking share of the time.
    @Test func aFasterParallelModeIsKept() {
        var governor = ParallelismGovernor()
        let (outcome, _) = Self.simulate(&governor, seconds: 5) { mode, _, _ in mode == .parallel ? 20 : 34 }
        #expect(governor.chosen == .parallel)
        #expect(governor.switches == 0)
        #expect(outcome.aloneTime / outcome.total < 0.03, "alone \(outcome.aloneTime / outcome.total)")
        // Throughput within 1% of running parallel throughout.
        let ideal = Double(outcome.jobs) * 1024 * 20
        #expect(ideal / outcome.total > 0.99)
    }

    /// One core busy with another process: the parallel mode is slower, and the governor
    /// switches to the alone mode and stays there, losing at most a few percent to exploring.
    @Test func aSlowerParallelModeIsLeft() {
        var governor = ParallelismGovernor()
        let (outcome, _) = Self.simulate(&governor, seconds: 5) { mode, _, _ in mode == .parallel ? 45 : 30 }
        #expect(governor.chosen == .alone)
        #expect(governor.switches == 1)
        let ideal = Double(outcome.jobs) * 1024 * 30
        #expect(ideal / outcome.total > 0.97, "efficiency \(ideal / outcome.total)")
    }

    /// A preempted worker: most parallel jobs are fast, but every 150th one waits 4 ms for
    /// a worker the scheduler took off its core. On average the parallel mode is slower
    /// (20 ns per unit plus 26.7 ns of stalls), and the governor finds it.
    @Test func occasionalLongStallsCountAgainstTheParallelMode() {
        var governor = ParallelismGovernor()
        let (outcome, _) = Self.simulate(&governor, seconds: 5) { mode, job, _ in
            switch mode {
            case .alone: return 30
            case .parallel: return job % 150 == 0 ? 20 + 4_000_000 / 1024 : 20
            }
        }
        #expect(governor.chosen == .alone)
        let ideal = Double(outcome.jobs) * 1024 * 30
        #expect(ideal / outcome.total > 0.95, "efficiency \(ideal / outcome.total)")
    }

    /// Conditions that change (another process starts, then stops) are followed within
    /// about a second either way.
    @Test func changingConditionsAreFollowed() {
        var governor = ParallelismGovernor()
        // 0-3 s: idle machine; 3-6 s: contention; 6-9 s: idle again.
        func cost(_ mode: Mode, _ now: UInt64) -> Double {
            let t = Double(now - 1_000_000_000) / 1e9
            let busy = t >= 3 && t < 6
            switch mode {
            case .parallel: return busy ? 45 : 20
            case .alone: return busy ? 30 : 34
            }
        }
        var (_, now) = Self.simulate(&governor, seconds: 3) { mode, _, now in cost(mode, now) }
        #expect(governor.chosen == .parallel)
        (_, now) = Self.simulate(&governor, from: now, seconds: 1.5) { mode, _, now in cost(mode, now) }
        #expect(governor.chosen == .alone)
        (_, now) = Self.simulate(&governor, from: now, seconds: 1.5) { mode, _, now in cost(mode, now) }
        #expect(governor.chosen == .alone)
        (_, now) = Self.simulate(&governor, from: now, seconds: 1.5) { mode, _, now in cost(mode, now) }
        #expect(governor.chosen == .parallel)
        #expect(governor.switches == 2)
    }

    /// Modes within the margin of each other (here equal, both drifting by 4% over time)
    /// never make it switch: hysteresis.
    @Test func modesWithinTheMarginDoNotFlipFlop() {
        var governor = ParallelismGovernor()
        let (outcome, _) = Self.simulate(&governor, seconds: 10) { _, _, now in
            30 * (1 + 0.02 * sin(Double(now) / 37e6))
        }
        #expect(governor.switches == 0)
        #expect(outcome.jobs > 1000)
    }

    /// A slice ends only after `leastJobs` jobs, however long they take: one job (a caller
    /// that ran nothing else for a while) does not decide anything.
    @Test func slicesNeedEnoughJobs() {
        var governor = ParallelismGovernor(shortestStretch: 1_000, longestStretch: 1_000, exploreSlice: 1_000, leastJobs: 8)
        var now: UInt64 = 1_000_000
        var modes: [Mode] = []
        for _ in 0..<24 {
            modes.append(governor.begin(now: now))
            governor.end(units: 100, nanoseconds: 10_000)
            now += 10_000
        }
        // 8 jobs of the chosen (parallel) mode, 8 exploring the alone mode, then a decision.
        #expect(Array(modes[0..<8]) == Array(repeating: .parallel, count: 8))
        #expect(Array(modes[8..<16]) == Array(repeating: .alone, count: 8))
        #expect(governor.jobs.parallel + governor.jobs.alone == 24)
    }

    final class Counter: Sendable { let value = Atomic<Int>(0) }

    /// The pool obeys its governor: when chunks on the worker thread are slow (a worker
    /// that keeps being preempted, simulated by sleeping in its chunks), an adaptive pool
    /// ends up running its jobs on the calling thread, and every chunk still runs once with
    /// the results of one thread.
    @Test func anAdaptivePoolLeavesASlowWorker() {
        let governor = ParallelismGovernor(shortestStretch: 5_000_000, longestStretch: 20_000_000,
                                           exploreSlice: 5_000_000, leastJobs: 4)
        let pool = WorkerPool(parts: 2, shortestBackoff: 2_000_000, governor: governor)
        let caller = pthread_self()
        let count = 4096
        let out = UnsafeMutableBufferPointer<Double>.allocate(capacity: count)
        defer { out.deallocate() }
        out.initialize(repeating: 0)
        var rounds = 0
        let deadline = Date().addingTimeInterval(30)
        // Until the governor has left the parallel mode and confirmed that once (under a
        // heavy load a worker may take a while to claim anything at all).
        while !(pool.governor?.chosen == .alone && (pool.governor?.jobs.alone ?? 0) > 50) && Date() < deadline {
            pool.run(count: count, alignment: 8, minimumChunk: 64) { range in
                if pthread_equal(pthread_self(), caller) == 0 { usleep(3_000) }
                for i in range { out[i] += sin(Double(i)) }
            }
            rounds += 1
        }
        #expect(pool.governor?.chosen == .alone)
        let expected = (0..<count).map { i in (0..<rounds).reduce(0.0) { acc, _ in acc + sin(Double(i)) } }
        #expect(Array(out) == expected)
        WorkerPoolTests.checkEveryChunkOnce(pool: pool, jobs: 300)
    }
}
