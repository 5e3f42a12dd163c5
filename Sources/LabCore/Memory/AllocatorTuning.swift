#if canImport(Glibc)
import Glibc
#endif

/// Process-wide tuning of the C allocator for training loops that allocate and free many
/// large tensors per step.
///
/// Why: glibc serves blocks above its mmap threshold with fresh `mmap`s and returns freed
/// memory at the heap's top to the kernel above its trim threshold, so every step pays
/// page faults and zeroing for the same megabytes again (a third of the CPU time of a
/// small convolutional GAN step here). Raising both thresholds keeps freed blocks for
/// reuse. Values do not change; only where the memory comes from.
public enum AllocatorTuning {
    private static let applied: Bool = {
        #if canImport(Glibc)
        _ = mallopt(M_MMAP_THRESHOLD, 256 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 1 << 30)
        #endif
        return true
    }()

    /// Keeps freed large blocks in the process for reuse (idempotent; a no-op off glibc).
    public static func keepFreedMemoryForReuse() { _ = applied }
}
