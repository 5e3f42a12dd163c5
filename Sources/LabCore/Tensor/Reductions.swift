#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reductions over all elements or one axis (the axis is dropped, PyTorch's
/// `keepdim=False`), and the softmax family, which normalises along an axis.
extension Tensor {
    /// (outer, n, inner) sizes around `axis`: element (o, i, j) is at (o * n + i) * inner + j.
    func split(at axis: Int) -> (outer: Int, n: Int, inner: Int) {
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        return (outer, shape[axis], inner)
    }

    func shapeRemoving(axis: Int) -> [Int] {
        var s = shape
        s.remove(at: axis)
        return s
    }

    /// Sum of all elements (rank 0).
    public func sum() -> Tensor {
        var s: Double = 0
        let p = storage.base
        for i in 0..<count { s += Double(p[i]) }
        var out = Tensor(Float(s))
        out.node = Tensor.record(.sumAll(inShape: shape), shape: [], self)
        return out
    }

    /// Mean of all elements (rank 0).
    public func mean() -> Tensor {
        sum() * (1 / Float(count))
    }

    /// Sum along `axis` (the axis is removed).
    public func sum(axis: Int) -> Tensor { reduceAxis(axis, scale: 1) }

    /// Mean along `axis` (the axis is removed).
    public func mean(axis: Int) -> Tensor {
        let a = axisIndex(axis)
        return reduceAxis(a, scale: 1 / Float(shape[a]))
    }

    private func reduceAxis(_ axis: Int, scale: Float) -> Tensor {
        let axis = axisIndex(axis)
        let (outer, n, inner) = split(at: axis)
        var out = Tensor(repeating: 0, shape: shapeRemoving(axis: axis))
        let x = storage.base, o = out.storage.base
        for u in 0..<outer {
            let dst = o + u * inner
            for i in 0..<n {
                let src = x + (u * n + i) * inner
                for j in 0..<inner { dst[j] += src[j] }
            }
            if scale != 1 { for j in 0..<inner { dst[j] *= scale } }
        }
        out.node = Tensor.record(.sumAxis(inShape: shape, axis: axis, scale: scale), shape: out.shape, self)
        return out
    }

