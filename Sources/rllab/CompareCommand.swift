import ArgumentParser
import Foundation
import Lab

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run every agent x environment x seed in parallel; print a summary table and write reward CSVs.",
        discussion: """
            Writes under --out: episodes.csv (agent,env,seed,episode,return,length,wall_time), \
            <agent>/<env>/<seed>.monitor.csv (SB3 Monitor format), summary.csv, config.yml and \
            statistics.csv (rliable's IQM, mean, median, optimality gap and probabilities of \
            improvement with 95% stratified bootstrap intervals, per environment and aggregated). \
            Ctrl-C stops cleanly: finished episodes stay on disk, a partial summary prints, exit 130.
            """)

    @Option(help: "Environment ids (or files), comma-separated.")
    var env: String

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp("An environment option key=value, applied to every environment.", valueName: "key=value"))
    var option: [String] = []

    @Option(help: "Agents, comma-separated (see `rllab agents`).")
    var agents: String

    @Option(help: "Seeds, comma-separated.")
    var seeds: String?

    @Option(name: .customLong("num-seeds"), help: "Use seeds 0..<K.")
    var numSeeds: Int?

    @Option(help: "Training episodes per run.")
    var episodes: Int?

    @Option(help: "Training environment steps per run.")
    var timesteps: Int?

    @Option(name: .customLong("eval-episodes"), help: "Greedy evaluation episodes after training.")
    var evalEpisodes: Int = 100

    @Option(name: .customLong("eval-freq"), help: "Evaluate greedily every N training steps (SB3's EvalCallback), --eval-episodes episodes each: evaluations.csv, best models, time to solve.")
    var evalFreq: Int = 0

    @Option(name: .customLong("stop-at"), help: "Stop a run once an --eval-freq evaluation's mean return reaches R (also the 'solved' threshold; default: the environment's reward_threshold).")
    var stopAt: Double?

    @Option(help: "A YAML file of hyperparameters (flat, or keyed by environment id).")
    var config: String?

    @Option(name: .customLong("set"), parsing: .singleValue, help: ArgumentHelp("Override a hyperparameter: key=value, or agent.key=value for one agent.", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "Output folder.")
    var out: String = "results/compare"

    @Option(help: "Runs at a time (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var statisticsArguments: StatisticsArguments

    @Flag(help: "No progress bar.")
    var quiet = false

    @Flag(name: .customLong("no-plots"), help: "Skip the learning-curve charts and report.html (see `rllab plot`).")
    var noPlots = false

    func run() throws {
        try reportingErrors {
            let seedList: [UInt64]
            switch (seeds, numSeeds) {
            case (let list?, nil):
                seedList = try list.split(separator: ",").map {
                    guard let seed = UInt64($0.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("--seeds: '\($0)' is not a non-negative integer") }
                    return seed
                }
            case (nil, let count?):
                guard count > 0 else { throw ValidationError("--num-seeds must be positive") }
                seedList = (0..<UInt64(count)).map { $0 }
            case (nil, nil): seedList = [0, 1, 2]
            case (_?, _?): throw ValidationError("give either --seeds or --num-seeds, not both")
            }
            let budget = try trainingBudget(episodes: episodes, timesteps: timesteps)
            let options = try EnvironmentArguments.parseOptions(option)
            let comparison = try Comparison(
                agents: splitList(agents), environments: splitList(env), environmentOptions: options, seeds: seedList,
                budget: budget, evaluationEpisodes: evalEpisodes, evaluationFrequency: evalFreq, stopAt: stopAt,
                sources: HyperparameterSources(configFile: config.map { URL(fileURLWithPath: $0) }, overrides: overrides),
                output: URL(fileURLWithPath: out), jobs: jobs)
            let statisticsOptions = try statisticsArguments.options(environments: comparison.environments)
            Interrupt.install()
            let bar = ProgressBar(label: "compare", quiet: quiet)
            bar.update(0, note: "0/\(comparison.specs.count) runs")
            let results = try comparison.run(isCancelled: { Interrupt.requested }) { done, total in
                bar.update(Double(done) / Double(total), note: "\(done)/\(total) runs")
            }
            bar.finish()
            let folder = URL(fileURLWithPath: out)
            let statistics = results.isEmpty ? nil : try writeStatistics(try ResultsFolder([folder]), options: statisticsOptions, to: folder)
            print(ComparisonSummary.render(results, agents: comparison.agents, environments: comparison.environments, statistics: statistics))
            if evalFreq > 0 { print("\n" + ComparisonSummary.renderTimeToSolve(results)) }
            print("\nwrote \(out)/episodes.csv, \(evalFreq > 0 ? "evaluations.csv, " : "")summary.csv, config.yml, \(statistics == nil ? "" : "statistics.csv ")and Monitor files")
            if !noPlots && !results.isEmpty {
                let report = try Report(results: try ResultsFolder([folder]), statistics: statistics)
                let files = try report.write(to: URL(fileURLWithPath: out))
                print("wrote \(out)/report.html and \(files.charts.count) charts under \(out)/plots")
            }
            if Interrupt.requested {
                FileHandle.standardError.write(Data("interrupted: partial results kept\n".utf8))
                throw ExitCode(Interrupt.exitStatus)
            }
        }
    }
}

func splitList(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

/// `--episodes N` or `--timesteps N` (not both), if either is given.
func trainingBudget(episodes: Int?, timesteps: Int?) throws -> TrainingBudget? {
    switch (episodes, timesteps) {
    case (let n?, nil):
        guard n > 0 else { throw ValidationError("--episodes must be positive") }
        return .episodes(n)
    case (nil, let n?):
        guard n > 0 else { throw ValidationError("--timesteps must be positive") }
        return .timesteps(n)
    case (nil, nil): return nil
    case (_?, _?): throw ValidationError("give either --episodes or --timesteps, not both")
    }
}
