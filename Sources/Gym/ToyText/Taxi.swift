import LabCore
/// The taxi problem of Dietterich (2000), with Gymnasium 1.4.0's `TaxiEnv` model
/// (including the `is_rainy` and `fickle_passenger` variants).
///
/// - Observation: `Discrete(500)`,
///   `state = ((taxi_row * 5 + taxi_col) * 5 + passenger_location) * 4 + destination`;
///   passenger locations 0...3 are R(0,0), G(0,4), Y(4,0), B(4,3), 4 is in the taxi.
/// - Actions: `Discrete(6)`: 0 south, 1 north, 2 east, 3 west, 4 pickup, 5 dropoff.
/// - Reward: -1 per step, +20 (terminal) for delivering the passenger, -10 for an
///   illegal pickup or dropoff; dropping the passenger at another stop puts them
///   there with reward -1.
/// - Rainy: a move goes as intended with `rainyProbability`, else sideways.
/// - Fickle passenger: with `fickleProbability` (drawn at reset) the passenger changes
///   destination once, on the first move after boarding.
/// - `info["action_mask"]`: 1 for each action that changes the state.
public final class Taxi: TabularEnvironment {
    static let map: [[Character]] = [
        "+---------+",
        "|R: | : :G|",
        "| : | : : |",
        "| : : : : |",
        "| | : | : |",
        "|Y| : |B: |",
        "+---------+",
    ].map(Array.init)
    static let locations = [(0, 0), (0, 4), (4, 0), (4, 3)]
    static let maxRow = 4, maxCol = 4

    public let isRainy: Bool
    public let ficklePassenger: Bool
    public let rainyProbability: Double
    public let fickleProbability: Double
    private var fickleStep = false

    public init(isRainy: Bool = false, ficklePassenger: Bool = false,
                rainyProbability: Double = 0.8, fickleProbability: Double = 0.3) throws {
        self.isRainy = isRainy
        self.ficklePassenger = ficklePassenger
        self.rainyProbability = rainyProbability
        self.fickleProbability = fickleProbability
        let lateral = (1.0 - rainyProbability) / 2.0
        let table = (0..<500).map { state in
            let (row, col, passenger, destination) = Taxi.decode(state)
            return (0..<6).map { action in
                isRainy
                    ? Taxi.rainyTransitions(row, col, passenger, destination, action, rainyProbability, lateral)
                    : [Taxi.dryTransition(row, col, passenger, destination, action)]
            }
        }
        // Gymnasium's uniform start: the passenger waits at a stop that is not the destination.
        let isStart = (0..<500).map(Taxi.decode).map { $0.passenger < 4 && $0.passenger != $0.destination }
        let startCount = Double(isStart.filter { $0 }.count)
        let initial = isStart.map { $0 ? 1.0 / startCount : 0 }
        super.init(name: "Taxi", model: try TransitionModel(table: table, initialStateDistribution: initial))
    }

    /// The state index of a taxi position, passenger location and destination.
    public static func encode(_ taxiRow: Int, _ taxiCol: Int, _ passenger: Int, _ destination: Int) -> Int {
        ((taxiRow * 5 + taxiCol) * 5 + passenger) * 4 + destination
    }

    /// The taxi row, taxi column, passenger location and destination of a state.
    public static func decode(_ state: Int) -> (taxiRow: Int, taxiCol: Int, passenger: Int, destination: Int) {
        var i = state
        let destination = i % 4; i /= 4
        let passenger = i % 5; i /= 5
        let col = i % 5; i /= 5
        return (i, col, passenger, destination)
    }

    private static func isOpen(_ r: Int, _ c: Int) -> Bool { map[r][c] == ":" }

    private static func locationIndex(_ row: Int, _ col: Int) -> Int? {
        locations.firstIndex { $0 == (row, col) }
    }

    /// Pickup (4) and dropoff (5): the passenger's new location, the reward and whether the
    /// episode ends; any other action leaves the passenger where they are, with reward -1.
    private static func serve(_ action: Int, _ row: Int, _ col: Int, _ passenger: Int,
                              _ destination: Int) -> (Int, Double, Bool) {
        switch action {
        case 4:
            return passenger < 4 && locations[passenger] == (row, col) ? (4, -1, false) : (passenger, -10, false)
        case 5:
            if locations[destination] == (row, col) && passenger == 4 { return (destination, 20, true) }
            if let stop = locationIndex(row, col), passenger == 4 { return (stop, -1, false) }
            return (passenger, -10, false)
        default:
            return (passenger, -1, false)
        }
    }

