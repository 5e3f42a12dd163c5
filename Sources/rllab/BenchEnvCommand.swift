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
            if let numEnvs {
                try runVector(copies: numEnvs)
                return
            }
            // The bare environment, as the Gymnasium side steps `env.unwrapped`.
            let env = try environment.make().unwrapped
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

    /// Times `--steps` environment steps (summed over copies) of a vector environment.
    ///
    /// Actions come from a table drawn before the clock starts, so the figure measures the
    /// environment rather than the action sampler (the peer scripts do the same).
    func runVector(copies: Int) throws {
        guard copies > 0 else { throw ValidationError("--num-envs must be positive") }
        guard threads > 0 else { throw ValidationError("--threads must be positive") }
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
