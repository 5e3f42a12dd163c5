import Foundation
import LabCore

/// The loss terms of one policy-gradient minibatch, as SB3 logs them (made by the losses
/// below; all 0 before the first update).
public struct PolicyGradientLosses: Equatable, Sendable {
    public var policy: Float = 0
    public var value: Float = 0
    /// `-mean(entropy)` (SB3's `entropy_loss`).
    public var entropy: Float = 0
    public var total: Float = 0
    /// `mean((r - 1) - log r)` (PPO only).
    public var approximateKL: Float = 0
    /// The fraction of ratios outside `1 ± clip_range` (PPO only).
    public var clipFraction: Float = 0

    /// PPO's loss on one minibatch, as the body of SB3's `PPO.train` loop: the total on the
    /// tape (to back-propagate) and every term's value.
    ///
    /// For discrete actions without `clip_range_vf` the loss after the networks is one
    /// recorded operation (``ppoCategorical(logits:values:batch:normalizeAdvantage:clipRange:entropyCoefficient:valueCoefficient:scratch:)``)
    /// with the same numbers, forward and backward; `composed` forces the separate
    /// operations (tests compare the two).
    ///
    /// - Parameter scratch: Storage the fused loss keeps its saved values in, reused from
    ///   call to call (a PPO agent passes its own: no allocation per minibatch); computing
    ///   a loss on it invalidates the previous loss's backward pass. Nil: fresh storage.
    public static func ppo(policy: ActorCriticPolicy, batch: RolloutBatch, clipRange: Double, clipRangeValue: Float?,
                           normalizeAdvantage: Bool, entropyCoefficient: Float, valueCoefficient: Float, composed: Bool = false,
                           scratch: CategoricalScratch? = nil)
        -> (total: Tensor, terms: PolicyGradientLosses)
    {
        if !composed && policy.logStd == nil && clipRangeValue == nil {
            let observations = batch.tensor(batch.observations, width: batch.observationSize)
            let (logits, values) = policy.outputs(observations: observations)
            return ppoCategorical(logits: logits, values: values, batch: batch, normalizeAdvantage: normalizeAdvantage,
                                  clipRange: clipRange, entropyCoefficient: entropyCoefficient, valueCoefficient: valueCoefficient,
                                  scratch: scratch ?? CategoricalScratch())
        }
        let (values, logProbability, entropy, advantages) = evaluate(policy: policy, batch: batch, normalizeAdvantage: normalizeAdvantage)
        let oldLogProbability = batch.tensor(batch.logProbabilities, width: nil)
        let ratio = (logProbability - oldLogProbability).exp()
        let low = Float(1 - clipRange), high = Float(1 + clipRange)
        let policyLoss = -Tensor.minimum(advantages * ratio, advantages * ratio.clamped(min: low, max: high)).mean()

        var predicted = values
        if let clipRangeValue {
            let oldValues = batch.tensor(batch.values, width: nil)
            predicted = oldValues + (values - oldValues).clamped(min: -clipRangeValue, max: clipRangeValue)
        }
        let combined = combine(policyLoss: policyLoss, predictedValues: predicted, entropy: entropy, batch: batch,
                               entropyCoefficient: entropyCoefficient, valueCoefficient: valueCoefficient)
        var terms = combined.terms
        // Off the tape, in float as torch: mean((exp(log r) - 1) - log r) and the clipped share.
        let epsilon = Float(clipRange)
        var kl: Float = 0, clipped: Float = 0
        ratio.withUnsafeBufferPointer { r in
            logProbability.withUnsafeBufferPointer { logP in
                for k in 0..<batch.size {
                    let logRatio = logP[k] - batch.logProbabilities[k]
                    kl += (expf(logRatio) - 1) - logRatio
                    if Swift.abs(r[k] - 1) > epsilon { clipped += 1 }
                }
            }
        }
        terms.approximateKL = kl / Float(batch.size)
        terms.clipFraction = clipped / Float(batch.size)
        return (combined.total, terms)
    }

    /// The values ``ppoCategorical(logits:values:batch:normalizeAdvantage:clipRange:entropyCoefficient:valueCoefficient:scratch:)``
    /// saves for its backward pass, in storage that grows to the largest minibatch and is
    /// then reused.
    public final class CategoricalScratch {
        /// Rows and actions the storage holds now, and how many floats it has room for.
        private var rows = 0, width = 0, capacity = 0
        private var floats = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        fileprivate private(set) var actions = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        /// Counts the losses computed on this storage; a backward pass checks that its loss
        /// is still the last one.
        fileprivate private(set) var generation = 0

