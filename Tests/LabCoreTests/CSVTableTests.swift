import Foundation
import LabCore
import Testing

/// LabCore's one CSV reader: quoting round trips, and a text cut at any byte (an
/// interrupted write) reads as exactly the rows whose newline was written.
@Suite struct CSVTableTests {
    /// A random non-empty field (a row of one empty field would be a blank line): words and
    /// numbers with commas and quotes now and then.
    static func field(_ random: RandomSource) -> String {
        let alphabet = Array("ab,\"x 1.-e")
        return String((0..<(1 + random.uniformIndex(below: 5))).map { _ in alphabet[random.uniformIndex(below: alphabet.count)] })
    }

    @Test func readsWhatWasWrittenUpToEveryCut() throws {
        let random = try RandomSource(seed: 21)
        for _ in 0..<60 {
            let columns = 1 + random.uniformIndex(below: 4)
            let header = (0..<columns).map { "c\($0)" }
            let rows = (0..<random.uniformIndex(below: 5)).map { _ in (0..<columns).map { _ in Self.field(random) } }
            let lines = ([header] + rows).map { $0.map(CSV.field).joined(separator: ",") + "\n" }
            let text = lines.joined()
            let whole = try CSVTable(text, source: "t.csv")
            #expect(whole.header == header)
            #expect(whole.rows == rows)
            #expect(!whole.tornRow && whole.warning == nil)
            // Cut after every byte past the header's newline: the rows read are those whose
            // newline was written; anything after the last one is a torn row.
            let bytes = Array(text.utf8)
            let lineEnds = lines.reduce(into: [Int]()) { ends, line in ends.append((ends.last ?? 0) + line.utf8.count) }
            for cut in lineEnds[0]...bytes.count {
                let table = try CSVTable(String(decoding: bytes[..<cut], as: UTF8.self), source: "t.csv")
                let written = lineEnds.dropFirst().filter { $0 <= cut }.count
                #expect(table.rows == Array(rows.prefix(written)), "cut \(cut) of \(text.debugDescription)")
                #expect(table.tornRow == !lineEnds.contains(cut))
                #expect((table.warning != nil) == table.tornRow)
            }
        }
    }

    @Test func completeLinesKeepsTheTextUpToItsLastNewline() {
        #expect(CSV.completeLines("") == ("", false))
        #expect(CSV.completeLines("a,b") == ("", true))
        #expect(CSV.completeLines("a,b\n") == ("a,b\n", false))
        #expect(CSV.completeLines("a,b\n1,") == ("a,b\n", true))
        #expect(CSV.completeLines("a\n1\n2") == ("a\n1\n", true))
    }

    @Test func malformedTablesGiveClearErrors() throws {
        #expect(throws: CSVError.self) { try CSVTable("", source: "e.csv") }
        #expect(throws: CSVError.self) { try CSVTable("\n\n", source: "e.csv") }
        do {
            _ = try CSVTable("a,b,c\n1,2\n", source: "short.csv")
            Issue.record("a short row was accepted")
        } catch let error as CSVError {
            #expect(error.description == "short.csv, line 2: 2 fields, the header has 3")
        }
        let table = try CSVTable("a,b\n1,2\n", source: "x.csv")
        #expect(throws: CSVError.self) { try table.column("z") }
        // A header alone without its newline is a table without rows, not a torn row.
        let header = try CSVTable("a,b", source: "h.csv")
        #expect(header.header == ["a", "b"] && header.rows.isEmpty && !header.tornRow)
    }

    @Test func seriesPairsNumbersAndFilters() throws {
        let table = try CSVTable("step,loss,part\n1,0.5,g\n2,x,g\n3,0.25,d\n4,0.125,g\n", source: "l.csv")
        let all = table.series(x: "step", y: "loss")
        #expect(all.x == [1, 3, 4] && all.y == [0.5, 0.25, 0.125])
        let g = table.series(x: "step", y: "loss", where: ("part", "g"))
        #expect(g.x == [1, 4] && g.y == [0.5, 0.125])
        #expect(table.series(x: "step", y: "missing").x.isEmpty)
    }
}
