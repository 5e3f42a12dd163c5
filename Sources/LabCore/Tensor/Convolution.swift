/// How a convolution pads its input.
public enum Padding: Equatable, Sendable {
    /// No padding: out = floor((in - kernel) / stride) + 1.
    case valid
    /// TensorFlow/Keras `same`: out = ceil(in / stride), total padding
    /// max((out - 1) * stride + kernel - in, 0) split with the extra row/column at the
    /// bottom/right (for stride 1 and a 3x3 kernel: 1 on every side, as PyTorch's `padding=1`).
    case same
    /// Explicit zero padding on each side.
    case explicit(top: Int, bottom: Int, left: Int, right: Int)

    /// (before, after, output size) along one spatial axis (the width when `horizontal`).
    func resolve(input: Int, kernel: Int, stride: Int,
                 horizontal: Bool = false) -> (before: Int, after: Int, output: Int) {
        switch self {
        case .valid:
            return (0, 0, input >= kernel ? (input - kernel) / stride + 1 : 0)
        case .same:
            let out = (input + stride - 1) / stride
            let total = Swift.max((out - 1) * stride + kernel - input, 0)
            return (total / 2, total - total / 2, out)
        case .explicit(let top, let bottom, let left, let right):
            let (before, after) = horizontal ? (left, right) : (top, bottom)
            let padded = input + before + after
            return (before, after, padded >= kernel ? (padded - kernel) / stride + 1 : 0)
        }
    }
}

/// Sizes of one 2-D convolution (NCHW input, `[out, in, kh, kw]` weight).
struct ConvGeometry {
    let batch, channels, height, width: Int
    let outChannels, kernelH, kernelW, stride: Int
    let padTop, padLeft, outH, outW: Int

    var patchSize: Int { channels * kernelH * kernelW }
    var outPixels: Int { outH * outW }

    init(input: [Int], weight: [Int], stride: Int, padding: Padding) {
        batch = input[0]; channels = input[1]; height = input[2]; width = input[3]
        outChannels = weight[0]; kernelH = weight[2]; kernelW = weight[3]
        self.stride = stride
        let rows = padding.resolve(input: height, kernel: kernelH, stride: stride)
        let columns = padding.resolve(input: width, kernel: kernelW, stride: stride, horizontal: true)
        padTop = rows.before; padLeft = columns.before; outH = rows.output; outW = columns.output
    }

    /// Output columns `lo..<hi` whose input column `ox * stride - padLeft + kj` lies inside
    /// the image (computed once per kernel column, so the copy loops have no branches).
    @inline(__always)
    func validColumns(_ kj: Int) -> (Int, Int) {
        let offset = padLeft - kj  // ix = ox * stride - offset
        let lo = offset <= 0 ? 0 : (offset + stride - 1) / stride
        let last = width - 1 + offset  // ox * stride <= last
        let hi = last < 0 ? 0 : Swift.min(last / stride + 1, outW)
        return (Swift.min(lo, hi), hi)
    }

    /// Unfolds one image `[C, H, W]` into patch columns `[C*kh*kw, outH*outW]`.
    func im2col(_ x: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>) {
        let pixels = outPixels
        for c in 0..<channels {
            for ki in 0..<kernelH {
                for kj in 0..<kernelW {
                    let row = cols + ((c * kernelH + ki) * kernelW + kj) * pixels
                    let (lo, hi) = validColumns(kj)
                    for oy in 0..<outH {
                        let iy = oy * stride - padTop + ki
                        let dst = row + oy * outW
                        if iy < 0 || iy >= height || lo >= hi {
                            dst.update(repeating: 0, count: outW)
                            continue
                        }
                        if lo > 0 { dst.update(repeating: 0, count: lo) }
                        if hi < outW { (dst + hi).update(repeating: 0, count: outW - hi) }
                        let src = x + (c * height + iy) * width - padLeft + kj
                        if stride == 1 {
                            (dst + lo).update(from: src + lo, count: hi - lo)
                        } else {
                            for ox in lo..<hi { dst[ox] = src[ox * stride] }
                        }
                    }
                }
            }
        }
    }

    /// Folds patch-column gradients back into an image gradient (adding overlaps).
    func col2imAdd(_ cols: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>) {
        let pixels = outPixels
        for c in 0..<channels {
            for ki in 0..<kernelH {
                for kj in 0..<kernelW {
                    let row = cols + ((c * kernelH + ki) * kernelW + kj) * pixels
                    let (lo, hi) = validColumns(kj)
                    if lo >= hi { continue }
                    for oy in 0..<outH {
                        let iy = oy * stride - padTop + ki
                        if iy < 0 || iy >= height { continue }
                        let dst = dx + (c * height + iy) * width - padLeft + kj
                        let src = row + oy * outW
                        if stride == 1 {
                            for ox in lo..<hi { dst[ox] += src[ox] }
                        } else {
                            for ox in lo..<hi { dst[ox * stride] += src[ox] }
                        }
                    }
                }
            }
        }
    }
}

