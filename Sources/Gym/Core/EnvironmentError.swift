import Foundation

/// An error from an environment, a wrapper, the registry or an environment file.
///
/// Every error says what was wrong and what to do about it; ``description`` is the full
/// message, ready to print as `error: ...`. ``kind`` lets code (and tests) tell the
/// cases apart without parsing text.
public struct EnvironmentError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// What went wrong, in categories a caller might handle differently.
    public enum Kind: String, Equatable, Sendable {
        /// No environment is registered under the id (or the file does not exist).
        case unknownEnvironment
        /// The id names a deprecated version; the message names the replacement.
        case deprecatedEnvironment
        /// An option name the environment does not accept.
        case unknownOption
        /// An option value that cannot be parsed or is out of range.
        case invalidOptionValue
        /// An action outside the action space.
        case invalidAction
        /// `step` before `reset`, or after the episode ended.
        case resetNeeded
        /// An internal state of the wrong size or with invalid values.
        case invalidState
        /// An environment file that cannot be read or parsed.
        case malformedFile
    }

    /// The category of the error.
    public let kind: Kind
    /// The full human-readable message.
    public let message: String

    /// Creates an error of `kind` with a complete message.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The error for an action outside `space` (kind `.invalidAction`), with what the space
    /// accepts: what environments throw from `step` and ``OrderEnforcing`` throws for them.
    public static func invalidAction(_ action: Action, space: Space) -> EnvironmentError {
        let expected: String
        switch space {
        case .discrete(let d):
            expected = d.n == 1 ? "the only action is \(d.start)" : "actions are integers \(d.start)...\(d.start + d.n - 1)"
        case .box(let b):
            expected = "actions are \(b.count) finite number\(b.count == 1 ? "" : "s") (\(b))"
        }
        let kind = action.discrete != nil ? "discrete action" : "continuous action"
        return EnvironmentError(.invalidAction, "invalid \(kind) \(action) for action space \(space): \(expected)")
    }

    public var description: String { message }
    public var errorDescription: String? { message }
}
