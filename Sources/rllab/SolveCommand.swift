import ArgumentParser
import Foundation
import Lab
import LabCore

struct SolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "Solve a tabular environment's model by value or policy iteration; write state,value,action.")

    enum Method: String, ExpressibleByArgument, CaseIterable {
        case valueIteration = "value-iteration"
        case policyIteration = "policy-iteration"

        func solve(_ model: CompactModel, gamma: Double, theta: Double) throws -> PlanningSolution {
            switch self {
            case .valueIteration: try DynamicProgramming.valueIteration(model, gamma: gamma, theta: theta)
            case .policyIteration: try DynamicProgramming.policyIteration(model, gamma: gamma, theta: theta)
            }
        }
    }

    /// The transition model of `environment`, or an error naming what to do instead.
    static func model(of environment: EnvironmentArguments) throws -> CompactModel {
        guard let tabular = try environment.resolved().make().unwrapped as? TabularModelEnvironment else {
            throw ValidationError("\(environment.env) does not expose a transition model; use the value-iteration agent, which estimates one from experience")
        }
        return CompactModel(tabular.transitionModel)
    }

    @OptionGroup var environment: EnvironmentArguments

    @Option(help: "value-iteration or policy-iteration.")
    var method: Method = .valueIteration

    @Option(help: "Discount factor.")
    var gamma: Double = 0.99

    @Option(help: "Stop when the largest value change in a sweep is below this.")
    var theta: Double = 1e-12

    @Option(help: "Write the CSV here instead of standard output.")
    var out: String?

    func run() throws {
        try reportingErrors {
            let model = try Self.model(of: environment)
            let start = ContinuousClock.now
            let solution = try method.solve(model, gamma: gamma, theta: theta)
            let milliseconds = (ContinuousClock.now - start).inMilliseconds
            let sink = try OutputSink(path: out, inputs: [("--env", environment.env)])
            try sink.line("state,value,action")
            for state in 0..<model.stateCount {
                try sink.line("\(state),\(solution.values[state].description),\(solution.policy[state])")
            }
            try sink.flush()
            let work = method == .valueIteration
                ? "\(solution.iterations) sweeps"
                : "\(solution.iterations) improvement rounds, \(solution.evaluationSweeps) evaluation sweeps"
            let message = "\(method.rawValue) on \(environment.env) (gamma \(gamma), theta \(theta)): \(work) in \(String(format: "%.3f", milliseconds)) ms"
            if out == nil {
                try? FileOutput.standardError.write((message + "\n"))
            } else {
                print(message)
            }
        }
    }
}
