import Foundation
import LabCore

/// A one-line progress bar on standard error, drawn only on a terminal.
public final class ProgressBar {
    private let label: String
    private let enabled: Bool
    private var lastDrawn = -1
    private let lock = NSLock()

    /// - Parameter quiet: never draw (e.g. `--quiet`); drawing also needs stderr to be a TTY.
    public init(label: String, quiet: Bool = false) {
        self.label = label
        self.enabled = !quiet && isatty(STDERR_FILENO) != 0
    }

    /// Redraws at `fraction` (0...1) with an optional note; cheap when nothing changed.
    public func update(_ fraction: Double, note: String = "") {
        guard enabled else { return }
        let percent = Int((min(max(fraction, 0), 1) * 100).rounded(.down))
        lock.lock()
        defer { lock.unlock() }
        guard percent != lastDrawn || !note.isEmpty else { return }
        lastDrawn = percent
        let width = 30
        let filled = percent * width / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        try? FileOutput.standardError.write("\r\(label) [\(bar)] \(percent)% \(note)\u{1B}[K")
    }

    /// Ends the line.
    public func finish() {
        guard enabled else { return }
        try? FileOutput.standardError.write("\n")
    }
}
