import ArgumentParser
import Foundation
import Lab

struct SolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "Solve a tabular environment's model by value or policy iteration; write state,value,action.")

    enum Method: String, ExpressibleByArgument, CaseIterable {
        case valueIteration = "value-iteration"
        case policyIteration = "policy-iteration"
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
            let env = try environment.make()
            guard let tabular = env.unwrapped as? TabularModelEnvironment else {
                throw ValidationError("\(environment.env) does not expose a transition model; use the value-iteration agent, which estimates one from experience")
            }
            let model = CompactModel(tabular.transitionModel)
            let clock = ContinuousClock()
            let start = clock.now
            let solution: PlanningSolution
            switch method {
            case .valueIteration: solution = try DynamicProgramming.valueIteration(model, gamma: gamma, theta: theta)
            case .policyIteration: solution = try DynamicProgramming.policyIteration(model, gamma: gamma, theta: theta)
            }
            let elapsed = clock.now - start
            let milliseconds = (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18) * 1000
            let sink = try OutputSink(path: out)
            sink.line("state,value,action")
            for state in 0..<model.stateCount {
                sink.line("\(state),\(solution.values[state].description),\(solution.policy[state])")
            }
            sink.flush()
            let work = method == .valueIteration
                ? "\(solution.iterations) sweeps"
                : "\(solution.iterations) improvement rounds, \(solution.evaluationSweeps) evaluation sweeps"
            let message = "\(method.rawValue) on \(environment.env) (gamma \(gamma), theta \(theta)): \(work) in \(String(format: "%.3f", milliseconds)) ms"
            if out == nil {
                FileHandle.standardError.write(Data((message + "\n").utf8))
            } else {
                print(message)
            }
        }
    }
}
