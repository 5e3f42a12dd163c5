import ArgumentParser
import Foundation
import Lab
import LabCore

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Print the transition model of a tabular environment as CSV.",
        discussion: "Rows state,action,probability,next_state,reward,terminal in exactly Gymnasium's P[s][a] order, duplicates kept.")

    @OptionGroup var environment: EnvironmentArguments

    @Option(help: "Write the CSV to this file instead of standard output.")
    var out: String?

    func run() throws {
        try reportingErrors {
            let env = try environment.resolved().make()
            guard let tabular = env.unwrapped as? TabularModelEnvironment else {
                throw ValidationError("\(environment.env) does not expose a transition model (only tabular environments do)")
            }
            let model = tabular.transitionModel
            let sink = try OutputSink(path: out, inputs: [("--env", environment.env)])
            try sink.line("state,action,probability,next_state,reward,terminal")
            for state in 0..<model.stateCount {
                for action in 0..<model.actionCount {
                    for t in model.transitions(state: state, action: action) {
                        try sink.line("\(state),\(action),\(t.probability.description),\(t.nextState),\(t.reward.description),\(t.terminal)")
                    }
                }
            }
            try sink.flush()
        }
    }
}
