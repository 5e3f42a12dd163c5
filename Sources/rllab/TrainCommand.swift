import ArgumentParser
import Foundation
import Lab
import LabCore

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train one agent on one environment; write its episode CSVs, summary and resolved configuration, and save it.",
        discussion: """
            With --checkpoint-every N the run saves its whole training state (networks, optimizer \
            moments, replay or rollout buffer, normalization statistics, random streams, \
            environment states, counters, periodic evaluations) to OUT/checkpoint.safetensors \
            every N steps (agents that learn from whole episodes: at the first episode end at or \
            after every N steps); `rllab train --resume OUT` continues it from the last \
            checkpoint, and the finished run's files are those of a run never interrupted \
            (wall-time fields aside).
            """)

    // Optional here (unlike the other commands' groups) because `--resume DIR` takes them
    // from the checkpoint.
    @Option(name: .long, help: "An environment id (see `rllab envs`) or a file (envs/maze.txt, envs/chain.yml).")
    var env: String?

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp(
        "A Gymnasium keyword option, key=value (repeatable); lists are comma-separated.", valueName: "key=value"))
    var option: [String] = []

    @Option(help: "The agent (see `rllab agents`).")
    var agent: String?

    @OptionGroup var hyperparameterArguments: HyperparameterArguments

    @Option(help: "Seed of the run (default 0).")
    var seed: UInt64?

    @Option(help: "Training episodes.")
    var episodes: Int?

    @Option(help: "Training environment steps.")
    var timesteps: Int?

    @Option(help: "Where to save the trained agent (default: OUT/agent.safetensors).")
    var save: String?

    @Option(help: "Output folder for episodes.csv, the Monitor file, summary.csv and config.yml (default: results/train/AGENT-ENV-SEED).")
    var out: String?

    @Option(name: .customLong("eval-episodes"), help: "Greedy evaluation episodes after training, and at each --eval-freq evaluation.")
    var evalEpisodes: Int = 0

    @Option(name: .customLong("eval-freq"), help: "Evaluate greedily every N training steps (SB3's EvalCallback): OUT/evaluations.csv, OUT/best.safetensors.")
    var evalFreq: Int = 0

    @Option(name: .customLong("stop-at"), help: "Stop training once an --eval-freq evaluation's mean return reaches R.")
    var stopAt: Double?

    @Flag(help: "No progress bar.")
    var quiet = false

    @Option(help: ArgumentHelp("Compute threads for the agent's products and element-wise work.",
                               discussion: "Default: RLLAB_BLAS_THREADS when set, else 1. PPO, A2C and REINFORCE run their separate policy and value networks on two threads at once with 2 or more. The run's files are the same bytes with any count."))
    var threads: Int?

    @Option(name: .customLong("checkpoint-every"), help: "Save the whole training state to OUT/checkpoint.safetensors every N steps (see below).")
    var checkpointEvery: Int?

    @Option(help: "Continue the run whose output folder is DIR from its last checkpoint (all settings come from the checkpoint).")
    var resume: String?

    /// For tests of resuming: the process kills itself with SIGKILL right after writing
    /// its K-th checkpoint, as a crash or `kill -9` would.
    @Option(name: .customLong("kill-after-checkpoint"), help: .hidden)
    var killAfterCheckpoint: Int?

    func run() throws {
        try reportingErrors {
            try applyComputeThreads(threads, otherwise: 1)
            if let resume { return try resumeRun(folder: URL(fileURLWithPath: resume)) }
            guard let env, let agent else {
                throw ValidationError("train needs --env ID and --agent NAME (or --resume DIR)")
            }
            let options = try EnvironmentArguments.parseOptions(option)
            let sources = try hyperparameterArguments.sources(agents: [agent])
            let hyperparameters = try sources.resolve(agent: agent, environmentID: env)
            let budget = try trainingBudget(episodes: episodes, timesteps: timesteps)
                ?? hyperparameters.suggestedBudget ?? Comparison.fallbackBudget
            try RunSpec.checkEvaluation(episodes: evalEpisodes, frequency: evalFreq, stopAt: stopAt)
            guard checkpointEvery.map({ $0 > 0 }) ?? true else { throw ValidationError("--checkpoint-every must be a positive number of steps") }
            let spec = RunSpec(
                agent: agent, environment: try EnvironmentRegistry.shared.resolve(env, options: options), seed: seed ?? 0, budget: budget,
                hyperparameters: hyperparameters, evaluationEpisodes: evalEpisodes, evaluationFrequency: evalFreq, stopAt: stopAt)
            // Fail on a bad environment or agent (or one that cannot checkpoint) before creating any file.
            let probeEnvironment = try spec.environment.make()
            try AgentCatalog.type(named: agent).check(environment: EnvironmentSignature(id: spec.environmentID, environment: probeEnvironment),
                                                      hyperparameters: hyperparameters)
            if checkpointEvery != nil {
                // Whether it can checkpoint depends on the agent's parts (its copies, its spaces).
                try TrainingCheckpointPlan.validate(spec, agent: try Run.makeAgent(spec, for: probeEnvironment), environment: probeEnvironment)
            }
            let folder = URL(fileURLWithPath: out ?? "results/train/\(spec.agent)-\(Comparison.folderName(spec.environmentID))-\(spec.seed)")
            try OutputFolder.ensure(folder)
            let saveURL = URL(fileURLWithPath: save ?? folder.appendingPathComponent("agent.safetensors").path)
            try OutputFolder.ensure(saveURL.deletingLastPathComponent())
            try train(spec, folder: folder, saveURL: saveURL, checkpointEvery: checkpointEvery, resumingFrom: nil)
        }
    }

    /// `--resume DIR`: the run's settings, state and output positions come from DIR's checkpoint.
    private func resumeRun(folder: URL) throws {
        guard env == nil, agent == nil, seed == nil, hyperparameterArguments.isEmpty, option.isEmpty, episodes == nil, timesteps == nil,
              save == nil, out == nil, evalFreq == 0, evalEpisodes == 0, stopAt == nil, checkpointEvery == nil else {
            throw ValidationError("--resume DIR takes every setting from DIR's checkpoint; give only --resume (and --quiet)")
        }
        let url = folder.appendingPathComponent(TrainingCheckpointPlan.fileName)
        let (spec, every, archive) = try TrainingCheckpointPlan.read(url)
        let saveURL = URL(fileURLWithPath: try archive.string("train.save_path"))
        // Rows written after the checkpoint (before the interruption) are written again.
        try TrainFiles(folder: folder, seed: spec.seed).truncate(to: archive, evaluating: spec.evaluationFrequency > 0)
        try train(spec, folder: folder, saveURL: saveURL, checkpointEvery: every, resumingFrom: archive)
    }

    /// Trains into `folder`: into new files, or (`resumingFrom` a checkpoint) appending to
    /// the files as the checkpoint left them.
    private func train(_ spec: RunSpec, folder: URL, saveURL: URL, checkpointEvery: Int?, resumingFrom saved: StateArchive?) throws {
        let files = TrainFiles(folder: folder, seed: spec.seed)
        let resuming = saved != nil
        let monitor = try resuming ? MonitorFile.Writer(appendingTo: files.monitor)
            : MonitorFile.Writer(url: files.monitor, environmentID: spec.environmentID, startTime: Date())
        let table = try resuming ? EpisodeTable.appender(in: folder) : EpisodeTable.create(files.episodes)
        var evaluations: LineWriter?
        if spec.evaluationFrequency > 0 {
            evaluations = try resuming ? EvaluationTable.appender(in: folder) : EvaluationTable.create(files.evaluations)
        }
        let checkpoint = checkpointEvery.map { files.plan(every: $0, saveURL: saveURL, killAfter: killAfterCheckpoint) }
        // Recorded as a comparison's cell is: config.yml first, summary.csv when the run returns.
        try ConfigurationFile.write(try ConfigurationFile.text(of: [spec], environmentOptions: spec.environmentOptions), in: folder)
        Interrupt.install()
        let bar = ProgressBar(label: "train \(spec.agent)", quiet: quiet)
        // The gradient updates' matrix-product work (off-policy agents), for the benchmark's GFLOP/s.
        var updateWork: (updates: Int, flops: Double)?
        let result = try Run.execute(
            spec,
            onEpisode: { record in
                try monitor.append(record)
                try table.write(EpisodeTable.row(spec, record))
                let fraction: Double
                switch spec.budget {
                case .timesteps(let n): fraction = Double(record.totalSteps) / Double(n)
                case .episodes(let n): fraction = Double(record.episode + 1) / Double(n)
                }
                bar.update(fraction, note: "episode \(record.episode + 1), return \(record.return)")
            },
            isCancelled: { Interrupt.requested },
            onEvaluation: { record in try evaluations?.write(EvaluationTable.row(spec, record)) },
            bestModel: spec.evaluationFrequency > 0 ? folder.appendingPathComponent(BestModelFile.name) : nil,
            trainedAgent: { agent in
                try agent.save(to: saveURL)
                if let accounting = agent as? MatrixProductAccounting {
                    updateWork = (accounting.updates, accounting.updateMatrixProductFLOPs)
                }
            },
            checkpoint: checkpoint, resumingFrom: saved)
        bar.finish()
        try SummaryTable.replace(in: folder, rows: [SummaryTable.row(result)])
        let stats = EpisodeStatistics(result.episodes)
        print("\(spec.agent) on \(spec.environmentID), seed \(spec.seed): \(result.episodes.count) episodes, \(result.steps) steps in \(String(format: "%.2f", result.trainingSeconds)) s")
        print("training return: min \(stats.min), max \(stats.max), mean \(ComparisonSummary.format(stats.mean)), last-100 mean \(ComparisonSummary.format(stats.last100Mean))")
        if let evaluation = result.evaluation {
            print("greedy evaluation over \(evaluation.returns.count) episodes: \(ComparisonSummary.format(evaluation.mean)) ± \(ComparisonSummary.format(evaluation.standardDeviation))")
        }
        if spec.evaluationFrequency > 0 {
            let threshold = spec.solveThreshold.map { ComparisonSummary.format($0) } ?? "-"
            if let step = result.solvedStep, let seconds = result.solvedSeconds {
                print("solved (evaluation mean >= \(threshold)) at step \(step), \(String(format: "%.2f", seconds)) s; \(result.evaluations.count) evaluations in evaluations.csv")
            } else {
                print("not solved (evaluation mean >= \(threshold)) in \(result.evaluations.count) evaluations (evaluations.csv)")
            }
        }
        if let updateWork, updateWork.updates > 0, result.trainingSeconds > 0 {
            let gflop = updateWork.flops / 1e9
            // Ends with the rate, which Benchmarks/run.sh reads as the line's figure.
            print("matrix products of the \(updateWork.updates) gradient steps: \(String(format: "%.1f", gflop)) GFLOP (forward and backward) "
                  + "in \(String(format: "%.2f", result.trainingSeconds)) s of training: \(String(format: "%.2f", gflop / result.trainingSeconds)) GFLOP/s")
        }
        print("saved \(saveURL.path); episodes in \(folder.path)")
        if result.interrupted {
            try? FileOutput.standardError.write("interrupted: finished episodes kept\n")
            throw ExitCode(Interrupt.exitStatus)
        }
    }
}

