import Gym

/// A transition model flattened for fast sweeps.
///
/// Per (state, action) pair it keeps the expected immediate reward, sum of `p * r` over
/// the pair's rows, and the bootstrap weights: for each next state reached by a
/// non-terminal row, the summed probability of reaching it (rows to the same next state
/// merged, in order of first appearance). Then
/// `Q(s, a) = R(s, a) + gamma * sum of w * V(s')`, which is the model's
/// `sum of p * (r + (terminal ? 0 : gamma * V(s')))` up to rounding, with terminal rows and
/// duplicates costing nothing in a sweep.
public struct CompactModel: Sendable {
    public let stateCount: Int
    public let actionCount: Int
    /// Expected immediate reward per pair `s * actionCount + a`.
    let expectedReward: [Double]
    /// Bootstrap entries of pair `pair` are `entryStart[pair] ..< entryStart[pair + 1]`.
    let entryStart: [Int]
    let nextState: [Int]
    let weight: [Double]

    public init(_ model: TransitionModel) {
        self.init(stateCount: model.stateCount, actionCount: model.actionCount) { model.transitions(state: $0, action: $1) }
    }

    /// A model from rows per (state, action); a pair with no rows has Q = 0.
    public init(stateCount: Int, actionCount: Int, rows: (Int, Int) -> [ModelOutcome]) {
        self.stateCount = stateCount
        self.actionCount = actionCount
        var expectedReward: [Double] = [], entryStart = [0], nextState: [Int] = [], weight: [Double] = []
        // slot[s']: where next state s' sits among the current pair's entries (-1: not yet),
        // so merging a pair's rows is linear in its rows however many there are.
        var slot = [Int](repeating: -1, count: stateCount)
        for state in 0..<stateCount {
            for action in 0..<actionCount {
                var reward = 0.0
                let first = nextState.count
                for row in rows(state, action) {
                    reward += row.probability * row.reward
                    guard !row.terminal else { continue }
                    let k = slot[row.nextState]
                    if k >= first {
                        weight[k] += row.probability
                    } else {
                        slot[row.nextState] = nextState.count
                        nextState.append(row.nextState)
                        weight.append(row.probability)
                    }
                }
                expectedReward.append(reward)
                entryStart.append(nextState.count)
            }
        }
        self.expectedReward = expectedReward
        self.entryStart = entryStart
        self.nextState = nextState
        self.weight = weight
    }

    /// The model's arrays as pointers, for sweeps without bounds checks.
    @inline(__always)
    func withKernel<R>(_ body: (Kernel) throws -> R) rethrows -> R {
        try expectedReward.withUnsafeBufferPointer { r in
            try entryStart.withUnsafeBufferPointer { start in
                try nextState.withUnsafeBufferPointer { next in
                    try weight.withUnsafeBufferPointer { w in
                        try body(Kernel(actionCount: actionCount, expectedReward: r.baseAddress!, entryStart: start.baseAddress!,
                                        nextState: next.baseAddress, weight: w.baseAddress))
                    }
                }
            }
        }
    }

    /// Pointers into a ``CompactModel``, valid inside ``withKernel(_:)``.
    struct Kernel {
        let actionCount: Int
        let expectedReward: UnsafePointer<Double>
        let entryStart: UnsafePointer<Int>
        let nextState: UnsafePointer<Int>?
        let weight: UnsafePointer<Double>?

        /// Q(s, a) under `values`.
        @inline(__always)
        func q(_ state: Int, _ action: Int, _ values: UnsafePointer<Double>, gamma: Double) -> Double {
            let pair = state * actionCount + action
            var bootstrap = 0.0
            var k = entryStart[pair]
            let end = entryStart[pair + 1]
            while k < end {
                bootstrap += weight.unsafelyUnwrapped[k] * values[nextState.unsafelyUnwrapped[k]]
                k += 1
            }
            return expectedReward[pair] + gamma * bootstrap
        }
    }
}

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

