/// Walking along a cliff edge from start to goal, with Gymnasium 1.4.0's
/// `CliffWalkingEnv` model (4 x 12 grid).
///
/// - Observation: `Discrete(48)`, `state = row * 12 + col`; start 36, goal 47,
///   cliff 37...46.
/// - Actions: `Discrete(4)`: 0 UP, 1 RIGHT, 2 DOWN, 3 LEFT (not FrozenLake's order).
/// - Reward: -1 per move; stepping into the cliff gives -100 and sends the agent back
///   to the start without terminating. Entering the goal terminates.
/// - Slippery: the moves `[(a-1) % 4, a, (a+1) % 4]`, each with probability 1/3.
public final class CliffWalking: TabularEnvironment {
    static let shape = (rows: 4, cols: 12)
    static let startState = 36

    /// Whether the cell at row `r`, column `c` is cliff (row 3 between start and goal).
    static func isCliff(_ r: Int, _ c: Int) -> Bool { r == 3 && c >= 1 && c <= 10 }

    public init(isSlippery: Bool = false) throws {
        let (nrow, ncol) = CliffWalking.shape
        let deltas = [(-1, 0), (0, 1), (1, 0), (0, -1)]  // UP, RIGHT, DOWN, LEFT
        let table = (0..<(nrow * ncol)).map { s in
            let (row, col) = (s / ncol, s % ncol)
            return (0..<4).map { move in
                let moves = isSlippery ? [(move + 3) % 4, move, (move + 1) % 4] : [move]
                let probability = 1.0 / Double(moves.count)
                return moves.map { m in
                    let r = max(min(row + deltas[m].0, nrow - 1), 0)
                    let c = max(min(col + deltas[m].1, ncol - 1), 0)
                    if CliffWalking.isCliff(r, c) {
                        return ModelOutcome(probability: probability, nextState: CliffWalking.startState, reward: -100, terminal: false)
                    }
                    return ModelOutcome(probability: probability, nextState: r * ncol + c, reward: -1,
                                      terminal: r == nrow - 1 && c == ncol - 1)
                }
            }
        }
        let initial = (0..<(nrow * ncol)).map { $0 == CliffWalking.startState ? 1.0 : 0 }
        super.init(name: "CliffWalking", model: try TransitionModel(table: table, initialStateDistribution: initial))
    }
}
