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
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw ValidationError("--option '\(item)': expected key=value, e.g. --option is_slippery=false")
            }
            let key = String(item[..<equals])
            guard options[key] == nil else { throw ValidationError("--option \(key) is given twice") }
            options[key] = String(item[item.index(after: equals)...])
        }
        return options
    }

    func make() throws -> Environment {
        try EnvironmentRegistry.shared.make(env, options: try options())
    }
}

/// Runs a command body, printing library errors as `error: ...` with a non-zero exit.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ValidationError {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch {
        try? FileOutput.standardError.write("error: \(error)\n")
        throw ExitCode.failure
    }
}

/// Writes text to a file given by `--out`, or to standard output; a failed write (a
/// full disk, `> /dev/full`) is a thrown error, never a trap.
final class OutputSink {
    private let output: FileOutput
    private var buffer = ""

    init(path: String?) throws {
        if let path {
            let url = URL(fileURLWithPath: path)
            try OutputFolder.ensure(url.deletingLastPathComponent())
            output = try FileOutput(url: url)
        } else {
            // What `print` buffered goes first, so lines keep their order.
            try FileOutput.flushStandardOutput()
            output = FileOutput.standardOutput
        }
    }

    func line(_ text: String) throws {
        buffer += text
        buffer += "\n"
        if buffer.utf8.count > 1 << 16 { try flush() }
    }

    func flush() throws {
        try output.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
