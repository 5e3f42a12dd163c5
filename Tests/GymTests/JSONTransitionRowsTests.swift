import Foundation
import Testing
@testable import Gym

/// Issue 15: JSON MDP files have their rows read straight from the text
/// (``JSONTransitionRows``). The fast path must mean what the general path (YAML) means:
/// on generated files, valid and hostile, `parse` (fast path first) and the general path
/// give the same model or the same error, and the fast path takes the valid files.
@Suite struct JSONTransitionRowsTests {
    /// A seeded generator (an LCG), so that every run tests the same files.
    struct Generator {
        var seed: UInt64
        mutating func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        mutating func pick<T>(_ list: [T]) -> T { list[next(list.count)] }
    }

    /// The outcome of reading `text` one way: the file's contents, or the error's message.
    enum Outcome: Equatable {
        case file(TransitionModel, [String], [String], Int?, Double?, String)
        case error(String)

        init(_ read: () throws -> TabularMDPFile) {
            do {
                let f = try read()
                self = .file(f.model, f.stateNames, f.actionNames, f.maxEpisodeSteps, f.rewardThreshold, f.name)
            } catch {
                self = .error("\(error)")
            }
        }
    }

    /// Names that mean something else to YAML when plain; quoted, they are names.
    static let trickyNames = ["yes", "no", "null", "~", "true", "0x1", "1_0", "1:30", ".inf", "NaN", "1e1", "-0", "+3", "07", "s 1", "#x", "a: b", "1.0"]

    /// A random MDP written as JSON in one of several layouts; the fast path should take it.
    static func randomFile(_ g: inout Generator) -> String {
        let stateCount = 2 + g.next(9), actionCount = 1 + g.next(3)
        let namedStates = g.next(3) == 0, namedActions = g.next(2) == 0
        var pool = trickyNames + (0..<40).map { "s\($0)" } + ["1", "0", "2"]
        for i in stride(from: pool.count - 1, to: 0, by: -1) { pool.swapAt(i, g.next(i + 1)) }
        let stateNames = namedStates ? Array(pool.prefix(stateCount)) : (0..<stateCount).map(String.init)
        let actionNames = namedActions ? (0..<actionCount).map { "a\($0)" } : (0..<actionCount).map(String.init)
        func quoted(_ s: String) -> String { "\"\(s)\"" }
        // A reference: the name quoted, or the index as a number.
        func ref(_ i: Int, _ names: [String], named: Bool) -> String {
            if !named { return g.next(3) == 0 ? quoted(String(i)) : String(i) }
            return g.next(3) == 0 ? String(i) : quoted(names[i])
        }
        let terminal = g.next(2) == 0 ? [stateCount - 1] : []
        let numbers = ["0", "1", "-1", "0.5", "2.5e-3", "1E3", "-0.25", "0.0", "7", "-0", "1e-300", "\"0.5\"", "\"3\""]
        var rows: [String] = []
        let layout = g.next(4)
        let separator = layout == 0 ? ", " : layout == 1 ? ",\n    " : layout == 2 ? "," : ",\r\n  "
        for s in 0..<stateCount where !terminal.contains(s) {
            for a in 0..<actionCount {
                let outcomes = 1 + g.next(3)
                for k in 0..<outcomes {
                    var fields = [("state", ref(s, stateNames, named: namedStates)), ("action", ref(a, actionNames, named: namedActions)),
                                  ("next", ref(g.next(stateCount), stateNames, named: namedStates))]
                    if outcomes > 1 || g.next(3) == 0 {
                        let p = outcomes == 1 ? "1.0" : outcomes == 2 ? "0.5" : (k == 0 ? "0.5" : "0.25")
                        fields.append(("probability", g.next(5) == 0 ? quoted(p) : p))
                    }
                    if g.next(2) == 0 { fields.append(("reward", g.pick(numbers))) }
                    if g.next(3) == 0 { fields.append(("terminal", g.next(2) == 0 ? "true" : "false")) }
                    for i in stride(from: fields.count - 1, to: 0, by: -1) { fields.swapAt(i, g.next(i + 1)) }
                    let colon = g.next(4) == 0 ? ":" : g.next(2) == 0 ? ": " : " : "
                    let inner = layout == 1 ? ",\n      " : g.next(2) == 0 ? ", " : ","
                    rows.append("{" + fields.map { quoted($0.0) + colon + $0.1 }.joined(separator: inner) + "}")
                }
            }
        }
        var top: [(String, String)] = [
            ("states", namedStates ? "[" + stateNames.map(quoted).joined(separator: ", ") + "]" : String(stateCount)),
            ("actions", namedActions || g.next(2) == 0 ? "[" + actionNames.map(quoted).joined(separator: ", ") + "]" : String(actionCount)),
            ("transitions", "[" + (layout == 1 ? "\n    " : "") + rows.joined(separator: separator) + (layout == 1 ? "\n  " : "") + "]"),
        ]
        switch g.next(3) {
        case 0: top.append(("start", ref(0, stateNames, named: namedStates)))
        case 1: top.append(("start", "[" + ref(0, stateNames, named: namedStates) + ", " + ref(1, stateNames, named: namedStates) + "]"))
        default: top.append(("start", "{" + quoted(stateNames[0]) + ": 0.25, " + quoted(stateNames[1]) + ": 0.75}"))
        }
        if !terminal.isEmpty { top.append(("terminal_states", "[" + ref(terminal[0], stateNames, named: namedStates) + "]")) }
        if g.next(2) == 0 { top.append(("max_episode_steps", String(5 + g.next(100)))) }
        if g.next(2) == 0 { top.append(("reward_threshold", g.pick(["0.5", "1e2", "-3"]))) }
        if g.next(2) == 0 { top.append(("name", quoted("mdp-\(g.next(1000))"))) }
        if g.next(3) == 0 { top.append(("description", "\"a file with \\\"escapes\\\" \\u00e9 outside the rows\"")) }
        for i in stride(from: top.count - 1, to: 0, by: -1) { top.swapAt(i, g.next(i + 1)) }
        let open = layout == 1 ? "{\n  " : "{", close = layout == 1 ? "\n}\n" : "}"
        return open + top.map { quoted($0.0) + ": " + $0.1 }.joined(separator: layout == 1 ? ",\n  " : ", ") + close
    }

