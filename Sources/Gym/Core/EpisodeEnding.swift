/// Whether an environment's episodes can end: the one place the episode loops and
/// ``EnvironmentChecker`` ask.
///
/// Why: an episode that never ends makes training by episodes, and every greedy
/// evaluation, run forever without a word. A model without a reachable terminal state
/// and without a time limit is refused before the first step; an episode of any other
/// environment without a time limit is stopped with an error after
/// ``unlimitedEpisodeStepCap`` steps.
public enum EpisodeEnding {
    /// The most steps an episode of an environment without a time limit may take before
    /// the loop gives up on it (an episode that long is a policy stuck in a cycle).
    public static let unlimitedEpisodeStepCap = 1_000_000

    /// The ``TimeLimit`` among `env`'s wrappers, if any.
    public static func timeLimit(of env: Environment) -> Int? {
        EnvironmentState.layers(env).lazy.compactMap { ($0 as? TimeLimit)?.maxEpisodeSteps }.first
    }

    /// A state and action with a terminal outcome, reachable with positive probability
    /// from a start state, if there is one (breadth-first search).
    public static func reachableTerminal(_ model: TransitionModel) -> (state: Int, action: Int)? {
        let start = model.initialStateDistribution
        var seen = start.map { $0 > 0 }
        var queue = start.indices.filter { seen[$0] }
        var head = 0
        while head < queue.count {
            let s = queue[head]
            head += 1
            for a in 0..<model.actionCount {
                for row in model.transitions(state: s, action: a) where row.probability > 0 {
                    if row.terminal { return (s, a) }
                    if !seen[row.nextState] {  // TransitionModel keeps next states in range
                        seen[row.nextState] = true
                        queue.append(row.nextState)
                    }
                }
            }
        }
        return nil
    }

    /// Throws when `env` can never end an episode: it knows its model, no terminal
    /// outcome is reachable from a start state, and no time limit is set.
    public static func requireEnding(_ env: Environment) throws {
        guard timeLimit(of: env) == nil,
              let model = (env.unwrapped as? TabularModelEnvironment)?.transitionModel,
              reachableTerminal(model) == nil else { return }
        throw EnvironmentError(.invalidState, "\(name(of: env)) can never end an episode: no terminal state is reachable from a start state and it has no time limit; add a terminal transition or max_episode_steps to the file, or pass max_episode_steps=N as an option")
    }

    /// The environment's id, or its type's name when it was not made by the registry.
    static func name(of env: Environment) -> String {
        env.spec?.id ?? env.unwrapped.spec?.id ?? String(describing: type(of: env.unwrapped))
    }

    /// The error for an episode of `env` (without a time limit) that reached
    /// ``unlimitedEpisodeStepCap`` steps.
    public static func endlessEpisodeError(_ env: Environment, episode: Int) -> EnvironmentError {
        EnvironmentError(.invalidState, "episode \(episode) of \(name(of: env)) took \(unlimitedEpisodeStepCap) steps without ending and \(name(of: env)) has no time limit: the policy may never reach a terminal state; pass max_episode_steps=N as an option to bound episodes")
    }
}
