import CGSL
import CLabKernels

/// Updates a list of parameters from their gradients (PyTorch's `torch.optim`).
///
/// An optimizer only touches the parameters it was given: to train a GAN's generator
/// through a fixed discriminator, give the generator's optimizer only the generator's
/// parameters. Parameters without a gradient are skipped. Formulas follow PyTorch's
/// single-tensor (`foreach=False`) code exactly, in Float32.
public protocol Optimizer: AnyObject {
    /// The parameters this optimizer updates.
    var parameters: [Parameter] { get }
    /// The learning rate used by the next ``step()``.
    var learningRate: Float { get set }
    /// Applies one update from the current gradients.
    func step()
}

extension Optimizer {
    /// Clears the gradients of this optimizer's parameters.
    public func zeroGrad() { parameters.zeroGrad() }

    /// One gradient step on `loss`, as every agent and GAN trainer takes it: clear the
    /// gradients, backpropagate through `backward`, clip them to global L2 norm `maxNorm`
    /// when given, set the learning rate from `schedule` at its step when given, step.
    public func minimize(_ loss: Tensor, clippingGradientNormTo maxNorm: Float? = nil,
                         schedule: (LearningRateSchedule, step: Int)? = nil,
                         backward: (Tensor) -> Void = { $0.backward() }) {
        zeroGrad()
        backward(loss)
        if let maxNorm { clipGradientNorm(parameters, maxNorm: maxNorm) }
        if let schedule { apply(schedule.0, step: schedule.step) }
        step()
    }
}

/// Per-parameter state buffers, allocated once (no allocation per step).
final class StateBuffers {
    var buffers: [TensorStorage]
    init(_ parameters: [Parameter]) { buffers = parameters.map { TensorStorage(repeating: 0, count: $0.value.count) } }
    subscript(_ i: Int) -> UnsafeMutablePointer<Float> { buffers[i].base }
    func tensor(_ i: Int, shape: [Int]) -> Tensor { Tensor(shape: shape, storage: buffers[i].copy()) }
}

extension Parameter {
    /// The value's storage for an in-place update (copied first only if shared).
    @inline(__always)
    func mutableValuePointer() -> UnsafeMutablePointer<Float> {
        value.makeUnique()
        return value.storage.base
    }
}

/// Stochastic gradient descent with optional momentum and Nesterov momentum.
///
/// PyTorch's form: the momentum buffer starts as the first gradient, then
/// `buf = momentum * buf + (1 - dampening) * g`; the step is `p -= lr * buf`
/// (Nesterov: `p -= lr * (g + momentum * buf)`).
public final class SGD: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public let momentum: Float
    public let dampening: Float
    public let nesterov: Bool
    public let weightDecay: Float
    let buffers: StateBuffers
    var started: [Bool]

    public init(_ parameters: [Parameter], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                nesterov: Bool = false, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        buffers = StateBuffers(momentum != 0 ? parameters : [])
        started = Array(repeating: false, count: parameters.count)
    }

    /// The momentum buffer of parameter `index` (a copy).
    public func momentumBuffer(_ index: Int) -> Tensor { buffers.tensor(index, shape: parameters[index].shape) }

    public func step() {
        let lr = learningRate
        for (i, p) in parameters.enumerated() {
            guard let grad = p.grad else { continue }
            let g = grad.storage.base
            let w = p.mutableValuePointer()
            let n = p.value.count
            if momentum == 0 {
                // Element-wise: pieces on the compute threads give the same bits.
                let weightDecay = weightDecay
                ComputeThreads.forEachPiece(count: n) { range in
                    for j in range {
                        let gj = weightDecay != 0 ? g[j] + weightDecay * w[j] : g[j]
                        w[j] += -lr * gj
                    }
                }
                continue
            }
            let buf = buffers[i]
            let first = !started[i]
            started[i] = true
            for j in 0..<n {
                let gj = weightDecay != 0 ? g[j] + weightDecay * w[j] : g[j]
                buf[j] = first ? gj : momentum * buf[j] + (1 - dampening) * gj
                let d = nesterov ? gj + momentum * buf[j] : buf[j]
                w[j] += -lr * d
            }
        }
    }
}

