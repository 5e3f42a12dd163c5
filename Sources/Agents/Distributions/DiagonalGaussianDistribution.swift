import Foundation
import LabCore

/// A Gaussian with a diagonal covariance whose log standard deviations are parameters of
/// their own, independent of the state (SB3's `DiagGaussianDistribution`).
///
/// Log-probabilities and entropies are summed over the action dimensions and computed
/// with torch's `Normal` formulas: `-(a - μ)² / (2σ²) - log σ - log √(2π)` and
/// `½ + ½ log 2π + log σ`, with `σ = exp(log_std)` and `log σ` taken of `σ` (as torch
/// does), not read from `log_std`.
public enum DiagonalGaussianDistribution {
    /// `log √(2π)` in float, as torch's `math.log(math.sqrt(2 * math.pi))`.
    static let logSquareRootTwoPi = Float(log((2 * Double.pi).squareRoot()))
    /// `½ + ½ log 2π` in float, as torch's entropy constant.
    static let entropyConstant = Float(0.5 + 0.5 * log(2 * Double.pi))

    /// Log-probabilities of `actions` (`[B, d]`) under means `mean` (`[B, d]`) and log
    /// standard deviations `logStd` (`[d]`), one per row, and the entropy per row.
    public static func logProbabilityAndEntropy(mean: Tensor, logStd: Tensor, actions: Tensor) -> (logProbability: Tensor, entropy: Tensor) {
        let std = logStd.exp()
        let logScale = std.log()
        let logProbability = logProbability(std: std, logScale: logScale, mean: mean, actions: actions)
        // The entropy does not depend on the state: one value, repeated per row.
        let rows = mean.shape[0]
        let entropyPerDimension = logScale + entropyConstant
        let entropy = (Tensor.zeros([rows, logStd.count]) + entropyPerDimension).sum(axis: 1)
        return (logProbability, entropy)
    }

    /// Log-probabilities `[B]` of `actions` (`[B, d]`) under means `mean` (`[B, d]`) and log
    /// standard deviations `logStd`, either `[d]` shared by every row or `[B, d]` (SAC's
    /// state-dependent ones), on the tape.
    public static func logProbability(mean: Tensor, logStd: Tensor, actions: Tensor) -> Tensor {
        let std = logStd.exp()
        return logProbability(std: std, logScale: std.log(), mean: mean, actions: actions)
    }

    /// torch's `Normal.log_prob` summed over the last axis, from `std` and `log(std)`.
    private static func logProbability(std: Tensor, logScale: Tensor, mean: Tensor, actions: Tensor) -> Tensor {
        let variance = std.squared()
        let difference = actions - mean
        let perDimension = (-difference.squared()) / (variance * 2) - logScale - logSquareRootTwoPi
        return perDimension.sum(axis: 1)
    }

    /// The log-probability of `action` under `mean` and `logStd`, without the tape.
    public static func logProbability<A: Collection<Float>, M: Collection<Float>, S: Collection<Float>>(
        action: A, mean: M, logStd: S
    ) -> Float where A.Index == Int, M.Index == Int, S.Index == Int {
        var total: Float = 0
        for ((a, m), s) in zip(zip(action, mean), logStd) {
            let std = expf(s), logScale = logf(std)
            let d = a - m
            total += (-(d * d)) / (std * std * 2) - logScale - logSquareRootTwoPi
        }
        return total
    }

    /// A sample `μ + σ ε` with `ε` standard normal from `random`, written into `action`.
    public static func sample<M: Collection<Float>, S: Collection<Float>>(
        mean: M, logStd: S, random: RandomSource, into action: inout [Float], at offset: Int
    ) {
        for (k, (m, s)) in zip(mean, logStd).enumerated() {
            action[offset + k] = m + expf(s) * Float(random.gaussian())
        }
    }
}
