import ArgumentParser
import Foundation
import Lab
import LabCore

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run every agent x environment x seed in parallel; print a summary table and write reward CSVs.",
        discussion: """
            Writes under --out: \(EpisodeTable.fileName) (\(EpisodeTable.header)), \
            <agent>/<env>/<seed>.monitor.csv (SB3 Monitor format), summary.csv, config.yml and \
            statistics.csv (rliable's IQM, mean, median, optimality gap and probabilities of \
            improvement with 95% stratified bootstrap intervals, per environment and aggregated). \
            Ctrl-C (or SIGTERM) stops cleanly: finished episodes stay on disk, a partial summary prints, exit 130 (143).

            On a cluster: --shard I/N runs only shard I (0-based) of N into --out/shards/I-of-N \
            (--shard auto: the index and count of a Slurm array task); `rllab merge <out>` then \
            writes what an unsharded run writes. --shards N --submit slurm writes and submits a \
            job array of N shards and a merge job (see README: Running a sweep on a cluster).
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

    @OptionGroup var hyperparameterArguments: HyperparameterArguments

    @Option(help: "Output folder.")
    var out: String = "results/compare"

    @Option(help: "Runs at a time (default: all cores).")
    var jobs: Int?

    @Option(help: ArgumentHelp("Run only shard I of N (0-based) into <out>/shards/I-of-N; 'auto': the Slurm array task's (or Kubernetes Indexed Job's) index.", valueName: "I/N|auto"))
    var shard: String?

    @Option(help: "Split the grid into N shards for --submit.")
    var shards: Int?

    @Option(help: ArgumentHelp("Submit the shards as a job array and a merge job to a scheduler.", valueName: "slurm"))
    var submit: String?

    @Option(name: .customLong("sbatch"), parsing: .unconditionalSingleValue, help: ArgumentHelp("An sbatch option for both jobs (--sbatch=--partition=NAME, --sbatch=--time=1:00:00, --sbatch=--array=0-7%2 to throttle).", valueName: "option"))
    var sbatchOptions: [String] = []

    @Flag(name: .customLong("dry-run"), help: "With --submit: write the batch scripts under <out>/slurm, submit nothing.")
    var dryRun = false

    @Flag(help: "With --submit: wait until the jobs leave the queue; fail naming any failed shard and its log.")
    var wait = false

    @OptionGroup var statisticsArguments: StatisticsArguments

    @Flag(help: "Finish an interrupted comparison in --out: keep its finished runs, run the others (the same grid and configuration).")
    var resume = false

    @Flag(help: "Remove the results already in --out and start over.")
    var overwrite = false

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
                // Every seed is a run with its own records: refuse counts that cannot fit.
                try MemoryBudget.bytes(for: "--num-seeds \(count) runs", counts: [count], bytesPerElement: 4096)
                seedList = (0..<UInt64(count)).map { $0 }
            case (nil, nil): seedList = [0, 1, 2]
            case (_?, _?): throw ValidationError("give either --seeds or --num-seeds, not both")
            }
            let budget = try trainingBudget(episodes: episodes, timesteps: timesteps)
            let options = try EnvironmentArguments.parseOptions(option)
            let mode = try clusterMode()
            if case .submit = mode, !dryRun, SlurmSubmission.findExecutable("sbatch") == nil {
                throw ValidationError("sbatch not found on PATH: submit from a Slurm login node, or add --dry-run to only write the batch scripts")
            }
            if case .submit = mode, wait, !dryRun, SlurmSubmission.findExecutable("squeue") == nil {
                throw ValidationError("squeue not found on PATH (needed by --wait)")
            }
            if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
            if resume && overwrite { throw ValidationError("give either --resume (keep the finished runs) or --overwrite (start over), not both") }
            if case .shard = mode, overwrite {
                throw ValidationError("--overwrite does not go with --shard: a shard always keeps its finished cells; to start a shard over, remove its folder under \(out)/shards")
            }
            if case .submit = mode, resume || overwrite {
                throw ValidationError("--resume and --overwrite do not go with --submit: submitting the same command again reruns only the unfinished cells")
            }
            let comparison = try Comparison(
                agents: splitList(agents), environments: splitList(env), environmentOptions: options, seeds: seedList,
                budget: budget, evaluationEpisodes: evalEpisodes, evaluationFrequency: evalFreq, stopAt: stopAt,
                sources: try hyperparameterArguments.sources(agents: splitList(agents)),
                output: URL(fileURLWithPath: out), jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount)
            // Checked here too when sharding, so that a bad option fails before the shards run, not at the merge.
            let statisticsOptions = try statisticsArguments.options(environments: comparison.environments)
            switch mode {
            case .single: try runAll(comparison, statisticsOptions: statisticsOptions)
            case .shard(let id): try runShard(comparison, id)
            case .submit(let count): try submitToSlurm(comparison, shards: count, seeds: seedList)
            }
        }
    }

    enum ClusterMode {
        case single
        case shard(ShardID)
        case submit(shards: Int)
    }

    /// Which of the three ways to run: all cells here, one shard here, or submitted shards.
    func clusterMode() throws -> ClusterMode {
        let submitting = submit != nil || shards != nil
        if shard != nil && submitting {
            throw ValidationError("--shard runs one shard here; --shards with --submit submits them all: give one of them")
        }
        if !submitting && (dryRun || wait || !sbatchOptions.isEmpty) {
            throw ValidationError("--dry-run, --wait and --sbatch go with --shards N --submit slurm")
        }
        if let shard {
            do { return .shard(try ShardID(parsing: shard)) } catch { throw ValidationError("--shard: \(error)") }
        }
        guard submitting else { return .single }
        guard let submit else { throw ValidationError("--shards N needs --submit slurm (to run one shard here, use --shard I/N)") }
        guard submit == "slurm" else { throw ValidationError("--submit: unknown scheduler '\(submit)'; supported: slurm") }
        guard let shards else { throw ValidationError("--submit slurm needs --shards N, the number of array tasks") }
        guard shards >= 1 else { throw ValidationError("--shards must be at least 1, got \(shards)") }
        return .submit(shards: shards)
    }

    private func runAll(_ comparison: Comparison, statisticsOptions: StatisticsOptions) throws {
        let folder = URL(fileURLWithPath: out)
        // One writer per results folder; the lock dies with this process, however it ends.
        try FolderLock.holdUntilExit(folder)
        let plan = try resultsFolderPlan(comparison, folder: folder)
        Interrupt.install()
        let bar = ProgressBar(label: "compare", quiet: quiet)
        let total = comparison.specs.count - plan.finishedCount
        bar.update(0, note: "0/\(total) runs")
        let results = try comparison.run(resuming: plan, isCancelled: { Interrupt.requested }) { done, total in
            bar.update(Double(done) / Double(total), note: "\(done)/\(total) runs")
        }
        bar.finish()
        let resumed = plan.finishedCount > 0
        let statistics = results.isEmpty && !resumed ? nil : try writeStatistics(try readResults([folder]), options: statisticsOptions, to: folder)
        if resumed, let statistics {
            // The runs finished earlier are on disk only: the table comes from the whole folder.
            print(ComparisonSummary.render(statistics))
        } else {
            print(ComparisonSummary.render(results, agents: comparison.agents, environments: comparison.environments, statistics: statistics))
        }
        if evalFreq > 0 && !results.isEmpty { print("\n" + ComparisonSummary.renderTimeToSolve(results) + (resumed ? " (runs of this resume only)" : "")) }
        print(Self.wroteLine(out, evaluations: evalFreq > 0, statistics: statistics != nil))
        if !noPlots && (!results.isEmpty || resumed) { try writeReport(out, statistics: statistics) }
        if Interrupt.requested {
            try? FileOutput.standardError.write("interrupted: partial results kept\n")
            throw ExitCode(Interrupt.exitStatus)
        }
    }

    /// What to do with the results already in `folder`: nothing there, `--resume` (the
    /// cells finished earlier) or `--overwrite` (removed); anything else is an error.
    private func resultsFolderPlan(_ comparison: Comparison, folder: URL) throws -> ResumePlan {
        if overwrite {
            guard !ResultsFolderContents.entries(folder).isEmpty else { return .empty }
            try ResultsFolderContents.removeResults(in: folder)
            let left = ResultsFolderContents.entries(folder)
            if !left.isEmpty {
                try? FileOutput.standardError.write("note: --overwrite kept what rllab did not write in \(out): \(ResultsFolderContents.list(left))\n")
            }
            return .empty
        }
        if resume {
            let plan = try ResumePlan(comparison)
            print("resuming \(out): \(plan.finishedCount) of \(comparison.specs.count) runs finished earlier, \(comparison.specs.count - plan.finishedCount) to run")
            return plan
        }
        let contents = ResultsFolderContents.entries(folder)
        guard contents.isEmpty else {
            throw OutputError("results folder \(out) already holds results (\(ResultsFolderContents.list(contents))): add --resume to keep its finished runs and run the rest, --overwrite to remove them and start over, or write elsewhere with another --out")
        }
        return .empty
    }

    private func runShard(_ comparison: Comparison, _ id: ShardID) throws {
        let shard = try Shard(comparison, id: id)
        try FolderLock.holdUntilExit(shard.folder)
        let folder = "\(out)/shards/\(id.folderName)"
        print("\(id) of grid \(shard.gridHash): \(shard.cells.count) of \(comparison.specs.count) cells, \(shard.finishedEarlier.count) finished earlier, \(shard.remaining.count) to run")
        Interrupt.install()
        let bar = ProgressBar(label: "shard \(id.index)/\(id.count)", quiet: quiet)
        let results = try shard.run(isCancelled: { Interrupt.requested }) { done, total in
            bar.update(Double(done) / Double(total), note: "\(done)/\(total) runs")
        }
        bar.finish()
        if !results.isEmpty {
            print(ComparisonSummary.render(results, agents: comparison.agents, environments: comparison.environments))
        }
        print("\nwrote \(folder): cells.csv (the finished cells), Monitor files\(evalFreq > 0 ? ", evaluations and best models" : "")")
        if Interrupt.requested || results.contains(where: \.interrupted) {
            try? FileOutput.standardError.write("interrupted: finished cells kept; run this shard again to run only the rest\n")
            throw ExitCode(Interrupt.requested ? Interrupt.exitStatus : 1)
        }
        print("when every shard has finished: rllab merge \(out)")
    }

    private func submitToSlurm(_ comparison: Comparison, shards: Int, seeds: [UInt64]) throws {
        var arguments = ["--env", env, "--agents", agents]
        arguments += option.flatMap { ["--option", $0] }
        arguments += ["--seeds", seeds.map(String.init).joined(separator: ",")]
        if let episodes { arguments += ["--episodes", String(episodes)] }
        if let timesteps { arguments += ["--timesteps", String(timesteps)] }
        arguments += ["--eval-episodes", String(evalEpisodes)]
        if evalFreq > 0 { arguments += ["--eval-freq", String(evalFreq)] }
        if let stopAt { arguments += ["--stop-at", stopAt.description] }
        if let config = hyperparameterArguments.config { arguments += ["--config", URL(fileURLWithPath: config).standardizedFileURL.path] }
        if let folder = hyperparameterArguments.agentsDir { arguments += ["--agents-dir", URL(fileURLWithPath: folder).standardizedFileURL.path] }
        arguments += hyperparameterArguments.overrides.flatMap { ["--set", $0] }
        if let jobs { arguments += ["--jobs", String(jobs)] }
        arguments += ["--quiet"] + (noPlots ? ["--no-plots"] : [])
        let submission = try SlurmSubmission(
            output: out, workingDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
            executable: currentExecutable(), shards: shards, compareArguments: arguments,
            mergeArguments: statisticsArguments.commandLine + (noPlots ? ["--no-plots"] : []), sbatchOptions: sbatchOptions)
        try submission.writeScripts()
        print("wrote \(submission.arrayScriptURL.path) (\(shards) array tasks) and \(submission.mergeScriptURL.path)")
        if dryRun {
            print("dry run: nothing submitted; to submit by hand:")
            print("  array=$(sbatch --parsable \(submission.arrayScriptURL.path))")
            print("  sbatch --dependency=afterok:$array --kill-on-invalid-dep=yes \(submission.mergeScriptURL.path)")
            return
        }
        guard let sbatch = SlurmSubmission.findExecutable("sbatch") else { throw ValidationError("sbatch not found on PATH") }
        let jobs = try submission.submit(sbatch: sbatch)
        print("submitted job array \(jobs.array) (\(shards) shards) and merge job \(jobs.merge) (runs after every shard succeeded)")
        print("follow: squeue -j \(jobs.array),\(jobs.merge); logs: \(submission.folder.path)/array_\(jobs.array)_<shard>.{out,err}, merge_\(jobs.merge).{out,err}")
        print("results: \(out) once the merge job has run")
        guard wait else { return }
        guard let squeue = SlurmSubmission.findExecutable("squeue") else { throw ValidationError("squeue not found on PATH") }
        let states = try SlurmSubmission.wait(squeue: squeue, jobs: [jobs.array, jobs.merge]) { change in
            if !quiet { print(change) }
        }
        if let report = submission.failureReport(states, array: jobs.array, merge: jobs.merge) {
            throw ShardError("the Slurm jobs did not all succeed:\n" + report)
        }
        print("done: job array \(jobs.array) and merge job \(jobs.merge) completed; results in \(out)")
    }

    /// The closing "wrote ..." line: the folder's result files by their homes' names.
    static func wroteLine(_ folder: String, evaluations: Bool, statistics: Bool) -> String {
        "\nwrote \(folder)/\(EpisodeTable.fileName), \(evaluations ? "\(EvaluationTable.fileName), " : "")\(SummaryTable.fileName), "
            + "\(ConfigurationFile.fileName), \(statistics ? "\(StatisticsFile.fileName) " : "")and Monitor files"
    }
}

/// Writes the charts and report.html of the comparison folder `out` and says so.
func writeReport(_ out: String, statistics: ComparisonStatistics?) throws {
    let report = try Report(results: try readResults([URL(fileURLWithPath: out)], warn: false), statistics: statistics)
    let files = try report.write(to: URL(fileURLWithPath: out))
    print("wrote \(out)/report.html and \(files.charts.count) charts under \(out)/plots")
}

/// The absolute path of the running `rllab` (what batch scripts run).
func currentExecutable() -> URL {
    let link = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    if link.path != "/proc/self/exe", FileManager.default.isExecutableFile(atPath: link.path) { return link }
    let argument = CommandLine.arguments.first ?? "rllab"
    if argument.contains("/") {
        return URL(fileURLWithPath: argument, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardizedFileURL.resolvingSymlinksInPath()
    }
    return SlurmSubmission.findExecutable(argument) ?? URL(fileURLWithPath: argument)
}

/// `rllab merge DIR`: the shards of a comparison, put together.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the shards under DIR/shards into DIR, as an unsharded rllab compare --out DIR writes it.",
        discussion: """
            Checks that every cell of the grid is finished exactly once, in shards of one grid \
            (or says which shards and cells are missing or unfinished), then writes episodes.csv, \
            Monitor files, summary.csv, config.yml, statistics.csv, with --eval-freq \
            evaluations.csv and the best models, the report's animations, the charts and \
            report.html. Give the same statistics options as the shards' compare command.
            """)

    @Argument(help: "The comparison's output folder (the --out of the shards).")
    var folder: String

    @OptionGroup var statisticsArguments: StatisticsArguments

    @Flag(name: .customLong("no-plots"), help: "Skip the charts and report.html.")
    var noPlots = false

    func run() throws {
        try reportingErrors {
            let url = URL(fileURLWithPath: folder)
            try FolderLock.holdUntilExit(url)
            let merge = try ShardMerge(folder: url)
            // The options are checked before anything is written.
            let statisticsOptions = try statisticsArguments.options(environments: merge.environments)
            try merge.write()
            print("merged \(merge.cellCount) cells from \(merge.shardCount) shard\(merge.shardCount == 1 ? "" : "s") (grid \(merge.gridHash))")
            let statistics = try writeStatistics(try readResults([url]), options: statisticsOptions, to: url)
            print(ComparisonSummary.render(statistics))
            print(CompareCommand.wroteLine(folder, evaluations: merge.evaluationFrequency > 0, statistics: true))
            if !noPlots { try writeReport(folder, statistics: statistics) }
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

/// Reads result folders, printing the readers' warnings (a row cut short at the end of a
/// file by an interrupted write is skipped, and said so).
func readResults(_ folders: [URL], warn: Bool = true) throws -> ResultsFolder {
    let results = try ResultsFolder(folders)
    if warn {
        for warning in results.warnings { try? FileOutput.standardError.write("warning: \(warning)\n") }
    }
    return results
}