    /// Broadcasts `g` (shape without `axis`) back along `axis`, times `scale`.
    static func expandAlongAxis(_ g: Tensor, to shape: [Int], axis: Int, scale: Float) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let (outer, n, inner) = out.split(at: axis)
        let src = g.storage.base, o = out.storage.base
        for u in 0..<outer {
            for i in 0..<n {
                let dst = o + (u * n + i) * inner
                for j in 0..<inner { dst[j] = src[u * inner + j] * scale }
            }
        }
        return out
    }

    /// Flat index of the largest element (first one on ties).
    public func argmax() -> Int {
        precondition(count > 0, "argmax of an empty tensor")
        let p = storage.base
        var best = 0
        for i in 1..<count where p[i] > p[best] { best = i }
        return best
    }

    /// Index of the largest element along `axis` for each position of the other axes.
    public func argmax(axis: Int) -> [Int] {
        let axis = axisIndex(axis)
        let (outer, n, inner) = split(at: axis)
        precondition(n > 0, "argmax along an empty axis")
        var result = [Int](repeating: 0, count: outer * inner)
        let p = storage.base
        for u in 0..<outer {
            for j in 0..<inner {
                var best = 0
                var value = p[u * n * inner + j]
                for i in 1..<n where p[(u * n + i) * inner + j] > value {
                    best = i
                    value = p[(u * n + i) * inner + j]
                }
                result[u * inner + j] = best
            }
        }
        return result
    }

    /// The largest element (rank 0); the gradient goes to its position.
    public func max() -> Tensor {
        let i = argmax()
        return picking(flatIndices: [Int32(i)], shape: [])
    }

    /// Largest values along `axis` (the axis is removed); the gradient goes to the
    /// arg-max positions (PyTorch's `max(dim)`).
    public func max(axis: Int) -> Tensor { maxWithIndices(axis: axis).values }

    /// Largest values along `axis` and their indices.
    public func maxWithIndices(axis: Int) -> (values: Tensor, indices: [Int]) {
        let axis = axisIndex(axis)
        let (_, n, inner) = split(at: axis)
        let best = argmax(axis: axis)
        var flat = [Int32](repeating: 0, count: best.count)
        for k in 0..<best.count {
            let u = k / Swift.max(inner, 1), j = k - u * inner
            flat[k] = Int32((u * n + best[k]) * inner + j)
        }
        return (picking(flatIndices: flat, shape: shapeRemoving(axis: axis)), best)
    }

    // MARK: Softmax family

    /// log Σ exp(x) along `axis`, computed stably by subtracting the maximum.
    public func logSumExp(axis: Int) -> Tensor {
        let axis = axisIndex(axis)
        let (outer, n, inner) = split(at: axis)
        var out = Tensor(uninitializedShape: shapeRemoving(axis: axis))
        let x = storage.base, o = out.storage.base
        for u in 0..<outer {
            for j in 0..<inner {
                var m = -Float.infinity
                for i in 0..<n { m = Swift.max(m, x[(u * n + i) * inner + j]) }
                var s: Float = 0
                for i in 0..<n { s += expf(x[(u * n + i) * inner + j] - m) }
                o[u * inner + j] = m + logf(s)
            }
        }
        out.node = Tensor.record(.logSumExp(detached(), out: out, axis: axis), shape: out.shape, self)
        return out
    }

    /// Softmax along `axis` (default: the last), max-subtracted so large logits are safe.
    public func softmax(axis: Int = -1) -> Tensor {
        let axis = axisIndex(axis)
        var out = Tensor.softmaxValues(self, axis: axis, log: false)
        out.node = Tensor.record(.softmax(out: out, axis: axis), shape: shape, self)
        return out
    }

    /// log(softmax(x)) along `axis`, computed as x - logsumexp(x).
    public func logSoftmax(axis: Int = -1) -> Tensor {
        let axis = axisIndex(axis)
        var out = Tensor.softmaxValues(self, axis: axis, log: true)
        out.node = Tensor.record(.logSoftmax(out: out, axis: axis), shape: shape, self)
        return out
    }

    static func softmaxValues(_ t: Tensor, axis: Int, log: Bool) -> Tensor {
        let (outer, n, inner) = t.split(at: axis)
        let out = Tensor(uninitializedShape: t.shape)
        let x = t.storage.base, o = out.storage.base
        for u in 0..<outer {
            for j in 0..<inner {
                let base = u * n * inner + j
                var m = -Float.infinity
                for i in 0..<n { m = Swift.max(m, x[base + i * inner]) }
                var s: Float = 0
                if log {
                    for i in 0..<n { s += expf(x[base + i * inner] - m) }
                    // (x - m) - log s, not x - (m + log s): near |x| ~ 1000 the latter
                    // loses the low bits of log s to rounding.
                    let logS = logf(s)
                    for i in 0..<n { o[base + i * inner] = (x[base + i * inner] - m) - logS }
                } else {
                    for i in 0..<n {
                        let e = expf(x[base + i * inner] - m)
                        o[base + i * inner] = e
                        s += e
                    }
                    let r = 1 / s
                    for i in 0..<n { o[base + i * inner] *= r }
                }
            }
        }
        return out
    }

    /// dx = y * (g - Σ g y).
    static func softmaxBackward(_ g: Tensor, _ y: Tensor, axis: Int) -> Tensor {
        let (outer, n, inner) = y.split(at: axis)
        let out = Tensor(uninitializedShape: y.shape)
        let gp = g.storage.base, yp = y.storage.base, o = out.storage.base
        for u in 0..<outer {
            for j in 0..<inner {
                let base = u * n * inner + j
                var dot: Float = 0
                for i in 0..<n { dot += gp[base + i * inner] * yp[base + i * inner] }
                for i in 0..<n { o[base + i * inner] = yp[base + i * inner] * (gp[base + i * inner] - dot) }
            }
        }
        return out
    }

    /// dx = g - softmax * Σ g, with softmax = exp(log-softmax output).
    static func logSoftmaxBackward(_ g: Tensor, _ y: Tensor, axis: Int) -> Tensor {
        let (outer, n, inner) = y.split(at: axis)
        let out = Tensor(uninitializedShape: y.shape)
        let gp = g.storage.base, yp = y.storage.base, o = out.storage.base
        for u in 0..<outer {
            for j in 0..<inner {
                let base = u * n * inner + j
                var s: Float = 0
                for i in 0..<n { s += gp[base + i * inner] }
                for i in 0..<n { o[base + i * inner] = gp[base + i * inner] - expf(yp[base + i * inner]) * s }
            }
        }
        return out
    }

    /// dx = g * exp(x - logsumexp).
    static func logSumExpBackward(_ g: Tensor, _ x: Tensor, _ lse: Tensor, axis: Int) -> Tensor {
        let (outer, n, inner) = x.split(at: axis)
        let out = Tensor(uninitializedShape: x.shape)
        let gp = g.storage.base, xp = x.storage.base, lp = lse.storage.base, o = out.storage.base
        for u in 0..<outer {
            for j in 0..<inner {
                let k = u * inner + j
                for i in 0..<n {
                    let idx = (u * n + i) * inner + j
                    o[idx] = gp[k] * expf(xp[idx] - lp[k])
                }
            }
        }
        return out
    }
}
