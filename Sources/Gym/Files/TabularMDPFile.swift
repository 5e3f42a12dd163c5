import Foundation
import LabCore
import Yams

/// A finite MDP read from a YAML or JSON file (JSON is read as YAML, which contains it).
///
/// ```yaml
/// name: chain                 # optional
/// states: 4                   # a count, or a list of names
/// actions: [left, right]      # a count, or a list of names
/// start: 0                    # a state, a list of states (uniform), or {state: probability}
/// terminal_states: [3]        # optional: absorbing states (every action: 1.0, same state, 0, terminal)
/// max_episode_steps: 100      # optional time limit
/// reward_threshold: 0.9       # optional
/// transitions:                # rows of P[state][action], kept in this order
///   - {state: 0, action: right, next: 1, probability: 1.0, reward: 0}
///   - {state: 2, action: right, next: 3, reward: 1, terminal: true}
/// ```
/// States and actions are referred to by index or by name. `probability` defaults to
/// 1, `reward` to 0, `terminal` to false. Every state that is not in
/// `terminal_states` needs rows for every action, summing to 1 (within 1e-9).
public struct TabularMDPFile {
    /// The parsed model.
    public let model: TransitionModel
    /// The state names (indices as text when the file gives a count).
    public let stateNames: [String]
    /// The action names.
    public let actionNames: [String]
    /// The time limit, if the file sets one.
    public let maxEpisodeSteps: Int?
    /// The reward threshold, if the file sets one.
    public let rewardThreshold: Double?
    /// The file's `name`, or the path.
    public let name: String
    /// The file path (the environment's id).
    public let path: String

    /// Parses a tabular MDP, in time and memory linear in its size: the rows of generated
    /// YAML and of JSON files are read straight from the text (``TransitionRowText``), and
    /// any other file, or one those paths find a problem in, is read as YAML whole, so that
    /// the model and every message are the same whichever path reads a file.
    ///
    /// - Throws: ``EnvironmentError`` (`.malformedFile`) naming the file, the line and
    ///   the field at fault.
    public static func parse(_ text: String, path: String) throws -> TabularMDPFile {
        if let file = parsedByFlowRows(text, path: path) ?? parsedByJSONRows(text, path: path) { return file }
        return try parse(text, path: path, flowRows: nil)
    }

    /// The file read by the YAML fast path, or nil when it does not take it (not in its
    /// form, or a problem that YAML is to report).
    static func parsedByFlowRows(_ text: String, path: String) -> TabularMDPFile? {
        FlowTransitionRows(text).flatMap { try? parse($0.rest, path: path, flowRows: $0) }
    }

    /// The file read by the JSON fast path, or nil when it does not take it (not strict
    /// JSON, rows not in its form, or a problem that YAML is to report).
    static func parsedByJSONRows(_ text: String, path: String) -> TabularMDPFile? {
        JSONTransitionRows(text).flatMap { try? parse($0.rest, path: path, flowRows: $0) }
    }

    /// The file read by the general path alone (YAML), for tests that hold the fast paths
    /// to it.
    static func parsedByYAML(_ text: String, path: String) throws -> TabularMDPFile {
        try parse(text, path: path, flowRows: nil)
    }

    /// Whether the fast paths agree with the general one on `text`: each fast path that
    /// takes the file reads the model, names, limits and name that YAML reads, and YAML
    /// reads no error from a file a fast path took. For differential fuzzing (`make fuzz`).
    @_spi(Fuzzing) public static func fastPathsAgree(_ text: String, path: String) -> Bool {
        let fast = [parsedByFlowRows(text, path: path), parsedByJSONRows(text, path: path)].compactMap { $0 }
        guard !fast.isEmpty else { return true }
        guard let general = try? parsedByYAML(text, path: path) else { return false }
        return fast.allSatisfy {
            $0.model == general.model && $0.stateNames == general.stateNames && $0.actionNames == general.actionNames
                && $0.maxEpisodeSteps == general.maxEpisodeSteps && $0.rewardThreshold == general.rewardThreshold && $0.name == general.name
        }
    }

