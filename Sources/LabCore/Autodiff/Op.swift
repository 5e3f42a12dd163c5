/// The operations the tape knows, each with what its derivative needs.
///
/// Saved tensors are detached values (no history), shared with the forward results
/// without copying.
enum Op {
    case leaf
    /// A node whose backward already ran; its saved values are gone.
    case released
    case add(aShape: [Int], bShape: [Int])
    case sub(aShape: [Int], bShape: [Int])
    case mul(Tensor, Tensor)
    case div(Tensor, Tensor)
    /// `x * scale + shift`.
    case affine(scale: Float)
    case exp(out: Tensor)
    case log(Tensor)
    case sqrt(out: Tensor)
    case square(Tensor)
    case abs(Tensor)
    case clamp(Tensor, low: Float, high: Float)
    /// Element-wise minimum of two same-shaped tensors (both saved).
    case minimum(Tensor, Tensor)
    case relu(out: Tensor)
    case leakyRelu(Tensor, slope: Float)
    case tanh(out: Tensor)
    case sigmoid(out: Tensor)
    case softplus(Tensor, threshold: Float)
    case softmax(out: Tensor, axis: Int)
    case logSoftmax(out: Tensor, axis: Int)
    case logSumExp(Tensor, out: Tensor, axis: Int)
    case sumAll(inShape: [Int])
    case sumAxis(inShape: [Int], axis: Int, scale: Float)
    /// out[i] = in[indices[i]] (gather, slicing, max, embedding, transposes).
    case pick(inShape: [Int], indices: [Int32])
    /// A fixed linear map along one axis of the input viewed as `[outer, length, inner]`
    /// (blur, up-sampling).
    case stencil(Stencil, inShape: [Int], outer: Int, inner: Int)
    case matmul(Tensor, Tensor, transposeA: Bool, transposeB: Bool)
    /// `x · wᵀ + bias` with `w` in `[out, in]` layout; inputs a = x, b = w, rest = [bias].
    case linear(x: Tensor, weight: Tensor)
    /// `tanh(x · wᵀ + bias)`: as `linear` after a `tanh` node, with tanh's output saved.
    case linearTanh(x: Tensor, weight: Tensor, out: Tensor)
    case reshape(inShape: [Int])
    case concat(axis: Int, sizes: [Int], shapes: [[Int]])
    /// Saves the patch columns of every image when a weight gradient is needed.
    case conv2d(x: Tensor, columns: Tensor?, weight: Tensor, geometry: ConvGeometry)
    case mask(Tensor)
    case meanSquaredError(diff: Tensor)
    case smoothL1(diff: Tensor, beta: Float)
    case binaryCrossEntropy(p: Tensor, t: Tensor)
    case binaryCrossEntropyLogits(x: Tensor, t: Tensor)
    /// Cross-entropy from logits; `softmax` of the logits and dense targets saved.
    case crossEntropy(softmax: Tensor, targets: Tensor)
    /// A composite operation of inputs a and b whose input gradients `backward` computes
    /// from the output gradient (``Tensor/recordingFunction(_:of:_:backward:)``).
    case function(backward: (Tensor) -> (Tensor?, Tensor?))
}

extension Tensor {
    /// `g (1 - out²)`: the gradient through tanh, from its output.
    static func tanhBackward(_ g: Tensor, _ out: Tensor) -> Tensor {
        precondition(g.count == out.count)
        let result = Tensor(uninitializedShape: g.shape)
        tanhBackwardKernel(g.storage.base, out.storage.base, result.storage.base, count: g.count)
        return result
    }

