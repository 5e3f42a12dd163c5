import Foundation
import LabCore

/// An error writing results: an unwritable folder or file.
public struct OutputError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A text file written line by line, each line handed to the system as it is written,
/// so an interrupted run keeps everything it wrote; a failed write throws.
public final class LineWriter {
    private let output: FileOutput

    /// Creates (or truncates) the file, creating its folder if needed; with `appending`,
    /// an existing file is kept and lines are added at its end.
    public init(url: URL, appending: Bool = false) throws {
        try OutputFolder.ensure(url.deletingLastPathComponent())
        do { output = try FileOutput(url: url, append: appending) } catch {
            throw OutputError("\(error): check that the folder is writable")
        }
    }

    /// Appends `line` and a newline.
    public func write(_ line: String) throws {
        do { try output.write(line + "\n") } catch {
            throw OutputError("\(error)")
        }
    }

    public func close() throws {
        do { try output.close() } catch { throw OutputError("\(error)") }
    }
}

/// Output folders: created up front and checked writable before any work starts.
public enum OutputFolder {
    /// Creates `url` (and parents) and checks that a file can be written in it.
    public static func ensure(_ url: URL) throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw OutputError("output path \(url.path) exists and is not a folder")
            }
        } else {
            do { try manager.createDirectory(at: url, withIntermediateDirectories: true) } catch {
                throw OutputError("cannot create output folder \(url.path): \(error.localizedDescription)")
            }
        }
        guard manager.isWritableFile(atPath: url.path) else {
            throw OutputError("output folder \(url.path) is not writable")
        }
    }
}

/// Files that are rewritten whole.
public enum OutputFile {
    /// Writes `text` to `url` crash-safely (LabCore's ``AtomicFile``: a synced temporary
    /// file renamed over the old one), so that a reader or an interruption sees the old
    /// contents or the new ones, never a mix.
    public static func replace(_ url: URL, with text: String) throws {
        do {
            try AtomicFile.write(text, to: url)
        } catch let error as FileWriteError {
            throw OutputError(error.description)
        }
    }
}

/// Seconds formatted as SB3's Monitor does (`round(t, 6)`): every wall-time column of the
/// result tables.
func formatSeconds(_ seconds: Double) -> String {
    String(format: "%.6f", seconds)
}

/// A CSV table of a results folder (``EpisodeTable``, ``SummaryTable``,
/// ``EvaluationTable``): its file name, its header and the code that writes and reads its
/// rows live in its own type; these are the operations every table shares.
public protocol ResultTable {
    static var fileName: String { get }
    static var header: String { get }
}

extension ResultTable {
    /// Rewrites the table in `folder` whole, crash-safely (``OutputFile/replace(_:with:)``):
    /// the header, then `rows` in the order given.
    public static func replace(in folder: URL, rows: [String]) throws {
        try OutputFile.replace(folder.appendingPathComponent(fileName), with: ([header] + rows).map { $0 + "\n" }.joined())
    }

    /// Creates (or truncates) `url` with the header, for rows appended and flushed as they come.
    public static func create(_ url: URL) throws -> LineWriter {
        let writer = try LineWriter(url: url)
        try writer.write(header)
        return writer
    }

    /// Opens the table in `folder` to append rows after what it holds.
    public static func appender(in folder: URL) throws -> LineWriter {
        try LineWriter(url: folder.appendingPathComponent(fileName), appending: true)
    }

    /// The table in `folder`, or nil when the folder has none; a last row cut short by an
    /// interrupted write is skipped and noted in `warnings`.
    static func read(in folder: URL, warnings: inout [String]) throws -> CSVTable? {
        let url = folder.appendingPathComponent(fileName)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        let table = try CSVTable(text, source: url.path)
        if let warning = table.warning { warnings.append(warning) }
        return table
    }
}