/// A planner that found no solution: its values did not converge or are not finite.
public enum PlanningError: Error, CustomStringConvertible, Equatable {
    case notConverged(method: String, sweeps: Int, delta: Double, theta: Double, gamma: Double)
    case nonFinite(method: String, state: Int, value: Double, sweep: Int)
    case notStable(rounds: Int)

    public var description: String {
        switch self {
        case let .notConverged(method, sweeps, delta, theta, gamma):
            let hint = gamma == 1
                ? "with gamma = 1 a cycle that never reaches a terminal state can have unbounded values: use gamma < 1, or give the cycle a way out"
                : "raise theta, or check the model"
            return "\(method) did not converge: after \(sweeps) sweeps values still change by \(delta) (theta \(theta)); \(hint)"
        case let .nonFinite(method, state, value, sweep):
            return "\(method): the value of state \(state) became \(value) at sweep \(sweep) (rewards too large for a double, or a NaN in the model); these values are not a solution"
        case let .notStable(rounds):
            return "policy iteration did not settle on a policy in \(rounds) rounds"
        }
    }
}

/// Value iteration and policy iteration on a known transition model.
public enum DynamicProgramming {
    /// Actions whose Q is within this of the best count as ties (then the lowest wins).
    public static let tieTolerance = 1e-9

    /// Synchronous value iteration from V = 0 until the largest change in a sweep is
    /// below `theta`.
    ///
    /// - Throws: ``PlanningError`` when the values do not converge within `maxSweeps`
    ///   (gamma 1 on a rewarding cycle) or become infinite or NaN (rewards near the
    ///   largest double): such values are not a solution.
    public static func valueIteration(_ model: CompactModel, gamma: Double, theta: Double, maxSweeps: Int = 1_000_000) throws -> PlanningSolution {
        try validate(gamma: gamma, theta: theta)
        var values = [Double](repeating: 0, count: model.stateCount)
        var next = values
        var sweeps = 0
        var delta = Double.infinity
        var nonFinite: (state: Int, value: Double)?
        model.withKernel { kernel in
            while sweeps < maxSweeps {
                sweeps += 1
                // Locals in the sweep, not the captured variables outside the closure: those
                // live in memory and cost a third of the sweep's time.
                let (sweepDelta, firstBad) = values.withUnsafeBufferPointer { current in
                    next.withUnsafeMutableBufferPointer { updated -> (Double, (state: Int, value: Double)?) in
                        let v = current.baseAddress!
                        var sweepDelta = 0.0
                        var firstBad: (state: Int, value: Double)?
                        for state in 0..<model.stateCount {
                            var best = -Double.infinity
                            var sawNaN = false
                            for action in 0..<model.actionCount {
                                let q = kernel.q(state, action, v, gamma: gamma)
                                // `max` drops a NaN, so it is looked for apart.
                                sawNaN = sawNaN || q.isNaN
                                best = max(best, q)
                            }
                            updated[state] = best
                            sweepDelta = max(sweepDelta, abs(best - v[state]))
                            if sawNaN || !best.isFinite, firstBad == nil { firstBad = (state, sawNaN ? .nan : best) }
                        }
                        return (sweepDelta, firstBad)
                    }
                }
                delta = sweepDelta
                if nonFinite == nil { nonFinite = firstBad }
                swap(&values, &next)
                if nonFinite != nil || delta < theta { break }
            }
        }
        if let bad = nonFinite {
            throw PlanningError.nonFinite(method: "value iteration", state: bad.state, value: bad.value, sweep: sweeps)
        }
        guard delta < theta else {
            throw PlanningError.notConverged(method: "value iteration", sweeps: sweeps, delta: delta, theta: theta, gamma: gamma)
        }
        return PlanningSolution(values: values, policy: greedyPolicy(model, values: values, gamma: gamma), iterations: sweeps, evaluationSweeps: 0)
    }

