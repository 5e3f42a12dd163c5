import Foundation
import Synchronization

private let interruptCount = Atomic<Int>(0)

/// Ctrl-C handling for long runs: the first SIGINT asks every run to stop after its
/// current step (finished episodes are already on disk); a second one exits at once.
public enum Interrupt {
    /// Installs the SIGINT handler.
    ///
    /// Also unblocks SIGINT for the calling thread (and the threads it starts later): a
    /// process launched by a parent that blocks signals inherits the blocked mask, and a
    /// blocked Ctrl-C would never reach the handler.
    public static func install() {
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
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