        public init() {}

        deinit {
            floats.deallocate()
            actions.deallocate()
        }

        /// Makes room for `rows` rows of `width` actions (allocating only when it grows)
        /// and starts a new loss.
        fileprivate func prepare(rows: Int, width: Int) {
            let needed = rows * (3 * width + 7)
            if needed > capacity {
                floats.deallocate()
                actions.deallocate()
                floats = .allocate(capacity: needed)
                actions = .allocate(capacity: Swift.max(rows, 1))
                capacity = needed
            }
            self.rows = rows
            self.width = width
            generation += 1
        }

        /// `[rows, width]` each: the log-softmax output, its exp and its clamped copy.
        fileprivate var normalized: UnsafeMutablePointer<Float> { floats }
        fileprivate var probabilities: UnsafeMutablePointer<Float> { floats + rows * width }
        fileprivate var clampedLogits: UnsafeMutablePointer<Float> { floats + 2 * rows * width }
        /// `[rows]` each.
        fileprivate func column(_ k: Int) -> UnsafeMutablePointer<Float> { floats + 3 * rows * width + k * rows }
        fileprivate var ratio: UnsafeMutablePointer<Float> { column(0) }
        fileprivate var surrogate: UnsafeMutablePointer<Float> { column(1) }
        fileprivate var clippedSurrogate: UnsafeMutablePointer<Float> { column(2) }
        fileprivate var valueError: UnsafeMutablePointer<Float> { column(3) }
        fileprivate var advantages: UnsafeMutablePointer<Float> { column(4) }
        fileprivate var logProbability: UnsafeMutablePointer<Float> { column(5) }
        fileprivate var entropy: UnsafeMutablePointer<Float> { column(6) }
    }

