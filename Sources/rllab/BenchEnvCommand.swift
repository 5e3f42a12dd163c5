import ArgumentParser
import Foundation
import Lab

struct BenchEnvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env",
        abstract: "Steps per second of a random-action loop with resets (Gymnasium's benchmark_step).")

    @OptionGroup var environment: EnvironmentArguments

    @Option(help: "Steps to time.")
    var steps: Int = 10_000_000

    @Option(help: "Seed of the first reset and of the action sampler.")
    var seed: UInt64 = 0

    func run() throws {
        try reportingErrors {
            guard steps > 0 else { throw ValidationError("--steps must be positive") }
            // The bare environment, as the Gymnasium side steps `env.unwrapped`.
            let env = try environment.make().unwrapped
            let random = try RandomSource(seed: seed).derived("bench-actions")
            _ = try env.reset(seed: seed, options: nil)
            let clock = ContinuousClock()
            let start = clock.now
            for _ in 0..<steps {
                let result = try env.step(env.actionSpace.sample(using: random))
                if result.terminated || result.truncated { _ = try env.reset(seed: nil, options: nil) }
            }
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            let rate = Double(steps) / seconds
            print("rllab \(environment.env) step (\(steps) steps, 1 core): \(String(format: "%.0f", rate)) steps/s")
        }
    }
}
