import ArgumentParser
import Foundation
import Lab

/// The options of rliable's statistics, shared by `compare` and `plot --stats`.
struct StatisticsArguments: ParsableArguments {
    @Option(name: .customLong("bootstrap-samples"), help: "Stratified bootstrap resamples per confidence interval.")
    var bootstrapSamples: Int = 2000

    @Option(name: .customLong("bootstrap-seed"), help: "Seed of the bootstrap's random streams (same seed, same intervals).")
    var bootstrapSeed: UInt64 = 0

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp(
        "Normalized score bounds for the aggregate: ENV=MIN,MAX (repeatable), or MIN,MAX for every environment. Default: 0 = the random agent's mean, 1 = the environment's reward_threshold.",
        valueName: "ENV=MIN,MAX"))
    var normalize: [String] = []

    /// The options as command-line arguments (for a job that runs later: the merge job).
    var commandLine: [String] {
        ["--bootstrap-samples", String(bootstrapSamples), "--bootstrap-seed", String(bootstrapSeed)]
            + normalize.flatMap { ["--normalize", $0] }
    }

    /// The options, checked; `environments` are the ids a bare `MIN,MAX` applies to.
    func options(environments: [String], window: Int = 10) throws -> StatisticsOptions {
        _ = try StratifiedBootstrap(samples: bootstrapSamples)
        return StatisticsOptions(
            bootstrapSamples: bootstrapSamples, seed: bootstrapSeed,
            normalizations: try StatisticsOptions.parseNormalizations(normalize, environments: environments), window: window)
    }
}

/// Computes the statistics of `results` and writes `statistics.csv` under `folder` (the
/// caller prints the table and its notes).
func writeStatistics(_ results: ResultsFolder, options: StatisticsOptions, to folder: URL) throws -> ComparisonStatistics {
    let statistics = try ComparisonStatistics(results: results, options: options)
    try StatisticsFile.write(statistics.rows, to: folder)
    return statistics
}
