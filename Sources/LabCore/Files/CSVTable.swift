import Foundation

/// The CSV quoting RLLab's tables use (RFC 4180): a field holding a comma, a double quote
/// or a line break is written between double quotes, its quotes doubled. Environment
/// files may have such names (`envs/a,b.txt`); every other field is a number, a flag or
/// an agent name and is written as is.
public enum CSV {
    /// `text` as one field.
    public static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The fields of one line (quoted fields unquoted).
    public static func fields<S: StringProtocol>(_ line: S) -> [String] {
        guard line.contains("\"") else {
            return line.split(separator: Character(","), omittingEmptySubsequences: false).map { String($0) }
        }
        var fields: [String] = []
        var current = ""
        var quoted = false
        var iterator = Array(line).makeIterator()
        var pending: Character? = nil
        while let character = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    let next = iterator.next()
                    if next == "\"" { current.append("\"") } else { quoted = false; pending = next }
                } else {
                    current.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }

    /// `text` up to and including its last newline, and whether anything came after it.
    ///
    /// Every row RLLab (and SB3) writes ends with a newline, so a last line without one
    /// was cut short by an interrupted write (a killed run, a full disk) and is not a row.
    /// A text without any newline has no complete line: it gives an empty prefix.
    public static func completeLines<S: StringProtocol>(_ text: S) -> (complete: S.SubSequence, torn: Bool) {
        guard let end = text.lastIndex(of: "\n") else { return (text[text.startIndex..<text.startIndex], !text.isEmpty) }
        return (text[...end], text.index(after: end) != text.endIndex)
    }
}

/// A malformed CSV table: empty, a row shorter than the header, a missing column.
public struct CSVError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The one CSV reader for the tables RLLab and SB3 write (RFC 4180 quoting, see ``CSV``).
///
/// A last line without its newline was cut short (``CSV/completeLines(_:)``): it is
/// skipped, and ``tornRow`` says so.
public struct CSVTable {
    public let header: [String]
    public let rows: [[String]]
    /// Where the text came from, for messages.
    public let source: String
    /// The text's last line had no newline and was skipped.
    public let tornRow: Bool

    /// The warning for a skipped torn row, if there was one.
    public var warning: String? {
        tornRow ? "\(source): its last row is incomplete (an interrupted write) and was skipped" : nil
    }

    /// Parses `text` (header line first; blank lines are ignored).
    ///
    /// - Throws: ``CSVError`` for a text without a header or a row with fewer fields than it.
    public init(_ text: String, source: String) throws {
        var (complete, torn) = CSV.completeLines(text)
        // One line without a newline is a header alone (a table typed by hand), not a torn row.
        if complete.isEmpty { (complete, torn) = (text[...], false) }
        tornRow = torn
        let lines = complete.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline)
        guard let first = lines.first else { throw CSVError("\(source) is empty") }
        header = CSV.fields(first).map { $0.trimmingCharacters(in: .whitespaces) }
        var rows: [[String]] = []
        for (index, line) in lines.dropFirst().enumerated() {
            let cells = CSV.fields(line)
            guard cells.count >= header.count else {
                throw CSVError("\(source), line \(index + 2): \(cells.count) fields, the header has \(header.count)")
            }
            rows.append(cells)
        }
        self.rows = rows
        self.source = source
    }

    /// The table in the file at `url`, or nil when there is no readable file.
    public init?(contentsOf url: URL) throws {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        try self.init(text, source: url.path)
    }

    /// The index of column `name`.
    ///
    /// - Throws: ``CSVError`` when the header has no such column.
    public func column(_ name: String) throws -> Int {
        guard let index = header.firstIndex(of: name) else {
            throw CSVError("\(source) has no '\(name)' column (header: \(header.joined(separator: ",")))")
        }
        return index
    }

    /// The numbers of column `y` against column `x`, in row order (rows whose `filter`
    /// column holds another value, and rows without two numbers, left out); empty when a
    /// column is missing.
    public func series(x: String, y: String, where filter: (column: String, value: String)? = nil) -> (x: [Double], y: [Double]) {
        guard let xi = header.firstIndex(of: x), let yi = header.firstIndex(of: y) else { return ([], []) }
        let fi = filter.flatMap { header.firstIndex(of: $0.column) }
        var xs: [Double] = [], ys: [Double] = []
        for row in rows {
            if let fi, let filter, row[fi] != filter.value { continue }
            guard let a = Double(row[xi]), let b = Double(row[yi]) else { continue }
            xs.append(a)
            ys.append(b)
        }
        return (xs, ys)
    }
}
