import Synchronization

/// The threads LabCore's kernels may split one operation over: `RLLAB_BLAS_THREADS` of
/// them (1 by default, the same count OpenBLAS gets).
///
/// Work is only ever split into independent pieces computed exactly as one thread would
/// (column or row blocks of a product, ranges of an element-wise update), so the thread
/// count never changes a result.
enum ComputeThreads {
    static let pool: WorkerPool? = BLAS.threads > 1 ? WorkerPool(parts: BLAS.threads) : nil
    private static let busy = Atomic<Bool>(false)

    /// Whether there are threads to split over. Callers check it before building the
    /// closure for `run`, which costs an allocation.
    static var isParallel: Bool { pool != nil }

    /// Runs `body(part, parts)` for every part on the pool's threads and returns true;
    /// returns false without running anything when there is no pool or another caller
    /// (a parallel run in the same process) holds it, so the caller does the work itself.
    static func run(_ body: @escaping (_ part: Int, _ parts: Int) -> Void) -> Bool {
        guard let pool, !busy.exchange(true, ordering: .acquiring) else { return false }
        defer { busy.store(false, ordering: .releasing) }
        // One chunk per thread, claimed dynamically: a thread that is not running (another
        // process holds its core) leaves its chunk to the others instead of holding them up.
        let parts = pool.parts
        pool.run(chunks: parts) { body($0, parts) }
        return true
    }

    /// Elements below which an element-wise operation stays on one thread: waking the
    /// pool costs a few microseconds, about what one thread needs for this many elements.
    static let elementwiseMinimum = 1 << 14

    /// Runs `body` over `0..<count`, in pieces on the pool's threads when `count` is at
    /// least ``elementwiseMinimum`` (or `work`, the elements the whole operation touches,
    /// is) and a pool is free, else in one piece here. Every
    /// element is computed by the same expression whatever the pieces, so results do not
    /// depend on the thread count.
    @inline(__always)
    static func forEachPiece(count: Int, work: Int? = nil, _ body: (Range<Int>) -> Void) {
        if (work ?? count) >= elementwiseMinimum && isParallel {
            // `run` returns only after every part has finished, so `body` never outlives this call.
            let split = withoutActuallyEscaping(body) { body in
                run { part, parts in
                    let piece = range(part: part, of: parts, count: count, alignment: 16)
                    if !piece.isEmpty { body(piece) }
                }
            }
            if split { return }
        }
        body(0..<count)
    }

    /// The `part`-th of `parts` nearly equal pieces of `0..<count`, with inner bounds on
    /// multiples of `alignment`.
    static func range(part: Int, of parts: Int, count: Int, alignment: Int) -> Range<Int> {
        let units = (count + alignment - 1) / alignment
        let lower = Swift.min(count, units * part / parts * alignment)
        let upper = part == parts - 1 ? count : Swift.min(count, units * (part + 1) / parts * alignment)
        return lower..<upper
    }
}
