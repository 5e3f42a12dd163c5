import Foundation

/// A fixed linear map along one axis: a tensor viewed as `[outer, inputLength, inner]`
/// becomes `[outer, outputLength, inner]` with
///
///     out[u, o, v] = Σ_k weights[o][k] · in[u, indices[o][k], v]    (k = 0, 1, ... in order)
///
/// The blur (``Tensor/blurred(taps:)``: centred taps, edges clamped), bilinear
/// up-sampling (two taps per output) and nearest up-sampling (one tap of weight 1) are
/// all this map, recorded on the tape as one operation each per pass. The forward pass
/// reads its inputs directly; the backward pass is the transposed map (each input
/// position sums the gradients of the outputs that read it). The index and weight tables
/// depend only on the axis length (and the taps or factor), so they are built once and
/// cached: a call allocates nothing but its result.
///
/// Order of operations (so results repeat the bits of the composition of picks, products
/// and sums these operations replaced): a sum starts from the first product (from +0
/// first with ``sumsFromZero``) and adds the others in tap order; no fused multiply-add.
/// The gradient of input position j is `S[K-1] + ... + S[0]` (highest tap first), where
/// `S[k]` = 0 + the products g[o] · weights[o][k] of the outputs o that read j through
/// tap k, in increasing o.
final class Stencil: Sendable {
    let inputLength: Int
    let outputLength: Int
    /// Taps per output.
    let taps: Int
    /// Input position of output o's tap k, at `o * taps + k`.
    let indices: [Int]
    /// The matching weights.
    let weights: [Float]
    /// Whether each output's sum starts from +0 (a zero result is +0, never -0).
    let sumsFromZero: Bool
    /// The transposed map, for the backward pass: for input position j and tap
    /// k = taps - 1 down to 0, group `j * taps + (taps - 1 - k)` lists the outputs that
    /// read j through tap k, in increasing order, at `groupStarts[group]..<groupStarts[group + 1]`.
    let groupStarts: [Int]
    let groupOutputs: [Int]
    let groupWeights: [Float]

    /// A stencil from its forward table (`indices` and `weights` of `outputLength * taps`
    /// entries, indices in `0..<inputLength`).
    init(inputLength: Int, outputLength: Int, taps: Int, indices: [Int], weights: [Float], sumsFromZero: Bool) {
        precondition(taps >= 1 && indices.count == outputLength * taps && weights.count == indices.count
                     && indices.allSatisfy { $0 >= 0 && $0 < inputLength }, "Stencil: inconsistent table")
        self.inputLength = inputLength
        self.outputLength = outputLength
        self.taps = taps
        self.indices = indices
        self.weights = weights
        self.sumsFromZero = sumsFromZero
        // Counting sort by (input position, tap descending); outputs stay in increasing order.
        func group(_ e: Int) -> Int { indices[e] * taps + (taps - 1 - e % taps) }
        var starts = [Int](repeating: 0, count: inputLength * taps + 1)
        for e in 0..<indices.count { starts[group(e) + 1] += 1 }
        for i in 0..<(inputLength * taps) { starts[i + 1] += starts[i] }
        var fill = starts
        var outputs = [Int](repeating: 0, count: indices.count), groupWeights = [Float](repeating: 0, count: indices.count)
        for e in 0..<indices.count {
            let slot = fill[group(e)]
            outputs[slot] = e / taps
            groupWeights[slot] = weights[e]
            fill[group(e)] += 1
        }
        groupStarts = starts
        groupOutputs = outputs
        self.groupWeights = groupWeights
    }

    /// What a cached stencil is made from (weights by bit pattern, so -0 and +0 differ).
    private enum Key: Hashable {
        case blur(length: Int, taps: TapBits)
        case bilinear(length: Int, factor: Int)
        case nearest(height: Int, width: Int, factor: Int)
    }

