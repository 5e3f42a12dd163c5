import Gym

/// The returns of greedy play.
public struct EvaluationResult: Equatable, Sendable {
    public let returns: [Double]
    public let lengths: [Int]

    public init(returns: [Double], lengths: [Int]) {
        self.returns = returns
        self.lengths = lengths
    }

    public var mean: Double { returns.isEmpty ? .nan : returns.reduce(0, +) / Double(returns.count) }

    /// Population standard deviation (numpy's default `ddof=0`, as SB3's `evaluate_policy`).
    public var standardDeviation: Double {
        guard !returns.isEmpty else { return .nan }
        let m = mean
        return (returns.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(returns.count)).squareRoot()
    }
}

/// Plays `episodes` greedy episodes of `agent`; the first reset uses `seed`.
///
/// With `keepingEpisodesWhenCancelled`, a cancellation ends the evaluation with the
/// episodes played so far (what `rllab eval` writes after Ctrl-C) instead of throwing.
public func evaluate(
    _ agent: any Agent,
    in environment: Environment,
    episodes: Int,
    seed: UInt64,
    isCancelled: @escaping () -> Bool = { false },
    keepingEpisodesWhenCancelled: Bool = false
) throws -> EvaluationResult {
    var returns: [Double] = []
    var lengths: [Int] = []
    let loop = EpisodeLoop(
        environment: environment, budget: .episodes(episodes), seed: seed,
        onEpisode: { record in
            returns.append(record.return)
            lengths.append(record.length)
        },
        isCancelled: isCancelled
    )
    do {
        try loop.run(policy: { try agent.act($0) })
    } catch {
        guard keepingEpisodesWhenCancelled && isCancelled() else { throw error }
    }
    return EvaluationResult(returns: returns, lengths: lengths)
}