/// Adam (Kingma & Ba) exactly as `torch.optim.Adam`: t counts from 1,
/// `m = lerp(m, g, 1 - beta1)`, `v = beta2 v + (1 - beta2) g²`, and
/// `p -= (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)` — eps is added
/// after the bias correction (Keras differs there).
public final class Adam: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    // Hyperparameters are Doubles because PyTorch derives `1 - beta` in double
    // precision before rounding to float; `1 - Float(0.999)` is off by 1e-5 relative.
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    public let weightDecay: Float
    /// Steps taken so far.
    public internal(set) var stepCount = 0
    let m: StateBuffers
    let v: StateBuffers
    /// Where each parameter with a gradient is updated this step; kept so `step()` does
    /// not allocate.
    private var slices: [AdamUpdate.Slice] = []

    public init(_ parameters: [Parameter], learningRate: Float = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
                epsilon: Double = 1e-8, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        m = StateBuffers(parameters)
        v = StateBuffers(parameters)
    }

    /// First-moment estimate (`exp_avg`) of parameter `index` (a copy).
    public func firstMoment(_ index: Int) -> Tensor { m.tensor(index, shape: parameters[index].shape) }
    /// Second-moment estimate (`exp_avg_sq`) of parameter `index` (a copy).
    public func secondMoment(_ index: Int) -> Tensor { v.tensor(index, shape: parameters[index].shape) }

    public func step() {
        stepCount += 1
        // Scalars in double as PyTorch computes them in Python, then used as floats; C pow
        // as Python's ** (exp(y log x) differs in the last bits).
        let t = Double(stepCount)
        let bias1 = 1 - powDouble(beta1, t)
        let bias2 = 1 - powDouble(beta2, t)
        let stepSize = Float(Double(learningRate) / bias1)
        let bias2Sqrt = Float(bias2.squareRoot())
        let weight = Float(1 - beta1)  // lerp weight
        let oneMinusBeta2 = Float(1 - beta2)
        let b2 = Float(beta2), eps = Float(epsilon), wd = weightDecay
        let update = AdamUpdate(weight: weight, b2: b2, oneMinusBeta2: oneMinusBeta2, bias2Sqrt: bias2Sqrt,
                                eps: eps, stepSize: stepSize, weightDecay: wd)
        slices.removeAll(keepingCapacity: true)
        for (i, p) in parameters.enumerated() {
            guard let grad = p.grad else { continue }
            slices.append((p.mutableValuePointer(), m[i], v[i], UnsafePointer(grad.storage.base), p.value.count))
        }
        // Element-wise, so ranges of each parameter can go to different threads without
        // changing a bit; only worth it for network-sized parameter sets.
        let total = slices.reduce(0) { $0 + $1.count }
        if total >= 1 << 15 && ComputeThreads.isParallel && ComputeThreads.run({ [slices] part, parts in
            let mode = rllab_enter_flush_to_zero()
            defer { rllab_restore_float_mode(mode) }
            for s in slices {
                let range = ComputeThreads.range(part: part, of: parts, count: s.count, alignment: 16)
                update.apply(w: s.w, m: s.m, v: s.v, g: s.g, range: range)
            }
        }) {
            withExtendedLifetime(parameters) {}
            return
        }
        // Flush subnormals while updating: moments of parameters whose gradient is zero
        // (dead ReLU units) decay through the subnormal range, where every x86 operation
        // costs ~100 cycles. Only values below 1.2e-38 are affected.
        let mode = rllab_enter_flush_to_zero()
        defer { rllab_restore_float_mode(mode) }
        for s in slices { update.apply(w: s.w, m: s.m, v: s.v, g: s.g, range: 0..<s.count) }
    }
}

/// One Adam step's element-wise update, over any range of one parameter.
private struct AdamUpdate {
    typealias Slice = (w: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
                       g: UnsafePointer<Float>, count: Int)
    let weight: Float, b2: Float, oneMinusBeta2: Float, bias2Sqrt: Float, eps: Float, stepSize: Float, weightDecay: Float

    func apply(w wBase: UnsafeMutablePointer<Float>, m mBase: UnsafeMutablePointer<Float>, v vBase: UnsafeMutablePointer<Float>,
               g gBase: UnsafePointer<Float>, range: Range<Int>) {
        let w = wBase + range.lowerBound, mi = mBase + range.lowerBound, vi = vBase + range.lowerBound
        let g = gBase + range.lowerBound, n = range.count, wd = weightDecay
        var j = 0
        if wd == 0 {
            // The same operations as the loops below, 16 or 8 lanes at a time: identical results.
            switch CPUFeatures.level {
            case .avx512: j = rllab_adam_update_avx512(w, mi, vi, g, n, weight, weight < 0.5 ? 1 : 0, b2, oneMinusBeta2, bias2Sqrt, eps, -stepSize)
            case .avx2: j = rllab_adam_update_avx2(w, mi, vi, g, n, weight, weight < 0.5 ? 1 : 0, b2, oneMinusBeta2, bias2Sqrt, eps, -stepSize)
            case .portable: break
            }
        }
        if wd == 0 {
            // Several lanes at a time; the same IEEE operations in the same order as the
            // scalar loop below, so results are identical.
            typealias V = SIMD4<Float>  // four lanes: SSE registers without spills on baseline x86-64
            let vWeight = V(repeating: weight), vOneMinusWeight = V(repeating: 1 - weight)
            let vB2 = V(repeating: b2), vOneMinusB2 = V(repeating: oneMinusBeta2)
            let vBias2 = V(repeating: bias2Sqrt), vEps = V(repeating: eps), vStep = V(repeating: -stepSize)
            let lowWeight = weight < 0.5
            while j + 4 <= n {
                let gj = UnsafeRawPointer(g + j).loadUnaligned(as: V.self)
                var mj = UnsafeRawPointer(mi + j).loadUnaligned(as: V.self)
                var vj = UnsafeRawPointer(vi + j).loadUnaligned(as: V.self)
                let wj = UnsafeRawPointer(w + j).loadUnaligned(as: V.self)
                mj = lowWeight ? mj + vWeight * (gj - mj) : gj - (gj - mj) * vOneMinusWeight
                vj = vj * vB2 + vOneMinusB2 * gj * gj
                let denom = vj.squareRoot() / vBias2 + vEps
                UnsafeMutableRawPointer(mi + j).storeBytes(of: mj, as: V.self)
                UnsafeMutableRawPointer(vi + j).storeBytes(of: vj, as: V.self)
                UnsafeMutableRawPointer(w + j).storeBytes(of: wj + vStep * (mj / denom), as: V.self)
                j += 4
            }
        }
        while j < n {
            let gj = wd != 0 ? g[j] + wd * w[j] : g[j]
            // torch.lerp: start + w (end - start) when w < 0.5, else end - (end - start)(1 - w).
            mi[j] = weight < 0.5 ? mi[j] + weight * (gj - mi[j]) : gj - (gj - mi[j]) * (1 - weight)
            vi[j] = vi[j] * b2 + oneMinusBeta2 * gj * gj  // addcmul: v + value * g * g
            let denom = vi[j].squareRoot() / bias2Sqrt + eps
            w[j] = w[j] + -stepSize * (mi[j] / denom)
            j += 1
        }
    }
}