    /// PPO's loss for a categorical policy without value clipping, from the policy's
    /// logits `[B, n]` and values `[B]`, as one recorded operation: the same float
    /// operations in the same order as the composed tape operations of
    /// ``ppo(policy:batch:clipRange:clipRangeValue:normalizeAdvantage:entropyCoefficient:valueCoefficient:composed:scratch:)``
    /// (log-softmax, the action's log-probability, the entropy `-Σ p log p`, ratio, clipped
    /// surrogate, squared error, the means, the weighted total) and, backward, the same
    /// gradient arithmetic the tape does for each of them, accumulated in the order its
    /// reverse topological pass accumulates them (into the log-softmax output: the
    /// entropy's `exp` branch, then its `clamp` branch, then the chosen action's
    /// log-probability). So the bits are those of the composed loss, at one tape node
    /// instead of about twenty-four small ones. The values the backward pass needs are
    /// kept in `scratch`.
    static func ppoCategorical(logits: Tensor, values: Tensor, batch: RolloutBatch, normalizeAdvantage: Bool, clipRange: Double,
                               entropyCoefficient: Float, valueCoefficient: Float, scratch: CategoricalScratch)
        -> (total: Tensor, terms: PolicyGradientLosses)
    {
        let rows = batch.size, n = logits.shape[1]
        precondition(logits.shape == [rows, n] && values.shape == [rows])
        let low = Float(1 - clipRange), high = Float(1 + clipRange)
        let highest = Float.greatestFiniteMagnitude
        scratch.prepare(rows: rows, width: n)
        let generation = scratch.generation
        let normalized = scratch.normalized, probabilities = scratch.probabilities, clampedLogits = scratch.clampedLogits
        let ratio = scratch.ratio, surrogate = scratch.surrogate, clippedSurrogate = scratch.clippedSurrogate
        let valueError = scratch.valueError, advantages = scratch.advantages, actions = scratch.actions
        let logProbability = scratch.logProbability, entropy = scratch.entropy
        batch.advantages.withUnsafeBufferPointer { advantages.update(from: $0.baseAddress!, count: rows) }
        if normalizeAdvantage { normalizeAdvantages(advantages, count: rows) }
        // The means: sums in double in row order, as `sum()` and the squared error.
        var policySum: Double = 0, entropySum: Double = 0, squares: Double = 0
        // Off the tape, in float as torch: mean((exp(log r) - 1) - log r) and the clipped share
        // (exp(log r) is the ratio computed here, from the same difference).
        let epsilon = Float(clipRange)
        var kl: Float = 0, clipped: Float = 0
        logits.withUnsafeBufferPointer { x in
            values.withUnsafeBufferPointer { v in
                batch.actions.withUnsafeBufferPointer { batchActions in
                    batch.logProbabilities.withUnsafeBufferPointer { oldLogProbability in
                        batch.returns.withUnsafeBufferPointer { returns in
                            for i in 0..<rows {
                                let base = i * n
                                // logSoftmax: (x - max) - log Σ exp(x - max).
                                var m = -Float.infinity
                                for c in 0..<n { m = Swift.max(m, x[base + c]) }
                                var s: Float = 0
                                for c in 0..<n { s += expf(x[base + c] - m) }
                                let logS = logf(s)
                                // Entropy: -(Σ clamp(log p) * exp(log p)), the sum from 0 in column order.
                                var sum: Float = 0
                                for c in 0..<n {
                                    let y = (x[base + c] - m) - logS
                                    normalized[base + c] = y
                                    let clamped = Swift.min(Swift.max(y, -highest), highest)
                                    let p = expf(y)
                                    clampedLogits[base + c] = clamped
                                    probabilities[base + c] = p
                                    sum += clamped * p
                                }
                                entropy[i] = sum * -1 + 0
                                let action = Int(batchActions[i])
                                precondition(action >= 0 && action < n, "PPO loss: action \(action) outside 0..<\(n)")
                                actions[i] = action
                                logProbability[i] = normalized[base + action]
                                // ratio = exp(log p - old log p); min(A r, A clamp(r, 1 ± ε)).
                                let r = expf(logProbability[i] - oldLogProbability[i])
                                ratio[i] = r
                                surrogate[i] = advantages[i] * r
                                clippedSurrogate[i] = advantages[i] * Swift.min(Swift.max(r, low), high)
                                valueError[i] = returns[i] - v[i]
                                policySum += Double(Swift.min(surrogate[i], clippedSurrogate[i]))
                                entropySum += Double(entropy[i])
                                squares += Double(valueError[i] * valueError[i])
                                let logRatio = logProbability[i] - oldLogProbability[i]
                                kl += (r - 1) - logRatio
                                if Swift.abs(r - 1) > epsilon { clipped += 1 }
                            }
                        }
                    }
                }
            }
        }
        let inverseRows = 1 / Float(rows)
        let policyLoss = (Float(policySum) * inverseRows + 0) * -1 + 0
        let entropyLoss = (Float(entropySum) * inverseRows + 0) * -1 + 0
        let valueLoss = Float(squares / Double(rows))
        let total = (policyLoss + (entropyLoss * entropyCoefficient + 0)) + (valueLoss * valueCoefficient + 0)

        let terms = PolicyGradientLosses(policy: policyLoss, value: valueLoss, entropy: entropyLoss, total: total,
                                         approximateKL: kl / Float(rows), clipFraction: clipped / Float(rows))

        let output = Tensor.recordingFunction(Tensor(total), of: logits, values) { [scratch] gradient in
            precondition(scratch.generation == generation, "PPO loss: backward after another loss reused its scratch storage")
            let g = gradient.scalar
            // total = policy + ent_coef · entropy + vf_coef · value: each term's gradient
            // through its scale, the mean's 1/B and the negations, one rounding at a time.
            let valueScale = 2 * (g * valueCoefficient) / Float(rows)
            let entropyGradient = ((((g * entropyCoefficient) * -1) * inverseRows) * -1) * 1
            let policyGradient = (g * -1) * inverseRows
            var logitTensor = Tensor.zeros([rows, n]), valueTensor = Tensor.zeros([rows])
            logitTensor.withUnsafeMutableBufferPointer { logitGradient in
                valueTensor.withUnsafeMutableBufferPointer { valueGradient in
                    for i in 0..<rows {
                        valueGradient[i] = -(valueError[i] * valueScale)
                        // Through the minimum (ties split the gradient), the clamp and the products with A.
                        let t1 = surrogate[i], t2 = clippedSurrogate[i]
                        let towardsSurrogate = policyGradient * (t1 < t2 ? 1 : (t1 == t2 ? 0.5 : 0))
                        let towardsClipped = policyGradient * (t2 < t1 ? 1 : (t1 == t2 ? 0.5 : 0))
                        let r = ratio[i]
                        let throughClamp = (r >= low && r <= high) ? towardsClipped * advantages[i] : 0
                        let ratioGradient = throughClamp + towardsSurrogate * advantages[i]
                        // d exp(d)/dd = exp(d), then the pick scattered onto zeros.
                        let chosen = 0 + ratioGradient * r
                        let base = i * n
                        var s: Float = 0
                        for c in 0..<n {
                            let p = probabilities[base + c], y = normalized[base + c]
                            // The entropy's product: its exp branch, then its clamp branch.
                            var gy = (entropyGradient * clampedLogits[base + c]) * p
                            gy = gy + ((y >= -highest && y <= highest) ? entropyGradient * p : 0)
                            gy = gy + (c == actions[i] ? chosen : 0)
                            logitGradient[base + c] = gy
                            s += gy
                        }
                        // logSoftmax: g - softmax · Σ g.
                        for c in 0..<n { logitGradient[base + c] = logitGradient[base + c] - probabilities[base + c] * s }
                    }
                }
            }
            return (logitTensor, valueTensor)
        }
        return (output, terms)
    }

