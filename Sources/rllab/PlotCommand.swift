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
            plots/<env>.final.svg and report.html (self-contained, offline).
            """)

    @Argument(help: "Result folders: an `rllab compare` output, or a folder of *.monitor.csv files.")
    var resultsDirs: [String]

    @Option(help: "What the learning curves' x axis counts: episodes or steps.")
    var x: CurveAxis = .episodes

    @Option(help: "Rolling mean over this many episodes before averaging runs (1: none).")
    var window: Int = 10

    @Option(help: "Output folder (default: the first results folder).")
    var out: String?

    func run() throws {
        try reportingErrors {
            guard !resultsDirs.isEmpty else { throw ValidationError("give at least one results folder") }
            let results = try ResultsFolder(resultsDirs.map { URL(fileURLWithPath: $0) })
            let report = try Report(results: results, axis: x, window: window)
            let output = URL(fileURLWithPath: out ?? resultsDirs[0])
            let files = try report.write(to: output)
            for chart in files.charts { print("wrote \(chart.relativePath)") }
            print("wrote \(files.report.relativePath)")
        }
    }
}

extension CurveAxis: ExpressibleByArgument {}
