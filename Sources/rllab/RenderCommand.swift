import ArgumentParser
import Foundation
import Lab

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Play one episode and write it as a GIF, PNG frames or ANSI text.",
        discussion: """
            --out FILE.gif writes an animated GIF (every frame, at the environment's render_fps); \
            --out FOLDER writes frame_0000.png, frame_0001.png, ...; --out FILE.txt writes the \
            ansi frames one after another, exactly as render() returns them (--mode ansi). \
            The actions come from a saved agent (--agent NAME --load PATH, played greedily), \
            a list (--actions 0,1,1) or --policy random.
            """)

    @OptionGroup var environment: EnvironmentArguments

    @Option(help: "A saved agent's name (see `rllab agents`); needs --load.")
    var agent: String?

    @Option(help: "The saved agent (from `rllab train --save`).")
    var load: String?

    /// With --agent: the agent's hyperparameters.
    @OptionGroup var hyperparameterArguments: HyperparameterArguments

    @OptionGroup var script: ScriptedActionArguments

    @Option(help: "Seed of the reset (and of the random policy).")
    var seed: UInt64 = 0

    @Option(help: "Internal state set after reset, comma-separated (as env.unwrapped.state = ... in Python).")
    var state: String?

    @Option(help: "The most steps to play (default: the environment's time limit, else 1000).")
    var maxSteps: Int?

    @Option(help: "ansi or rgb_array (default: ansi for a .txt file, else rgb_array).")
    var mode: String?

    @Option(help: "Output: FILE.gif, FILE.txt or a folder for PNG frames.")
    var out: String

    func run() throws {
        try reportingErrors {
            let format = EpisodeVideoFormat(path: out)
            let renderMode = try mode.map { mode in
                guard let parsed = RenderMode(rawValue: mode) else { throw ValidationError("--mode '\(mode)': expected ansi or rgb_array") }
                return parsed
            } ?? format.mode
            guard renderMode == format.mode else {
                throw ValidationError(renderMode == .ansi
                    ? "--mode ansi writes text: give --out a .txt file"
                    : "--mode rgb_array writes images: give --out a .gif file or a folder")
            }
            if let steps = maxSteps, steps < 0 { throw ValidationError("--max-steps must not be negative") }
            var options = try environment.options()
            if let given = options["render_mode"], given != renderMode.rawValue {
                throw ValidationError("--option render_mode=\(given) disagrees with the \(renderMode.rawValue) output \(out)")
            }
            options["render_mode"] = renderMode.rawValue
            let env = try EnvironmentRegistry.shared.make(environment.env, options: options)
            let policy = try makePolicy(for: env, options: options)
            let limit = maxSteps ?? env.spec?.maxEpisodeSteps ?? 1000
            let fps = (env.unwrapped as? RenderableEnvironment)?.renderFramesPerSecond ?? 30
            let writer = try EpisodeVideoWriter(format: format, url: URL(fileURLWithPath: out), framesPerSecond: fps)
            Interrupt.install()
            let initial = try state.map { try parseNumbers($0, name: "--state") }
            let episode = try EpisodeVideo.play(env, seed: seed, internalState: initial, mode: renderMode, maxSteps: limit, writer: writer) { observation, step in
                if Interrupt.requested { return nil }
                return try policy(observation, step)
            }
            let frames = episode.steps + 1  // the reset's frame and one a step
            let what = format == .pngFolder ? "\(frames) PNG frames under \(out)" : "\(frames) frames to \(out)"
            print("\(environment.env), seed \(seed): \(episode.steps) steps, return \(episode.totalReward), \(episode.ending ?? "step limit reached"); wrote \(what)")
        }
    }

    private func makePolicy(for env: Environment, options: [String: String]) throws -> (Observation, Int) throws -> Action? {
        guard (agent != nil) != !script.isEmpty else {
            throw ValidationError("give exactly one of --agent NAME --load PATH, --actions a1,a2,... or --policy random")
        }
        if let scripted = try script.policy(for: env, random: try RandomSource(seed: seed).derived("render-policy")) {
            return scripted
        }
        guard let name = agent, let load else { throw ValidationError("--agent needs --load PATH (a file saved by `rllab train --save`)") }
        let sources = try hyperparameterArguments.sources(agents: [name])
        let hyperparameters = try sources.resolve(agent: name, environmentID: environment.env)
        var runOptions = options
        runOptions["render_mode"] = nil
        let spec = RunSpec(agent: name, environment: try EnvironmentRegistry.shared.resolve(environment.env, options: runOptions), seed: seed,
                           budget: .episodes(1), hyperparameters: hyperparameters, evaluationEpisodes: 1)
        let trained = try Run.makeAgent(spec, for: env)
        let url = URL(fileURLWithPath: load)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw AgentError("no saved agent at \(url.path); train one with `rllab train --save`")
        }
        try trained.load(from: url)
        return { observation, _ in try trained.act(observation) }
    }
}
