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

    /// As ``simulate(_:from:seconds:units:gap:_:)``, but the cost model also says whether a
    /// job stalled (the pool reports that to the governor after the job, as it does when its
    /// caller waited for a preempted worker longer than the job takes alone).
    /// `idleCore(now)` answers the governor's question whether a core was idle (always yes
    /// unless a test says otherwise).
    static func simulateWithStalls(_ governor: inout ParallelismGovernor, from start: UInt64 = 1_000_000_000,
                                   seconds: Double, units: Int = 1024, gap: UInt64 = 2_000,
                                   idleCore: (UInt64) -> Bool = { _ in true },
                                   _ cost: (Mode, UInt64) -> (nanoseconds: UInt64, stalled: Bool)) -> (Outcome, end: UInt64) {
        var now = start
        let end = start + UInt64(seconds * 1e9)
        var outcome = Outcome()
        while now < end {
            let time = now
            let mode = governor.begin(now: now) { idleCore(time) }
            let (duration, stalled) = cost(mode, now)
            governor.end(units: units, nanoseconds: duration)
            if stalled { governor.stalled(now: now + duration, cost: duration) }
            if mode == .parallel { outcome.parallelTime += Double(duration) } else { outcome.aloneTime += Double(duration) }
            outcome.jobs += 1
            now += duration + gap
        }
        return (outcome, now)
    }

    /// Another process shares the worker's core: the worker runs for 1.5 ms, then waits
    /// 1.5 ms for the scheduler, and a parallel job that needs it in that time waits until
    /// it runs again. Between stalls the parallel mode is faster (lulls that used to win
    /// the governor over for whole stretches); each stall sends the governor back to the
    /// calling thread at once, for a backoff that doubles, so throughput stays within 3%
    /// of running alone throughout and only a few dozen jobs stall in 5 s.
    @Test func aStallEndsTheParallelModeAtOnce() {
        var governor = ParallelismGovernor()
        let units = 1024
        let (outcome, _) = Self.simulateWithStalls(&governor, seconds: 5, units: units) { mode, now in
            Self.preemptedWorker(mode, now, units: units)
        }
        #expect(governor.chosen == .alone)
        #expect(governor.stalls >= 1 && governor.stalls <= 30, "stalls \(governor.stalls)")
        let ideal = Double(outcome.jobs) * Double(units) * 30
        #expect(ideal / outcome.total > 0.97, "efficiency \(ideal / outcome.total)")
    }

    /// A worker preempted as in ``aStallEndsTheParallelModeAtOnce()``, on a machine whose
    /// cores are all busy (no idle core while the caller runs alone): after the first
    /// stall the governor never wakes the worker again, and asks for an idle core about
    /// every shortest stretch instead. (Without the question it probed the parallel mode
    /// a dozen times in 5 s, each probe a stall.)
    @Test func withoutAnIdleCoreTheParallelModeIsNotProbed() {
        var governor = ParallelismGovernor()
        let units = 1024
        var asked = 0
        let (outcome, _) = Self.simulateWithStalls(&governor, seconds: 5, units: units, idleCore: { _ in asked += 1; return false }) { mode, now in
            Self.preemptedWorker(mode, now, units: units)
        }
        #expect(governor.chosen == .alone)
        #expect(governor.stalls == 1, "stalls \(governor.stalls)")
        #expect(governor.jobs.parallel < 40, "parallel jobs \(governor.jobs.parallel)")
        // One question per 40 ms stretch alone, every one answered no.
        #expect(governor.skippedProbes == asked)
        #expect(asked >= 110 && asked <= 126, "asked \(asked)")
        let ideal = Double(outcome.jobs) * Double(units) * 30
        #expect(ideal / outcome.total > 0.999, "efficiency \(ideal / outcome.total)")
    }

    /// The same contention for 2 s, then the other process ends and a core is idle: the
    /// governor probes the parallel mode at its next question (within a shortest stretch
    /// and a slice), finds it faster and keeps it.
    @Test func aCoreThatBecomesIdleIsUsedWithinAStretch() {
        var governor = ParallelismGovernor()
        let units = 1024
        let freed: UInt64 = 3_000_000_000
        var firstParallel: UInt64?
        let (_, _) = Self.simulateWithStalls(&governor, seconds: 4, units: units, idleCore: { $0 >= freed }) { mode, now in
            guard now >= freed else { return Self.preemptedWorker(mode, now, units: units) }
            if mode == .parallel && firstParallel == nil { firstParallel = now }
            return (UInt64((mode == .parallel ? 20 : 34) * units), false)
        }
        #expect(governor.chosen == .parallel)
        #expect(governor.stalls == 1, "stalls \(governor.stalls)")
        let delay = (firstParallel ?? .max) - freed
        #expect(delay <= governor.shortestStretch + 1_000_000, "first parallel job \(delay) ns after the core became idle")
        #expect(governor.jobs.parallel > 20_000, "parallel jobs \(governor.jobs.parallel)")
    }

    /// Jobs run as an adaptive pool runs them, with the pool's own idle-core gauge: the
    /// machine's idle seconds grow at `idleCores(now)` cores (while the caller runs alone;
    /// a simulated clock), the gauge's window starts when the pool goes alone, and the
    /// governor asks it when a stretch alone ends. (The gauge answers yes when a window is
    /// too short to judge, as the pool's does.)
    static func simulatePool(_ governor: inout ParallelismGovernor, seconds: Double, units: Int = 1024,
                             idleCores: (UInt64) -> Double,
                             _ cost: (Mode, UInt64) -> (nanoseconds: UInt64, stalled: Bool)) -> (Outcome, firstParallel: UInt64?) {
        let start: UInt64 = 1_000_000_000
        var now = start
        let end = start + UInt64(seconds * 1e9)
        var outcome = Outcome()
        var gauge = IdleCoreGauge()
        var idle = 100.0  // the machine's idle seconds since boot
        var lastMode: Mode?
        var firstParallel: UInt64?
        while now < end {
            let time = now, idleNow = idle
            let mode = governor.begin(now: now) { gauge.hadIdleCore(now: time, idle: idleNow) }
            if mode == .alone && lastMode != .alone { gauge.start(now: now, idle: idle) }
            if mode == .parallel && firstParallel == nil { firstParallel = now }
            lastMode = mode
            let (duration, stalled) = cost(mode, now)
            governor.end(units: units, nanoseconds: duration)
            if stalled { governor.stalled(now: now + duration, cost: duration) }
            if mode == .parallel { outcome.parallelTime += Double(duration) } else { outcome.aloneTime += Double(duration) }
            outcome.jobs += 1
            let step = duration + 2_000
            if mode == .alone { idle += idleCores(now) * Double(step) / 1e9 }
            now += step
        }
        return (outcome, firstParallel)
    }

    /// The governor an adaptive pool makes (``WorkerPool/init(parts:adaptive:)``).
    static func adaptivePoolsGovernor() throws -> ParallelismGovernor {
        try #require(WorkerPool(parts: 2, adaptive: true).governor)
    }

    /// A pool made while another process keeps the other core busy (a worker that gets
    /// the core for 1.5 ms in 3 ms, no idle core): its worker never runs a job, nothing
    /// stalls, and it runs as fast as one thread from its first job. (Started parallel, the
    /// pool stalled at its first stretch and twice more in the backoffs after it, too short
    /// for the gauge to judge, which then answers yes.)
    @Test func aPoolMadeOnABusyMachineNeverWakesItsWorker() throws {
        var governor = try Self.adaptivePoolsGovernor()
        let units = 1024
        let (outcome, firstParallel) = Self.simulatePool(&governor, seconds: 2, units: units, idleCores: { _ in 0 }) { mode, now in
            Self.preemptedWorker(mode, now, units: units)
        }
        #expect(firstParallel == nil, "a parallel job at \(firstParallel ?? 0)")
        #expect(governor.stalls == 0 && governor.jobs.parallel == 0, "stalls \(governor.stalls), parallel jobs \(governor.jobs.parallel)")
        #expect(governor.skippedProbes >= 45, "skipped probes \(governor.skippedProbes)")
        let ideal = Double(outcome.jobs) * Double(units) * 30
        #expect(ideal / outcome.total > 0.9999, "efficiency \(ideal / outcome.total)")
    }

    /// A pool made on idle cores starts alone for one stretch, finds the parallel mode
    /// faster at its first probe and keeps it: within 1.5% of running parallel throughout
    /// over 5 s (the 40 ms alone at the start cost 0.6%, the explorations the rest).
    @Test func aPoolMadeOnIdleCoresGoesParallelAfterOneStretch() throws {
        var governor = try Self.adaptivePoolsGovernor()
        let units = 1024
        let (outcome, firstParallel) = Self.simulatePool(&governor, seconds: 5, units: units, idleCores: { _ in 1 }) { mode, _ in
            (UInt64((mode == .parallel ? 20 : 34) * units), false)
        }
        #expect(governor.chosen == .parallel)
        let delay = try #require(firstParallel) - 1_000_000_000
        #expect(delay <= governor.shortestStretch + 1_000_000, "first parallel job after \(delay) ns")
        let ideal = Double(outcome.jobs) * Double(units) * 20
        #expect(ideal / outcome.total > 0.985, "efficiency \(ideal / outcome.total)")
    }

    /// Jobs of `units` units with a worker that runs 1.5 ms, then waits 1.5 ms for another
    /// process on its core: alone 30 ns per unit, parallel 18, but a parallel job in the
    /// wait stalls until the worker runs again.
    static func preemptedWorker(_ mode: Mode, _ now: UInt64, units: Int) -> (nanoseconds: UInt64, stalled: Bool) {
        switch mode {
        case .alone: return (UInt64(30 * units), false)
        case .parallel:
            let phase = now % 3_000_000
            if phase < 1_500_000 { return (UInt64(18 * units), false) }
            return (3_000_000 - phase + UInt64(18 * units), true)
        }
    }

    /// The stall backoff: a stall in a parallel stretch switches to the alone mode at the
    /// next job; each further stall (in the parallel slices that explore) doubles the time
    /// alone, up to the longest stretch.
    @Test func stallsBackOffExponentially() {
        var governor = ParallelismGovernor(shortestStretch: 1_000_000, longestStretch: 8_000_000,
                                           exploreSlice: 100_000, leastJobs: 2, shortestBackoff: 1_000_000)
        var now: UInt64 = 1_000_000
        // The parallel mode is measured faster than the alone mode would be, so nothing but
        // stalls makes the governor leave it.
        for _ in 0..<10 {
            #expect(governor.begin(now: now) == .parallel)
            governor.end(units: 100, nanoseconds: 10_000)
            now += 10_000
        }
        governor.stalled(now: now, cost: 1_000_000)
        #expect(governor.chosen == .alone && governor.switches == 1)
        // Every later parallel job stalls: record how long each alone stretch lasts.
        var aloneSince: UInt64? = nil
        var stretches: [UInt64] = []
        while stretches.count < 6 {
            let mode = governor.begin(now: now)
            if mode == .alone {
                if aloneSince == nil { aloneSince = now }
                governor.end(units: 100, nanoseconds: 20_000)
            } else {
                if let since = aloneSince { stretches.append(now - since) }
                aloneSince = nil
                governor.end(units: 100, nanoseconds: 10_000)
                governor.stalled(now: now + 10_000, cost: 1_000_000)
                #expect(governor.mode == .alone)
            }
            now += 20_000
        }
        // 1, 2, 4, 8, 8, 8 ms (to the 20 us job grid; the first also holds the exploring
        // slice's own alone jobs, none here since the stall ended the stretch).
        let milliseconds = stretches.map { Int(($0 + 500_000) / 1_000_000) }
        #expect(milliseconds == [1, 2, 4, 8, 8, 8], "\(milliseconds)")
        #expect(governor.stalls == 7)
    }

    /// Both cores free but a rare stall (one every 2 s, an interrupt or a short-lived
    /// process): the governor steps aside for the shortest backoff, finds the parallel
    /// mode faster again, and keeps it; the backoff does not grow from stalls seconds apart
    /// (5 stalls in 10 s, each costing about 20 ms of the slower mode).
    @Test func rareStallsOnAnIdleMachineCostLittle() {
        var governor = ParallelismGovernor()
        let units = 1024
        var lastStall: UInt64 = 0
        let (outcome, _) = Self.simulateWithStalls(&governor, seconds: 10, units: units) { mode, now in
            switch mode {
            case .alone: return (UInt64(34 * units), false)
            case .parallel:
                if now - lastStall >= 2_000_000_000 {
                    lastStall = now
                    return (UInt64(20 * units) + 1_000_000, true)
                }
                return (UInt64(20 * units), false)
            }
        }
        #expect(governor.chosen == .parallel)
        #expect(governor.stalls >= 4 && governor.stalls <= 6, "stalls \(governor.stalls)")
        #expect(outcome.parallelTime / outcome.total > 0.93, "parallel share \(outcome.parallelTime / outcome.total)")
        // Throughput within 3% of running parallel throughout (the exploring included).
        let ideal = Double(outcome.jobs) * Double(units) * 20
        #expect(ideal / outcome.total > 0.97, "efficiency \(ideal / outcome.total)")
    }

    /// Both cores free, but other processes (a compiler, a daemon) stall a parallel job every
    /// few hundred milliseconds, or every 100 ms, each stall costing 3 ms: far less than the
    /// parallel mode gains between them (20 against 34 ns per unit). Each stall sends the
    /// governor alone for the shortest backoff only, and it keeps running parallel: within
    /// 6% of a parallel run that paid the stalls and nothing else. (With a backoff that
    /// grew until a second passed without a stall, it ran 80-97% of the time alone.)
    @Test(arguments: [450_000_000, 250_000_000, 100_000_000] as [UInt64])
    func frequentCheapStallsOnIdleCoresKeepTheParallelMode(every interval: UInt64) {
        var governor = ParallelismGovernor()
        let units = 1024
        let stallCost: UInt64 = 3_000_000
        var lastStall: UInt64 = 0
        let (outcome, _) = Self.simulateWithStalls(&governor, seconds: 10, units: units) { mode, now in
            switch mode {
            case .alone: return (UInt64(34 * units), false)
            case .parallel:
                if now - lastStall >= interval {
                    lastStall = now
                    return (UInt64(20 * units) + stallCost, true)
                }
                return (UInt64(20 * units), false)
            }
        }
        #expect(governor.chosen == .parallel)
        let expectedStalls = Int(10_000_000_000 / interval)
        #expect(governor.stalls >= expectedStalls - 2 && governor.stalls <= expectedStalls + 2, "stalls \(governor.stalls)")
        #expect(outcome.parallelTime / outcome.total > 0.85, "parallel share \(outcome.parallelTime / outcome.total)")
        let ideal = Double(outcome.jobs) * Double(units) * 20 + Double(governor.stalls) * Double(stallCost)
        #expect(ideal / outcome.total > 0.94, "efficiency \(ideal / outcome.total)")
    }

    /// Contention that comes and goes in seconds-long spells of 60 ms of running and 4 ms
    /// preempted, against spells of 1.5 ms each: a run of 60 ms pays for a stall of at most
    /// 4 ms (the parallel mode is the faster), a run of 1.5 ms does not pay for its stall
    /// (the alone mode is). Stalls alone tell them apart: the backoff starts over after each
    /// paid-for stall and grows while they are not.
    @Test func whetherARunPaysForItsStallDecidesTheBackoff() {
        func cost(on: UInt64, off: UInt64) -> (Mode, UInt64) -> (nanoseconds: UInt64, stalled: Bool) {
            { mode, now in
                switch mode {
                case .alone: return (UInt64(30 * 1024), false)
                case .parallel:
                    let phase = now % (on + off)
                    if phase < on { return (UInt64(18 * 1024), false) }
                    return (on + off - phase + UInt64(18 * 1024), true)
                }
            }
        }
        var governor = ParallelismGovernor()
        var (outcome, now) = Self.simulateWithStalls(&governor, seconds: 5, cost(on: 60_000_000, off: 4_000_000))
        #expect(outcome.parallelTime / outcome.total > 0.7, "parallel share \(outcome.parallelTime / outcome.total)")
        (outcome, now) = Self.simulateWithStalls(&governor, from: now, seconds: 5, cost(on: 1_500_000, off: 1_500_000))
        #expect(outcome.aloneTime / outcome.total > 0.9, "alone share \(outcome.aloneTime / outcome.total)")
        let ideal = Double(outcome.jobs) * 1024 * 30
        #expect(ideal / outcome.total > 0.95, "efficiency \(ideal / outcome.total)")
        #expect(governor.chosen == .alone)
    }

    /// The pay-off rule itself: with the parallel mode at 20 and the alone mode at 30 ns per
    /// unit, a stall that cost 5 ms is paid for after 4 x 10 ms of running; at least two
    /// slices (20 ms) are asked for even of cheap stalls, at most ``stallFreeReset`` of dear
    /// ones; and while the parallel mode is not faster, nothing short of that pays.
    @Test func aRunPaysForAStallWhenItsSpeedUpMakesUpForIt() {
        var governor = ParallelismGovernor(shortestStretch: 1_000_000, exploreSlice: 10_000_000, leastJobs: 1)
        // One parallel stretch at 20 ns per unit, one alone slice at 30.
        var now: UInt64 = 1_000_000
        #expect(governor.begin(now: now) == .parallel)
        governor.end(units: 100_000, nanoseconds: 2_000_000)
        now += 2_000_000
        #expect(governor.begin(now: now) == .alone)
        governor.end(units: 1_000_000, nanoseconds: 30_000_000)
        now += 30_000_000
        #expect(governor.begin(now: now) == .parallel)
        #expect(!governor.runPaysForStall(run: 39_000_000, cost: 5_000_000))
        #expect(governor.runPaysForStall(run: 40_000_000, cost: 5_000_000))
        #expect(!governor.runPaysForStall(run: 19_000_000, cost: 100_000))
        #expect(governor.runPaysForStall(run: 20_000_000, cost: 100_000))
        #expect(!governor.runPaysForStall(run: 199_000_000, cost: 1_000_000_000))
        #expect(governor.runPaysForStall(run: 200_000_000, cost: 1_000_000_000))
        var slower = ParallelismGovernor(shortestStretch: 1_000_000, exploreSlice: 10_000_000, leastJobs: 1)
        _ = slower.begin(now: 1_000_000)
        slower.end(units: 100_000, nanoseconds: 4_000_000)
        #expect(slower.begin(now: 5_000_000) == .alone)
        slower.end(units: 1_000_000, nanoseconds: 30_000_000)
        _ = slower.begin(now: 35_000_000)  // Measured 40 against 30 ns per unit.
        #expect(slower.chosen == .alone)
        #expect(!slower.runPaysForStall(run: 199_000_000, cost: 100_000))
        #expect(slower.runPaysForStall(run: 200_000_000, cost: 100_000))
    }

    /// After one stall on idle cores the governor returns to the parallel mode and resumes
    /// the stretch the stall cut short (up to four shortest stretches), rather than the
    /// shortest: in the second after the stall it explores the alone mode twice (after 160
    /// and 320 ms), not four times (after 40, 80, 160 and 320 ms).
    @Test func aReturnAfterAStallResumesTheLongerStretch() {
        var governor = ParallelismGovernor()
        let units = 1024
        var (_, now) = Self.simulate(&governor, seconds: 5, units: units) { mode, _, _ in mode == .parallel ? 20 : 34 }
        #expect(governor.chosen == .parallel)
        _ = governor.begin(now: now)
        governor.end(units: units, nanoseconds: 3_000_000)
        now += 3_000_000
        governor.stalled(now: now, cost: 3_000_000)
        #expect(governor.mode == .alone)
        // Count the spells of alone jobs in the next second: the backoff, then the explorations.
        var spells = 0
        var last = Mode.parallel
        let end = now + 1_000_000_000
        while now < end {
            let mode = governor.begin(now: now)
            if mode == .alone && last == .parallel { spells += 1 }
            last = mode
            let duration = UInt64(units * (mode == .parallel ? 20 : 34))
            governor.end(units: units, nanoseconds: duration)
            now += duration + 2_000
        }
        #expect(governor.chosen == .parallel)
        #expect(spells == 3, "spells alone \(spells)")
    }

    /// A stall reported while the job ran alone (it cannot happen, but the call is harmless)
    /// changes nothing.
    @Test func aStallOutsideTheParallelModeIsIgnored() {
        var governor = ParallelismGovernor(shortestStretch: 1_000, longestStretch: 1_000, exploreSlice: 1_000, leastJobs: 1)
        var now: UInt64 = 1_000_000
        #expect(governor.begin(now: now) == .parallel)
        governor.end(units: 10, nanoseconds: 5_000)
        now += 5_000
        #expect(governor.begin(now: now) == .alone)  // Exploring.
        governor.end(units: 10, nanoseconds: 5_000)
        governor.stalled(now: now + 5_000, cost: 1_000_000)
        #expect(governor.stalls == 0 && governor.switches == 0 && governor.exploring)
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

    /// A fresh adaptive pool runs its first jobs on the calling thread (its worker asleep)
    /// until a stretch has shown whether a core is idle for the worker.
    @Test func aFreshAdaptivePoolStartsOnTheCallingThread() {
        let pool = WorkerPool(parts: 2, adaptive: true)
        let caller = pthread_self()
        let others = Counter()
        // 3 jobs of 8 chunks of 0.2 ms of work: 5 ms, well within the first 40 ms stretch
        // (a parallel first job, as before, has its woken worker claim some of them).
        for _ in 0..<3 {
            pool.run(chunks: 8) { _ in
                if pthread_equal(pthread_self(), caller) == 0 { others.value.add(1, ordering: .relaxed) }
                let end = DispatchTime.now().uptimeNanoseconds + 200_000
                while DispatchTime.now().uptimeNanoseconds < end {}
            }
        }
        #expect(others.value.load(ordering: .relaxed) == 0)
        #expect(pool.governor?.jobs.alone == 3 && pool.governor?.jobs.parallel == 0)
    }

    /// In an adaptive pool, one parallel job whose worker holds its chunk far longer than
    /// the job takes alone sends the next job to the calling thread at once (no stretch
    /// of stalls first), and results stay those of one thread.
    @Test func anAdaptivePoolRunsAloneRightAfterAStall() {
        let pool = Self.poolThatLeavesParallelOnlyOnAStall()
        let caller = pthread_self()
        Self.stallOnce(pool, caller)
        #expect(pool.stalls == 1 && pool.governor?.stalls == 1)
        #expect(pool.governor?.chosen == .alone)
        expectTheNextJobsRunOnTheCaller(pool, caller)
        WorkerPoolTests.checkEveryChunkOnce(pool: pool, jobs: 200)
    }

    /// The caller preempted in its own chunk (here: sleeping in it) after the worker has
    /// finished its chunks holds the job as long as a preempted worker does, though the
    /// caller never waits for anyone: also a stall, and the next jobs run alone.
    @Test func anAdaptivePoolCountsAPreemptedCallerAsAStall() {
        let pool = Self.poolThatLeavesParallelOnlyOnAStall()
        let caller = pthread_self()
        let workerDone = Counter()
        let deadline = Date().addingTimeInterval(30)
        pool.run(chunks: 2) { _ in
            if pthread_equal(pthread_self(), caller) != 0 {
                // Until the worker has run the other chunk, then "preempted" for 300 ms.
                while workerDone.value.load(ordering: .acquiring) == 0 && Date() < deadline { usleep(100) }
                usleep(300_000)
            } else {
                workerDone.value.store(1, ordering: .releasing)
            }
        }
        #expect(workerDone.value.load(ordering: .acquiring) == 1, "the worker never claimed a chunk")
        #expect(pool.stalls == 1 && pool.governor?.stalls == 1)
        #expect(pool.governor?.chosen == .alone)
        expectTheNextJobsRunOnTheCaller(pool, caller)
    }

    /// A job that an adaptive pool runs alone is one call over the whole range when the
    /// caller allows it (`wholeWhenAlone`), as with one thread, and one call per chunk
    /// otherwise; in the parallel mode the chunks are kept either way. Results are the same.
    @Test func aJobRunAloneIsOneRangeWhenAllowed() {
        let pool = Self.poolThatLeavesParallelOnlyOnAStall()
        let caller = pthread_self()
        let count = 1000
        let out = UnsafeMutableBufferPointer<Double>.allocate(capacity: count)
        defer { out.deallocate() }
        out.initialize(repeating: 0)
        var ranges: [Range<Int>] = []
        let lock = NSLock()
        func step(whole: Bool) {
            pool.run(count: count, alignment: 8, minimumChunk: 64, wholeWhenAlone: whole) { range in
                lock.withLock { ranges.append(range) }
                for i in range { out[i] += sin(Double(i)) }
            }
        }
        // Parallel mode (before any stall): chunks, whole or not.
        step(whole: true)
        #expect(ranges.count == 8 && !ranges.contains(0..<count), "\(ranges)")
        // A stall: alone from the next job on.
        Self.stallOnce(pool, caller)
        #expect(pool.governor?.chosen == .alone)
        ranges = []
        step(whole: true)
        #expect(ranges == [0..<count])
        ranges = []
        step(whole: false)
        #expect(ranges.count == 8 && ranges.map(\.count).reduce(0, +) == count, "\(ranges)")
        let expected = (0..<count).map { i in sin(Double(i)) + sin(Double(i)) + sin(Double(i)) }
        #expect(Array(out) == expected)
    }

    /// An adaptive pool whose stretches and backoff are far longer than a test: only a
    /// stall can make it leave the parallel mode, and it then stays alone.
    /// One parallel job whose worker holds its chunk for 300 ms while the caller waits for
    /// it to start: a stall.
    static func stallOnce(_ pool: WorkerPool, _ caller: pthread_t) {
        let claimed = WorkerPoolTests.runWithWorkerHolding(pool, caller: caller, workerHolds: 300_000, callerWaits: 30)
        #expect(claimed, "the worker never claimed a chunk")
    }

    static func poolThatLeavesParallelOnlyOnAStall() -> WorkerPool {
        let governor = ParallelismGovernor(shortestStretch: 60_000_000_000, longestStretch: 60_000_000_000,
                                           exploreSlice: 1_000_000, leastJobs: 1, shortestBackoff: 60_000_000_000)
        return WorkerPool(parts: 2, shortestBackoff: 2_000_000, governor: governor)
    }

    /// Ten jobs of 8 chunks after a stall run on the calling thread only.
    func expectTheNextJobsRunOnTheCaller(_ pool: WorkerPool, _ caller: pthread_t) {
        let others = Counter()
        for _ in 0..<10 {
            pool.run(chunks: 8) { _ in
                if pthread_equal(pthread_self(), caller) == 0 { others.value.add(1, ordering: .relaxed) }
                usleep(500)
            }
        }
        #expect(others.value.load(ordering: .relaxed) == 0)
    }
}
