import Foundation
import LabCore

/// A diagonal Gaussian (``DiagonalGaussianDistribution``) with state-dependent log
/// standard deviations, followed by `tanh`, so that actions lie in (-1, 1): SAC's
/// policy, as Stable-Baselines3's `SquashedDiagGaussianDistribution`.
///
/// The density of `a = tanh(u)` is the Gaussian density of `u` divided by the Jacobian
/// `prod(1 - tanh(u)^2)`; SB3 adds `epsilon = 1e-6` inside the logarithm so that actions
/// at the bounds do not give `log(0)`:
/// `log pi(a) = log N(u) - sum log(1 - a^2 + 1e-6)`.
public struct SquashedDiagonalGaussian {
    /// The Gaussian's means `[B, k]` before squashing.
    public let mean: Tensor
    /// The clamped log standard deviations `[B, k]`.
    public let logStandardDeviation: Tensor
    /// `exp(logStandardDeviation)`.
    public let standardDeviation: Tensor
    /// SB3's `epsilon` in the log-Jacobian.
    public static let epsilon: Float = 1e-6
    /// SB3's actor clamps the log standard deviation to `[-20, 2]` (`LOG_STD_MIN`, `LOG_STD_MAX`).
    public static let logStandardDeviationRange: ClosedRange<Float> = -20...2

    /// A squashed Gaussian from an actor's raw outputs; `logStandardDeviation` is clamped
    /// to ``logStandardDeviationRange`` (the gradient passes only inside it, as `th.clamp`).
    public init(mean: Tensor, logStandardDeviation: Tensor) {
        let range = Self.logStandardDeviationRange
        self.mean = mean
        self.logStandardDeviation = logStandardDeviation.clamped(min: range.lowerBound, max: range.upperBound)
        standardDeviation = self.logStandardDeviation.exp()
    }

    /// A reparameterized sample `tanh(mean + noise * std)` and its log-probability `[B]`
    /// (SB3's `log_prob_from_params`), for standard-normal `noise` `[B, k]`.
    public func sampleWithLogProbability(noise: Tensor) -> (action: Tensor, logProbability: Tensor) {
        // torch's rsample: mean + noise * std.
        let gaussianAction = mean + noise * standardDeviation
        let action = gaussianAction.tanh()
        return (action, logProbability(action, gaussianAction: gaussianAction))
    }

    /// The log-probability `[B]` of squashed actions `action = tanh(gaussianAction)`.
    public func logProbability(_ action: Tensor, gaussianAction: Tensor) -> Tensor {
        let correction = ((1 - action.squared()) + Self.epsilon).log().sum(axis: 1)
        return DiagonalGaussianDistribution.logProbability(mean: mean, logStd: logStandardDeviation, actions: gaussianAction) - correction
    }
}
