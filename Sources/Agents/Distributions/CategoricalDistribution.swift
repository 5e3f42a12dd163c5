import Foundation
import LabCore

/// A categorical distribution over `n` actions given by unnormalized logits, as
/// `torch.distributions.Categorical(logits=...)` (SB3's `CategoricalDistribution`).
///
/// Training computes log-probabilities and entropies on the tape for a batch of logit
/// rows; acting samples or takes the mode of one row of plain floats, without the tape.
public enum CategoricalDistribution {
    /// Log-probabilities of `actions` and entropies, one per row of `logits` (`[B, n]`).
    ///
    /// As torch: the logits are normalized (`logits - logsumexp`), the log-probability is
    /// the normalized logit of the action, and the entropy is `-Σ p log p` with `p` the
    /// softmax of the normalized logits (clamped at the float minimum, so `-inf` logits
    /// give 0, not NaN).
    public static func logProbabilityAndEntropy(logits: Tensor, actions: [Int]) -> (logProbability: Tensor, entropy: Tensor) {
        let normalized = logits.logSoftmax(axis: 1)
        let logProbability = normalized.selecting(columns: actions)
        let clampedLogits = normalized.clamped(min: -Float.greatestFiniteMagnitude, max: Float.greatestFiniteMagnitude)
        let entropy = -(clampedLogits * normalized.exp()).sum(axis: 1)
        return (logProbability, entropy)
    }

    /// The log-probability of `action` under one row of logits, without the tape.
    public static func logProbability(logits: UnsafeBufferPointer<Float>, action: Int) -> Float {
        logits[action] - logSumExp(logits)
    }

    /// A sample from one row of logits: inverse CDF of the softmax probabilities with one
    /// uniform draw from `random`.
    public static func sample(logits: UnsafeBufferPointer<Float>, random: RandomSource) -> Int {
        let total = logSumExp(logits)
        let u = random.uniform()
        var cumulative = 0.0
        for j in 0..<logits.count {
            cumulative += Double(expf(logits[j] - total))
            if u < cumulative { return j }
        }
        // Rounding left the cumulative sum just below 1: the last action with mass.
        var last = logits.count - 1
        while last > 0 && logits[last] == -.infinity { last -= 1 }
        return last
    }

    /// The most likely action (the lowest index on ties, as `torch.argmax`).
    public static func mode(logits: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        for j in 1..<logits.count where logits[j] > logits[best] { best = j }
        return best
    }

    /// `log Σ exp(x)` of one row, shifted by its maximum for stability.
    static func logSumExp(_ x: UnsafeBufferPointer<Float>) -> Float {
        var m = -Float.infinity
        for v in x { m = max(m, v) }
        if m == -.infinity { return m }
        var s: Float = 0
        for v in x { s += expf(v - m) }
        return m + logf(s)
    }
}
