import Foundation
import LabCore

/// A Gaussian with diagonal covariance over `k` action numbers, batched over rows, as
/// Stable-Baselines3's `DiagGaussianDistribution` (a `torch.distributions.Normal` per
/// number, log-probabilities and entropies summed over the numbers).
///
/// Everything is a tape operation, so gradients reach the networks that produced
/// ``mean`` and ``logStandardDeviation``; the formulas are PyTorch's, in its order, so
/// values and gradients agree with SB3 on the same numbers.
public struct DiagonalGaussian {
    /// `[B, k]`.
    public let mean: Tensor
    /// `[B, k]`, or `[k]` shared by every row (a state-independent log std, as PPO's).
    public let logStandardDeviation: Tensor
    /// `exp(logStandardDeviation)`, broadcast to `[B, k]`.
    public let standardDeviation: Tensor

    public init(mean: Tensor, logStandardDeviation: Tensor) {
        self.mean = mean
        self.logStandardDeviation = logStandardDeviation
        // SB3: th.ones_like(mean_actions) * log_std.exp()
        standardDeviation = Tensor.ones(mean.shape) * logStandardDeviation.exp()
    }

    /// The reparameterized sample `mean + noise * std` (`rsample`) for standard-normal
    /// `noise` of shape `[B, k]`; gradients flow to the parameters.
    public func sample(noise: Tensor) -> Tensor {
        mean + noise * standardDeviation
    }

    /// `log N(x; mean, std)` summed over the `k` numbers: `[B]`.
    public func logProbability(_ x: Tensor) -> Tensor {
        // torch.distributions.Normal.log_prob: -((x - loc)^2) / (2 var) - log(scale) - log(sqrt(2 pi))
        let variance = standardDeviation.squared()
        let perNumber = -(x - mean).squared() / (2 * variance) - standardDeviation.log() - Self.logSqrtTwoPi
        return perNumber.sum(axis: 1)
    }

    /// The entropy summed over the `k` numbers: `[B]`.
    public func entropy() -> Tensor {
        // torch: 0.5 + 0.5 * log(2 pi) + log(scale)
        (standardDeviation.log() + Float(0.5 + 0.5 * Foundation.log(2 * Double.pi))).sum(axis: 1)
    }

    /// `log(sqrt(2 pi))` rounded once from double, as PyTorch's `math.log(math.sqrt(2 * math.pi))`.
    static let logSqrtTwoPi = Float(Foundation.log((2 * Double.pi).squareRoot()))
}
