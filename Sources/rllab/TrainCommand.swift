import ArgumentParser
import Foundation
import Lab
import LabCore

/// The agent-selection arguments `train` and `eval` share.
struct AgentArguments: ParsableArguments {
    @Option(help: "The agent (see `rllab agents`).")
    var agent: String

    @Option(help: "A YAML file of hyperparameters (flat, or keyed by environment id).")
    var config: String?

    @Option(name: .customLong("set"), parsing: .singleValue, help: ArgumentHelp("Override a hyperparameter.", valueName: "key=value"))
    var overrides: [String] = []

    var sources: HyperparameterSources {
        HyperparameterSources(configFile: config.map { URL(fileURLWithPath: $0) }, overrides: overrides)
    }
}

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train one agent on one environment; write its episode CSVs and save it.")

    @OptionGroup var environment: EnvironmentArguments
    @OptionGroup var agentArguments: AgentArguments

    @Option(help: "Seed of the run.")
    var seed: UInt64 = 0

    @Option(help: "Training episodes.")
    var episodes: Int?

    @Option(help: "Training environment steps.")
    var timesteps: Int?

    @Option(help: "Where to save the trained agent (default: OUT/agent.safetensors).")
    var save: String?

    @Option(help: "Output folder for episodes.csv and the Monitor file (default: results/train/AGENT-ENV-SEED).")
    var out: String?

    @Option(name: .customLong("eval-episodes"), help: "Greedy evaluation episodes after training, and at each --eval-freq evaluation.")
    var evalEpisodes: Int = 0

    @Option(name: .customLong("eval-freq"), help: "Evaluate greedily every N training steps (SB3's EvalCallback): OUT/evaluations.csv, OUT/best.safetensors.")
    var evalFreq: Int = 0

    @Option(name: .customLong("stop-at"), help: "Stop training once an --eval-freq evaluation's mean return reaches R.")
    var stopAt: Double?

    @Flag(help: "No progress bar.")
    var quiet = false

    func run() throws {
        try reportingErrors {
            let options = try environment.options()
            let hyperparameters = try agentArguments.sources.resolve(agent: agentArguments.agent, environmentID: environment.env)
            let budget = try trainingBudget(episodes: episodes, timesteps: timesteps)
                ?? hyperparameters.suggestedBudget ?? Comparison.fallbackBudget
            guard evalFreq >= 0 else { throw ValidationError("--eval-freq must be at least 0") }
            guard evalFreq == 0 || evalEpisodes > 0 else { throw ValidationError("--eval-freq needs --eval-episodes K (K >= 1)") }
            guard stopAt == nil || evalFreq > 0 else { throw ValidationError("--stop-at needs --eval-freq") }
            var spec = RunSpec(
                agent: agentArguments.agent, environmentID: environment.env, environmentOptions: options, seed: seed,
                budget: budget, hyperparameters: hyperparameters, evaluationEpisodes: evalEpisodes)
            spec.evaluationFrequency = evalFreq
            spec.stopAt = stopAt
            // Fail on a bad environment or agent before creating any file.
            _ = try Run.makeAgent(spec, for: try Run.makeEnvironment(spec))
            let folder = URL(fileURLWithPath: out ?? "results/train/\(spec.agent)-\(Comparison.folderName(spec.environmentID))-\(seed)")
            try OutputFolder.ensure(folder)
            let saveURL = URL(fileURLWithPath: save ?? folder.appendingPathComponent("agent.safetensors").path)
            try OutputFolder.ensure(saveURL.deletingLastPathComponent())
            let monitor = try MonitorWriter(url: folder.appendingPathComponent("\(seed).monitor.csv"), environmentID: spec.environmentID, startTime: Date())
            let table = try LineWriter(url: folder.appendingPathComponent("episodes.csv"))
            try table.write(EpisodeTable.header)
            let evaluations = evalFreq > 0 ? try LineWriter(url: folder.appendingPathComponent("evaluations.csv")) : nil
            try evaluations?.write(EvaluationTable.header)
            Interrupt.install()
            let bar = ProgressBar(label: "train \(spec.agent)", quiet: quiet)
            let result = try Run.execute(
                spec,
                onEpisode: { record in
                    try monitor.append(record)
                    try table.write(EpisodeTable.row(agent: spec.agent, environment: spec.environmentID, seed: seed, record: record))
                    let fraction: Double
                    switch budget {
                    case .timesteps(let n): fraction = Double(record.totalSteps) / Double(n)
                    case .episodes(let n): fraction = Double(record.episode + 1) / Double(n)
                    }
                    bar.update(fraction, note: "episode \(record.episode + 1), return \(record.return)")
                },
                isCancelled: { Interrupt.requested },
                onEvaluation: { record in
                    try evaluations?.write(EvaluationTable.row(agent: spec.agent, environment: spec.environmentID, seed: seed, record: record))
                },
                bestModel: evalFreq > 0 ? folder.appendingPathComponent("best.safetensors") : nil,
                trainedAgent: { agent in try agent.save(to: saveURL) })
            bar.finish()
            let stats = EpisodeStatistics(result.episodes)
            print("\(spec.agent) on \(spec.environmentID), seed \(seed): \(result.episodes.count) episodes, \(result.steps) steps in \(String(format: "%.2f", result.trainingSeconds)) s")
            print("training return: min \(stats.min), max \(stats.max), mean \(ComparisonSummary.format(stats.mean)), last-100 mean \(ComparisonSummary.format(stats.last100Mean))")
            if let evaluation = result.evaluation {
                print("greedy evaluation over \(evaluation.returns.count) episodes: \(ComparisonSummary.format(evaluation.mean)) ± \(ComparisonSummary.format(evaluation.standardDeviation))")
            }
            if evalFreq > 0 {
                let threshold = spec.solveThreshold.map { ComparisonSummary.format($0) } ?? "-"
                if let step = result.solvedStep, let seconds = result.solvedSeconds {
                    print("solved (evaluation mean >= \(threshold)) at step \(step), \(String(format: "%.2f", seconds)) s; \(result.evaluations.count) evaluations in evaluations.csv")
                } else {
                    print("not solved (evaluation mean >= \(threshold)) in \(result.evaluations.count) evaluations (evaluations.csv)")
                }
            }
            print("saved \(saveURL.path); episodes in \(folder.path)")
            if result.interrupted {
                try? FileOutput.standardError.write("interrupted: finished episodes kept\n")
                throw ExitCode(Interrupt.exitStatus)
            }
        }
    }
}

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Play a saved agent greedily; print mean ± std of the returns.")

    @OptionGroup var environment: EnvironmentArguments
    @OptionGroup var agentArguments: AgentArguments

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
            let hyperparameters = try agentArguments.sources.resolve(agent: agentArguments.agent, environmentID: environment.env)
            let spec = RunSpec(
                agent: agentArguments.agent, environmentID: environment.env, environmentOptions: try environment.options(),
                seed: seed, budget: .episodes(episodes), hyperparameters: hyperparameters, evaluationEpisodes: episodes)
            let env = try Run.makeEnvironment(spec)
            let agent = try Run.makeAgent(spec, for: env)
            let url = URL(fileURLWithPath: load)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw AgentError("no saved agent at \(url.path); train one with `rllab train --save`")
            }
            try agent.load(from: url)
            let sink = try out.map { try OutputSink(path: $0) }
            Interrupt.install()
            let result = try evaluate(agent, in: env, episodes: episodes, seed: seed, isCancelled: { Interrupt.requested })
            try sink?.line("episode,return,length")
            for (index, value) in result.returns.enumerated() {
                try sink?.line("\(index),\(value.description),\(result.lengths[index])")
            }
            try sink?.flush()
            print("\(spec.agent) on \(spec.environmentID): \(ComparisonSummary.format(result.mean)) ± \(ComparisonSummary.format(result.standardDeviation)) over \(episodes) episodes")
        }
    }
}