    static func dryTransition(_ row: Int, _ col: Int, _ passenger: Int, _ destination: Int, _ action: Int) -> ModelOutcome {
        var (newRow, newCol) = (row, col)
        let (newPassenger, reward, terminated) = serve(action, row, col, passenger, destination)
        if action == 0 { newRow = min(row + 1, maxRow) } else if action == 1 { newRow = max(row - 1, 0) }
        if action == 2 && isOpen(1 + row, 2 * col + 2) {
            newCol = min(col + 1, maxCol)
        } else if action == 3 && isOpen(1 + row, 2 * col) {
            newCol = max(col - 1, 0)
        }
        return ModelOutcome(probability: 1.0, nextState: encode(newRow, newCol, newPassenger, destination),
                          reward: reward, terminal: terminated)
    }

    private static func lateralPosition(_ row: Int, _ col: Int, _ movement: (Int, Int)) -> (Int, Int) {
        let (dr, dc) = movement
        let newRow = max(0, min(row + dr, maxRow))
        let newCol = max(0, min(col + dc, maxCol))
        if dc == 1 && !isOpen(1 + newRow, 2 * newCol) { return (row, col) }
        if dc == -1 && !isOpen(1 + newRow, 2 * newCol + 2) { return (row, col) }
        return (newRow, newCol)
    }

    static func rainyTransitions(_ row: Int, _ col: Int, _ passenger: Int, _ destination: Int, _ action: Int,
                                 _ rainyProbability: Double, _ lateral: Double) -> [ModelOutcome] {
        // The intended move is the dry one; a move the walls allow may also slip sideways.
        let intended = dryTransition(row, col, passenger, destination, action)
        guard action <= 3 else { return [intended] }
        // (left, right) of each heading, as Gymnasium lists them.
        let sideways = [((0, 1), (0, -1)), ((0, -1), (0, 1)), ((-1, 0), (1, 0)), ((1, 0), (-1, 0))]
        var left = (row, col), right = (row, col)
        if (action == 0 && row < maxRow) || (action == 1 && row > 0)
            || (action == 2 && isOpen(1 + row, 2 * col + 2)) || (action == 3 && isOpen(1 + row, 2 * col)) {
            left = lateralPosition(row, col, sideways[action].0)
            right = lateralPosition(row, col, sideways[action].1)
        }
        let cells = [(rainyProbability, intended.nextState), (lateral, encode(left.0, left.1, passenger, destination)),
                     (lateral, encode(right.0, right.1, passenger, destination))]
        return cells.map { probability, next in
            ModelOutcome(probability: probability, nextState: next, reward: intended.reward,
                         terminal: intended.terminal)
        }
    }

    /// Gymnasium's `action_mask(state)`: 1 for actions that change the state.
    public static func actionMask(_ state: Int) -> [Int] {
        let (row, col, passenger, destination) = decode(state)
        let changes = [
            row < 4, row > 0, col < 4 && isOpen(row + 1, 2 * col + 2), col > 0 && isOpen(row + 1, 2 * col),
            passenger < 4 && locations[passenger] == (row, col),
            passenger == 4 && (locations[destination] == (row, col) || locationIndex(row, col) != nil),
        ]
        return changes.map { $0 ? 1 : 0 }
    }

    override func resetInfo(state: Int) -> Info {
        ["prob": .double(1), "action_mask": .ints(Taxi.actionMask(state))]
    }

    @discardableResult
    public override func reset(seed: UInt64?, options: Info?) throws -> (observation: Observation, info: Info) {
        let result = try super.reset(seed: seed, options: options)
        // Gymnasium draws this number only for a fickle passenger (`and` short-circuits).
        fickleStep = ficklePassenger && random.source.uniform() < fickleProbability
        return result
    }

    public override func archive(into archive: inout StateArchive, prefix: String) {
        super.archive(into: &archive, prefix: prefix)
        archive.set("\(prefix).fickle_step", fickleStep)
    }

    public override func restore(from archive: StateArchive, prefix: String) throws {
        let fickle = try archive.bool("\(prefix).fickle_step")
        try super.restore(from: archive, prefix: prefix)
        fickleStep = fickle
    }

    public override func step(_ action: Action) throws -> StepResult {
        let shadow = try Taxi.decode(validated(action).state)
        var result = try super.step(action)
        let moved = Taxi.decode(state!)  // super.step has just set it
        if ficklePassenger && fickleStep && shadow.passenger == 4
            && (moved.taxiRow != shadow.taxiRow || moved.taxiCol != shadow.taxiCol) {
            fickleStep = false
            let choices = (0..<4).filter { $0 != shadow.destination }
            let destination = choices[random.source.uniformIndex(below: choices.count)]
            state = Taxi.encode(moved.taxiRow, moved.taxiCol, moved.passenger, destination)
            result.observation = .discrete(state!)
        }
        result.info["action_mask"] = .ints(Taxi.actionMask(state!))
        return result
    }
}
