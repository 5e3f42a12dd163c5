import ArgumentParser
import Foundation
import Lab
import LabCore

@main
struct RLLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rllab",
        abstract: "Reinforcement-learning environments, agents and GANs on one exact, fast core.",
        subcommands: [
            EnvsCommand.self, CheckCommand.self, RolloutCommand.self, ModelCommand.self, AgentsCommand.self, TrainCommand.self, EvalCommand.self,
            SolveCommand.self, CompareCommand.self, MergeCommand.self, PlotCommand.self, RenderCommand.self, BenchCommand.self, GANCommand.self,
            ClassifyCommand.self, RegressCommand.self,
        ]
    )

    /// Runs the command, then makes sure everything printed reached standard output: a
    /// full disk or `> /dev/full` is `error: ...` and a non-zero exit, not silence.
    static func main() {
        main(nil)
        do {
            try FileOutput.flushStandardOutput()
        } catch {
            try? FileOutput.standardError.write("error: \(error)\n")
            Foundation.exit(EXIT_FAILURE)
        }
    }
}

/// `rllab bench`: release-mode throughput measurements.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput (build with -c release).",
        subcommands: [BenchEnvCommand.self, BenchSolveCommand.self, BenchCoreCommand.self]
    )
}

/// `rllab agents`: the agents and their hyperparameters.
struct AgentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "agents", abstract: "List the agents and their hyperparameters.")

    func run() {
        for type in AgentCatalog.all {
            print("\(type.name): \(type.summary)")
            for line in SettingsListing.lines(type.settingDeclarations) { print("    " + line) }
        }
    }
}

/// How `rllab agents`, `rllab envs --options` and `rllab gan ... --list-settings` show
/// declared settings: `name = default  help (accepted values)`.
enum SettingsListing {
    static func lines(_ declarations: [SettingDeclaration]) -> [String] {
        declarations.map { declaration in
            var accepted: [String] = []
            if let choices = declaration.choices { accepted.append("one of " + choices.joined(separator: ", ")) }
            if let range = declaration.range { accepted.append(range.description) }
            if let count = declaration.count { accepted.append("\(count) values") }
            let suffix = accepted.isEmpty ? "" : " (\(accepted.joined(separator: "; ")))"
            return "\(declaration.name) = \(declaration.defaultValue?.description ?? "(none)")  \(declaration.help)\(suffix)"
        }
    }
}
