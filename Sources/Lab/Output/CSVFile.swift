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
    public let url: URL
    private let output: FileOutput

    /// Creates (or truncates) the file, creating its folder if needed; with `appending`,
    /// an existing file is kept and lines are added at its end.
    public init(url: URL, appending: Bool = false) throws {
        self.url = url
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
}
