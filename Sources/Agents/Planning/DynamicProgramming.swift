import Foundation
import Gym

/// A transition model flattened for fast sweeps: the rows of every (state, action) pair
/// stored contiguously, in the model's order.
public struct CompactModel: Sendable {
    public let stateCount: Int
    public let actionCount: Int
    /// Rows of pair `s * actionCount + a` are `rowStart[pair] ..< rowStart[pair + 1]`.
    let rowStart: [Int]
    let probability: [Double]
    let nextState: [Int]
    let reward: [Double]
    /// 0 where the row is terminal (no bootstrap), 1 otherwise.
    let continuation: [Double]

    public init(_ model: TransitionModel) {
        self.init(stateCount: model.stateCount, actionCount: model.actionCount) { model.transitions(state: $0, action: $1) }
    }

    /// A model from rows per (state, action); a pair with no rows has Q = 0.
    public init(stateCount: Int, actionCount: Int, rows: (Int, Int) -> [Transition]) {
        self.stateCount = stateCount
        self.actionCount = actionCount
        var rowStart = [0]
        var probability: [Double] = [], nextState: [Int] = [], reward: [Double] = [], continuation: [Double] = []
        for state in 0..<stateCount {
            for action in 0..<actionCount {
                for row in rows(state, action) {
                    probability.append(row.probability)
                    nextState.append(row.nextState)
                    reward.append(row.reward)
                    continuation.append(row.terminal ? 0 : 1)
                }
                rowStart.append(probability.count)
            }
        }
        self.rowStart = rowStart
        self.probability = probability
        self.nextState = nextState
        self.reward = reward
        self.continuation = continuation
    }

    /// Q(s, a) = sum over rows of p * (r + (terminal ? 0 : gamma * V(s'))), in row order.
    @inline(__always)
    func q(_ state: Int, _ action: Int, _ values: UnsafeBufferPointer<Double>, gamma: Double) -> Double {
        let pair = state * actionCount + action
        var total = 0.0
        var row = rowStart[pair]
        let end = rowStart[pair + 1]
        while row < end {
            let bootstrap = continuation[row] == 0 ? 0 : gamma * values[nextState[row]]
            total += probability[row] * (reward[row] + bootstrap)
            row += 1
        }
        return total
    }
}

/// The result of solving a model: optimal values, a greedy policy, and the work it took.
public struct PlanningSolution: Sendable {
    /// V*(s) for every state.
    public let values: [Double]
    /// A greedy action per state; ties go to the lowest action.
    public let policy: [Int]
    /// Value-iteration sweeps, or policy-iteration improvement rounds.
    public let iterations: Int
    /// Policy-evaluation sweeps in all (policy iteration only).
    public let evaluationSweeps: Int
}

/// Value iteration and policy iteration on a known transition model.
public enum DynamicProgramming {
    /// Actions whose Q is within this of the best count as ties (then the lowest wins).
    public static let tieTolerance = 1e-9

    /// Synchronous value iteration from V = 0 until the largest change in a sweep is
    /// below `theta`.
    public static func valueIteration(_ model: CompactModel, gamma: Double, theta: Double, maxSweeps: Int = 1_000_000) throws -> PlanningSolution {
        try validate(gamma: gamma, theta: theta)
        var values = [Double](repeating: 0, count: model.stateCount)
        var next = values
        var sweeps = 0
        while sweeps < maxSweeps {
            sweeps += 1
            var delta = 0.0
            values.withUnsafeBufferPointer { current in
                for state in 0..<model.stateCount {
                    var best = -Double.infinity
                    for action in 0..<model.actionCount {
                        best = max(best, model.q(state, action, current, gamma: gamma))
                    }
                    next[state] = best
                    delta = max(delta, abs(best - current[state]))
                }
            }
            swap(&values, &next)
            if delta < theta { break }
        }
        return PlanningSolution(values: values, policy: greedyPolicy(model, values: values, gamma: gamma), iterations: sweeps, evaluationSweeps: 0)
    }

    /// Policy iteration: iterative policy evaluation to `theta`, then greedy improvement,
    /// until the policy is stable. Starts from the all-zeros policy.
    public static func policyIteration(_ model: CompactModel, gamma: Double, theta: Double, maxRounds: Int = 10_000) throws -> PlanningSolution {
        try validate(gamma: gamma, theta: theta)
        var policy = [Int](repeating: 0, count: model.stateCount)
        var values = [Double](repeating: 0, count: model.stateCount)
        var rounds = 0
        var evaluationSweeps = 0
        while rounds < maxRounds {
            rounds += 1
            // Evaluate the current policy (in place, Gauss-Seidel: converges to the same fixed point).
            // With gamma = 1 an improper policy's values need not converge: cap the sweeps,
            // improvement still moves away from such a policy.
            for _ in 0..<100_000 {
                evaluationSweeps += 1
                var delta = 0.0
                values.withUnsafeMutableBufferPointer { v in
                    for state in 0..<model.stateCount {
                        let updated = model.q(state, policy[state], UnsafeBufferPointer(v), gamma: gamma)
                        delta = max(delta, abs(updated - v[state]))
                        v[state] = updated
                    }
                }
                if delta < theta { break }
            }
            // Improve: switch only to an action that is better by more than the tie tolerance,
            // so that floating-point noise cannot make the loop cycle.
            var stable = true
            values.withUnsafeBufferPointer { v in
                for state in 0..<model.stateCount {
                    let current = model.q(state, policy[state], v, gamma: gamma)
                    var bestAction = policy[state]
                    var bestValue = current
                    for action in 0..<model.actionCount {
                        let q = model.q(state, action, v, gamma: gamma)
                        if q > bestValue + tieTolerance {
                            bestValue = q
                            bestAction = action
                        }
                    }
                    if bestAction != policy[state] {
                        policy[state] = bestAction
                        stable = false
                    }
                }
            }
            if stable { break }
        }
        return PlanningSolution(values: values, policy: greedyPolicy(model, values: values, gamma: gamma), iterations: rounds, evaluationSweeps: evaluationSweeps)
    }

    /// The lowest action whose Q is within ``tieTolerance`` of the best, per state.
    public static func greedyPolicy(_ model: CompactModel, values: [Double], gamma: Double) -> [Int] {
        values.withUnsafeBufferPointer { v in
            (0..<model.stateCount).map { state in
                let qs = (0..<model.actionCount).map { model.q(state, $0, v, gamma: gamma) }
                let best = qs.max() ?? 0
                return qs.firstIndex { $0 >= best - tieTolerance } ?? 0
            }
        }
    }

    /// Q(s, a) for every state and action under `values`.
    public static func actionValues(_ model: CompactModel, values: [Double], gamma: Double) -> [[Double]] {
        values.withUnsafeBufferPointer { v in
            (0..<model.stateCount).map { state in (0..<model.actionCount).map { model.q(state, $0, v, gamma: gamma) } }
        }
    }

    static func validate(gamma: Double, theta: Double) throws {
        guard gamma >= 0, gamma <= 1 else { throw ConfigurationError("gamma must be in [0, 1], got \(gamma)") }
        guard theta > 0 else { throw ConfigurationError("theta must be positive, got \(theta)") }
    }
}
