/// NumPy/PyTorch broadcasting: shapes are aligned at their last dimension, and a
/// dimension of size 1 (or a missing one) stretches to match the other operand.
extension Tensor {
    /// The broadcast shape of two shapes, or `nil` if they are incompatible.
    public static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        if a == b { return a }
        let rank = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }

    /// Strides for reading a tensor of `shape` as if it had the broadcast shape `target`
    /// (0 along stretched dimensions).
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = strides(shape)
        let offset = target.count - shape.count
        var result = [Int](repeating: 0, count: target.count)
        for i in 0..<shape.count { result[i + offset] = shape[i] == 1 ? 0 : own[i] }
        return result
    }

    /// Walks `shape` row by row (the last dimension is the inner loop), giving the flat
    /// output offset and the offsets into two broadcast operands.
    @inline(__always)
    static func forEachRow(
        _ shape: [Int], _ sa: [Int], _ sb: [Int],
        _ body: (_ out: Int, _ a: Int, _ b: Int, _ inner: Int, _ ia: Int, _ ib: Int) -> Void
    ) {
        let rank = shape.count
        if rank == 0 { body(0, 0, 0, 1, 0, 0); return }
        let inner = shape[rank - 1]
        let total = elementCount(shape)
        if total == 0 { return }
        let outer = total / inner
        var index = [Int](repeating: 0, count: rank)
        var offA = 0, offB = 0
        for o in 0..<outer {
            body(o * inner, offA, offB, inner, sa[rank - 1], sb[rank - 1])
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                offA += sa[d]
                offB += sb[d]
                if index[d] < shape[d] { break }
                offA -= sa[d] * shape[d]
                offB -= sb[d] * shape[d]
                index[d] = 0
                d -= 1
            }
        }
    }

    /// `f` applied element-wise with broadcasting (no recording).
    @inline(__always)
    static func zipBroadcast(_ x: Tensor, _ y: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        let a = x.storage.base, b = y.storage.base
        if x.shape == y.shape {
            let out = Tensor(uninitializedShape: x.shape)
            let o = out.storage.base
            ComputeThreads.forEachPiece(count: out.count) { r in for i in r { o[i] = f(a[i], b[i]) } }
            return out
        }
        guard let shape = broadcastShape(x.shape, y.shape) else {
            preconditionFailure("shapes \(x.shape) and \(y.shape) do not broadcast")
        }
        let out = Tensor(uninitializedShape: shape)
        let o = out.storage.base
        if y.count == 1 && shape == x.shape {
            let s = b[0]
            for i in 0..<out.count { o[i] = f(a[i], s) }
            return out
        }
        if x.count == 1 && shape == y.shape {
            let s = a[0]
            for i in 0..<out.count { o[i] = f(s, b[i]) }
            return out
        }
        let sa = broadcastStrides(x.shape, to: shape), sb = broadcastStrides(y.shape, to: shape)
        forEachRow(shape, sa, sb) { out, offA, offB, inner, ia, ib in
            if ia == 1 && ib == 1 {
                for j in 0..<inner { o[out + j] = f(a[offA + j], b[offB + j]) }
            } else {
                for j in 0..<inner { o[out + j] = f(a[offA + j * ia], b[offB + j * ib]) }
            }
        }
        return out
    }

    /// Sums `self` (a gradient in a broadcast shape) back down to `target`, the shape of
    /// the operand that was broadcast.
    func summed(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let out = Tensor(repeating: 0, shape: target)
        let o = out.storage.base, g = storage.base
        if out.count == 1 {
            var s: Float = 0
            for i in 0..<count { s += g[i] }
            o[0] = s
            return out
        }
        let st = Tensor.broadcastStrides(target, to: shape)
        Tensor.forEachRow(shape, st, st) { outOff, offT, _, inner, it, _ in
            if it == 0 {
                var s: Float = 0
                for j in 0..<inner { s += g[outOff + j] }
                o[offT] += s
            } else {
                for j in 0..<inner { o[offT + j * it] += g[outOff + j] }
            }
        }
        return out
    }

    /// `self += other` in place (same shape), copying storage first if shared.
    mutating func addInPlace(_ other: Tensor) {
        precondition(shape == other.shape, "addInPlace: \(shape) vs \(other.shape)")
        makeUnique()
        let o = storage.base, b = other.storage.base
        ComputeThreads.forEachPiece(count: count) { r in for i in r { o[i] += b[i] } }
    }

    /// `f` applied to every element (no recording).
    @inline(__always)
    func mapElements(_ f: (Float) -> Float) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let a = storage.base, o = out.storage.base
        ComputeThreads.forEachPiece(count: count) { r in for i in r { o[i] = f(a[i]) } }
        return out
    }

    /// `f` applied pairwise to two tensors of the same shape (no recording).
    @inline(__always)
    static func zipSame(_ x: Tensor, _ y: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        precondition(x.count == y.count)
        let out = Tensor(uninitializedShape: x.shape)
        let a = x.storage.base, b = y.storage.base, o = out.storage.base
        ComputeThreads.forEachPiece(count: out.count) { r in for i in r { o[i] = f(a[i], b[i]) } }
        return out
    }
}
