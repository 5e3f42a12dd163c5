/// The `transitions` block of a tabular MDP file read straight from its bytes (see
/// ``TransitionRowText``) when it is written one flow mapping per line, as generated
/// files are:
///
/// ```yaml
/// transitions:
///   - {state: 0, action: 1, next: 1, reward: 0}
///   - {state: 1, action: 0, next: 0, probability: 0.5, terminal: true}
/// ```
///
/// The form it takes: plain scalars of letters, digits and `_ . + -`; no quotes, comments,
/// anchors or tags.
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
        var lineEnd = utf8.firstIndex(of: newline) ?? text.endIndex
        while text[lineStart..<lineEnd] != "transitions:" {
            guard lineEnd < text.endIndex else { return nil }
            lineStart = utf8.index(after: lineEnd)
            lineEnd = utf8[lineStart...].firstIndex(of: newline) ?? text.endIndex
        }
        let blockStart = lineEnd < text.endIndex ? utf8.index(after: lineEnd) : lineEnd
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
        var fields = TransitionRowSlots<TransitionRowFields.Scalar>()
        // Field by field, without making an array of them (a million rows).
        while true {
            let comma = text.firstIndex(of: UInt8(ascii: ","))
            var part = text[..<(comma ?? text.endIndex)]
            while part.first == UInt8(ascii: " ") { part = part.dropFirst() }
            guard let colon = part.firstIndex(of: UInt8(ascii: ":")) else { return nil }
            let key = part[..<colon]
            var value = part[part.index(after: colon)...]
            guard value.first == UInt8(ascii: " ") else { return nil }
            while value.first == UInt8(ascii: " ") { value = value.dropFirst() }
            while value.last == UInt8(ascii: " ") { value = value.dropLast() }
            let field = TransitionRowFields.Scalar(text: Substring(value), isQuoted: false)
            guard isPlain(value), fields.set(key, field) else { return nil }
            guard let comma else { break }
            text = text[text.index(after: comma)...]
        }
        return fields.fields { $0 }
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
///
/// A YAML parser makes a node (a string, a tag resolved by regular expressions, a
/// position) of every scalar: 12 s of CPU for 1e5 states, minutes and gigabytes for 1e6.
/// A fast path keeps only what the rows say, in one pass. It is not a second grammar: it
/// takes rows only in a narrow form that YAML reads with the same meaning, and
/// ``TabularMDPFile/parse(_:path:)`` reads every other file, and every file a fast path
/// finds anything wrong with, through YAML whole, whose messages name the line at fault.
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

/// A row's fields as a fast path meets them, keyed by name, each at most once.
struct TransitionRowSlots<Value> {
    var state, action, next, probability, reward, terminal: Value?

    /// Sets the field `key` names; false for an unknown key or one already set (YAML
    /// reports either).
    mutating func set(_ key: some Collection<UInt8>, _ value: Value) -> Bool {
        func fill(_ slot: inout Value?) -> Bool {
            guard slot == nil else { return false }
            slot = value
            return true
        }
        if key.elementsEqual("state".utf8) { return fill(&state) }
        if key.elementsEqual("action".utf8) { return fill(&action) }
        if key.elementsEqual("next".utf8) { return fill(&next) }
        if key.elementsEqual("probability".utf8) { return fill(&probability) }
        if key.elementsEqual("reward".utf8) { return fill(&reward) }
        if key.elementsEqual("terminal".utf8) { return fill(&terminal) }
        return false
    }

    /// The row with each field's text made by `scalar`, or nil without state, action or next.
    func fields(_ scalar: (Value) -> TransitionRowFields.Scalar) -> TransitionRowFields? {
        guard let state, let action, let next else { return nil }
        return TransitionRowFields(state: scalar(state), action: scalar(action), next: scalar(next),
                                   probability: probability.map(scalar), reward: reward.map(scalar),
                                   terminal: terminal.map(scalar))
    }
}

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
