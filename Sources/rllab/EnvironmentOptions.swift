import ArgumentParser
import Foundation
import Lab
import LabCore

/// The `--env ID --option key=value` pair every environment command takes.
struct EnvironmentArguments: ParsableArguments {
    @Option(name: .long, help: "An environment id (see `rllab envs`) or a file (envs/maze.txt, envs/chain.yml).")
    var env: String

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp(
        "A Gymnasium keyword option, key=value (repeatable); lists are comma-separated.",
        valueName: "key=value"))
    var option: [String] = []

    /// The options as a dictionary; a malformed or repeated option is an error.
    func options() throws -> [String: String] {
        try EnvironmentArguments.parseOptions(option)
    }

    static func parseOptions(_ items: [String]) throws -> [String: String] {
        var options: [String: String] = [:]
        for item in items {
            let (key, value) = try SettingValues.split(item, flag: "--option")
            guard options[key] == nil else { throw ValidationError("--option \(key) is given twice") }
            options[key] = value
        }
        return options
    }

    /// The environment resolved once, its options checked.
    func resolved() throws -> ResolvedEnvironment {
        try EnvironmentRegistry.shared.resolve(env, options: try options())
    }
}

/// Runs a command body, printing library errors as `error: ...` with a non-zero exit.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error where error is ValidationError || error is ExitCode || error is CleanExit {
        // The argument parser's own: usage text, exit codes.
        throw error
    } catch let error as EnvironmentError where error.kind == .unknownEnvironment {
        // The library names its own API; on the command line the list is `rllab envs`.
        try? FileOutput.standardError.write("error: \(error)\nhint: `rllab envs` lists every environment id\n")
        throw ExitCode.failure
    } catch {
        try? FileOutput.standardError.write("error: \(error)\n")
        throw ExitCode.failure
    }
}

/// Writes text to a file given by `--out`, or to standard output; a failed write (a
/// full disk, `> /dev/full`) is a thrown error, never a trap.
///
/// A file is written whole when ``flush()`` is called (at the end), crash-safely through
/// ``OutputFile/replace(_:with:)``: Ctrl-C or a failure before then leaves no empty or
/// half-written file, and the old file, if any, stays as it was.
final class OutputSink {
    private let output: FileOutput?
    private let url: URL?
    private var buffer = ""

    /// - Parameter inputs: files the command reads (an environment file, a saved agent):
    ///   `path` must not be one of them, since writing it would destroy the input.
    init(path: String?, inputs: [(flag: String, path: String)] = []) throws {
        if let path {
            let url = URL(fileURLWithPath: path)
            for input in inputs where sameFile(path, input.path) {
                throw OutputError("--out \(path) is the file \(input.flag) reads; writing it would destroy it: choose another --out")
            }
            var info = stat()
            if stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
                // A device or a pipe (/dev/full, /dev/stdout) is written in place: it cannot be renamed over.
                do { output = try FileOutput(url: url) } catch { throw OutputError("\(error)") }
                self.url = nil
                return
            }
            try OutputFolder.ensure(url.deletingLastPathComponent())
            self.url = url
            output = nil
        } else {
            // What `print` buffered goes first, so lines keep their order.
            try FileOutput.flushStandardOutput()
            output = FileOutput.standardOutput
            url = nil
        }
    }

    func line(_ text: String) throws {
        buffer += text
        buffer += "\n"
        if output != nil, buffer.utf8.count > 1 << 16 { try flush() }
    }

    /// Standard output: writes what is buffered. A file: writes everything so far, whole.
    func flush() throws {
        if let output {
            try output.write(buffer)
            buffer.removeAll(keepingCapacity: true)
        } else if let url {
            try OutputFile.replace(url, with: buffer)
        }
    }
}

/// Whether the output path `a` names the existing input file `b` (the same device and
/// inode, so links and `./` spellings count); an input that is not a file (an
/// environment id) is never destroyed by a write.
func sameFile(_ a: String, _ b: String) -> Bool {
    var first = stat(), second = stat()
    guard stat(b, &second) == 0 else { return false }
    return stat(a, &first) == 0 && first.st_dev == second.st_dev && first.st_ino == second.st_ino
}

/// Sets LabCore's compute threads (`RLLAB_BLAS_THREADS`, read once when the first product
/// runs) for a command's `--threads`: `threads` when given, else the variable as the user
/// set it, else `otherwise`. Must run before any tensor work. The count never changes a
/// run's bytes, only its speed.
func applyComputeThreads(_ threads: Int?, otherwise: Int) throws {
    if let threads {
        guard (1...256).contains(threads) else { throw ConfigurationError("--threads must be between 1 and 256; got \(threads)") }
        setenv("RLLAB_BLAS_THREADS", String(threads), 1)
    } else {
        setenv("RLLAB_BLAS_THREADS", String(otherwise), 0)  // 0: keep the user's value
    }
}
