import Foundation
import Testing
@testable import Gym

/// A CSV fixture: header and rows, split on commas (the fixtures never quote fields).
struct CSVTable {
    let header: [String]
    let rows: [[String]]

    init(_ relativePath: String) throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            .appendingPathComponent(relativePath)
        let text = try String(contentsOf: url, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        header = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        rows = lines.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    func column(_ name: String) -> Int {
        header.firstIndex(of: name)!
    }

    /// The rows as dictionaries keyed by column name.
    var records: [[String: String]] {
        rows.map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    /// The indices of columns whose names start with `prefix`, in order.
    func columns(prefix: String) -> [Int] {
        header.indices.filter { header[$0].hasPrefix(prefix) }
    }
}

func double(_ text: String) -> Double { Double(text)! }
func flag(_ text: String) -> Bool { text == "1" }

/// The path of a file in the repository's `envs/` folder.
func envsPath(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("envs").appendingPathComponent(name).path
}

/// Writes `text` to a fresh temporary file with the given extension and returns its path.
func temporaryFile(_ text: String, extension ext: String) throws -> String {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("rllab-gym-test-\(UUID().uuidString).\(ext)")
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

/// Asserts that `body` throws an ``EnvironmentError`` of `kind` whose message contains
/// every string in `fragments`; returns the message.
@discardableResult
func expectEnvironmentError(_ kind: EnvironmentError.Kind, containing fragments: [String],
                            sourceLocation: SourceLocation = #_sourceLocation,
                            _ body: () throws -> Void) -> String? {
    do {
        try body()
        Issue.record("expected an EnvironmentError of kind \(kind), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as EnvironmentError {
        #expect(error.kind == kind, "kind \(error.kind) for: \(error.message)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(error.message.contains(fragment), "message lacks '\(fragment)': \(error.message)", sourceLocation: sourceLocation)
        }
        return error.message
    } catch {
        Issue.record("expected an EnvironmentError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
