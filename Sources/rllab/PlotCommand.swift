import ArgumentParser
import Foundation
import Lab

/// `rllab plot`: learning curves, final-performance charts and an HTML report.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw learning curves (SVG) and write report.html for result folders.",
        discussion: """
            Reads RLLab comparison folders (episodes.csv, summary.csv, config.yml) and folders of \
            SB3 Monitor files (*.monitor.csv anywhere below; agent = the folder two levels up, \
            environment = the file's env_id, as RL-Zoo and `rllab compare` lay them out). \
            Several folders go on the same charts. Writes plots/<env>.learning-curves.svg, \
            plots/<env>.final.svg and report.html (self-contained, offline); with --stats also \
            statistics.csv and rliable's charts (interval panel, performance profiles, probability \
            of improvement, sample efficiency) per environment and aggregated.
            """)

    @Argument(help: "Result folders: an `rllab compare` output, or a folder of *.monitor.csv files.")
    var resultsDirs: [String]

    @Option(help: "What the learning curves' x axis counts: steps (default) or episodes.")
    var x: CurveAxis = .steps

    @Option(help: "Rolling mean over this many episodes before averaging runs (1: none).")
    var window: Int = 10

    @Option(help: "Output folder (default: the first results folder).")
    var out: String?

    @Flag(help: "Also compute rliable's statistics: statistics.csv and the report's aggregate panel, profiles, probability of improvement and sample-efficiency charts.")
    var stats = false

    @OptionGroup var statisticsArguments: StatisticsArguments

    func run() throws {
        try reportingErrors {
            guard !resultsDirs.isEmpty else { throw ValidationError("give at least one results folder") }
            let results = try readResults(resultsDirs.map { URL(fileURLWithPath: $0) })
            let output = URL(fileURLWithPath: out ?? resultsDirs[0])
            var statistics: ComparisonStatistics?
            if stats {
                try OutputFolder.ensure(output)
                let options = try statisticsArguments.options(environments: results.environments, window: window)
                statistics = try writeStatistics(results, options: options, to: output)
                print(ComparisonSummary.render(statistics!))
                print("wrote \(output.relativePath)/\(StatisticsFile.fileName)")
            }
            let report = try Report(results: results, axis: x, window: window, statistics: statistics)
            let files = try report.write(to: output)
            for chart in files.charts { print("wrote \(chart.relativePath)") }
            print("wrote \(files.report.relativePath)")
        }
    }
}

extension CurveAxis: ExpressibleByArgument {}
