/// The `transitions` block of a tabular MDP file read straight from its bytes when it is
/// written one flow mapping of plain scalars per line, as generated files are:
///
/// ```yaml
/// transitions:
///   - {state: 0, action: 1, next: 1, reward: 0}
///   - {state: 1, action: 0, next: 0, probability: 0.5, terminal: true}
/// ```
///
/// A YAML parser builds a node (a string, a tag and a position) for each of the file's
/// scalars, and resolving a tag runs regular expressions: for a million states that is
/// minutes and gigabytes. This reader keeps only what the rows say, in one pass. It is a
/// fast path, not a second grammar: it accepts a narrow form whose meaning is the same
/// under YAML (plain scalars of letters, digits and `_ . + -`, no quotes, comments, anchors
/// or tags), and ``TabularMDPFile/parse(_:path:)`` reads every other file, and every file
/// this path finds anything wrong with, through YAML, whose errors name the line at fault.
struct FlowTransitionRows: TransitionRowText {
    /// The file with its `transitions` block replaced by `transitions: []`, for YAML.
    let rest: String
    /// The block's lines (after its `transitions:` line), read row by row by ``forEachRow(_:)``.
    private let block: Substring

    /// Finds the `transitions` block of `text`, or returns nil when there is none the fast
    /// path can take: the block starts after the one line that is exactly `transitions:`
    /// and runs to the next line that starts in column 0, which must start another
    /// top-level key (a letter); a comment or anything else there is left to YAML. Only
    /// the block's bounds are kept: its rows are read once, as they are used.
    init?(_ text: String) {
        let utf8 = text.utf8
        let newline = UInt8(ascii: "\n")
        // The header: a line that is exactly `transitions:`.
        var lineStart = text.startIndex
        var blockStart: String.Index?
        while lineStart < text.endIndex {
            let lineEnd = utf8[lineStart...].firstIndex(of: newline) ?? text.endIndex
            if text[lineStart..<lineEnd] == "transitions:" {
                blockStart = lineEnd < text.endIndex ? utf8.index(after: lineEnd) : lineEnd
                break
            }
            lineStart = lineEnd < text.endIndex ? utf8.index(after: lineEnd) : lineEnd
        }
        guard let blockStart else { return nil }
        // The block's end: the first line after it that does not start with a space.
        var end = blockStart
        while end < text.endIndex, utf8[end] == UInt8(ascii: " ") {
            end = utf8[end...].firstIndex(of: newline).map { utf8.index(after: $0) } ?? text.endIndex
        }
        if end < text.endIndex {
            guard (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(utf8[end] | 0x20) else { return nil }
            // A second `transitions` key would be YAML's (the last one counts there).
            guard text[end...].range(of: "\ntransitions") == nil, !text[end...].hasPrefix("transitions") else { return nil }
        }
        block = text[blockStart..<end]
        rest = text[..<lineStart] + "transitions: []\n" + text[end...]
    }

    /// Calls `body` with each row of the block, in order.
    ///
    /// - Throws: ``TransitionRowsNotInForm`` at the first line that is not a row of the fast
    ///   form, or what `body` throws.
    func forEachRow(_ body: (TransitionRowFields) throws -> Void) throws {
        let utf8 = block.utf8
        var start = block.startIndex
        while start < block.endIndex {
            let end = utf8[start...].firstIndex(of: UInt8(ascii: "\n")) ?? block.endIndex
            guard let row = FlowTransitionRows.row(block[start..<end]) else { throw TransitionRowsNotInForm() }
            try body(row)
            start = end < block.endIndex ? utf8.index(after: end) : end
        }
    }

    /// `  - {key: value, key: value}`: the fields, or nil for anything else (a duplicate
    /// or unknown key, a missing required one, a value that is not a simple plain scalar).
    static func row(_ line: Substring) -> TransitionRowFields? {
        var text = line.utf8[...]
        while text.first == UInt8(ascii: " ") { text = text.dropFirst() }
        guard text.starts(with: "- {".utf8), text.last == UInt8(ascii: "}") else { return nil }
        text = text.dropFirst(3).dropLast()
        var state: TransitionRowFields.Scalar?, action: TransitionRowFields.Scalar?, next: TransitionRowFields.Scalar?
        var probability: TransitionRowFields.Scalar?, reward: TransitionRowFields.Scalar?, terminal: TransitionRowFields.Scalar?
        // Field by field, without making an array of them (a million rows).
        var remaining = text
        while true {
            let comma = remaining.firstIndex(of: UInt8(ascii: ","))
            var part = remaining[..<(comma ?? remaining.endIndex)]
            while part.first == UInt8(ascii: " ") { part = part.dropFirst() }
            guard let colon = part.firstIndex(of: UInt8(ascii: ":")) else { return nil }
            let key = part[..<colon]
            var value = part[part.index(after: colon)...]
            guard value.first == UInt8(ascii: " ") else { return nil }
            while value.first == UInt8(ascii: " ") { value = value.dropFirst() }
            while value.last == UInt8(ascii: " ") { value = value.dropLast() }
            guard isPlain(value) else { return nil }
            let valueText = TransitionRowFields.Scalar(text: Substring(value), isQuoted: false)
            func assign(_ slot: inout TransitionRowFields.Scalar?) -> Bool {
                guard slot == nil else { return false }
                slot = valueText
                return true
            }
            let assigned: Bool
            switch Substring(key) {
            case "state": assigned = assign(&state)
            case "action": assigned = assign(&action)
            case "next": assigned = assign(&next)
            case "probability": assigned = assign(&probability)
            case "reward": assigned = assign(&reward)
            case "terminal": assigned = assign(&terminal)
            default: assigned = false
            }
            guard assigned else { return nil }
            guard let comma else { break }
            remaining = remaining[remaining.index(after: comma)...]
        }
        guard let state, let action, let next else { return nil }
        return TransitionRowFields(state: state, action: action, next: next, probability: probability, reward: reward, terminal: terminal)
    }

    /// Letters, digits and `_ . + -`, starting with a letter, a digit, `.`, `+` or `-`
    /// not followed by a space: a plain scalar that YAML reads as its own text.
    static func isPlain(_ value: Substring.UTF8View.SubSequence) -> Bool {
        guard !value.isEmpty else { return false }
        for byte in value {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "+"), UInt8(ascii: "-"):
                continue
            default:
                return false
            }
        }
        // `-` or `.` alone, or `...`/`---`, mean something else to YAML.
        return value.contains { $0 != UInt8(ascii: "-") && $0 != UInt8(ascii: ".") }
    }

    /// A decimal integer without sign or leading zeros (what YAML and `Int` read alike).
    static func decimal(_ text: Substring) -> Int? {
        guard let first = text.utf8.first, first != UInt8(ascii: "0") || text.utf8.count == 1,
              text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int(text)
    }
}

