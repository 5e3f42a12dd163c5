import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A write that failed: a full disk, a closed pipe, a folder that is not writable.
public struct FileWriteError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A file descriptor written with `write(2)`, where every failure is a thrown
/// ``FileWriteError`` naming the file and the system's reason.
///
/// Why: Foundation's `FileHandle.write(_: Data)` traps on a failed write (a full disk, or
/// `> /dev/full`), killing a run with a torn last line. Every text or byte stream the lab
/// writes, standard output included, goes through this type instead.
public final class FileOutput {
    /// Standard output (descriptor 1), unbuffered here: callers write whole lines or blocks.
    public static let standardOutput = FileOutput(descriptor: STDOUT_FILENO, name: "standard output", owned: false)
    /// Standard error (descriptor 2).
    public static let standardError = FileOutput(descriptor: STDERR_FILENO, name: "standard error", owned: false)

    /// What the messages call the file (its path, or "standard output").
    public let name: String
    private var descriptor: Int32
    private let owned: Bool
    private let lock = NSLock()

    private init(descriptor: Int32, name: String, owned: Bool) {
        self.descriptor = descriptor
        self.name = name
        self.owned = owned
    }

    /// Opens `url` for writing, creating it (mode 0644) or truncating it, or appending to
    /// it when `append` is true.
    ///
    /// - Throws: ``FileWriteError`` when the file cannot be opened.
    public convenience init(url: URL, append: Bool = false) throws {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC)
        let fd = open(url.path, flags, 0o644)
        guard fd >= 0 else {
            throw FileWriteError("cannot open \(url.path) for writing: \(FileOutput.reason(errno))")
        }
        self.init(descriptor: fd, name: url.path, owned: true)
    }

    deinit { if owned, descriptor >= 0 { _ = Glibc.close(descriptor) } }

    /// Writes all of `text` as UTF-8.
    public func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    /// Writes all of `data`.
    public func write(_ data: Data) throws {
        try data.withUnsafeBytes { try write($0) }
    }

    /// Writes all of `bytes`, retrying short and interrupted writes.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        lock.lock()
        defer { lock.unlock() }
        guard descriptor >= 0 else { throw FileWriteError("cannot write to \(name): it is closed") }
        guard var next = bytes.baseAddress else { return }
        var left = bytes.count
        if owned, let limit = FaultInjection.killAtWrite, FaultInjection.countWrite() == limit {
            // Half of this write reaches the file, then the process dies as under `kill -9`.
            _ = Glibc.write(descriptor, next, left / 2)
            kill(getpid(), SIGKILL)
        }
        while left > 0 {
            let written = Glibc.write(descriptor, next, left)
            if written < 0 {
                if errno == EINTR { continue }
                throw FileWriteError("cannot write to \(name): \(FileOutput.reason(errno))")
            }
            if written == 0 { throw FileWriteError("cannot write to \(name): nothing was written (disk full?)") }
            left -= written
            next += written
        }
    }

    /// Forces the written bytes to the disk (`fsync`); pipes and terminals need nothing.
    public func synchronize() throws {
        lock.lock()
        defer { lock.unlock() }
        guard descriptor >= 0 else { return }
        if fsync(descriptor) != 0, errno != EINVAL, errno != EROFS {
            throw FileWriteError("cannot write to \(name): \(FileOutput.reason(errno))")
        }
    }

    /// Closes the file; a close that reports a failed earlier write throws.
    public func close() throws {
        lock.lock()
        defer { lock.unlock() }
        guard owned, descriptor >= 0 else { return }
        let result = Glibc.close(descriptor)
        descriptor = -1
        if result != 0 { throw FileWriteError("cannot write to \(name): \(FileOutput.reason(errno))") }
    }

    /// The system's text for an `errno` value ("No space left on device").
    public static func reason(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// Flushes the C library's buffered standard output (what `print` wrote) and throws
    /// when any of it could not be written, so `> /dev/full` is an error, not silence.
    public static func flushStandardOutput() throws {
        if fflush(stdout) != 0 || ferror(stdout) != 0 {
            let code = errno
            clearerr(stdout)
            throw FileWriteError("cannot write to standard output: \(reason(code))")
        }
    }
}

/// Files that are rewritten as a whole (summaries, configurations, reports,
/// checkpoints): written to a temporary file in the same folder, synced, and renamed
/// over the old one, so a reader or a crash sees the old file or the new one, never a
/// torn one.
public enum AtomicFile {
    /// Replaces the file at `url` with `data`.
    ///
    /// - Throws: ``FileWriteError`` naming the file when any step fails; the old file is
    ///   then left as it was and the temporary file removed.
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { temporary in
            let output = try FileOutput(url: temporary)
            try output.write(data)
            try output.synchronize()
            try output.close()
        }
    }

    /// Replaces the file at `url` with what `body` writes to the temporary path it is
    /// given (for encoders that write files themselves: libpng, giflib), then syncs and
    /// renames it as the other `write` methods do.
    ///
    /// - Throws: what `body` throws, or ``FileWriteError`` (naming `url`, not the
    ///   temporary file); the old file is then left as it was and the temporary file removed.
    public static func write(to url: URL, by body: (URL) throws -> Void) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        do {
            try body(temporary)
            synchronize(temporary.path, O_RDONLY)
            guard rename(temporary.path, url.path) == 0 else {
                throw FileWriteError("cannot write \(url.path): renaming the temporary file failed: \(FileOutput.reason(errno))")
            }
        } catch let error as FileWriteError {
            unlink(temporary.path)
            throw FileWriteError(error.description.replacingOccurrences(of: temporary.path, with: url.path))
        } catch {
            unlink(temporary.path)
            throw error
        }
        // The rename itself is durable once the folder is synced.
        synchronize(folder.path, O_RDONLY | O_DIRECTORY)
    }

    /// `fsync` of the file or folder at `path`, best effort.
    private static func synchronize(_ path: String, _ flags: Int32) {
        let descriptor = open(path, flags | O_CLOEXEC)
        if descriptor >= 0 {
            _ = fsync(descriptor)
            _ = Glibc.close(descriptor)
        }
    }

    /// Replaces the file at `url` with `text` (UTF-8).
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }
}

/// Faults injected for tests of crash safety, from the environment; none unless asked for.
///
/// `RLLAB_FAULT_KILL_AT_WRITE=K`: the process kills itself with SIGKILL in the middle of
/// its K-th write to a file (standard output and error aside: appended rows, temporary
/// files of atomic rewrites, checkpoints), after half of that write's bytes reached the
/// file, as a crash or `kill -9` during a write would leave it.
enum FaultInjection {
    static let killAtWrite: Int? = ProcessInfo.processInfo.environment["RLLAB_FAULT_KILL_AT_WRITE"].flatMap { Int($0) }
    private static let lock = NSLock()
    nonisolated(unsafe) private static var writes = 0

    /// Counts a write to a file; returns its number (1 for the first).
    static func countWrite() -> Int {
        lock.lock()
        defer { lock.unlock() }
        writes += 1
        return writes
    }
}