    /// Computes the input gradients of `node` from its output gradient `g`, which it may
    /// overwrite when no other tensor shares its storage.
    static func propagate(_ node: TapeNode, _ g: inout Tensor) {
        switch node.op {
        case .leaf:
            return
        case .released:
            preconditionFailure("backward through a graph that was already back-propagated; recompute the forward pass")
        case .add(let aShape, let bShape):
            node.a?.accumulate(g.summed(toShape: aShape))
            node.b?.accumulate(g.summed(toShape: bShape))
        case .sub(let aShape, let bShape):
            node.a?.accumulate(g.summed(toShape: aShape))
            if let b = node.b { b.accumulate(g.mapElements { -$0 }.summed(toShape: bShape)) }
        case .mul(let x, let y):
            if let a = node.a { a.accumulate(zipBroadcast(g, y, *).summed(toShape: x.shape)) }
            if let b = node.b { b.accumulate(zipBroadcast(g, x, *).summed(toShape: y.shape)) }
        case .div(let x, let y):
            if let a = node.a { a.accumulate(zipBroadcast(g, y, /).summed(toShape: x.shape)) }
            if let b = node.b {
                // d(x/y)/dy = -x / y²
                let q = zipBroadcast(x, zipSame(y, y, *), /)
                b.accumulate(zipBroadcast(g, q, { -$0 * $1 }).summed(toShape: y.shape))
            }
        case .affine(let scale):
            node.a?.accumulate(scale == 1 ? g : g.mapElements { $0 * scale })
        case .exp(let out):
            node.a?.accumulate(zipSame(g, out, *))
        case .log(let x):
            node.a?.accumulate(zipSame(g, x, /))
        case .sqrt(let out):
            node.a?.accumulate(zipSame(g, out) { $0 / ($1 + $1) })
        case .square(let x):
            node.a?.accumulate(zipSame(g, x) { 2 * $0 * $1 })
        case .abs(let x):
            node.a?.accumulate(zipSame(g, x) { $1 > 0 ? $0 : ($1 < 0 ? -$0 : 0) })
        case .clamp(let x, let lo, let hi):
            node.a?.accumulate(zipSame(g, x) { ($1 >= lo && $1 <= hi) ? $0 : 0 })
        case .minimum(let x, let y):
            // torch.minimum's backward: the smaller input takes the gradient; ties split it.
            node.a?.accumulate(zipSame(g, zipSame(x, y) { $0 < $1 ? 1 : ($0 == $1 ? 0.5 : 0) }, *))
            node.b?.accumulate(zipSame(g, zipSame(x, y) { $1 < $0 ? 1 : ($0 == $1 ? 0.5 : 0) }, *))
        case .relu(let out):
            node.a?.accumulate(zipSame(g, out) { $1 > 0 ? $0 : 0 })
        case .leakyRelu(let x, let slope):
            node.a?.accumulate(leakyReluBackward(g, x, slope: slope))
        case .tanh(let out):
            node.a?.accumulate(tanhBackward(g, out))
        case .sigmoid(let out):
            node.a?.accumulate(zipSame(g, out) { $0 * ($1 * (1 - $1)) })
        case .softplus(let x, let threshold):
            node.a?.accumulate(zipSame(g, x) { gi, xi in
                xi > threshold ? gi : gi * (1 / (1 + Foundation_exp(-xi)))
            })
        case .softmax(let out, let axis):
            node.a?.accumulate(softmaxBackward(g, out, axis: axis))
        case .logSoftmax(let out, let axis):
            node.a?.accumulate(logSoftmaxBackward(g, out, axis: axis))
        case .logSumExp(let x, let out, let axis):
            node.a?.accumulate(logSumExpBackward(g, x, out, axis: axis))
        case .sumAll(let inShape):
            node.a?.accumulate(Tensor(repeating: g.storage.base[0], shape: inShape))
        case .sumAxis(let inShape, let axis, let scale):
            node.a?.accumulate(expandAlongAxis(g, to: inShape, axis: axis, scale: scale))
        case .pick(let inShape, let indices):
            node.a?.accumulate(scatterAdd(g, indices: indices, shape: inShape))
        case .stencil(let stencil, let inShape, let outer, let inner):
            node.a?.accumulate(stencilBackward(g, stencil, inShape: inShape, outer: outer, inner: inner))
        case .matmul(let x, let y, let ta, let tb):
            matmulBackward(node, g, x, y, ta, tb)
        case .linear(let x, let w):
            linearBackward(node, g, x, w)
        case .linearTanh(let x, let w, let out):
            // What the separate tanh node hands the linear node (its first and only
            // gradient), then the linear node's backward on it. Element by element, so it
            // may overwrite the incoming gradient when that is not shared: one
            // activation-sized allocation and a cache's worth of memory less per layer.
            if isKnownUniquelyReferenced(&g.storage) {
                precondition(g.count == out.count)
                tanhBackwardKernel(g.storage.base, out.storage.base, g.storage.base, count: g.count)
                linearBackward(node, g, x, w)
            } else {
                linearBackward(node, tanhBackward(g, out), x, w)
            }
        case .reshape(let inShape):
            node.a?.accumulate(Tensor(shape: inShape, storage: g.storage))
        case .concat(let axis, let sizes, let shapes):
            concatBackward(node, g, axis: axis, sizes: sizes, shapes: shapes)
        case .conv2d(let x, let columns, let w, let geometry):
            conv2dBackward(node, g, x, columns, w, geometry)
        case .mask(let m):
            node.a?.accumulate(product(g, m))
        case .meanSquaredError(let diff):
            let s = 2 * g.storage.base[0] / Float(diff.count)
            let ga = diff.mapElements { $0 * s }
            node.a?.accumulate(ga)
            node.b?.accumulate(ga.mapElements { -$0 })
        case .smoothL1(let diff, let beta):
            let s = g.storage.base[0] / Float(diff.count)
            let ga = diff.mapElements { d in Swift.abs(d) < beta ? s * d / beta : (d > 0 ? s : -s) }
            node.a?.accumulate(ga)
            node.b?.accumulate(ga.mapElements { -$0 })
        case .binaryCrossEntropy(let p, let t):
            // PyTorch's backward: (p - t) / max(p (1 - p), 1e-12) / N.
            let s = g.storage.base[0] / Float(p.count)
            let eps: Float = 1e-12
            node.a?.accumulate(zipSame(p, t) { pi, ti in s * (pi - ti) / Swift.max(pi * (1 - pi), eps) })
        case .binaryCrossEntropyLogits(let x, let t):
            let s = g.storage.base[0] / Float(x.count)
            node.a?.accumulate(zipSame(x, t) { xi, ti in s * (stableSigmoid(xi) - ti) })
        case .crossEntropy(let softmax, let targets):
            node.a?.accumulate(crossEntropyBackward(g.storage.base[0], softmax, targets))
        case .function(let backward):
            let (ga, gb) = backward(g)
            if let a = node.a, let ga {
                precondition(ga.shape == a.shape, "recordingFunction: gradient \(ga.shape) for an input of shape \(a.shape)")
                a.accumulate(ga)
            }
            if let b = node.b, let gb {
                precondition(gb.shape == b.shape, "recordingFunction: gradient \(gb.shape) for an input of shape \(b.shape)")
                b.accumulate(gb)
            }
        }
    }
}
