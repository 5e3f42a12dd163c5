import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a results folder while a run writes to it: `flock` on
/// `<folder>/.rllab.lock`.
///
/// Why `flock`: the kernel releases it when the process ends, however it ends (SIGKILL, a
/// power loss, a crashed node), so a killed run never leaves a stale lock that blocks its
/// resume, while two live writers can never share a folder (two comparisons appending to
/// one `episodes.csv` lose episodes). The lock file stays in the folder: removing it would
/// let a third process lock a new file while a second still holds the old one.
public final class FolderLock {
    /// The lock file's name inside a locked folder.
    public static let fileName = ".rllab.lock"

    private let descriptor: Int32

    /// Locks `folder` (creating it if needed) for as long as the returned lock lives.
    ///
    /// - Throws: ``OutputError`` naming the folder (and the process that holds it) when
    ///   another run writes to it, or when the lock file cannot be created.
    public init(_ folder: URL) throws {
        try OutputFolder.ensure(folder)
        let path = folder.appendingPathComponent(FolderLock.fileName).path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw OutputError("cannot create the lock file \(path): \(String(cString: strerror(errno)))")
        }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            _ = Glibc.close(fd)
            if code == EWOULDBLOCK {
                let who = Int32(holder).map { "rllab process \($0)" } ?? "another rllab run"
                throw OutputError("results folder \(folder.path) is in use: \(who) is writing to it (it holds \(path)); wait until it ends, or write elsewhere with another --out")
            }
            throw OutputError("cannot lock results folder \(folder.path): \(String(cString: strerror(code)))")
        }
        descriptor = fd
        // The holder's process id, for the message a second writer gets.
        let text = "\(getpid())\n"
        if ftruncate(fd, 0) == 0 { _ = text.withCString { Glibc.write(fd, $0, strlen($0)) } }
    }

    deinit { _ = Glibc.close(descriptor) }

    /// The locks this process holds until it exits (the CLI's runs take one per folder).
    nonisolated(unsafe) private static var held: [FolderLock] = []
    private static let heldLock = NSLock()

    /// Locks `folder` until this process exits.
    public static func holdUntilExit(_ folder: URL) throws {
        let lock = try FolderLock(folder)
        heldLock.withLock { held.append(lock) }
    }
}