/// The files of one `rllab train` run that a checkpoint records the lengths of.
private struct TrainFiles {
    let folder: URL
    let episodes: URL
    let monitor: URL
    /// Written only with --eval-freq.
    let evaluations: URL

    init(folder: URL, seed: UInt64) {
        self.folder = folder
        episodes = folder.appendingPathComponent(EpisodeTable.fileName)
        monitor = folder.appendingPathComponent("\(seed).\(MonitorFile.suffix)")
        evaluations = folder.appendingPathComponent(EvaluationTable.fileName)
    }

    /// Checkpoints into the folder that record the files' lengths and the save path.
    func plan(every: Int, saveURL: URL, killAfter: Int?) -> TrainingCheckpointPlan {
        var written = 0
        return TrainingCheckpointPlan(
            every: every, url: folder.appendingPathComponent(TrainingCheckpointPlan.fileName),
            addRunnerState: { archive in
                archive.set("train.save_path", saveURL.path)
                archive.set("train.episodes_bytes", try TrainFiles.length(of: episodes))
                archive.set("train.monitor_bytes", try TrainFiles.length(of: monitor))
                if FileManager.default.fileExists(atPath: evaluations.path) {
                    archive.set("train.evaluations_bytes", try TrainFiles.length(of: evaluations))
                }
            },
            didSave: { _ in
                written += 1
                if let killAfter, written >= killAfter { kill(getpid(), SIGKILL) }
            })
    }