/// A `transitions` block read straight from a file's text by a fast path
/// (``FlowTransitionRows`` for YAML, ``JSONTransitionRows`` for JSON), and the rest of the
/// file, which YAML reads.
protocol TransitionRowText {
    /// The file with the block's rows removed (an empty list in their place), for YAML.
    var rest: String { get }
    /// Calls `body` with each row, in the file's order.
    ///
    /// - Throws: ``TransitionRowsNotInForm`` at the first row the fast path does not
    ///   read, or what `body` throws.
    func forEachRow(_ body: (TransitionRowFields) throws -> Void) throws
}

/// A row that a fast path does not read (the general parser then reads the file).
struct TransitionRowsNotInForm: Error {}

/// One row of a `transitions` block as written: each field's text (nil when absent).
struct TransitionRowFields {
    /// A field's text; `isQuoted` for a JSON string, whose text is its content (the fast
    /// paths take no escapes). YAML reads a quoted field as its text: a name, or for
    /// `probability` and `reward` a number, but never a boolean; the fast paths read a
    /// quoted field only where that is all it can mean, and leave the rest to YAML.
    struct Scalar {
        var text: Substring
        var isQuoted: Bool
    }

    var state: Scalar
    var action: Scalar
    var next: Scalar
    var probability: Scalar?
    var reward: Scalar?
    var terminal: Scalar?
}
