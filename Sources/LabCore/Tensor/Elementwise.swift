#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) func Foundation_exp(_ x: Float) -> Float { expf(x) }

/// max(x, 0): ``Tensor/relu()`` and the ``ReLU`` layer's inference.
@inline(__always) func reluElement(_ x: Float) -> Float { x > 0 ? x : 0 }

/// x for x > 0, `slope * x` otherwise: ``Tensor/leakyRelu(slope:)`` and ``LeakyReLU``'s inference.
@inline(__always) func leakyReluElement(_ x: Float, slope: Float) -> Float { x > 0 ? x : x * slope }

/// 1 / (1 + e^-x) computed without overflow for large |x|.
@inline(__always) func stableSigmoid(_ x: Float) -> Float {
    if x >= 0 { return 1 / (1 + expf(-x)) }
    let e = expf(x)
    return e / (1 + e)
}

// MARK: - Arithmetic with broadcasting

extension Tensor {
    /// Element-wise sum with broadcasting.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        var out = zipBroadcast(lhs, rhs, +)
        out.node = record(.add(aShape: lhs.shape, bShape: rhs.shape), shape: out.shape, lhs, rhs)
        return out
    }

    /// Element-wise difference with broadcasting.
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor {
        var out = zipBroadcast(lhs, rhs, -)
        out.node = record(.sub(aShape: lhs.shape, bShape: rhs.shape), shape: out.shape, lhs, rhs)
        return out
    }

    /// Element-wise product with broadcasting.
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor {
        var out = zipBroadcast(lhs, rhs, *)
        out.node = record(.mul(lhs.detached(), rhs.detached()), shape: out.shape, lhs, rhs)
        return out
    }

    /// Element-wise quotient with broadcasting.
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor {
        var out = zipBroadcast(lhs, rhs, /)
        out.node = record(.div(lhs.detached(), rhs.detached()), shape: out.shape, lhs, rhs)
        return out
    }

    /// `self * scale + shift` in one pass.
    public func affine(scale: Float, shift: Float) -> Tensor {
        var out = mapElements { $0 * scale + shift }
        out.node = Tensor.record(.affine(scale: scale), shape: shape, self)
        return out
    }

    public static func + (lhs: Tensor, rhs: Float) -> Tensor { lhs.affine(scale: 1, shift: rhs) }
    public static func + (lhs: Float, rhs: Tensor) -> Tensor { rhs.affine(scale: 1, shift: lhs) }
    public static func - (lhs: Tensor, rhs: Float) -> Tensor { lhs.affine(scale: 1, shift: -rhs) }
    public static func - (lhs: Float, rhs: Tensor) -> Tensor { rhs.affine(scale: -1, shift: lhs) }
    public static func * (lhs: Tensor, rhs: Float) -> Tensor { lhs.affine(scale: rhs, shift: 0) }
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs.affine(scale: lhs, shift: 0) }
    public static func / (lhs: Tensor, rhs: Float) -> Tensor { lhs * (1 / rhs) }
    public static func / (lhs: Float, rhs: Tensor) -> Tensor { Tensor(lhs) / rhs }
    public static prefix func - (x: Tensor) -> Tensor { x.affine(scale: -1, shift: 0) }

    public static func += (lhs: inout Tensor, rhs: Tensor) { lhs = lhs + rhs }
    public static func -= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs - rhs }
    public static func *= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs * rhs }
    public static func *= (lhs: inout Tensor, rhs: Float) { lhs = lhs * rhs }
}

// MARK: - Unary math

extension Tensor {
    /// e^x element-wise.
    public func exp() -> Tensor {
        var out = mapElements { expf($0) }
        out.node = Tensor.record(.exp(out: out), shape: shape, self)
        return out
    }

    /// Natural logarithm element-wise.
    public func log() -> Tensor {
        var out = mapElements { logf($0) }
        out.node = Tensor.record(.log(detached()), shape: shape, self)
        return out
    }

    /// Square root element-wise.
    public func sqrt() -> Tensor {
        var out = mapElements { $0.squareRoot() }
        out.node = Tensor.record(.sqrt(out: out), shape: shape, self)
        return out
    }

    /// x² element-wise.
    public func squared() -> Tensor {
        var out = mapElements { $0 * $0 }
        out.node = Tensor.record(.square(detached()), shape: shape, self)
        return out
    }