    /// Cuts each file back to its length at the checkpoint.
    func truncate(to archive: StateArchive, evaluating: Bool) throws {
        let evaluationFile = evaluating ? [(evaluations, "train.evaluations_bytes")] : []
        for (url, key) in [(episodes, "train.episodes_bytes"), (monitor, "train.monitor_bytes")] + evaluationFile {
            let length = try archive.int(key)
            let current = try TrainFiles.length(of: url)
            guard current >= length else {
                throw OutputError("\(url.path) has \(current) bytes, fewer than the \(length) it had at the checkpoint: it was changed since, so the run cannot resume into it")
            }
            guard Glibc.truncate(url.path, off_t(length)) == 0 else {
                throw OutputError("cannot truncate \(url.path): \(String(cString: strerror(errno)))")
            }
        }
    }

    static func length(of url: URL) throws -> Int {
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            return (attributes[.size] as? NSNumber)?.intValue ?? 0
        } catch {
            throw OutputError("cannot read \(url.path): \(error.localizedDescription)")
        }
    }
}

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Play a saved agent greedily; print mean ± std of the returns.")

    @OptionGroup var environment: EnvironmentArguments

    @Option(help: "The agent (see `rllab agents`).")
    var agent: String

    @OptionGroup var hyperparameterArguments: HyperparameterArguments

    @Option(help: "The saved agent (from `rllab train --save`).")
    var load: String

    @Option(help: "Episodes to play.")
    var episodes: Int = 100

    @Option(help: "Seed of the first reset.")
    var seed: UInt64 = 0

    @Option(help: "Write episode,return,length rows to this CSV file.")
    var out: String?

    func run() throws {
        try reportingErrors {
            guard episodes > 0 else { throw ValidationError("--episodes must be positive") }
            let sources = try hyperparameterArguments.sources(agents: [agent])
            let hyperparameters = try sources.resolve(agent: agent, environmentID: environment.env)
            let spec = RunSpec(
                agent: agent, environment: try environment.resolved(),
                seed: seed, budget: .episodes(episodes), hyperparameters: hyperparameters, evaluationEpisodes: episodes)
            let env = try spec.environment.make()
            let trained = try Run.makeAgent(spec, for: env)
            let url = URL(fileURLWithPath: load)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw AgentError("no saved agent at \(url.path); train one with `rllab train --save`")
            }
            try trained.load(from: url)
            let sink = try out.map { try OutputSink(path: $0, inputs: [("--load", load), ("--env", environment.env)]) }
            Interrupt.install()
            let result = try evaluate(trained, in: env, episodes: episodes, seed: seed, isCancelled: { Interrupt.requested },
                                      keepingEpisodesWhenCancelled: true)
            try sink?.line("episode,return,length")
            for (index, value) in result.returns.enumerated() {
                try sink?.line("\(index),\(value.description),\(result.lengths[index])")
            }
            try sink?.flush()
            print("\(spec.agent) on \(spec.environmentID): \(ComparisonSummary.format(result.mean)) ± \(ComparisonSummary.format(result.standardDeviation)) over \(result.returns.count) episodes")
            if Interrupt.requested {
                try? FileOutput.standardError.write("interrupted: \(result.returns.count) of \(episodes) episodes played\(out.map { ", written to \($0)" } ?? "")\n")
                throw ExitCode(Interrupt.exitStatus)
            }
        }
    }
}