    private static func parse(_ text: String, path: String, flowRows: (any TransitionRowText)?) throws -> TabularMDPFile {
        func fail(_ node: Node?, _ why: String) -> EnvironmentError {
            if let mark = node?.mark { return EnvironmentError(.malformedFile, "\(path):\(mark.line): \(why)") }
            return EnvironmentError(.malformedFile, "\(path): \(why)")
        }
        let composed: Node?
        do {
            composed = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw EnvironmentError(.malformedFile, "\(path): not valid YAML/JSON: \(yamlProblem(error))")
        } catch {
            throw EnvironmentError(.malformedFile, "\(path): not valid YAML/JSON: \(error)")
        }
        guard let root = composed else { throw fail(nil, "the file is empty") }
        guard let top = root.mapping else {
            throw fail(root, "the top level must be a mapping with states, actions, start and transitions")
        }
        let known: Set<String> = ["name", "states", "actions", "start", "terminal_states", "max_episode_steps", "reward_threshold", "transitions", "description"]
        for key in top.keys {
            guard let k = key.string, known.contains(k) else {
                throw fail(key, "unknown field '\(key.string ?? "?")'; fields are \(known.sorted().joined(separator: ", "))")
            }
        }
        func field(_ name: String) throws -> Node {
            guard let node = top[name] else { throw fail(root, "missing field '\(name)'") }
            return node
        }
        func names(_ fieldName: String) throws -> [String] {
            let node = try field(fieldName)
            if let count = node.int {
                guard count > 0 else { throw fail(node, "'\(fieldName)' must be a positive count or a list of names, got \(count)") }
                return (0..<count).map(String.init)
            }
            guard let list = node.sequence, !list.isEmpty else {
                throw fail(node, "'\(fieldName)' must be a positive count or a non-empty list of names")
            }
            var seen = Set<String>()
            return try list.map { item in
                guard let s = item.string, !s.isEmpty else { throw fail(item, "'\(fieldName)' names must be non-empty strings") }
                guard seen.insert(s).inserted else { throw fail(item, "'\(fieldName)' lists '\(s)' twice") }
                return s
            }
        }
        for required in ["states", "actions", "start", "transitions"] { _ = try field(required) }
        // The counts drive every allocation (names, the table of row lists per pair): check
        // them, with overflow checks, before any is made. Each on its own: a huge state count
        // beside a malformed action field must not allocate its names before the action field
        // is found wrong (a fuzzing finding: `states: 4000000000000000000`, `actions: x=0`).
        do {
            let stateCount = max(1, top["states"]?.int ?? top["states"]?.sequence?.count ?? 1)
            let actionCount = max(1, top["actions"]?.int ?? top["actions"]?.sequence?.count ?? 1)
            try MemoryBudget.bytes(for: "\(stateCount) states x \(actionCount) actions",
                                   parts: [([stateCount, actionCount], Self.bytesPerPair), ([stateCount], Self.bytesPerName),
                                           ([actionCount], Self.bytesPerName)])
        } catch let error as MemoryLimitError {
            throw fail(top["actions"], error.description)
        }
        let states = try names("states")
        let actions = try names("actions")
        // Names to indices by hashing, so that reading n rows is O(n) (a linear search per
        // row made 1e5 states take most of a minute).
        func lookup(_ list: [String]) -> [String: Int] {
            Dictionary(zip(list, list.indices), uniquingKeysWith: { first, _ in first })
        }
        let stateIndex = lookup(states), actionIndex = lookup(actions)
        func index(_ node: Node, in list: [String], _ table: [String: Int], what: String) throws -> Int {
            if let s = node.string, let i = table[s] { return i }
            if let i = node.int, i >= 0, i < list.count { return i }
            let named = list.first == "0" ? "" : list.count <= 20 ? " or \(list.joined(separator: ", "))" : " or one of the \(list.count) names"
            throw fail(node, "unknown \(what) '\(node.string ?? "?")'; \(what)s are 0...\(list.count - 1)\(named)")
        }
        func state(_ node: Node) throws -> Int { try index(node, in: states, stateIndex, what: "state") }
        func action(_ node: Node) throws -> Int { try index(node, in: actions, actionIndex, what: "action") }
        func number(_ node: Node, _ what: String) throws -> Double {
            guard let s = node.string, let v = Double(s.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                throw fail(node, "\(what) must be a finite number, got '\(node.string ?? "?")'")
            }
            return v
        }

        var terminal = Set<Int>()
        if let node = top["terminal_states"] {
            guard let list = node.sequence else { throw fail(node, "'terminal_states' must be a list of states") }
            for item in list { terminal.insert(try state(item)) }
        }

        var table = [[[ModelOutcome]]](repeating: [[ModelOutcome]](repeating: [], count: actions.count), count: states.count)
        // Where each pair's first row is, for errors (YAML rows only: the fast path leaves
        // every error to YAML).
        var firstRowNode = [[Node?]](repeating: [Node?](repeating: nil, count: flowRows == nil ? actions.count : 0),
                                     count: flowRows == nil ? states.count : 0)
        let rowsNode = try field("transitions")
        guard let rows = rowsNode.sequence else { throw fail(rowsNode, "'transitions' must be a list of rows {state, action, next, probability, reward, terminal}") }
        if let flowRows {
            // The rows read from the text: the same checks; any problem sends the file to YAML.
            guard rows.isEmpty, top.keys.filter({ $0.string == "transitions" }).count == 1 else {
                throw TransitionRowsNotInForm()
            }
            // Counted states (or actions) are named "0", "1", ...: a decimal number is its own
            // name, so the index is read without hashing; names are looked up.
            let statesCounted = top["states"]?.int != nil, actionsCounted = top["actions"]?.int != nil
            // A quoted field (JSON's strings) is a name to YAML: counted states are named by
            // their decimals, but a quoted decimal that names nothing is left to YAML.
            func flowIndex(_ field: TransitionRowFields.Scalar, _ list: [String], _ names: [String: Int], counted: Bool) throws -> Int {
                if counted, let i = FlowTransitionRows.decimal(field.text), i < list.count { return i }
                if let i = names[String(field.text)] { return i }
                guard !field.isQuoted, let i = FlowTransitionRows.decimal(field.text), i < list.count else {
                    throw TransitionRowsNotInForm()
                }
                return i
            }
            // YAML reads a number from a field's text, quoted or not.
            func flowNumber(_ field: TransitionRowFields.Scalar?, default value: Double) throws -> Double {
                guard let field else { return value }
                guard let v = Double(field.text), v.isFinite else { throw TransitionRowsNotInForm() }
                return v
            }
            try flowRows.forEachRow { row in
                let s = try flowIndex(row.state, states, stateIndex, counted: statesCounted)
                let a = try flowIndex(row.action, actions, actionIndex, counted: actionsCounted)
                let next = try flowIndex(row.next, states, stateIndex, counted: statesCounted)
                let probability = try flowNumber(row.probability, default: 1)
                let reward = try flowNumber(row.reward, default: 0)
                guard probability >= 0, probability <= 1, !terminal.contains(s) else { throw TransitionRowsNotInForm() }
                let isTerminal: Bool
                switch (row.terminal?.text, row.terminal?.isQuoted) {
                case (nil, _), ("false", false): isTerminal = false
                case ("true", false): isTerminal = true
                default: throw TransitionRowsNotInForm()  // a quoted "true" is no boolean to YAML
                }
                table[s][a].append(ModelOutcome(probability: probability, nextState: next, reward: reward, terminal: isTerminal))
            }
        }
        let rowFields: Set<String> = ["state", "action", "next", "probability", "reward", "terminal"]
        for row in rows {
            guard let map = row.mapping else { throw fail(row, "a transition must be a mapping {state, action, next, probability, reward, terminal}") }
            for key in map.keys where !rowFields.contains(key.string ?? "") {
                throw fail(key, "unknown transition field '\(key.string ?? "?")'; fields are state, action, next, probability, reward, terminal")
            }
            func required(_ name: String) throws -> Node {
                guard let node = map[name] else { throw fail(row, "transition is missing '\(name)'") }
                return node
            }
            let s = try state(try required("state"))
            let a = try action(try required("action"))
            let next = try state(try required("next"))
            let probability = try map["probability"].map { try number($0, "probability") } ?? 1.0
            guard probability >= 0, probability <= 1 else { throw fail(map["probability"], "probability must be in [0, 1], got \(probability)") }
            let reward = try map["reward"].map { try number($0, "reward") } ?? 0.0
            let isTerminal = try map["terminal"].map { t in
                guard let b = t.bool else { throw fail(t, "terminal must be true or false, got '\(t.string ?? "?")'") }
                return b
            } ?? false
            if terminal.contains(s) {
                throw fail(row, "state \(states[s]) is in terminal_states, which gives it its own rows; remove its transitions or remove it from terminal_states")
            }
            table[s][a].append(ModelOutcome(probability: probability, nextState: next, reward: reward, terminal: isTerminal))
            if firstRowNode[s][a] == nil { firstRowNode[s][a] = row }
        }
        for s in 0..<states.count {
            for a in 0..<actions.count {
                if terminal.contains(s) {
                    table[s][a] = [ModelOutcome(probability: 1.0, nextState: s, reward: 0, terminal: true)]
                    continue
                }
                guard !table[s][a].isEmpty else {
                    throw fail(rowsNode, "state \(states[s]) has no transitions for action \(actions[a]); give every (state, action) rows or list the state in terminal_states")
                }
                let total = table[s][a].reduce(0) { $0 + $1.probability }
                if flowRows != nil && abs(total - 1) > 1e-9 { throw TransitionRowsNotInForm() }
                guard abs(total - 1) <= 1e-9 else {
                    throw fail(firstRowNode[s][a], "probabilities of state \(states[s]) action \(actions[a]) sum to \(total), not 1")
                }
            }
        }

        let startNode = try field("start")
        var initial = [Double](repeating: 0, count: states.count)
        if let list = startNode.sequence {
            guard !list.isEmpty else { throw fail(startNode, "'start' lists no state") }
            for item in list { initial[try state(item)] += 1.0 / Double(list.count) }
        } else if let map = startNode.mapping {
            for (key, value) in map {
                let p = try number(value, "start probability")
                guard p >= 0 else { throw fail(value, "start probability must not be negative") }
                initial[try state(key)] += p
            }
            let total = initial.reduce(0, +)
            guard abs(total - 1) <= 1e-9 else { throw fail(startNode, "start probabilities sum to \(total), not 1") }
        } else {
            initial[try state(startNode)] = 1
        }

        let maxSteps = try top["max_episode_steps"].map { node in
            guard let n = node.int, n > 0 else { throw fail(node, "max_episode_steps must be a positive integer") }
            return n
        }
        let threshold = try top["reward_threshold"].map { try number($0, "reward_threshold") }
        let model: TransitionModel
        do {
            model = try TransitionModel(table: table, initialStateDistribution: initial)
        } catch let error as EnvironmentError {
            throw EnvironmentError(.malformedFile, "\(path): \(error.message)")
        }
        return TabularMDPFile(model: model, stateNames: states, actionNames: actions, maxEpisodeSteps: maxSteps,
                              rewardThreshold: threshold, name: top["name"]?.string ?? path, path: path)
    }

    /// Bytes per state or action name of a counted list (a short string and its
    /// hash-table entry), for the memory check.
    static let bytesPerName = 64
    /// Bytes per (state, action) pair while parsing: its row list, its first row's node
    /// and the model's copy.
    static let bytesPerPair = 96

    private static func yamlProblem(_ error: YamlError) -> String {
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return "line \(mark.line), column \(mark.column): \(problem)"
        default:
            return "\(error)"
        }
    }

    /// The registry spec for this file.
    public var spec: EnvironmentSpec {
        let model = self.model, name = self.name
        return EnvironmentSpec(
            id: path, maxEpisodeSteps: maxEpisodeSteps, rewardThreshold: rewardThreshold,
            summary: "tabular MDP '\(name)' (\(model.stateCount) states, \(model.actionCount) actions) from \(path)",
            make: { TabularEnvironment(name: name, model: model) })
    }
}