    /// A2C's loss on the whole rollout, as SB3's `A2C.train`: policy loss
    /// `-mean(A log π(a|s))`, value loss `mean((R - V)²)`, entropy loss `-mean(H)`.
    public static func a2c(policy: ActorCriticPolicy, batch: RolloutBatch, normalizeAdvantage: Bool,
                           entropyCoefficient: Float, valueCoefficient: Float) -> (total: Tensor, terms: PolicyGradientLosses) {
        let (values, logProbability, entropy, advantages) = evaluate(policy: policy, batch: batch, normalizeAdvantage: normalizeAdvantage)
        let policyLoss = -(advantages * logProbability).mean()
        return combine(policyLoss: policyLoss, predictedValues: values, entropy: entropy, batch: batch,
                       entropyCoefficient: entropyCoefficient, valueCoefficient: valueCoefficient)
    }

    /// What both losses start from: the policy's values, log-probabilities of the batch's
    /// actions and entropies (on the tape), and the batch's advantages (normalized if asked).
    private static func evaluate(policy: ActorCriticPolicy, batch: RolloutBatch, normalizeAdvantage: Bool)
        -> (values: Tensor, logProbability: Tensor, entropy: Tensor, advantages: Tensor)
    {
        let observations = batch.tensor(batch.observations, width: batch.observationSize)
        let (values, logProbability, entropy) = policy.evaluate(observations: observations, actions: batch.actions)
        var advantages = Array(batch.advantages[0..<batch.size])
        if normalizeAdvantage {
            advantages.withUnsafeMutableBufferPointer { normalizeAdvantages($0.baseAddress!, count: batch.size) }
        }
        return (values, logProbability, entropy, Tensor(shape: [batch.size], scalars: advantages))
    }

    /// What both losses end with: value loss `mean((R - V)²)`, entropy loss `-mean(H)` and
    /// the total `policy + ent_coef entropy + vf_coef value`, on the tape and as numbers.
    private static func combine(policyLoss: Tensor, predictedValues: Tensor, entropy: Tensor, batch: RolloutBatch,
                                entropyCoefficient: Float, valueCoefficient: Float) -> (total: Tensor, terms: PolicyGradientLosses) {
        let valueLoss = Loss.meanSquaredError(batch.tensor(batch.returns, width: nil), predictedValues)
        let entropyLoss = -entropy.mean()
        let total = policyLoss + entropyLoss * entropyCoefficient + valueLoss * valueCoefficient
        return (total, PolicyGradientLosses(policy: policyLoss.scalar, value: valueLoss.scalar, entropy: entropyLoss.scalar,
                                            total: total.scalar))
    }

    /// Normalizes `count` advantages in place to mean 0 and unbiased standard deviation 1
    /// (plus 1e-8), as SB3; one advantage is left as it is.
    static func normalizeAdvantages(_ out: UnsafeMutablePointer<Float>, count n: Int) {
        guard n > 1 else { return }
        var sum: Float = 0
        for k in 0..<n { sum += out[k] }
        let mean = sum / Float(n)
        var squares: Float = 0
        for k in 0..<n { squares += (out[k] - mean) * (out[k] - mean) }
        let std = (squares / Float(n - 1)).squareRoot()
        for k in 0..<n { out[k] = (out[k] - mean) / (std + 1e-8) }
    }
}
