/// Durations as the plain numbers that reports and benchmarks print.
extension Duration {
    /// The duration in seconds.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }

    /// The duration in milliseconds.
    public var inMilliseconds: Double { inSeconds * 1000 }
}