    /// Blur taps compared and hashed by bit pattern, wrapping the caller's array: looking a
    /// blur up allocates nothing (a key of `taps.map(\.bitPattern)` allocated an array per
    /// call, twice per blurred tensor).
    private struct TapBits: Hashable {
        let taps: [Float]
        static func == (a: TapBits, b: TapBits) -> Bool { a.taps.elementsEqual(b.taps) { $0.bitPattern == $1.bitPattern } }
        func hash(into hasher: inout Hasher) {
            hasher.combine(taps.count)
            for t in taps { hasher.combine(t.bitPattern) }
        }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [Key: Stencil] = [:]

    private static func cached(_ key: Key, _ make: () -> Stencil) -> Stencil {
        lock.lock()
        defer { lock.unlock() }
        if let stencil = cache[key] { return stencil }
        let stencil = make()
        // Shapes are few in practice; a program that sweeps many starts over rather than grow.
        if cache.count >= 1024 { cache.removeAll(keepingCapacity: true) }
        cache[key] = stencil
        return stencil
    }

    /// The odd-length centred filter `taps` along an axis of `length`, the edge values
    /// repeated beyond it. Sums start from +0: the blur was a sum of `x * t` products that
    /// each added +0, which makes a zero result +0.
    static func blur(taps: [Float], length: Int) -> Stencil {
        cached(.blur(length: length, taps: TapBits(taps: taps))) {
            let radius = taps.count / 2
            var indices = [Int](), weights = [Float]()
            for o in 0..<length {
                for k in 0..<taps.count {
                    indices.append(Swift.min(Swift.max(o + k - radius, 0), length - 1))
                    weights.append(taps[k])
                }
            }
            return Stencil(inputLength: length, outputLength: length, taps: taps.count, indices: indices,
                           weights: weights, sumsFromZero: true)
        }
    }

    /// Half-pixel-centred linear interpolation by `factor` along an axis of `length`
    /// (PyTorch's `align_corners=False`): output o reads the input at
    /// max((o + 0.5) / factor - 0.5, 0), tap 0 the input below (weight 1 - λ), tap 1 the
    /// one above (weight λ; the last input repeats).
    static func bilinear(factor: Int, length: Int) -> Stencil {
        cached(.bilinear(length: length, factor: factor)) {
            var indices = [Int](), weights = [Float]()
            for o in 0..<(length * factor) {
                let source = Swift.max((Float(o) + 0.5) / Float(factor) - 0.5, 0)
                let i = Swift.min(Int(source), length - 1)
                let lambda = source - Float(i)
                indices += [i, i < length - 1 ? i + 1 : i]
                weights += [1 - lambda, lambda]
            }
            return Stencil(inputLength: length, outputLength: length * factor, taps: 2, indices: indices,
                           weights: weights, sumsFromZero: false)
        }
    }

