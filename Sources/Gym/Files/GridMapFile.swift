import Foundation
import LabCore

/// A grid-world environment read from a text file: FrozenLake semantics on any map.
///
/// Format (documented in `envs/README.md`):
/// ```
/// # A comment line starts with '#'.
/// #! is_slippery=false        (a '#!' line sets an option's default for this file)
/// #! max_episode_steps=50
/// SFFW
/// FWFH
/// FFFG
/// ```
/// Cells: `S` start (several: uniform start), `F` frozen (walkable), `H` hole
/// (terminates, reward 0), `G` goal (terminates, reward 1), `W` wall (moves into it
/// leave the agent in place). Rows must have the same length. Blank lines are ignored.
/// The environment is `FrozenLake-v1` with `desc` set to the map: the same options
/// (`is_slippery` default true, `success_rate`, `reward_schedule`), and a time limit
/// of 100 steps unless `max_episode_steps` says otherwise.
public struct GridMapFile {
    /// The map rows, row 0 first.
    public let rows: [String]
    /// Option defaults set by `#!` lines.
    public let defaults: [String: SettingValue]
    /// The time limit (`#! max_episode_steps=N`, default 100).
    public let maxEpisodeSteps: Int
    /// The file path (the environment's id).
    public let path: String

    /// Parses a grid map.
    ///
    /// - Throws: ``EnvironmentError`` (`.malformedFile`) naming the line and problem.
    public static func parse(_ text: String, path: String) throws -> GridMapFile {
        func fail(_ line: Int, _ why: String) -> EnvironmentError {
            EnvironmentError(.malformedFile, "\(path):\(line): \(why)")
        }
        let declarations = BuiltinEnvironments.FrozenLakeOptions.declarations.filter { !hiddenOptions.contains($0.name) }
        var options = SettingValues(declarations, owner: path, noun: "option", extraNames: ["max_episode_steps"])
        var rows: [String] = []
        var firstRowLine = 0
        var defaults: [String: SettingValue] = [:]
        var maxSteps = 100  // FrozenLake-v1's time limit
        // Split on any line break: "\r\n" is one Character in Swift, so splitting on "\n"
        // alone read a CRLF file as a single line.
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let lineNumber = index + 1
            let line = raw.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r")))
            if line.isEmpty { continue }
            if line.hasPrefix("#!") {
                let setting = line.dropFirst(2).trimmingCharacters(in: .whitespaces)
                guard let eq = setting.firstIndex(of: "=") else {
                    throw fail(lineNumber, "expected '#! key=value', got '\(line)'")
                }
                let key = setting[..<eq].trimmingCharacters(in: .whitespaces)
                let value = String(setting[setting.index(after: eq)...])
                do {
                    if key == "max_episode_steps" {
                        // gymnasium.make's option, read and checked by its declaration.
                        var make = MakeOptions.values(owner: path, noun: "option")
                        try make.set(key, SettingInput(text: value))
                        maxSteps = try make.decode(MakeOptions.self).maxEpisodeSteps ?? maxSteps
                    } else {
                        try options.set(key, SettingInput(text: value))
                        defaults[key] = options.values[key]
                    }
                } catch let error as ConfigurationError {
                    throw fail(lineNumber, error.description)
                }
                continue
            }
            if line.hasPrefix("#") { continue }
            if let bad = line.firstIndex(where: { !FrozenLake.cellKinds.contains($0) }) {
                let column = line.distance(from: line.startIndex, to: bad) + 1
                throw fail(lineNumber, "unknown cell '\(line[bad])' at column \(column); cells are S (start), F (frozen), H (hole), G (goal), W (wall); comment lines start with '#'")
            }
            if let first = rows.first, line.count != first.count {
                throw fail(lineNumber, "row has \(line.count) cells but the first row (line \(firstRowLine)) has \(first.count); every row needs the same length")
            }
            if rows.isEmpty { firstRowLine = lineNumber }
            rows.append(line)
        }
        guard !rows.isEmpty else {
            throw EnvironmentError(.malformedFile, "\(path): the file has no map rows (one row of S, F, H, G, W letters per line)")
        }
        guard rows.contains(where: { $0.contains("S") }) else {
            throw EnvironmentError(.malformedFile, "\(path): the map has no start cell S")
        }
        // The model holds up to 3 outcomes per cell and action (slippery moves): a map whose
        // model could not fit is refused before it is built.
        do {
            try MemoryBudget.bytes(for: "a \(rows.count)x\(rows[0].count) grid map's model", counts: [rows.count, rows[0].count, 4 * 3],
                                   bytesPerElement: 48)
        } catch let error as MemoryLimitError {
            throw EnvironmentError(.malformedFile, "\(path): \(error)")
        }
        return GridMapFile(rows: rows, defaults: defaults, maxEpisodeSteps: maxSteps, path: path)
    }

    /// FrozenLake's options without `desc` and `map_name` (the file is the map).
    static let hiddenOptions: Set<String> = ["desc", "map_name"]

    /// The registry spec: FrozenLake options with this file's defaults.
    public var spec: EnvironmentSpec {
        let rows = self.rows, path = self.path
        return EnvironmentSpec(
            id: path, maxEpisodeSteps: maxEpisodeSteps, rewardThreshold: nil,
            options: BuiltinEnvironments.FrozenLakeOptions.self, hiding: GridMapFile.hiddenOptions, defaults: defaults,
            summary: "grid map \(rows.count)x\(rows[0].count) from \(path)",
            make: { try $0.make(name: path, defaultDesc: rows) })
    }
}