    /// Policy iteration: iterative policy evaluation to `theta`, then greedy improvement,
    /// until the policy is stable. Starts from the all-zeros policy.
    ///
    /// - Throws: ``PlanningError`` when the final policy's evaluation does not converge,
    ///   the policy is not stable within `maxRounds`, or values become infinite or NaN.
    public static func policyIteration(_ model: CompactModel, gamma: Double, theta: Double, maxRounds: Int = 10_000,
                                       maxEvaluationSweeps: Int = 100_000) throws -> PlanningSolution {
        try validate(gamma: gamma, theta: theta)
        var policy = [Int](repeating: 0, count: model.stateCount)
        var values = [Double](repeating: 0, count: model.stateCount)
        var rounds = 0
        var evaluationSweeps = 0
        var stable = false
        var delta = Double.infinity, sweepsThisRound = 0
        while rounds < maxRounds {
            rounds += 1
            // Evaluate the current policy (in place, Gauss-Seidel: converges to the same fixed point).
            // With gamma = 1 an improper policy's values need not converge: cap the sweeps,
            // improvement still moves away from such a policy (only the last round's
            // evaluation must converge).
            sweepsThisRound = 0
            model.withKernel { kernel in
                while sweepsThisRound < maxEvaluationSweeps {
                    sweepsThisRound += 1
                    // A local maximum, as in value iteration's sweep.
                    delta = values.withUnsafeMutableBufferPointer { v in
                        policy.withUnsafeBufferPointer { policy in
                            var sweepDelta = 0.0
                            for state in 0..<model.stateCount {
                                let updated = kernel.q(state, policy[state], v.baseAddress!, gamma: gamma)
                                sweepDelta = max(sweepDelta, abs(updated - v[state]))
                                v[state] = updated
                            }
                            return sweepDelta
                        }
                    }
                    if !delta.isFinite || delta < theta { break }
                }
            }
            evaluationSweeps += sweepsThisRound
            if let state = values.firstIndex(where: { !$0.isFinite }) {
                throw PlanningError.nonFinite(method: "policy iteration", state: state, value: values[state], sweep: evaluationSweeps)
            }
            // Improve: switch only to an action that is better by more than the tie tolerance,
            // so that floating-point noise cannot make the loop cycle.
            stable = true
            let q = actionValues(model, values: values, gamma: gamma)
            for state in 0..<model.stateCount {
                var bestAction = policy[state]
                var bestValue = q[state][bestAction]
                for action in 0..<model.actionCount where q[state][action] > bestValue + tieTolerance {
                    bestValue = q[state][action]
                    bestAction = action
                }
                if bestAction != policy[state] {
                    policy[state] = bestAction
                    stable = false
                }
            }
            if stable { break }
        }
        guard stable else { throw PlanningError.notStable(rounds: rounds) }
        guard delta < theta else {
            throw PlanningError.notConverged(method: "policy iteration's evaluation of its final policy", sweeps: sweepsThisRound,
                                             delta: delta, theta: theta, gamma: gamma)
        }
        return PlanningSolution(values: values, policy: greedyPolicy(model, values: values, gamma: gamma), iterations: rounds, evaluationSweeps: evaluationSweeps)
    }

    /// The lowest action whose Q is within ``tieTolerance`` of the best, per state.
    public static func greedyPolicy(_ model: CompactModel, values: [Double], gamma: Double) -> [Int] {
        actionValues(model, values: values, gamma: gamma).map { qs in
            let best = qs.max() ?? 0
            return qs.firstIndex { $0 >= best - tieTolerance } ?? 0
        }
    }

    /// Q(s, a) for every state and action under `values`.
    public static func actionValues(_ model: CompactModel, values: [Double], gamma: Double) -> [[Double]] {
        model.withKernel { kernel in
            values.withUnsafeBufferPointer { v in
                (0..<model.stateCount).map { state in
                    (0..<model.actionCount).map { kernel.q(state, $0, v.baseAddress!, gamma: gamma) }
                }
            }
        }
    }

    static func validate(gamma: Double, theta: Double) throws {
        guard gamma >= 0, gamma <= 1 else { throw ConfigurationError("gamma must be in [0, 1], got \(gamma)") }
        guard theta > 0 else { throw ConfigurationError("theta must be positive, got \(theta)") }
    }
}