/// RMSprop as `torch.optim.RMSprop` (not centered, no momentum): `s = alpha s + (1 - alpha) g²`,
/// `p -= lr * g / (sqrt(s) + eps)` with eps outside the square root and s starting at 0.
public final class RMSprop: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public let alpha: Double
    public let epsilon: Double
    let s: StateBuffers

    public init(_ parameters: [Parameter], learningRate: Float = 1e-2, alpha: Double = 0.99, epsilon: Double = 1e-8) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.alpha = alpha
        self.epsilon = epsilon
        s = StateBuffers(parameters)
    }

    /// The running average of squared gradients (`square_avg`) of parameter `index` (a copy).
    public func squareAverage(_ index: Int) -> Tensor { s.tensor(index, shape: parameters[index].shape) }

    public func step() {
        let lr = learningRate, a = Float(alpha), oneMinusA = Float(1 - alpha), eps = Float(epsilon)
        for (i, p) in parameters.enumerated() {
            guard let grad = p.grad else { continue }
            let g = grad.storage.base
            let w = p.mutableValuePointer()
            let si = s[i]
            let count = p.value.count
            var j = 0
            // Four lanes at a time: the same IEEE operations in the same order as the scalar
            // loop below, so results are identical.
            typealias V = SIMD4<Float>
            let vA = V(repeating: a), vOneMinusA = V(repeating: oneMinusA), vEps = V(repeating: eps), vRate = V(repeating: -lr)
            while j + 4 <= count {
                let gj = UnsafeRawPointer(g + j).loadUnaligned(as: V.self)
                let sj = UnsafeRawPointer(si + j).loadUnaligned(as: V.self) * vA + vOneMinusA * gj * gj
                let wj = UnsafeRawPointer(w + j).loadUnaligned(as: V.self)
                UnsafeMutableRawPointer(si + j).storeBytes(of: sj, as: V.self)
                UnsafeMutableRawPointer(w + j).storeBytes(of: wj + vRate * (gj / (sj.squareRoot() + vEps)), as: V.self)
                j += 4
            }
            while j < count {
                si[j] = si[j] * a + oneMinusA * g[j] * g[j]
                w[j] += -lr * (g[j] / (si[j].squareRoot() + eps))
                j += 1
            }
        }
    }
}

/// Rescales gradients so their global L2 norm is at most `maxNorm` (PyTorch's
/// `clip_grad_norm_`): coefficient `maxNorm / (norm + 1e-6)`, clamped to 1, always applied.
///
/// - Returns: the global norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    var total: Double = 0
    for p in parameters {
        guard let g = p.leaf.grad else { continue }
        let base = g.storage.base
        for j in 0..<g.count { let x = Double(base[j]); total += x * x }
    }
    let norm = Float(total.squareRoot())
    let coefficient = Swift.min(maxNorm / (norm + 1e-6), 1)
    if coefficient < 1 {
        for p in parameters where p.leaf.grad != nil {
            // Through the leaf's stored gradient, in place: `p.grad!` (a computed property)
            // would hand makeUnique a second reference and copy every gradient every step.
            p.leaf.grad!.makeUnique()
            let g = p.leaf.grad!.storage.base, count = p.leaf.grad!.count
            for j in 0..<count { g[j] *= coefficient }
        }
    }
    return norm
}

/// Clamps every parameter to [-limit, limit] in place (WGAN weight clipping).
public func clipWeights(_ parameters: [Parameter], limit: Float) {
    for p in parameters {
        let w = p.mutableValuePointer()
        for j in 0..<p.value.count { w[j] = Swift.min(Swift.max(w[j], -limit), limit) }
    }
}
