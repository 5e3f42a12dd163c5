/// Environments defined by files instead of Swift code.
public enum EnvironmentFile {
    /// Loads the environment file at `path` as a spec.
    public static func load(path: String) throws -> EnvironmentSpec {
        throw EnvironmentError(.unknownEnvironment, "environment file '\(path)' is not supported yet")
    }
}
