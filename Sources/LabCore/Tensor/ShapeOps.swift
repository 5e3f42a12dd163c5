/// Operations that move elements without arithmetic: reshape, transpose, permute,
/// concatenation, slicing, gathering, one-hot encoding; and the fixed stencils along
/// the spatial axes (up-sampling, blur; see ``Stencil``).
///
/// Most are expressed as a *pick*: out[i] = in[indices[i]], whose derivative is a
/// scatter-add, so repeated indices (gather, embedding lookups) accumulate gradients.
extension Tensor {
    /// The same elements in a new shape with the same count. One dimension may be -1
    /// (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0, "reshape: cannot infer -1 for \(count) elements into \(newShape)")
            target[inferred] = count / known
        }
        precondition(Tensor.elementCount(target) == count && target.allSatisfy { $0 >= 0 },
                     "reshape: \(shape) (\(count) elements) cannot become \(newShape)")
        return Tensor(shape: target, storage: storage,
                      node: Tensor.record(.reshape(inShape: shape), shape: target, self))
    }

    /// Flattens all axes after the first: `[N, ...] -> [N, rest]`.
    public func flattenedBatch() -> Tensor {
        reshaped([shape.first ?? 1, -1])
    }

    /// out[i] = self[flat[i]] in `shape`, recorded as a pick.
    func picking(flatIndices: [Int32], shape outShape: [Int]) -> Tensor {
        var out = Tensor(uninitializedShape: outShape)
        let x = storage.base, o = out.storage.base
        flatIndices.withUnsafeBufferPointer { idx in
            for i in 0..<idx.count { o[i] = x[Int(idx[i])] }
        }
        out.node = Tensor.record(.pick(inShape: shape, indices: flatIndices), shape: outShape, self)
        return out
    }

    /// The derivative of a pick: zeros of `shape` with g[i] added at indices[i].
    static func scatterAdd(_ g: Tensor, indices: [Int32], shape: [Int]) -> Tensor {
        let out = Tensor(repeating: 0, shape: shape)
        let gp = g.storage.base, o = out.storage.base
        indices.withUnsafeBufferPointer { idx in
            for i in 0..<idx.count { o[Int(idx[i])] += gp[i] }
        }
        return out
    }

    /// The axes reordered: result axis i is this tensor's axis `permutation[i]`
    /// (a materialised row-major copy, like PyTorch's `permute(...).contiguous()`).
    public func permuted(_ permutation: [Int]) -> Tensor {
        precondition(permutation.sorted() == Array(0..<rank), "permute: \(permutation) is not a permutation of the axes of \(shape)")
        let outShape = permutation.map { shape[$0] }
        let inStrides = Tensor.strides(shape)
        let permStrides = permutation.map { inStrides[$0] }
        var indices = [Int32](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: rank)
        var offset = 0
        for k in 0..<count {
            indices[k] = Int32(offset)
            var d = rank - 1
            while d >= 0 {
                index[d] += 1
                offset += permStrides[d]
                if index[d] < outShape[d] { break }
                offset -= permStrides[d] * outShape[d]
                index[d] = 0
                d -= 1
            }
        }
        return picking(flatIndices: indices, shape: outShape)
    }

    /// The matrix transpose of a rank-2 tensor (a row-major copy).
    public func transposed() -> Tensor {
        precondition(rank == 2, "transposed() needs a matrix, got shape \(shape)")
        return permuted([1, 0])
    }

    /// Elements `start..<end` along `axis`.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let axis = axisIndex(axis)
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[axis], "slice \(range) out of bounds for axis \(axis) of \(shape)")
        let (outer, n, inner) = split(at: axis)
        var outShape = shape
        outShape[axis] = range.count
        var indices = [Int32]()
        indices.reserveCapacity(outer * range.count * inner)
        for u in 0..<outer {
            for i in range {
                let base = (u * n + i) * inner
                for j in 0..<inner { indices.append(Int32(base + j)) }
            }
        }
        return picking(flatIndices: indices, shape: outShape)
    }

    /// Rows `range` of the first axis.
    public subscript(rows range: Range<Int>) -> Tensor { slice(axis: 0, range) }

    /// PyTorch's `gather(axis, index)`: `index` has this tensor's rank and shape
    /// `indexShape`; out[..., j, ...] = self[..., index[..., j, ...], ...] along `axis`.
    public func gather(axis: Int, indices: [Int], indexShape: [Int]) -> Tensor {
        let axis = axisIndex(axis)
        precondition(indexShape.count == rank && Tensor.elementCount(indexShape) == indices.count,
                     "gather: index shape \(indexShape) does not fit \(indices.count) indices and rank \(rank)")
        let inStrides = Tensor.strides(shape)
        let idxStrides = Tensor.strides(indexShape)
        var flat = [Int32](repeating: 0, count: indices.count)
        for k in 0..<indices.count {
            var rem = k, offset = 0
            for d in 0..<rank {
                let c = rem / idxStrides[d]
                rem -= c * idxStrides[d]
                let coordinate = d == axis ? indices[k] : c
                precondition(coordinate >= 0 && coordinate < shape[d], "gather: index \(coordinate) out of range for axis \(d) of \(shape)")
                offset += coordinate * inStrides[d]
            }
            flat[k] = Int32(offset)
        }
        return picking(flatIndices: flat, shape: indexShape)
    }

    /// One element per row of a matrix: out[i] = self[i, columns[i]] (Q(s, a) selection).
    public func selecting(columns: [Int]) -> Tensor {
        precondition(rank == 2 && columns.count == shape[0], "selecting(columns:): need [B, N] and B indices, got \(shape) and \(columns.count)")
        let n = shape[1]
        var flat = [Int32](repeating: 0, count: columns.count)
        for i in 0..<columns.count {
            precondition(columns[i] >= 0 && columns[i] < n, "selecting(columns:): index \(columns[i]) out of range 0..<\(n)")
            flat[i] = Int32(i * n + columns[i])
        }
        return picking(flatIndices: flat, shape: [columns.count])
    }

    /// Rows of this matrix by index: out has shape `indexShape + [columns]` (an embedding
    /// lookup; repeated indices accumulate gradient).
    public func rows(_ indices: [Int], indexShape: [Int]? = nil) -> Tensor {
        precondition(rank == 2, "rows(_:): needs a matrix, got \(shape)")
        let dim = shape[1]
        var flat = [Int32](repeating: 0, count: indices.count * dim)
        for (k, r) in indices.enumerated() {
            precondition(r >= 0 && r < shape[0], "rows(_:): index \(r) out of range 0..<\(shape[0])")
            for j in 0..<dim { flat[k * dim + j] = Int32(r * dim + j) }
        }
        return picking(flatIndices: flat, shape: (indexShape ?? [indices.count]) + [dim])
    }

    /// Tensors joined along `axis` (all other dimensions equal).
    public static func concatenate(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concatenate: no tensors")
        let first = tensors[0]
        let axis = first.axisIndex(axis)
        var outShape = first.shape
        outShape[axis] = tensors.reduce(0) { $0 + $1.shape[axis] }
        for t in tensors {
            var s = t.shape
            s[axis] = first.shape[axis]
            precondition(s == first.shape, "concatenate: shape \(t.shape) does not match \(first.shape) off axis \(axis)")
        }
        var out = Tensor(uninitializedShape: outShape)
        let (outer, total, inner) = out.split(at: axis)
        var start = 0
        for t in tensors {
            let n = t.shape[axis]
            let src = t.storage.base, dst = out.storage.base
            for u in 0..<outer {
                (dst + (u * total + start) * inner).update(from: src + u * n * inner, count: n * inner)
            }
            start += n
        }
        if GradMode.isEnabled && tensors.contains(where: { $0.node != nil }) {
            let nodes = tensors.map { $0.node }
            out.node = TapeNode(.concat(axis: axis, sizes: tensors.map { $0.shape[axis] }, shapes: tensors.map { $0.shape }),
                                shape: outShape, a: nodes[0], b: nodes.count > 1 ? nodes[1] : nil,
                                rest: Array(nodes.dropFirst(2)))
        }
        return out
    }

    static func concatBackward(_ node: TapeNode, _ g: Tensor, axis: Int, sizes: [Int], shapes: [[Int]]) {
        let (outer, total, inner) = g.split(at: axis)
        var start = 0
        for (k, n) in sizes.enumerated() {
            if let target = node.input(k) {
                let part = Tensor(uninitializedShape: shapes[k])
                for u in 0..<outer {
                    (part.storage.base + u * n * inner).update(from: g.storage.base + (u * total + start) * inner, count: n * inner)
                }
                target.accumulate(part)
            }
            start += n
        }
    }

    /// One-hot rows: `[indices.count, classes]` with a 1 at each index (no gradient).
    public static func oneHot(_ indices: [Int], classes: Int) -> Tensor {
        let out = Tensor(repeating: 0, shape: [indices.count, classes])
        for (i, c) in indices.enumerated() {
            precondition(c >= 0 && c < classes, "oneHot: index \(c) out of range 0..<\(classes)")
            out.storage.base[i * classes + c] = 1
        }
        return out
    }

    /// Nearest-neighbour upsampling of an NCHW tensor by an integer factor:
    /// out[n, c, i, j] = in[n, c, i / factor, j / factor]; the gradient sums each block.
    public func upsampledNearest(factor: Int) -> Tensor {
        precondition(rank == 4 && factor >= 1, "upsampledNearest: needs NCHW, got \(shape)")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        return applying(.nearest(factor: factor, height: h, width: w), outer: n * c, inner: 1,
                        outputShape: [n, c, h * factor, w * factor])
    }

    /// A separable blur of an NCHW tensor: the odd-length, centred filter `taps` along
    /// width, then along height, with the edge pixels repeated beyond the border.
    ///
    /// Before a stride-2 layer, `[0.25, 0.5, 0.25]` is the anti-aliasing of BlurPool
    /// (Zhang 2019). It also gives the layer's input gradient the same weight on even and
    /// odd pixels: a stride-2 convolution alone sends back a gradient that alternates
    /// between the two (each phase meets other kernel taps), which a GAN generator learns
    /// as a lattice.
    public func blurred(taps: [Float]) -> Tensor {
        precondition(rank == 4 && taps.count % 2 == 1, "blurred: needs NCHW and an odd number of taps, got \(shape), \(taps.count)")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        return applying(.blur(taps: taps, length: w), outer: n * c * h, inner: 1, outputShape: shape)
            .applying(.blur(taps: taps, length: h), outer: n * c, inner: w, outputShape: shape)
    }

    /// Bilinear upsampling of an NCHW tensor by an integer factor with half-pixel centres
    /// (PyTorch's `interpolate(mode: "bilinear", align_corners: False)`, Keras'
    /// `UpSampling2D(interpolation: "bilinear")`): output index o reads the input at
    /// max((o + 0.5) / factor - 0.5, 0), between its two neighbours (the last row and
    /// column repeat). Width first, then height, in PyTorch's order of operations.
    ///
    /// Unlike nearest upsampling it leaves no factor-sized blocks for the following
    /// convolution to turn into a lattice.
    public func upsampledBilinear(factor: Int) -> Tensor {
        precondition(rank == 4 && factor >= 1, "upsampledBilinear: needs NCHW, got \(shape)")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let oh = h * factor, ow = w * factor
        return applying(.bilinear(factor: factor, length: w), outer: n * c * h, inner: 1, outputShape: [n, c, h, ow])
            .applying(.bilinear(factor: factor, length: h), outer: n * c, inner: ow, outputShape: [n, c, oh, ow])
    }
}