    /// Nearest up-sampling of a whole `height x width` plane (its row-major pixels as one
    /// axis) by `factor`: output (i, j) reads input (i / factor, j / factor). One pass over
    /// the plane rather than one per axis, so an input pixel's gradient adds its block's
    /// gradients in row-major order.
    static func nearest(factor: Int, height: Int, width: Int) -> Stencil {
        cached(.nearest(height: height, width: width, factor: factor)) {
            let ow = width * factor
            var indices = [Int]()
            indices.reserveCapacity(height * factor * ow)
            for i in 0..<(height * factor) {
                for j in 0..<ow { indices.append((i / factor) * width + j / factor) }
            }
            return Stencil(inputLength: height * width, outputLength: indices.count, taps: 1, indices: indices,
                           weights: [Float](repeating: 1, count: indices.count), sumsFromZero: false)
        }
    }
}

extension Tensor {
    /// `stencil` applied to this tensor viewed as `[outer, stencil.inputLength, inner]`;
    /// the result has `outputShape` (`outer * outputLength * inner` elements). Recorded
    /// as one operation.
    func applying(_ stencil: Stencil, outer: Int, inner: Int, outputShape: [Int]) -> Tensor {
        precondition(outer * stencil.inputLength * inner == count && Tensor.elementCount(outputShape) == outer * stencil.outputLength * inner,
                     "stencil: \(shape) is not [\(outer), \(stencil.inputLength), \(inner)] or \(outputShape) does not fit")
        var out = Tensor(uninitializedShape: outputShape)
        let taps = stencil.taps, inLength = stencil.inputLength, outLength = stencil.outputLength
        let fromZero = stencil.sumsFromZero
        let x = storage.base, y = out.storage.base
        stencil.indices.withUnsafeBufferPointer { index in
            stencil.weights.withUnsafeBufferPointer { weight in
                ComputeThreads.forEachPiece(count: outer, work: outer * outLength * inner * taps) { pieces in
                    for u in pieces {
                        let src = x + u * inLength * inner, dst = y + u * outLength * inner
                        if inner == 1 {
                            // One value per position (width, or a whole plane): a scalar
                            // loop, without the set-up of a vector loop per tap.
                            for o in 0..<outLength {
                                let e = o * taps
                                var sum = fromZero ? 0 + src[index[e]] * weight[e] : src[index[e]] * weight[e]
                                var k = 1
                                while k < taps { sum = sum + src[index[e + k]] * weight[e + k]; k += 1 }
                                dst[o] = sum
                            }
                            continue
                        }
                        for o in 0..<outLength {
                            let e = o * taps, row = dst + o * inner
                            let first = src + index[e] * inner, w0 = weight[e]
                            if fromZero {
                                for v in 0..<inner { row[v] = 0 + first[v] * w0 }
                            } else {
                                for v in 0..<inner { row[v] = first[v] * w0 }
                            }
                            for k in 1..<taps {
                                let next = src + index[e + k] * inner, wk = weight[e + k]
                                for v in 0..<inner { row[v] = row[v] + next[v] * wk }
                            }
                        }
                    }
                }
            }
        }
        out.node = Tensor.record(.stencil(stencil, inShape: shape, outer: outer, inner: inner), shape: outputShape, self)
        return out
    }

    /// The derivative of ``applying(_:outer:inner:outputShape:)``: the transposed map of
    /// `g`, in the order of operations ``Stencil`` documents.
    static func stencilBackward(_ g: Tensor, _ stencil: Stencil, inShape: [Int], outer: Int, inner: Int) -> Tensor {
        let dx = Tensor(uninitializedShape: inShape)
        let taps = stencil.taps, inLength = stencil.inputLength, outLength = stencil.outputLength
        let gp = g.storage.base, d = dx.storage.base
        stencil.groupStarts.withUnsafeBufferPointer { starts in
            stencil.groupOutputs.withUnsafeBufferPointer { outputs in
                stencil.groupWeights.withUnsafeBufferPointer { weight in
                    ComputeThreads.forEachPiece(count: outer, work: outer * outLength * inner * taps) { pieces in
                        for u in pieces {
                            let gu = gp + u * outLength * inner
                            if inner == 1 {
                                for j in 0..<inLength {
                                    var total: Float = 0
                                    for t in 0..<taps {
                                        var e = starts[j * taps + t], sum: Float = 0
                                        let hi = starts[j * taps + t + 1]
                                        while e < hi { sum += gu[outputs[e]] * weight[e]; e += 1 }
                                        total = t == 0 ? sum : total + sum
                                    }
                                    d[u * inLength + j] = total
                                }
                                continue
                            }
                            for j in 0..<inLength {
                                let row = d + (u * inLength + j) * inner
                                for t in 0..<taps {
                                    let lo = starts[j * taps + t], hi = starts[j * taps + t + 1]
                                    for v in 0..<inner {
                                        var s: Float = 0
                                        for e in lo..<hi { s += gu[outputs[e] * inner + v] * weight[e] }
                                        row[v] = t == 0 ? s : row[v] + s
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
