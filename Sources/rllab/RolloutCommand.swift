import ArgumentParser
import Foundation
import Lab
import LabCore

struct RolloutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Step one environment and print a CSV of every step.",
        discussion: """
            Columns: step,action,reward,terminated,truncated,obs_0..obs_{n-1}, and for classic-control \
            environments state_0.. (the float64 internal state after the step). Numbers are in shortest \
            round-trip form. The rollout stops at termination, truncation, or when the actions run out.
            """)

    @OptionGroup var environment: EnvironmentArguments

    @Option(help: "Seed of the reset.")
    var seed: UInt64?

    @Option(help: "Internal state set after reset, comma-separated (as env.unwrapped.state = ... in Python).")
    var state: String?

    @OptionGroup var script: ScriptedActionArguments

    @Option(help: "With --policy random: the most steps to take.")
    var steps: Int = 1000

    @Option(help: "Write the CSV to this file instead of standard output.")
    var out: String?

    @Flag(help: "Print one summary line (steps, return, how it ended) instead of the CSV.")
    var summary = false

    func run() throws {
        try reportingErrors {
            let env = try environment.resolved().make()
            guard script.policy == nil || steps >= 0 else { throw ValidationError("--steps must not be negative") }
            guard let policy = try script.policy(for: env, random: try RandomSource(seed: seed ?? 0).derived("rollout-policy")) else {
                throw ValidationError("give --actions a1,a2,... or --policy random")
            }
            let initial = try state.map { try parseNumbers($0, name: "--state") }
            let sink = try OutputSink(path: summary ? nil : out, inputs: [("--env", environment.env)])
            let stateful = env.unwrapped as? InternalStateEnvironment
            let limit = script.policy == nil ? Int.max : steps
            let episode = try env.playEpisode(seed: seed, internalState: initial, maxSteps: limit, policy: policy) { step, episode in
                guard !summary else { return }
                guard let (action, result) = step else {
                    var header = ["step", "action", "reward", "terminated", "truncated"]
                    header += (0..<env.observationSpace.flatDimension).map { "obs_\($0)" }
                    if let stateful { header += stateful.internalState.indices.map { "state_\($0)" } }
                    return try sink.line(header.joined(separator: ","))
                }
                var cells = [String(episode.steps), format(action), result.reward.description, String(result.terminated), String(result.truncated)]
                cells += format(result.observation)
                if let stateful { cells += stateful.internalState.map(\.description) }
                try sink.line(cells.joined(separator: ","))
            }
            if summary {
                try sink.line("\(environment.env): \(episode.steps) steps, return \(episode.totalReward), \(episode.ending ?? "actions ran out")")
            }
            try sink.flush()
        }
    }

    private func format(_ action: Action) -> String {
        switch action {
        case .discrete(let value): return String(value)
        case .continuous(let values): return values.map { Double($0).description }.joined(separator: ";")
        }
    }

    private func format(_ observation: Observation) -> [String] {
        switch observation {
        case .discrete(let value): return [String(value)]
        case .vector(let values): return values.map { Double($0).description }
        }
    }
}

/// `--actions a1,a2,...` or `--policy random`: the actions of `rollout`, and of `render`
/// when no agent plays.
struct ScriptedActionArguments: ParsableArguments {
    @Option(help: "Actions, comma-separated: integers, or numbers for a continuous action.")
    var actions: String?

    @Option(help: "`random` to sample actions from the action space instead of --actions.")
    var policy: String?

    var isEmpty: Bool { actions == nil && policy == nil }

    /// The policy these give in `env`, nil when neither is given: the listed actions in
    /// order and then none, or samples of the action space drawn from `random`.
    func policy(for env: Environment, random: RandomSource) throws -> ((Observation, Int) throws -> Action?)? {
        switch (actions, policy) {
        case (nil, nil):
            return nil
        case (let list?, nil):
            let parsed = try parseActions(list, for: env.actionSpace)
            return { _, step in step < parsed.count ? parsed[step] : nil }
        case (nil, "random"?):
            let space = env.actionSpace
            return { _, _ in space.sample(using: random) }
        case (nil, let other?):
            throw ValidationError("--policy '\(other)': the only policy is 'random'")
        case (_?, _?):
            throw ValidationError("give either --actions or --policy, not both")
        }
    }
}

func parseNumbers(_ list: String, name: String) throws -> [Double] {
    try list.split(separator: ",").map { item in
        guard let value = Double(item.trimmingCharacters(in: .whitespaces)), value.isFinite else {
            throw ValidationError("\(name): '\(item)' is not a finite number")
        }
        return value
    }
}

/// Parses `--actions`: integers for a discrete space, else numbers grouped by the action
/// size (held as Float32, as a Box(float32) action space holds them).
func parseActions(_ list: String, for space: Space) throws -> [Action] {
    if space.isDiscrete {
        return try list.split(separator: ",").map { item in
            guard let value = Int(item.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--actions: '\(item)' is not an integer action for \(space)")
            }
            return .discrete(value)
        }
    }
    let dimension = space.flatDimension
    let numbers = try parseNumbers(list, name: "--actions")
    guard numbers.count % dimension == 0 else {
        throw ValidationError("--actions: \(numbers.count) numbers do not split into actions of \(dimension)")
    }
    return stride(from: 0, to: numbers.count, by: dimension).map { start in
        .continuous(numbers[start..<start + dimension].map { Float($0) })
    }
}
