/// The `transitions` array of a tabular MDP file written as JSON (which ``TabularMDPFile``
/// reads as YAML), read straight from its bytes in one pass (see ``TransitionRowText``):
///
/// ```json
/// {"states": 3, "actions": 2, "start": 0, "terminal_states": [2],
///  "transitions": [{"state": 0, "action": 1, "next": 1, "reward": 0.5}, ...]}
/// ```
///
/// It checks that the whole file is strict JSON (RFC 8259), finds the top-level
/// `transitions` array and hands its rows over one by one without building them. The form
/// it takes: keys among the six row fields, each once, on the line of its colon; values
/// numbers, `true`, `false`, or strings of printable ASCII without escapes; spaces and line
/// breaks between tokens.
struct JSONTransitionRows: TransitionRowText {
    let rest: String
    /// The array's text, `[` to `]`.
    private let block: Substring

    /// Deeper nesting than this outside the rows is left to YAML (no MDP field nests deeply;
    /// the bound keeps the recursive reader's stack small).
    static let maximumDepth = 64

    /// Finds the top-level `transitions` array of `text`, or nil when `text` is not one
    /// strict JSON object with exactly one such key (its spelling without escapes) whose
    /// value is an array.
    init?(_ text: String) {
        var text = text
        guard let span = text.withUTF8({ JSONTransitionRows.transitionsSpan(in: $0) }) else { return nil }
        let utf8 = text.utf8
        let lower = utf8.index(utf8.startIndex, offsetBy: span.lowerBound)
        let upper = utf8.index(utf8.startIndex, offsetBy: span.upperBound)
        block = text[lower..<upper]
        rest = String(text[..<lower]) + "[]" + String(text[upper...])
    }

    /// The byte range of the top-level `transitions` array's value in a strict JSON object.
    static func transitionsSpan(in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        var reader = JSONReader(bytes: bytes)
        reader.skipWhitespace()
        guard reader.take(UInt8(ascii: "{")) else { return nil }
        var span: Range<Int>?
        reader.skipWhitespace()
        if !reader.take(UInt8(ascii: "}")) {
            while true {
                reader.skipWhitespace()
                guard let key = reader.string() else { return nil }
                reader.skipWhitespace()
                guard reader.take(UInt8(ascii: ":")) else { return nil }
                reader.skipWhitespace()
                let start = reader.position
                let isTransitions = !key.hasEscapes && reader.bytes[key.content].elementsEqual("transitions".utf8)
                if isTransitions {
                    // A second one is YAML's to refuse (a duplicate key).
                    guard span == nil, reader.peek == UInt8(ascii: "[") else { return nil }
                }
                guard reader.skipValue(depth: 1) else { return nil }
                if isTransitions { span = start..<reader.position }
                reader.skipWhitespace()
                if reader.take(UInt8(ascii: "}")) { break }
                guard reader.take(UInt8(ascii: ",")) else { return nil }
            }
        }
        reader.skipWhitespace()
        guard reader.position == bytes.count else { return nil }
        return span
    }

    func forEachRow(_ body: (TransitionRowFields) throws -> Void) throws {
        let source = block
        // Offsets into the block, made Substrings of it (O(1) in a native string).
        let base = source.utf8.startIndex
        func scalar(_ field: RowField) -> TransitionRowFields.Scalar {
            let (utf8, range) = (source.utf8, field.range)
            let text = utf8[utf8.index(base, offsetBy: range.lowerBound)..<utf8.index(base, offsetBy: range.upperBound)]
            return TransitionRowFields.Scalar(text: Substring(text), isQuoted: field.isQuoted)
        }
        var block = block
        try block.withUTF8 { bytes in
            var reader = JSONReader(bytes: bytes)
            guard reader.take(UInt8(ascii: "[")), reader.skipRowSpace() else { throw TransitionRowsNotInForm() }
            if reader.take(UInt8(ascii: "]")) { return }
            while true {
                guard let row = reader.row()?.fields(scalar) else { throw TransitionRowsNotInForm() }
                try body(row)
                guard reader.skipRowSpace() else { throw TransitionRowsNotInForm() }
                if reader.take(UInt8(ascii: "]")) { break }
                guard reader.take(UInt8(ascii: ",")), reader.skipRowSpace() else { throw TransitionRowsNotInForm() }
            }
            guard reader.position == bytes.count else { throw TransitionRowsNotInForm() }
        }
    }

    /// A row field's value: where its text is, and whether it was a string.
    typealias RowField = (range: Range<Int>, isQuoted: Bool)
}