extension Tensor {
    /// 2-D cross-correlation (what every framework calls convolution) of an NCHW input
    /// with an `[out, in, kh, kw]` weight, by im2col and one GEMM per image.
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Padding = .valid) -> Tensor {
        precondition(x.rank == 4 && weight.rank == 4 && x.shape[1] == weight.shape[1] && stride >= 1,
                     "conv2d: input \(x.shape) (NCHW) does not match weight \(weight.shape) ([out, in, kh, kw])")
        let geo = ConvGeometry(input: x.shape, weight: weight.shape, stride: stride, padding: padding)
        let outShape = [geo.batch, geo.outChannels, geo.outH, geo.outW]
        var out = Tensor(uninitializedShape: outShape)
        let nx = x.node, nw = weight.node, nb = bias?.node
        let recording = (nx != nil || nw != nil || nb != nil) && GradMode.isEnabled
        // When recording for a weight gradient, keep every image's patch columns for the
        // backward pass instead of unfolding twice.
        let colCount = geo.patchSize * geo.outPixels
        let saved = recording && nw != nil ? Tensor(uninitializedShape: [geo.batch, geo.patchSize, geo.outPixels]) : nil
        let imageSize = geo.channels * geo.height * geo.width
        let outSize = geo.outChannels * geo.outPixels
        let xb = x.storage.base, wb = weight.storage.base, ob = out.storage.base
        let bb = bias?.storage.base, savedBase = saved?.storage.base
        /// Images `range`, with `scratch` for their columns when they are not saved.
        let images = { (range: Range<Int>, scratch: UnsafeMutablePointer<Float>?) in
            for n in range {
                let cols = savedBase.map { $0 + n * colCount } ?? scratch!
                geo.im2col(xb + n * imageSize, cols)
                let dst = ob + n * outSize
                var beta: Float = 0
                if let bb {
                    for o in 0..<geo.outChannels { (dst + o * geo.outPixels).update(repeating: bb[o], count: geo.outPixels) }
                    beta = 1
                }
                BLAS.sgemm(transposeA: false, transposeB: false, m: geo.outChannels, n: geo.outPixels, k: geo.patchSize,
                           a: wb, lda: geo.patchSize, b: cols, ldb: geo.outPixels,
                           beta: beta, c: dst, ldc: geo.outPixels)
            }
        }
        let split = Tensor.splitsImages(geo) && ComputeThreads.run { part, parts in
            let range = ComputeThreads.range(part: part, of: parts, count: geo.batch, alignment: 1)
            guard !range.isEmpty else { return }
            let scratch = savedBase == nil ? UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(colCount, 1)) : nil
            defer { scratch?.deallocate() }
            images(range, scratch)
        }
        if !split {
            let scratch = savedBase == nil ? UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(colCount, 1)) : nil
            defer { scratch?.deallocate() }
            images(0..<geo.batch, scratch)
        }
        if recording {
            out.node = TapeNode(.conv2d(x: x.detached(), columns: saved, weight: weight.detached(), geometry: geo), shape: outShape,
                                a: nx, b: nw, rest: [nb])
        }
        return out
    }

    /// Whether a convolution's images (forward, and input gradient) go to the compute
    /// threads in ranges: when there are threads, two images or more, and enough work to
    /// pay for waking them. Each image is then computed as on one thread (its products do
    /// not split further while the pool is busy), so results do not depend on the thread
    /// count.
    static func splitsImages(_ geo: ConvGeometry) -> Bool {
        geo.batch >= 2 && ComputeThreads.isParallel && geo.batch * geo.outChannels * geo.outPixels * geo.patchSize >= 1 << 20
    }

    static func conv2dBackward(_ node: TapeNode, _ g: Tensor, _ x: Tensor, _ savedColumns: Tensor?, _ w: Tensor, _ geo: ConvGeometry) {
        let imageSize = geo.channels * geo.height * geo.width
        let outSize = geo.outChannels * geo.outPixels
        let colCount = geo.patchSize * geo.outPixels
        let cols = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(colCount, 1))
        defer { cols.deallocate() }
        if let nw = node.b {
            nw.accumulateProduct(shape: w.shape) { c, beta in
                if beta == 0 { c.update(repeating: 0, count: w.count) }
                for n in 0..<geo.batch {  // dW += g[n] · colsᵀ
                    let imageCols: UnsafePointer<Float>
                    if let savedColumns {
                        imageCols = UnsafePointer(savedColumns.storage.base + n * colCount)
                    } else {
                        geo.im2col(x.storage.base + n * imageSize, cols)
                        imageCols = UnsafePointer(cols)
                    }
                    BLAS.sgemm(transposeA: false, transposeB: true, m: geo.outChannels, n: geo.patchSize, k: geo.outPixels,
                               a: g.storage.base + n * outSize, lda: geo.outPixels, b: imageCols, ldb: geo.outPixels,
                               beta: 1, c: c, ldc: geo.patchSize)
                }
            }
        }
        if let nx = node.a {
            let dx = Tensor(repeating: 0, shape: x.shape)
            let wb = w.storage.base, gb = g.storage.base, db = dx.storage.base
            let images = { (range: Range<Int>, cols: UnsafeMutablePointer<Float>) in
                for n in range {  // dcols = Wᵀ · g[n], folded back
                    BLAS.sgemm(transposeA: true, transposeB: false, m: geo.patchSize, n: geo.outPixels, k: geo.outChannels,
                               a: wb, lda: geo.patchSize, b: gb + n * outSize, ldb: geo.outPixels,
                               beta: 0, c: cols, ldc: geo.outPixels)
                    geo.col2imAdd(cols, db + n * imageSize)
                }
            }
            let split = Tensor.splitsImages(geo) && ComputeThreads.run { part, parts in
                let range = ComputeThreads.range(part: part, of: parts, count: geo.batch, alignment: 1)
                guard !range.isEmpty else { return }
                let own = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(colCount, 1))
                defer { own.deallocate() }
                images(range, own)
            }
            if !split { images(0..<geo.batch, cols) }
            nx.accumulate(dx)
        }
        if let nb = node.rest[0] {
            let gb = Tensor(repeating: 0, shape: [geo.outChannels])
            for n in 0..<geo.batch {
                for o in 0..<geo.outChannels {
                    let src = g.storage.base + n * outSize + o * geo.outPixels
                    var s: Float = 0
                    for p in 0..<geo.outPixels { s += src[p] }
                    gb.storage.base[o] += s
                }
            }
            nb.accumulate(gb)
        }
    }
}
