/// Crossing a frozen lake from start (S) to goal (G) without falling into a hole (H),
/// with Gymnasium 1.4.0's `FrozenLakeEnv` model (same `P` rows in the same order).
///
/// - Observation: `Discrete(rows * cols)`, `state = row * cols + col`.
/// - Actions: `Discrete(4)`: 0 LEFT, 1 DOWN, 2 RIGHT, 3 UP.
/// - Slippery: the intended move with probability `successRate`, each perpendicular
///   move with `(1 - successRate) / 2`, listed as `[(a-1) % 4, a, (a+1) % 4]`.
/// - Reward: `rewardSchedule` = (reach G, reach H, reach F or S), default (1, 0, 0).
/// - Entering H or G terminates; H and G have the single row `(1.0, s, 0, true)`.
///
/// RLLab adds one cell kind, `W` (wall): moving into a wall (like moving off the grid)
/// leaves the agent where it is. Gymnasium's maps have no walls, so their models are
/// unchanged.
public final class FrozenLake: TabularEnvironment {
    /// The built-in maps (Gymnasium's `MAPS`).
    public static let maps: [String: [String]] = [
        "4x4": ["SFFF", "FHFH", "FFFH", "HFFG"],
        "8x8": ["SFFFFFFF", "FFFFFFFF", "FFFHFFFF", "FFFFFHFF", "FFFHFFFF", "FHHFFFHF", "FHFFHFHF", "FFFHFFFG"],
    ]

    /// The cell letters this environment understands.
    public static let cellKinds: Set<Character> = ["S", "F", "H", "G", "W"]

    /// The map, row 0 first.
    public let desc: [String]
    public let rowCount: Int
    public let columnCount: Int

    /// Builds the model for `desc`.
    ///
    /// - Throws: ``EnvironmentError`` (`.invalidOptionValue`) for an empty or ragged
    ///   map, an unknown letter or a map without `S`.
    public init(desc: [String], isSlippery: Bool = true, successRate: Double = 1.0 / 3.0,
                rewardSchedule: (goal: Double, hole: Double, frozen: Double) = (1, 0, 0),
                name: String = "FrozenLake") throws {
        let grid = try FrozenLake.validate(desc, name: name)
        let nrow = grid.count, ncol = grid[0].count
        let failRate = (1.0 - successRate) / 2.0
        let startCount = grid.joined().filter { $0 == "S" }.count
        // numpy divides the indicator vector by its sum; 1/count is the same double.
        let initial = grid.joined().map { $0 == "S" ? 1.0 / Double(startCount) : 0 }

        func move(_ row: Int, _ col: Int, _ a: Int) -> (Int, Int) {
            var (r, c) = (row, col)
            switch a {
            case 0: c = max(col - 1, 0)
            case 1: r = min(row + 1, nrow - 1)
            case 2: c = min(col + 1, ncol - 1)
            default: r = max(row - 1, 0)
            }
            return grid[r][c] == "W" ? (row, col) : (r, c)
        }
        func outcome(_ row: Int, _ col: Int, _ a: Int, probability: Double) -> ModelOutcome {
            let (r, c) = move(row, col, a)
            let letter = grid[r][c]
            let reward = letter == "G" ? rewardSchedule.goal : letter == "H" ? rewardSchedule.hole : rewardSchedule.frozen
            return ModelOutcome(probability: probability, nextState: r * ncol + c, reward: reward,
                              terminal: letter == "G" || letter == "H")
        }
        let table = (0..<nrow * ncol).map { s in
            let (row, col) = (s / ncol, s % ncol)
            let letter = grid[row][col]
            return (0..<4).map { a -> [ModelOutcome] in
                if letter == "G" || letter == "H" {
                    return [ModelOutcome(probability: 1.0, nextState: s, reward: 0, terminal: true)]
                } else if isSlippery {
                    return [(a + 3) % 4, a, (a + 1) % 4].map { b in
                        outcome(row, col, b, probability: b == a ? successRate : failRate)
                    }
                }
                return [outcome(row, col, a, probability: 1.0)]
            }
        }
        self.desc = desc
        self.rowCount = nrow
        self.columnCount = ncol
        super.init(name: name, model: try TransitionModel(table: table, initialStateDistribution: initial))
    }

    static func validate(_ desc: [String], name: String) throws -> [[Character]] {
        func fail(_ why: String) -> EnvironmentError {
            EnvironmentError(.invalidOptionValue, "invalid map for \(name): \(why)")
        }
        guard !desc.isEmpty, !desc[0].isEmpty else { throw fail("the map is empty") }
        let grid = desc.map(Array.init)
        for (r, row) in grid.enumerated() {
            guard row.count == grid[0].count else {
                throw fail("row \(r) ('\(desc[r])') has \(row.count) cells but row 0 has \(grid[0].count); every row needs the same length")
            }
            if let bad = row.firstIndex(where: { !cellKinds.contains($0) }) {
                throw fail("row \(r) column \(bad) has '\(row[bad])'; cells are S (start), F (frozen), H (hole), G (goal) or W (wall)")
            }
        }
        guard grid.joined().contains("S") else { throw fail("there is no start cell S") }
        return grid
    }
}
