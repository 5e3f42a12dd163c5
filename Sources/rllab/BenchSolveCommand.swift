import ArgumentParser
import Foundation
import Lab

/// `rllab bench solve`: repeats a dynamic-programming solve and reports its median time.
struct BenchSolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "Median wall time of value or policy iteration on a tabular environment's model.",
        discussion: "The model is built once, outside the clock; each repetition solves from scratch, as Benchmarks/numpy_value_iteration.py does.")

    @OptionGroup var environment: EnvironmentArguments

    @Option(help: "value-iteration or policy-iteration.")
    var method: SolveCommand.Method = .valueIteration

    @Option(help: "Discount factor.")
    var gamma: Double = 0.99

    @Option(help: "Stop when the largest value change in a sweep is below this.")
    var theta: Double = 1e-10

    @Option(help: "Timed repetitions (the median is printed).")
    var repeats: Int = 50

    func run() throws {
        try reportingErrors {
            guard repeats > 0 else { throw ValidationError("--repeats must be positive") }
            let model = try SolveCommand.model(of: environment)
            let clock = ContinuousClock()
            var times: [Double] = []
            var sweeps = 0
            for _ in 0..<repeats {
                let start = clock.now
                let solution = try method.solve(model, gamma: gamma, theta: theta)
                let elapsed = clock.now - start
                times.append(elapsed.inMilliseconds)
                sweeps = solution.iterations
            }
            times.sort()
            let median = times[times.count / 2]
            print("rllab \(method.rawValue) \(environment.env) (gamma \(gamma), theta \(theta), \(sweeps) iterations, median of \(repeats)): \(String(format: "%.4f", median)) ms")
        }
    }
}
