/// Matrix products through ``BLAS/sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``.
extension TapeNode {
    /// Adds a GEMM result into this node's gradient of `shape`: `write(c, beta)` must
    /// compute `C = product + beta * C`. When a gradient already exists the product is
    /// accumulated in place (beta = 1), saving an allocation and an addition pass.
    func accumulateProduct(shape: [Int], _ write: (UnsafeMutablePointer<Float>, Float) -> Void) {
        if grad != nil {
            grad!.makeUnique()
            write(grad!.storage.base, 1)
        } else {
            let g = Tensor(uninitializedShape: shape)
            write(g.storage.base, 0)
            grad = g
        }
    }
}

extension Tensor {
    /// The matrix product `op(self) · op(other)` of rank-2 tensors, where `op` transposes
    /// when asked (no copy is made: BLAS reads the stored matrix transposed).
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        precondition(rank == 2 && other.rank == 2, "matmul: needs matrices, got \(shape) and \(other.shape)")
        let m = transposeSelf ? shape[1] : shape[0]
        let k = transposeSelf ? shape[0] : shape[1]
        let k2 = transposeOther ? other.shape[1] : other.shape[0]
        let n = transposeOther ? other.shape[0] : other.shape[1]
        precondition(k == k2, "matmul: inner dimensions differ: \(shape) x \(other.shape)")
        var out = Tensor(uninitializedShape: [m, n])
        BLAS.sgemm(transposeA: transposeSelf, transposeB: transposeOther, m: m, n: n, k: k,
                   a: storage.base, lda: shape[1], b: other.storage.base, ldb: other.shape[1],
                   c: out.storage.base, ldc: n)
        out.node = Tensor.record(.matmul(detached(), other.detached(), transposeA: transposeSelf, transposeB: transposeOther),
                                 shape: [m, n], self, other)
        return out
    }

    static func matmulBackward(_ node: TapeNode, _ g: Tensor, _ a: Tensor, _ b: Tensor, _ ta: Bool, _ tb: Bool) {
        let m = g.shape[0], n = g.shape[1]
        let k = ta ? a.shape[0] : a.shape[1]
        let lda = a.shape[1], ldb = b.shape[1]
        if let na = node.a {
            na.accumulateProduct(shape: a.shape) { c, beta in
                if ta {  // dA = op(B) · gᵀ  [K, M]
                    BLAS.sgemm(transposeA: tb, transposeB: true, m: k, n: m, k: n, a: b.storage.base, lda: ldb,
                               b: g.storage.base, ldb: n, beta: beta, c: c, ldc: m)
                } else {  // dA = g · op(B)ᵀ  [M, K]
                    BLAS.sgemm(transposeA: false, transposeB: !tb, m: m, n: k, k: n, a: g.storage.base, lda: n,
                               b: b.storage.base, ldb: ldb, beta: beta, c: c, ldc: k)
                }
            }
        }
        if let nb = node.b {
            nb.accumulateProduct(shape: b.shape) { c, beta in
                if tb {  // dB = gᵀ · op(A)  [N, K]
                    BLAS.sgemm(transposeA: true, transposeB: ta, m: n, n: k, k: m, a: g.storage.base, lda: n,
                               b: a.storage.base, ldb: lda, beta: beta, c: c, ldc: k)
                } else {  // dB = op(A)ᵀ · g  [K, N]
                    BLAS.sgemm(transposeA: !ta, transposeB: false, m: k, n: n, k: m, a: a.storage.base, lda: lda,
                               b: g.storage.base, ldb: n, beta: beta, c: c, ldc: n)
                }
            }
        }
    }

    /// A dense layer's affine map `x · weightᵀ + bias` in one recorded operation.
    ///
    /// - Parameters:
    ///   - weight: `[out, in]` (PyTorch's `nn.Linear` layout).
    ///   - bias: `[out]`, or `nil`.
    /// The input may have any rank with last dimension `in`; leading axes are batch axes.
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        var out = affine(x, weight: weight, bias: bias)
        let outShape = out.shape
        let nx = x.node, nw = weight.node, nb = bias?.node
        if (nx != nil || nw != nil || nb != nil) && GradMode.isEnabled {
            out.node = TapeNode(.linear(x: x.detached(), weight: weight.detached()), shape: outShape,
                                a: nx, b: nw, rest: [nb])
        }
        return out
    }

    /// A dense layer followed by tanh, `tanh(x · weightᵀ + bias)`, as one recorded
    /// operation: the same bits as ``linear(_:weight:bias:)`` then ``tanh()``, forward and
    /// backward, with one tensor and one tape node fewer (the pre-activation is not kept:
    /// tanh's derivative comes from its output). ``Sequential`` runs a ``Dense`` layer and
    /// the ``Tanh`` after it through this.
    public static func linearTanh(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        var out = affine(x, weight: weight, bias: bias)
        let outShape = out.shape
        // In place: tanh reads and writes each element alone.
        tanhKernel(out.storage.base, out.storage.base, count: out.count)
        let nx = x.node, nw = weight.node, nb = bias?.node
        if (nx != nil || nw != nil || nb != nil) && GradMode.isEnabled {
            out.node = TapeNode(.linearTanh(x: x.detached(), weight: weight.detached(), out: out.detached()), shape: outShape,
                                a: nx, b: nw, rest: [nb])
        }
        return out
    }

    /// `x · weightᵀ + bias` off the tape, its shapes checked: the forward of ``linear(_:weight:bias:)``
    /// and ``linearTanh(_:weight:bias:)``.
    private static func affine(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        precondition(weight.rank == 2 && x.rank >= 1 && x.shape[x.rank - 1] == weight.shape[1],
                     "linear: input \(x.shape) does not match weight [out, in] = \(weight.shape)")
        let outFeatures = weight.shape[0], inFeatures = weight.shape[1]
        var outShape = x.shape
        outShape[outShape.count - 1] = outFeatures
        let out = Tensor(uninitializedShape: outShape)
        if let bias {
            precondition(bias.shape == [outFeatures], "linear: bias \(bias.shape) must be [\(outFeatures)]")
        }
        linearKernel(x.storage.base, rows: x.count / Swift.max(inFeatures, 1), inFeatures: inFeatures, weight: weight.storage.base,
                     bias: bias?.storage.base, outFeatures: outFeatures, into: out.storage.base)
        return out
    }

    /// `rows` rows of `x · weightᵀ + bias` into `output`: the bias copied into each row, then
    /// one product accumulating onto it (or, where the AVX2 kernel takes the product, the
    /// bias added as it stores each row: the same additions without filling `output` first). ``linear(_:weight:bias:)`` and a ``Dense`` layer's
    /// inference both compute through this, so acting and training give the same bits.
    @inline(__always)
    static func linearKernel(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int, weight: UnsafePointer<Float>,
                             bias: UnsafePointer<Float>?, outFeatures: Int, into output: UnsafeMutablePointer<Float>) {
        if let bias, BLAS.sgemmAddingBias(m: rows, n: outFeatures, k: inFeatures, a: x, lda: inFeatures, b: weight, ldb: inFeatures,
                                          bias: bias, c: output, ldc: outFeatures) {
            return
        }
        if let bias, rows > 0 {
            // The bias into the first row, then the filled rows doubled: log2(rows) copies
            // instead of one short copy per row.
            output.update(from: bias, count: outFeatures)
            var filled = 1
            while filled < rows {
                let copied = Swift.min(filled, rows - filled)
                (output + filled * outFeatures).update(from: output, count: copied * outFeatures)
                filled += copied
            }
        }
        BLAS.sgemm(transposeA: false, transposeB: true, m: rows, n: outFeatures, k: inFeatures,
                   a: x, lda: inFeatures, b: weight, ldb: inFeatures,
                   beta: bias == nil ? 0 : 1, c: output, ldc: outFeatures)
    }

    /// `sums[j] += g[r * stride + j]` for every row `r` in order, for `j` in `columns`: a
    /// bias gradient. Eight columns stay in a register over all the rows (the same
    /// additions in the same order as one column at a time, so the same bits); a column
    /// at a time through memory waited on a store and a load per addition.
    @inline(__always)
    static func addColumnSums(_ g: UnsafePointer<Float>, rows: Int, stride: Int, columns: Range<Int>, into sums: UnsafeMutablePointer<Float>) {
        typealias V = SIMD8<Float>
        var j = columns.lowerBound
        // 32 columns at a time: four independent chains per row, so the additions overlap
        // instead of each waiting for the previous one (each column still sums its rows
        // in order).
        while j + 32 <= columns.upperBound {
            let s = UnsafeMutableRawPointer(sums + j)
            var s0 = s.loadUnaligned(as: V.self), s1 = s.loadUnaligned(fromByteOffset: 32, as: V.self)
            var s2 = s.loadUnaligned(fromByteOffset: 64, as: V.self), s3 = s.loadUnaligned(fromByteOffset: 96, as: V.self)
            for r in 0..<rows {
                let row = UnsafeRawPointer(g + r * stride + j)
                s0 += row.loadUnaligned(as: V.self)
                s1 += row.loadUnaligned(fromByteOffset: 32, as: V.self)
                s2 += row.loadUnaligned(fromByteOffset: 64, as: V.self)
                s3 += row.loadUnaligned(fromByteOffset: 96, as: V.self)
            }
            s.storeBytes(of: s0, as: V.self)
            s.storeBytes(of: s1, toByteOffset: 32, as: V.self)
            s.storeBytes(of: s2, toByteOffset: 64, as: V.self)
            s.storeBytes(of: s3, toByteOffset: 96, as: V.self)
            j += 32
        }
        while j + 8 <= columns.upperBound {
            var s = UnsafeRawPointer(sums + j).loadUnaligned(as: V.self)
            for r in 0..<rows { s += UnsafeRawPointer(g + r * stride + j).loadUnaligned(as: V.self) }
            UnsafeMutableRawPointer(sums + j).storeBytes(of: s, as: V.self)
            j += 8
        }
        while j < columns.upperBound {
            var s = sums[j]
            for r in 0..<rows { s += g[r * stride + j] }
            sums[j] = s
            j += 1
        }
    }

    static func linearBackward(_ node: TapeNode, _ g: Tensor, _ x: Tensor, _ w: Tensor) {
        let outFeatures = w.shape[0], inFeatures = w.shape[1]
        let rows = x.count / Swift.max(inFeatures, 1)
        if let nx = node.a {
            nx.accumulateProduct(shape: x.shape) { c, beta in  // dx = g · W
                BLAS.sgemm(transposeA: false, transposeB: false, m: rows, n: inFeatures, k: outFeatures,
                           a: g.storage.base, lda: outFeatures, b: w.storage.base, ldb: inFeatures,
                           beta: beta, c: c, ldc: inFeatures)
            }
        }
        if let nw = node.b {
            nw.accumulateProduct(shape: w.shape) { c, beta in  // dW = gᵀ · x
                BLAS.sgemm(transposeA: true, transposeB: false, m: outFeatures, n: inFeatures, k: rows,
                           a: g.storage.base, lda: outFeatures, b: x.storage.base, ldb: inFeatures,
                           beta: beta, c: c, ldc: inFeatures)
            }
        }
        if let nb = node.rest[0] {
            let gb = Tensor(repeating: 0, shape: [outFeatures])
            let d = gb.storage.base, gp = g.storage.base
            // Column sums in row order; columns split over threads sum exactly as one.
            ComputeThreads.forEachPiece(count: outFeatures, work: rows * outFeatures) { columns in
                Tensor.addColumnSums(gp, rows: rows, stride: outFeatures, columns: columns, into: d)
            }
            nb.accumulate(gb)
        }
    }
}
