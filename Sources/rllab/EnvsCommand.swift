import ArgumentParser
import Foundation
import Lab

struct EnvsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "envs",
        abstract: "List every registered environment id with its spaces, time limit and reward threshold.")

    @Option(help: ArgumentHelp("List the keyword options of one environment (an id or a file) instead.", valueName: "id"))
    var options: String?

    func run() throws {
        try reportingErrors {
            if let id = options {
                let spec = try EnvironmentRegistry.shared.resolve(id)
                print("\(spec.id): \(spec.summary)")
                for line in SettingsListing.lines(spec.options + MakeOptions.declarations(for: spec)) { print("    " + line) }
                return
            }
            var rows: [[String]] = [["id", "observation space", "action space", "max_episode_steps", "reward_threshold"]]
            for spec in EnvironmentRegistry.shared.specs {
                let environment = try EnvironmentRegistry.shared.make(spec.id)
                rows.append([
                    spec.id,
                    environment.observationSpace.description,
                    environment.actionSpace.description,
                    spec.maxEpisodeSteps.map(String.init) ?? "-",
                    spec.rewardThreshold.map { $0.description } ?? "-",
                ])
            }
            print(Table.render(rows))
        }
    }
}
