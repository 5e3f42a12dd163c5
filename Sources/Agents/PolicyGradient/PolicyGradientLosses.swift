import Foundation
import LabCore

/// The loss terms of one policy-gradient minibatch, as SB3 logs them.
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

    public init() {}

    /// PPO's loss on one minibatch, as the body of SB3's `PPO.train` loop: the total on the
    /// tape (to back-propagate) and every term's value.
    public static func ppo(policy: ActorCriticPolicy, batch: RolloutBatch, clipRange: Double, clipRangeValue: Float?,
                           normalizeAdvantage: Bool, entropyCoefficient: Float, valueCoefficient: Float)
        -> (total: Tensor, terms: PolicyGradientLosses)
    {
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
        let advantages = Tensor(shape: [batch.size], scalars: advantageValues(batch, normalize: normalizeAdvantage))
        return (values, logProbability, entropy, advantages)
    }

    /// What both losses end with: value loss `mean((R - V)²)`, entropy loss `-mean(H)` and
    /// the total `policy + ent_coef entropy + vf_coef value`, on the tape and as numbers.
    private static func combine(policyLoss: Tensor, predictedValues: Tensor, entropy: Tensor, batch: RolloutBatch,
                                entropyCoefficient: Float, valueCoefficient: Float) -> (total: Tensor, terms: PolicyGradientLosses) {
        let valueLoss = Loss.meanSquaredError(batch.tensor(batch.returns, width: nil), predictedValues)
        let entropyLoss = -entropy.mean()
        let total = policyLoss + entropyLoss * entropyCoefficient + valueLoss * valueCoefficient
        var terms = PolicyGradientLosses()
        terms.policy = policyLoss.scalar
        terms.value = valueLoss.scalar
        terms.entropy = entropyLoss.scalar
        terms.total = total.scalar
        return (total, terms)
    }

    /// One gradient step on `total` as both agents' `train` take it (SB3's): refuse a
    /// non-finite loss, clear the gradients, back-propagate, clip their global norm to
    /// `maxGradientNorm`, step the optimizer. `update` numbers the step in the error.
    static func descend(_ total: Tensor, policy: ActorCriticPolicy, optimizer: Optimizer, maxGradientNorm: Float, update: Int) throws {
        try NonFiniteTrainingError.check(loss: total.scalar, step: update)
        optimizer.zeroGrad()
        total.backward()
        clipGradientNorm(policy.parameters, maxNorm: maxGradientNorm)
        optimizer.step()
    }

    /// The minibatch's advantages, normalized to mean 0 and (unbiased) standard deviation
    /// 1 with 1e-8 added to the deviation, as SB3 (torch's `std` divides by n - 1).
    static func advantageValues(_ batch: RolloutBatch, normalize: Bool) -> [Float] {
        let n = batch.size
        var out = Array(batch.advantages[0..<n])
        guard normalize && n > 1 else { return out }
        var sum: Float = 0
        for a in out { sum += a }
        let mean = sum / Float(n)
        var squares: Float = 0
        for a in out { squares += (a - mean) * (a - mean) }
        let std = (squares / Float(n - 1)).squareRoot()
        for k in 0..<n { out[k] = (out[k] - mean) / (std + 1e-8) }
        return out
    }
}
