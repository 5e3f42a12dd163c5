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
    private typealias Mallopt = @convention(c) (Int32, Int32) -> Int32

    private static let applied: Bool = {
        #if canImport(Glibc)
        // `mallopt` lives in <malloc.h>, which the Glibc module does not export.
        // M_TRIM_THRESHOLD = -1 and M_MMAP_THRESHOLD = -3 in glibc's malloc.h.
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
            let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
            _ = mallopt(-3, 256 << 20)
            _ = mallopt(-1, 1 << 30)
        }
        #endif
        return true
    }()

    /// Keeps freed large blocks in the process for reuse (idempotent; a no-op off glibc).
    public static func keepFreedMemoryForReuse() { _ = applied }
}
