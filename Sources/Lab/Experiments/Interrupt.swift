import Foundation
import Synchronization

private let interruptCount = Atomic<Int>(0)
private let interruptSignal = Atomic<Int32>(0)

/// Ctrl-C handling for long runs: the first SIGINT asks every run to stop after its
/// current step (finished episodes are already on disk); a second one exits at once.
///
/// SIGTERM is handled the same way: it is what a batch scheduler sends at a time limit
/// (Slurm sends SIGTERM, then SIGKILL after `KillWait` seconds), so a shard stopped by
/// its scheduler keeps its finished cells and records the running ones as interrupted.
public enum Interrupt {
    /// Installs the SIGINT and SIGTERM handler.
    ///
    /// Also unblocks both signals for the calling thread (and the threads it starts later):
    /// a process launched by a parent that blocks signals inherits the blocked mask, and a
    /// blocked Ctrl-C would never reach the handler.
    public static func install() {
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber) { received in
                interruptSignal.store(received, ordering: .relaxed)
                let (count, _) = interruptCount.add(1, ordering: .relaxed)
                if count >= 2 { _exit(128 + received) }
            }
        }
    }

    /// Whether Ctrl-C (or SIGTERM) was received.
    public static var requested: Bool { interruptCount.load(ordering: .relaxed) > 0 }

    /// The conventional exit status after the signal received: 130 after SIGINT, 143 after SIGTERM.
    public static var exitStatus: Int32 {
        let received = interruptSignal.load(ordering: .relaxed)
        return 128 + (received == 0 ? SIGINT : received)
    }
}
