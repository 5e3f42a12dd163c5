import CGSL
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The instruction sets LabCore's element-wise kernels have a path for.
///
/// Every path computes the same IEEE operations in the same order as the portable Swift
/// loop (wider registers only run more lanes at once), so the results are bit-identical
/// whichever path runs: the same seed gives the same bytes on CPUs of different models.
public enum InstructionSet: Int, Comparable, CaseIterable, Sendable {
    /// Plain Swift loops, on any CPU.
    case portable = 0
    /// x86-64 with AVX2 and FMA (Haswell and later, AMD Zen).
    case avx2 = 1
    /// x86-64 with AVX-512 F, BW, DQ and VL.
    case avx512 = 2

    public static func < (lhs: InstructionSet, rhs: InstructionSet) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What this CPU can run, checked once: kernels with wider instructions are chosen at run
/// time (the package builds for baseline x86-64), and each produces the same bits as the
/// portable loop it replaces. Other modules' kernels (Gym's vector CartPole) choose by
/// ``level`` too, so `RLLAB_ISA` lowers them all.
public enum CPUFeatures {
    /// The widest instruction set this CPU supports.
    public static let detected: InstructionSet = {
        if rllab_cpu_supports_avx512() != 0 { return .avx512 }
        if rllab_cpu_supports_avx2() != 0 { return .avx2 }
        return .portable
    }()

    /// The environment variable that lowers the kernels' instruction set
    /// (`portable`, `avx2` or `avx512`; never above ``detected``): comparing a run under
    /// `RLLAB_ISA=portable` with a default run checks that the vector paths change no bit.
    static let environmentVariable = "RLLAB_ISA"

    private static let override = Atomic<Int>(requestedLevel()?.rawValue ?? -1)

    private static func requestedLevel() -> InstructionSet? {
        guard let raw = getenv(environmentVariable) else { return nil }
        switch String(cString: raw).lowercased() {
        case "portable", "scalar": return .portable
        case "avx2": return .avx2
        case "avx512", "avx-512": return .avx512
        default: return nil
        }
    }

    /// The instruction set the kernels use: ``detected``, or lower when forced.
    @inline(__always)
    public static var level: InstructionSet {
        let forced = override.load(ordering: .relaxed)
        guard forced >= 0, let requested = InstructionSet(rawValue: forced) else { return detected }
        return Swift.min(requested, detected)
    }

    /// Forces the kernels down to `level` (nil: back to ``detected`` or `RLLAB_ISA`); tests
    /// run every path this way.
    static func force(_ level: InstructionSet?) {
        override.store(level?.rawValue ?? (requestedLevel()?.rawValue ?? -1), ordering: .relaxed)
    }

    /// Held while a test forces the level: tests of every module run concurrently in one
    /// process, and the level is process-wide. (Tests that do not force it see the level
    /// change under them, which by design changes none of their results.)
    private static let forcing = NSLock()

    /// Runs `body` with the kernels forced to `level`, then restores the default (tests).
    static func withForced<R>(_ level: InstructionSet, _ body: () throws -> R) rethrows -> R {
        forcing.lock()
        defer { forcing.unlock() }
        force(level)
        defer { force(nil) }
        return try body()
    }
}
