import ArgumentParser
import Foundation
import Lab
import LabCore

struct BenchEnvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env",
        abstract: "Steps per second of a random-action loop with resets (Gymnasium's benchmark_step).")

    @OptionGroup var environment: EnvironmentArguments

    @Option(help: "Steps to time.")
    var steps: Int = 10_000_000

    @Option(help: "Seed of the first reset and of the action sampler.")
    var seed: UInt64 = 0

    @Option(name: .customLong("num-envs"), help: "Step this many copies as one vector environment (Gymnasium next-step autoreset).")
    var numEnvs: Int?

    @Option(help: "Threads the vector environment splits its copies over (results do not depend on it).")
    var threads: Int = 1

    @Option(help: "Time the steps in this many equal segments and print the median rate (a shared machine is noisy).")
    var segments: Int = 5

    @Option(name: .customLong("against-threads"), help: ArgumentHelp(
        "With --num-envs: also step a second copy of the vector environment with this many threads, in blocks alternating with the first, and print the ratio of their rates (--threads over --against-threads).",
        discussion: "A virtual machine's speed drifts by tens of percent within seconds; runs minutes apart mix that into the comparison, blocks a fraction of a second apart do not. Each environment steps --steps steps in --blocks blocks, in the order ABBA ABBA...; each keeps its threads (and their warm-up) for the whole run."))
    var againstThreads: Int?

    @Option(help: "With --against-threads: blocks per environment.")
    var blocks: Int = 100

    /// The median of the rates of `segments` timed runs of `body`, which performs `work` units.
    func medianRate(work: Int, _ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        var rates: [Double] = []
        for _ in 0..<segments {
            let start = clock.now
            try body()
            rates.append(Double(work) / (clock.now - start).inSeconds)
        }
        return rates.sorted()[rates.count / 2]
    }

    func run() throws {
        try reportingErrors {
            guard steps > 0 else { throw ValidationError("--steps must be positive") }
            guard segments > 0 else { throw ValidationError("--segments must be positive") }
            if let againstThreads {
                guard let numEnvs else { throw ValidationError("--against-threads needs --num-envs (it compares vector environments)") }
                try runAlternating(copies: numEnvs, reference: againstThreads)
                return
            }
            if let numEnvs {
                try runVector(copies: numEnvs)
                return
            }
            // The bare environment, as the Gymnasium side steps `env.unwrapped`.
            let env = try environment.resolved().make().unwrapped
            let random = try RandomSource(seed: seed).derived("bench-actions")
            _ = try env.reset(seed: seed, options: nil)
            let segmentSteps = max(1, steps / segments)
            let rate = try medianRate(work: segmentSteps) {
                for _ in 0..<segmentSteps {
                    let result = try env.step(env.actionSpace.sample(using: random))
                    if result.terminated || result.truncated { _ = try env.reset(seed: nil, options: nil) }
                }
            }
            print("rllab \(environment.env) step (\(steps) steps, median of \(segments) segments, 1 core): \(String(format: "%.0f", rate)) steps/s")
        }
    }

    /// The vector environment with `threads` threads, reset, and the action table it steps
    /// through; the same seed gives the same table and so the same work at any thread count.
    func makeVector(copies: Int, threads: Int) throws -> (vector: VectorEnvironment, table: [[Int]]) {
        guard copies > 0 else { throw ValidationError("--num-envs must be positive") }
        guard threads > 0 else { throw ValidationError("--threads and --against-threads must be positive") }
        let vector = try EnvironmentRegistry.shared.makeVector(
            environment.env, options: try environment.options(), count: copies, threads: threads)
        guard let actionCount = vector.singleActionSpace.discrete?.n else {
            throw ValidationError("bench env --num-envs needs a discrete action space; \(environment.env) has \(vector.singleActionSpace)")
        }
        let random = try RandomSource(seed: seed).derived("bench-actions")
        // Several batches of actions, cycled; a prime count so batches do not line up with episodes.
        let batches = 61
        let table = (0..<batches).map { _ in (0..<copies).map { _ in random.uniformIndex(below: actionCount) } }
        try vector.reset(seed: seed)
        return (vector, table)
    }

    /// The calling thread's CPU time (seconds) and context switches so far, voluntary (it
    /// waited) and involuntary (the kernel preempted it).
    static func threadUsage() -> (cpu: Double, voluntary: Int, involuntary: Int) {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        #if os(Linux)
        var usage = rusage()
        getrusage(__rusage_who_t(1), &usage)  // RUSAGE_THREAD, which Swift's Glibc module does not import
        return (Double(time.tv_sec) + Double(time.tv_nsec) / 1e9, usage.ru_nvcsw, usage.ru_nivcsw)
        #else
        return (Double(time.tv_sec) + Double(time.tv_nsec) / 1e9, 0, 0)
        #endif
    }

    /// Steps two vector environments, one with `--threads` threads and one with `reference`
    /// threads, in alternating blocks (ABBA: drift that is linear over a pair cancels), and
    /// prints each one's total rate, the ratio of the totals and the spread of the ratios of
    /// the blocks run next to each other; then, per environment, the share of its blocks'
    /// wall time that the calling thread spent off its core and its context switches (a
    /// pool that costs no CPU can still cost time by having its caller wait or preempted).
    func runAlternating(copies: Int, reference: Int) throws {
        guard blocks > 0 else { throw ValidationError("--blocks must be positive") }
        let tested = try makeVector(copies: copies, threads: threads)
        // One action table for both (the same seed draws the same one): less memory in the
        // cache, and none that only one environment reads.
        let base = (vector: try makeVector(copies: copies, threads: reference).vector, table: tested.table)
        let blockCalls = max(1, steps / copies / blocks)
        let clock = ContinuousClock()
        var calls = (tested: 0, base: 0)
        /// Per environment (0: tested, 1: base): wall and CPU seconds, voluntary and involuntary switches.
        var wall = [0.0, 0.0], cpu = [0.0, 0.0], voluntary = [0, 0], involuntary = [0, 0]
        var ratios: [Double] = []
        ratios.reserveCapacity(blocks)
        for pair in 0..<blocks {
            var time = [0.0, 0.0]
            for testedFirst in pair % 2 == 0 ? [false, true] : [true, false] {
                let (vector, table) = testedFirst ? tested : base
                let index = testedFirst ? 0 : 1
                var call = testedFirst ? calls.tested : calls.base
                let usage = Self.threadUsage()
                let start = clock.now
                for _ in 0..<blockCalls {
                    try vector.step(discrete: table[call % table.count])
                    call += 1
                }
                time[index] = (clock.now - start).inSeconds
                let after = Self.threadUsage()
                if testedFirst { calls.tested = call } else { calls.base = call }
                wall[index] += time[index]
                cpu[index] += after.cpu - usage.cpu
                voluntary[index] += after.voluntary - usage.voluntary
                involuntary[index] += after.involuntary - usage.involuntary
            }
            // Same steps in both blocks: the rates' ratio is the times' inverse ratio.
            ratios.append(time[1] / time[0])
        }
        let blockSteps = blockCalls * copies
        let rate = (tested: Double(blockSteps * blocks) / wall[0], base: Double(blockSteps * blocks) / wall[1])
        ratios.sort()
        func quantile(_ q: Double) -> Double { AggregateMetric.percentile(sorted: ratios, q) }
        let median = AggregateMetric.median(ratios)
        print("rllab \(environment.env) vector step (\(copies) envs), \(threads) threads against \(reference) threads, "
            + "\(blocks) alternating blocks of \(blockSteps) steps each (ABBA): "
            + String(format: "%.0f steps/s against %.0f steps/s; ratio of totals %.4f; ", rate.tested, rate.base, rate.tested / rate.base)
            + String(format: "block pairs: median ratio %.4f, quartiles %.4f-%.4f, range %.4f-%.4f", median, quantile(0.25), quantile(0.75), ratios.first!, ratios.last!))
        for (index, label) in [(0, "\(threads) threads"), (1, "\(reference) threads")] {
            print("calling thread in the \(label) environment's blocks: "
                + String(format: "wall %.3f s, cpu %.3f s, off its core %.2f%%; ", wall[index], cpu[index], 100 * max(0, wall[index] - cpu[index]) / wall[index])
                + "\(voluntary[index]) voluntary and \(involuntary[index]) involuntary context switches")
        }
    }

    /// Times `--steps` environment steps (summed over copies) of a vector environment.
    ///
    /// Actions come from a table drawn before the clock starts, so the figure measures the
    /// environment rather than the action sampler (the peer scripts do the same).
    func runVector(copies: Int) throws {
        let (vector, table) = try makeVector(copies: copies, threads: threads)
        let batches = table.count
        let segmentCalls = max(1, steps / copies / segments)
        var call = 0
        let rate = try medianRate(work: segmentCalls * copies) {
            for _ in 0..<segmentCalls {
                try vector.step(discrete: table[call % batches])
                call += 1
            }
        }
        let total = segmentCalls * segments * copies
        let kind = vector is SyncVectorEnvironment ? "SyncVectorEnvironment" : String(describing: type(of: vector))
        print("rllab \(environment.env) vector step (\(kind), \(copies) envs, \(threads) threads, \(total) steps, median of \(segments) segments): \(String(format: "%.0f", rate)) steps/s")
    }
}