/// A cursor over a JSON text's bytes.
private struct JSONReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func take(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        position += 1
        return true
    }

    /// JSON's whitespace: space, tab, line feed, carriage return.
    mutating func skipWhitespace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
    }

    /// Between a row's tokens: spaces and line breaks, no tabs (YAML's rules for tabs are
    /// not JSON's). False at a tab.
    mutating func skipRowSpace() -> Bool {
        while let byte = peek {
            switch byte {
            case 0x20, 0x0A, 0x0D: position += 1
            case 0x09: return false
            default: return true
            }
        }
        return true
    }

    /// A string at the cursor: its content's byte range and whether it has escapes; nil
    /// when it is not a valid JSON string.
    mutating func string() -> (content: Range<Int>, hasEscapes: Bool)? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = position
        var escapes = false
        while let byte = peek {
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return (start..<position - 1, escapes)
            case UInt8(ascii: "\\"):
                escapes = true
                position += 1
                guard let escaped = peek else { return nil }
                position += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    continue
                case UInt8(ascii: "u"):
                    for _ in 0..<4 {
                        guard let hex = peek, hex.isHexDigit else { return nil }
                        position += 1
                    }
                default:
                    return nil
                }
            case 0..<0x20:
                return nil  // control characters must be escaped
            default:
                position += 1
            }
        }
        return nil
    }

    /// A number at the cursor (`-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`); false when
    /// there is none.
    mutating func number() -> Bool {
        _ = take(UInt8(ascii: "-"))
        guard take(UInt8(ascii: "0")) || digits() else { return false }
        if take(UInt8(ascii: ".")) { guard digits() else { return false } }
        if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
            if !take(UInt8(ascii: "+")) { _ = take(UInt8(ascii: "-")) }
            guard digits() else { return false }
        }
        return true
    }

    private mutating func digits() -> Bool {
        let start = position
        while let byte = peek, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { position += 1 }
        return position > start
    }

    mutating func literal(_ word: String) -> Bool {
        let count = word.utf8.count
        guard bytes.count - position >= count, bytes[position..<position + count].elementsEqual(word.utf8) else { return false }
        position += count
        return true
    }

    /// Skips one JSON value (validating it); false when it is not valid JSON or nests
    /// deeper than ``JSONTransitionRows/maximumDepth``.
    mutating func skipValue(depth: Int) -> Bool {
        guard let byte = peek else { return false }
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < JSONTransitionRows.maximumDepth else { return false }
            let isObject = byte == UInt8(ascii: "{")
            let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
            position += 1
            skipWhitespace()
            if take(close) { return true }
            while true {
                skipWhitespace()
                if isObject {
                    guard string() != nil else { return false }
                    skipWhitespace()
                    guard take(UInt8(ascii: ":")) else { return false }
                    skipWhitespace()
                }
                guard skipValue(depth: depth + 1) else { return false }
                skipWhitespace()
                if take(close) { return true }
                guard take(UInt8(ascii: ",")) else { return false }
            }
        case UInt8(ascii: "\""):
            return string() != nil
        case UInt8(ascii: "t"):
            return literal("true")
        case UInt8(ascii: "f"):
            return literal("false")
        case UInt8(ascii: "n"):
            return literal("null")
        default:
            return number()
        }
    }

    /// A row of the fast form at the cursor, `{"key": value, ...}`, or nil.
    mutating func row() -> TransitionRowSlots<JSONTransitionRows.RowField>? {
        guard take(UInt8(ascii: "{")), skipRowSpace() else { return nil }
        var fields = TransitionRowSlots<JSONTransitionRows.RowField>()
        if take(UInt8(ascii: "}")) { return fields }
        while true {
            guard let key = string(), !key.hasEscapes else { return nil }
            // The colon on the key's line: YAML's keys in a flow mapping are one line.
            while peek == 0x20 { position += 1 }
            guard take(UInt8(ascii: ":")), skipRowSpace(), let value = rowValue(),
                  fields.set(bytes[key.content], value), skipRowSpace() else { return nil }
            if take(UInt8(ascii: "}")) { return fields }
            guard take(UInt8(ascii: ",")), skipRowSpace() else { return nil }
        }
    }

    /// A row value of the fast form: a number, `true`, `false`, or a string of printable
    /// ASCII without escapes (YAML refuses some characters JSON allows in strings, such as
    /// DEL and C1 controls, and reads escapes its own way).
    mutating func rowValue() -> JSONTransitionRows.RowField? {
        let start = position
        switch peek {
        case UInt8(ascii: "\""):
            position += 1
            while let byte = peek, byte != UInt8(ascii: "\"") {
                guard byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\\") else { return nil }
                position += 1
            }
            guard take(UInt8(ascii: "\"")) else { return nil }
            return (start + 1..<position - 1, true)
        case UInt8(ascii: "t"):
            guard literal("true") else { return nil }
        case UInt8(ascii: "f"):
            guard literal("false") else { return nil }
        default:
            guard number() else { return nil }
        }
        // A plain scalar ends here for YAML too: at a space, a line break, `,` or `}`.
        switch peek {
        case 0x20, 0x0A, 0x0D, UInt8(ascii: ","), UInt8(ascii: "}"): break
        default: return nil
        }
        return (start..<position, false)
    }
}

private extension UInt8 {
    var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self | 0x20)
    }
}
