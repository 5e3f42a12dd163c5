import Foundation

/// An error writing results: an unwritable folder or file.
public struct OutputError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A text file written line by line and flushed after every line, so an interrupted
/// run keeps everything it wrote.
public final class LineWriter {
    public let url: URL
    private let handle: FileHandle

    /// Creates (or truncates) the file, creating its folder if needed; with `appending`,
    /// an existing file is kept and lines are added at its end.
    public init(url: URL, appending: Bool = false) throws {
        self.url = url
        try OutputFolder.ensure(url.deletingLastPathComponent())
        if appending && FileManager.default.fileExists(atPath: url.path) {
            do {
                handle = try FileHandle(forWritingTo: url)
                try handle.seekToEnd()
            } catch {
                throw OutputError("cannot open \(url.path) for appending: \(error.localizedDescription)")
            }
            return
        }
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw OutputError("cannot create \(url.path): check that the folder is writable")
        }
        do { handle = try FileHandle(forWritingTo: url) } catch {
            throw OutputError("cannot open \(url.path) for writing: \(error.localizedDescription)")
        }
    }

    deinit { try? handle.close() }

    /// Appends `line` and a newline, and flushes.
    public func write(_ line: String) throws {
        do {
            try handle.write(contentsOf: Data((line + "\n").utf8))
        } catch {
            throw OutputError("cannot write to \(url.path): \(error.localizedDescription)")
        }
    }

    public func close() throws { try handle.close() }
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
    /// Writes `text` to `url` through a temporary file and a rename, so that a reader (or
    /// an interruption) sees the old contents or the new ones, never a mix.
    public static func replace(_ url: URL, with text: String) throws {
        let temporary = url.appendingPathExtension("tmp")
        do {
            try Data(text.utf8).write(to: temporary)
            guard rename(temporary.path, url.path) == 0 else { throw OutputError(String(cString: strerror(errno))) }
        } catch {
            throw OutputError("cannot write \(url.path): \(error.localizedDescription)")
        }
    }
}