    /// `text` changed the way a hostile user or a broken generator would.
    static func mutated(_ text: String, _ g: inout Generator) -> String {
        var bytes = Array(text.utf8)
        func replacingFirst(_ old: String, _ new: String) -> String {
            guard let range = text.range(of: old) else { return text + new }
            return text.replacingCharacters(in: range, with: new)
        }
        func atRandomToken(_ new: String) -> String {
            // Replace the value after a random colon.
            let colons = bytes.indices.filter { bytes[$0] == UInt8(ascii: ":") }
            guard let c = colons.isEmpty ? nil : colons[g.next(colons.count)] else { return text }
            var end = c + 1
            while end < bytes.count, bytes[end] == 0x20 { end += 1 }
            var stop = end
            if stop < bytes.count, bytes[stop] == UInt8(ascii: "\"") {
                stop += 1
                while stop < bytes.count, bytes[stop] != UInt8(ascii: "\"") { stop += 1 }
                stop = min(stop + 1, bytes.count)
            } else {
                while stop < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]")].contains(bytes[stop]) { stop += 1 }
            }
            bytes.replaceSubrange(end..<stop, with: Array(new.utf8))
            return String(decoding: bytes, as: UTF8.self)
        }
        switch g.next(22) {
        case 0: return String(decoding: bytes.prefix(g.next(bytes.count)), as: UTF8.self)  // truncated
        case 1: return replacingFirst("\"state\"", "\"state\": 0, \"state\"")  // duplicate row key
        case 2: return replacingFirst("\"states\"", "\"states\": 3, \"states\"")  // duplicate top-level key
        case 3: return replacingFirst("{", "{\"transitions\": [], ")  // two transitions keys
        case 4: return atRandomToken(g.pick(["NaN", "nan", "\"nan\"", "Infinity", "\"inf\"", "1e400", "-1e400", "\"1e400\"", "1e-400"]))
        case 5: return atRandomToken(g.pick(["null", "true", "false", "[]", "{}", "[0]", "{\"a\": 1}", "\"\"", "\"x\"", "\"true\"", "\"yes\"", "yes"]))
        case 6: return atRandomToken(g.pick(["01", "1.", ".5", "+1", "0x10", "1_0", "-", "1e", "- 1", "--1", "1 2"]))
        case 7: return atRandomToken(String(repeating: "[", count: 70) + "0" + String(repeating: "]", count: 70))  // deep nesting
        case 8: return atRandomToken(String(repeating: "[", count: 5000))  // deep and unclosed
        case 9: return atRandomToken(g.pick(["1e300", "4000000000000000000", "9223372036854775808", "1000000000000", "-5", "0", "1.5"]))
        case 10: return replacingFirst(", ", ",\t")  // a tab
        case 11: return replacingFirst("\"state\"", "\"st\\u0061te\"")  // an escape in a key
        case 12: return replacingFirst("\"next\"", "\"nxt\"")  // unknown row key
        case 13: return replacingFirst("\"states\"", "\"statez\"")  // unknown top-level key
        case 14: return "\u{FEFF}" + text  // byte order mark
        case 15: return text.replacingOccurrences(of: "\n", with: "\r\n")
        case 16: return replacingFirst("}", "},")  // trailing comma
        case 17: return replacingFirst("\"", "\"\u{7F}")  // DEL inside a string
        case 18: return replacingFirst("\"state\":", "\"state\"\n:")  // a key's colon on the next line
        case 19: return atRandomToken("\"é\"")
        case 20: return text + g.pick(["x", " # comment", "\n---\n", "{}", "\n"])  // after the object
        default:
            // A random byte somewhere.
            if !bytes.isEmpty { bytes[g.next(bytes.count)] = UInt8(g.next(128)) }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    @Test func generatedFilesReadTheSameByBothPaths() throws {
        var g = Generator(seed: 0x5DEE_CE66_D15E_A5E5)
        var fast = 0, valid = 0
        for trial in 0..<300 {
            let text = Self.randomFile(&g)
            let general = Outcome { try TabularMDPFile.parsedByYAML(text, path: "t.json") }
            #expect(Outcome { try TabularMDPFile.parse(text, path: "t.json") } == general, "trial \(trial)\n\(text)")
            // (A plain number in a row names a state called so when there is one, as for
            // YAML; such a row can land on a terminal state or leave a pair without rows.)
            guard case .file = general else { continue }
            valid += 1
            if let file = TabularMDPFile.parsedByJSONRows(text, path: "t.json") {
                fast += 1
                #expect(Outcome { file } == general, "trial \(trial)\n\(text)")
            }
        }
        #expect(valid > 200 && fast == valid, "\(fast) of \(valid) valid files read by the fast path")
    }

    @Test func hostileFilesGiveTheGeneralPathsModelOrError() throws {
        var g = Generator(seed: 0x0123_4567_89AB_CDEF)
        var fastModels = 0, errors = 0
        for trial in 0..<500 {
            var text = Self.randomFile(&g)
            for _ in 0..<(1 + g.next(2)) { text = Self.mutated(text, &g) }
            let general = Outcome { try TabularMDPFile.parsedByYAML(text, path: "h.json") }
            if case .error = general { errors += 1 }
            if let file = TabularMDPFile.parsedByJSONRows(text, path: "h.json") {
                fastModels += 1
                #expect(general == Outcome { file }, "trial \(trial): the fast path read what YAML reads otherwise\n\(text)")
            }
            #expect(Outcome { try TabularMDPFile.parse(text, path: "h.json") } == general, "trial \(trial)\n\(text)")
        }
        // Both kinds occur: mutations that keep a file valid (CRLF, names, numbers) and
        // mutations that break it.
        #expect(fastModels > 15 && errors > 300, "\(fastModels) read by the fast path, \(errors) errors")
    }

    /// Numbers YAML reads as names or not at all stay YAML's; those it reads as numbers
    /// are the fast path's, with YAML's values.
    @Test func rowValuesMeanWhatTheyMeanToYAML() throws {
        let head = "{\"states\": [\"a\", \"1\", \"b\"], \"actions\": 1, \"start\": 0, \"terminal_states\": [\"b\"], \"transitions\": ["
        func file(_ rows: String) -> String { head + rows + "]}" }
        // Plain 1 is the name "1" (state 1); the number 2 indexes state b; a quoted "0.5" is a probability.
        let named = file("{\"state\": 0, \"action\": 0, \"next\": 1, \"probability\": \"0.5\"}, {\"state\": \"a\", \"action\": \"0\", \"next\": 2, \"probability\": 0.5, \"reward\": -0}, {\"state\": \"1\", \"action\": 0, \"next\": \"b\", \"terminal\": true}")
        let fast = try #require(TabularMDPFile.parsedByJSONRows(named, path: "n.json"))
        #expect(fast.model == (try TabularMDPFile.parsedByYAML(named, path: "n.json")).model)
        #expect(fast.model.transitions(state: 0, action: 0) == [ModelOutcome(probability: 0.5, nextState: 1, reward: 0, terminal: false),
                                                               ModelOutcome(probability: 0.5, nextState: 2, reward: 0, terminal: false)])
        // Left to YAML: a quoted index that names nothing, a quoted boolean, a number YAML
        // reads differently; each gives YAML's answer.
        for rows in ["{\"state\": \"0\", \"action\": 0, \"next\": 1}, {\"state\": 1, \"action\": 0, \"next\": 2}",
                     "{\"state\": 0, \"action\": 0, \"next\": 1, \"terminal\": \"true\"}, {\"state\": 1, \"action\": 0, \"next\": 2}",
                     "{\"state\": 0, \"action\": 0, \"next\": -0}, {\"state\": 1, \"action\": 0, \"next\": 2}"] {
            #expect(TabularMDPFile.parsedByJSONRows(file(rows), path: "q.json") == nil, "\(rows)")
            #expect(Outcome { try TabularMDPFile.parse(file(rows), path: "q.json") } == Outcome { try TabularMDPFile.parsedByYAML(file(rows), path: "q.json") })
        }
        // Errors keep YAML's message and line.
        let bad = "{\"states\": 2, \"actions\": 1, \"start\": 0,\n \"transitions\": [\n  {\"state\": 0, \"action\": 0, \"next\": 1, \"reward\": 1e400},\n  {\"state\": 1, \"action\": 0, \"next\": 0}]}"
        #expect(throws: EnvironmentError(.malformedFile, "b.json:3: reward must be a finite number, got '1e400'")) {
            try TabularMDPFile.parse(bad, path: "b.json")
        }
    }

    /// The chain of `Benchmarks/large_mdp.py` as its JSON (one line).
    static func jsonChain(_ n: Int) -> String {
        var text = "{\"name\": \"chain-\(n)\", \"states\": \(n), \"actions\": [\"left\", \"right\"], \"start\": 0, \"terminal_states\": [\(n - 1)], \"transitions\": ["
        text.reserveCapacity(n * 140)
        for s in 0..<(n - 1) {
            if s > 0 { text += ", " }
            text += "{\"state\": \(s), \"action\": 0, \"next\": \(max(s - 1, 0)), \"reward\": 0}, "
            text += "{\"state\": \(s), \"action\": 1, \"next\": \(s + 1), \"reward\": \(s + 1 == n - 1 ? 1 : 0), \"terminal\": \(s + 1 == n - 1)}"
        }
        return text + "]}"
    }

    @Test func largeJSONFilesParseInLinearTime() throws {
        let n = 20_000
        let text = Self.jsonChain(n)
        let clock = ContinuousClock(), start = clock.now
        let file = try TabularMDPFile.parse(text, path: "chain.json")
        let elapsed = clock.now - start
        #expect(TabularMDPFile.parsedByJSONRows(Self.jsonChain(20), path: "chain.json") != nil)
        #expect(file.model.stateCount == n && file.model.rowCount == 2 * (n - 1) + 2)
        #expect(file.model.transitions(state: n - 2, action: 1) == [ModelOutcome(probability: 1, nextState: n - 1, reward: 1, terminal: true)])
        #expect(file.model.transitions(state: 17, action: 0) == [ModelOutcome(probability: 1, nextState: 16, reward: 0, terminal: false)])
        // Not a benchmark: YAML takes about 2.4 s of CPU for these 2e4 states in a release
        // build, far more in a debug one; the fast path a fraction of a second.
        #expect(elapsed < .seconds(20), "\(elapsed)")
    }
}
