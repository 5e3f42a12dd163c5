import Foundation
import Synchronization

private let interruptCount = Atomic<Int>(0)

/// Ctrl-C handling for long runs: the first SIGINT asks every run to stop after its
/// current step (finished episodes are already on disk); a second one exits at once.
public enum Interrupt {
    /// Installs the SIGINT handler.
    public static func install() {
        signal(SIGINT) { _ in
            let (count, _) = interruptCount.add(1, ordering: .relaxed)
            if count >= 2 { _exit(130) }
        }
    }

    /// Whether Ctrl-C was pressed.
    public static var requested: Bool { interruptCount.load(ordering: .relaxed) > 0 }

    /// The conventional exit status after SIGINT.
    public static let exitStatus: Int32 = 130
}
