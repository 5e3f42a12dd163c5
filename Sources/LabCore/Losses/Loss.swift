#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loss functions, each returning a rank-0 tensor (PyTorch's `reduction='mean'`).
///
/// Element-wise losses average over *all* elements; cross-entropy averages over the
/// batch (the class axis is summed). The common ones are single fused tape operations
/// with PyTorch's exact forward and backward formulas.
public enum Loss {
    /// Mean of (prediction - target)² over all elements.
    public static func meanSquaredError(_ prediction: Tensor, _ target: Tensor) -> Tensor {
        precondition(prediction.shape == target.shape, "meanSquaredError: shapes \(prediction.shape) and \(target.shape) differ")
        let diff = Tensor.zipSame(prediction, target, -)
        var s: Double = 0
        for i in 0..<diff.count { let d = diff.storage.base[i]; s += Double(d * d) }
        var out = Tensor(Float(s / Double(diff.count)))
        out.node = Tensor.record(.meanSquaredError(diff: diff), shape: [], prediction, target)
        return out
    }

    /// Smooth L1 (PyTorch `smooth_l1_loss`): 0.5 d²/beta where |d| < beta, else |d| - 0.5 beta.
    public static func smoothL1(_ prediction: Tensor, _ target: Tensor, beta: Float = 1) -> Tensor {
        precondition(prediction.shape == target.shape, "smoothL1: shapes \(prediction.shape) and \(target.shape) differ")
        let diff = Tensor.zipSame(prediction, target, -)
        var s: Double = 0
        for i in 0..<diff.count {
            let d = Swift.abs(diff.storage.base[i])
            s += Double(d < beta ? 0.5 * d * d / beta : d - 0.5 * beta)
        }
        var out = Tensor(Float(s / Double(diff.count)))
        out.node = Tensor.record(.smoothL1(diff: diff, beta: beta), shape: [], prediction, target)
        return out
    }

    /// Huber loss with threshold `delta` (= `delta * smoothL1(beta: delta)`; equal to
    /// smooth L1 for delta = 1, the DQN default, and to Keras `Huber(delta)`).
    public static func huber(_ prediction: Tensor, _ target: Tensor, delta: Float = 1) -> Tensor {
        let l = smoothL1(prediction, target, beta: delta)
        return delta == 1 ? l : l * delta
    }

    /// Binary cross-entropy on probabilities (PyTorch `binary_cross_entropy`): each log
    /// is clamped at -100 so p = 0 or 1 stay finite. Gradient flows to `probabilities` only.
    public static func binaryCrossEntropy(probabilities p: Tensor, targets t: Tensor) -> Tensor {
        precondition(p.shape == t.shape, "binaryCrossEntropy: shapes \(p.shape) and \(t.shape) differ")
        var s: Double = 0
        for i in 0..<p.count {
            let pi = p.storage.base[i], ti = t.storage.base[i]
            let logP = Swift.max(logf(pi), -100), log1mP = Swift.max(logf(1 - pi), -100)
            s -= Double(ti * logP + (1 - ti) * log1mP)
        }
        var out = Tensor(Float(s / Double(p.count)))
        out.node = Tensor.record(.binaryCrossEntropy(p: p.detached(), t: t.detached()), shape: [], p)
        return out
    }

    /// Binary cross-entropy on logits (PyTorch `binary_cross_entropy_with_logits`), in the
    /// stable form max(x, 0) - x t + log1p(e^-|x|). Gradient flows to `logits` only.
    public static func binaryCrossEntropy(logits x: Tensor, targets t: Tensor) -> Tensor {
        precondition(x.shape == t.shape, "binaryCrossEntropy(logits:): shapes \(x.shape) and \(t.shape) differ")
        var s: Double = 0
        for i in 0..<x.count {
            let xi = x.storage.base[i], ti = t.storage.base[i]
            s += Double(Swift.max(xi, 0) - xi * ti + log1pf(expf(-Swift.abs(xi))))
        }
        var out = Tensor(Float(s / Double(x.count)))
        out.node = Tensor.record(.binaryCrossEntropyLogits(x: x.detached(), t: t.detached()), shape: [], x)
        return out
    }

    /// Categorical cross-entropy from logits `[B, C]` with dense targets `[B, C]`
    /// (one-hot or probabilities): -mean over the batch of Σ_j t_ij log softmax(x)_ij.
    public static func crossEntropy(logits: Tensor, targets: Tensor) -> Tensor {
        precondition(logits.rank == 2 && logits.shape == targets.shape,
                     "crossEntropy: logits \(logits.shape) and targets \(targets.shape) must both be [B, C]")
        let logp = Tensor.softmaxValues(logits, axis: 1, log: true)
        var s: Double = 0
        for i in 0..<logp.count { s -= Double(targets.storage.base[i] * logp.storage.base[i]) }
        var out = Tensor(Float(s / Double(logits.shape[0])))
        let softmax = logp.mapElements { expf($0) }
        out.node = Tensor.record(.crossEntropy(softmax: softmax, targets: targets.detached()), shape: [], logits)
        return out
    }

    /// Sparse categorical cross-entropy from logits `[B, C]` and integer class labels.
    public static func crossEntropy(logits: Tensor, labels: [Int]) -> Tensor {
        precondition(logits.rank == 2 && labels.count == logits.shape[0],
                     "crossEntropy: logits \(logits.shape) need one label per row, got \(labels.count)")
        return crossEntropy(logits: logits, targets: Tensor.oneHot(labels, classes: logits.shape[1]))
    }

    /// Least-squares GAN discriminator loss: 0.5 mean((D(real) - 1)²) + 0.5 mean(D(fake)²).
    public static func leastSquaresDiscriminator(real: Tensor, fake: Tensor) -> Tensor {
        ((real - 1).squared().mean() + fake.squared().mean()) * 0.5
    }

    /// Least-squares GAN generator loss: 0.5 mean((D(fake) - 1)²).
    public static func leastSquaresGenerator(fake: Tensor) -> Tensor {
        (fake - 1).squared().mean() * 0.5
    }

    /// Wasserstein critic loss: mean(D(fake)) - mean(D(real)) (the critic minimises it).
    public static func wassersteinCritic(real: Tensor, fake: Tensor) -> Tensor {
        fake.mean() - real.mean()
    }

    /// Wasserstein generator loss: -mean(D(fake)).
    public static func wassersteinGenerator(fake: Tensor) -> Tensor {
        -fake.mean()
    }
}

extension Tensor {
    /// (softmax · Σ_j t - t) / B · g.
    static func crossEntropyBackward(_ g: Float, _ softmax: Tensor, _ targets: Tensor) -> Tensor {
        let rows = softmax.shape[0], classes = softmax.shape[1]
        let out = Tensor(uninitializedShape: softmax.shape)
        let s = g / Float(rows)
        let y = softmax.storage.base, t = targets.storage.base, o = out.storage.base
        for r in 0..<rows {
            var total: Float = 0
            for c in 0..<classes { total += t[r * classes + c] }
            for c in 0..<classes {
                let k = r * classes + c
                o[k] = s * (y[k] * total - t[k])
            }
        }
        return out
    }

    /// Multiplies by a fixed mask (dropout's kept-and-scaled pattern).
    func masked(by mask: Tensor) -> Tensor {
        var out = Tensor.product(self, mask)
        out.node = Tensor.record(.mask(mask), shape: shape, self)
        return out
    }
}