    /// |x| element-wise (gradient 0 at 0).
    public func abs() -> Tensor {
        var out = mapElements { Swift.abs($0) }
        out.node = Tensor.record(.abs(detached()), shape: shape, self)
        return out
    }

    /// Each element limited to [`low`, `high`]; the gradient passes where `low <= x <= high`.
    public func clamped(min low: Float, max high: Float) -> Tensor {
        var out = mapElements { Swift.min(Swift.max($0, low), high) }
        out.node = Tensor.record(.clamp(detached(), low: low, high: high), shape: shape, self)
        return out
    }
}

extension Tensor {
    /// The element-wise minimum of two tensors of one shape (`torch.minimum`): the gradient
    /// goes to the smaller input, half to each where they are equal, as PyTorch's.
    public static func minimum(_ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        precondition(lhs.shape == rhs.shape, "minimum: shapes \(lhs.shape) and \(rhs.shape) differ")
        var out = zipSame(lhs, rhs) { Swift.min($0, $1) }
        out.node = record(.minimum(lhs.detached(), rhs.detached()), shape: lhs.shape, lhs, rhs)
        return out
    }
}

// MARK: - Activations

extension Tensor {
    /// max(x, 0).
    public func relu() -> Tensor {
        var out = mapElements(reluElement)
        out.node = Tensor.record(.relu(out: out), shape: shape, self)
        return out
    }

    /// x for x > 0, `slope * x` otherwise (PyTorch's default slope is 0.01, Keras' 0.3).
    public func leakyRelu(slope: Float = 0.01) -> Tensor {
        var out = Tensor(uninitializedShape: shape)
        let a = storage.base, o = out.storage.base
        // The loop is written inside the piece: through `mapElements`, the expression is a
        // closure that each piece calls once per element (the compute threads' job is opaque
        // to the optimizer); here it vectorizes. The same expression, so the same bits.
        ComputeThreads.forEachPiece(count: count) { r in
            for i in r { o[i] = leakyReluElement(a[i], slope: slope) }
        }
        out.node = Tensor.record(.leakyRelu(detached(), slope: slope), shape: shape, self)
        return out
    }

    /// Hyperbolic tangent (``tanhKernel(_:_:count:)``: within one float ulp, vectorized).
    public func tanh() -> Tensor {
        var out = Tensor(uninitializedShape: shape)
        tanhKernel(storage.base, out.storage.base, count: count)
        out.node = Tensor.record(.tanh(out: out), shape: shape, self)
        return out
    }

    /// Logistic sigmoid 1 / (1 + e^-x), accurate for large |x|.
    public func sigmoid() -> Tensor {
        var out = mapElements { stableSigmoid($0) }
        out.node = Tensor.record(.sigmoid(out: out), shape: shape, self)
        return out
    }

    /// log(1 + e^x), returning x itself above `threshold` (PyTorch's beta = 1, threshold 20).
    public func softplus(threshold: Float = 20) -> Tensor {
        var out = mapElements { x in x > threshold ? x : Swift.max(x, 0) + log1pf(expf(-Swift.abs(x))) }
        out.node = Tensor.record(.softplus(detached(), threshold: threshold), shape: shape, self)
        return out
    }
}

// MARK: - Backward kernels

extension Tensor {
    /// The gradient through ``leakyRelu(slope:)``: `g` where `x > 0`, `g * slope` elsewhere
    /// (no recording). Written out, not through `zipSame`'s per-element closure, as
    /// ``leakyRelu(slope:)`` is.
    static func leakyReluBackward(_ g: Tensor, _ x: Tensor, slope: Float) -> Tensor {
        precondition(g.count == x.count)
        let out = Tensor(uninitializedShape: x.shape)
        let gp = g.storage.base, xp = x.storage.base, o = out.storage.base
        ComputeThreads.forEachPiece(count: out.count) { r in
            for i in r { o[i] = xp[i] > 0 ? gp[i] : gp[i] * slope }
        }
        return out
    }

    /// `x * y` element by element for tensors of one count, in `x`'s shape (no recording):
    /// a dropout mask applied forward and backward. Written out as ``leakyReluBackward(_:_:slope:)``.
    static func product(_ x: Tensor, _ y: Tensor) -> Tensor {
        precondition(x.count == y.count)
        let out = Tensor(uninitializedShape: x.shape)
        let a = x.storage.base, b = y.storage.base, o = out.storage.base
        ComputeThreads.forEachPiece(count: out.count) { r in
            for i in r { o[i] = a[i] * b[i] }
        }
        return out
    }
}
