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
            var sweeps = 0
            let times = try (0..<repeats).map { _ in
                let start = ContinuousClock.now
                sweeps = try method.solve(model, gamma: gamma, theta: theta).iterations
                return (ContinuousClock.now - start).inMilliseconds
            }.sorted()
            let median = times[times.count / 2]
            print("rllab \(method.rawValue) \(environment.env) (gamma \(gamma), theta \(theta), \(sweeps) iterations, median of \(repeats)): \(String(format: "%.4f", median)) ms")
        }
    }
}
