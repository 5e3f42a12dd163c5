/// A failure to read, write or build an image file (PNG or GIF).
public struct ImageError: Error, CustomStringConvertible, Equatable {
    /// What went wrong, naming the file or the sizes involved.
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
