import Foundation

/// Environments defined by files instead of Swift code; any API that takes an
/// environment id also takes a file path.
///
/// - A **grid map** (`.txt`, or any path not ending in `.yml`, `.yaml` or `.json`):
///   FrozenLake letters, one row per line; see ``GridMapFile``.
/// - A **tabular MDP** (`.yml`, `.yaml` or `.json`): states, actions and transition
///   rows; see ``TabularMDPFile``.
///
/// `envs/README.md` documents both formats with examples.
public enum EnvironmentFile {
    /// Loads the environment file at `path` as a spec (the spec's id is the path).
    ///
    /// - Throws: ``EnvironmentError``: `.unknownEnvironment` when the file does not
    ///   exist, `.malformedFile` (naming the file, line and problem) when it cannot be parsed.
    public static func load(path: String) throws -> EnvironmentSpec {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw EnvironmentError(.unknownEnvironment, "environment file '\(path)' does not exist (an id containing '/' or ending in .txt, .yml, .yaml or .json is read as a file; registered ids are listed by `EnvironmentRegistry.specs`)")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw EnvironmentError(.malformedFile, "\(path): cannot read the file as UTF-8 text")
        }
        if [".yml", ".yaml", ".json"].contains(where: path.lowercased().hasSuffix) {
            return try TabularMDPFile.parse(text, path: path).spec
        }
        return try GridMapFile.parse(text, path: path).spec
    }
}
