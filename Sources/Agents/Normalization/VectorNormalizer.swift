import Foundation
import LabCore

/// Observation and reward normalization over N copies, as Stable-Baselines3's
/// `VecNormalize`.
///
/// - Observations: running mean/variance of every observation seen in training (reset
///   observations included), then `clip((o - mean) / sqrt(var + epsilon), ±clip_obs)`,
///   rounded to float.
/// - Rewards: each copy keeps a discounted return `R = gamma R + r` (zeroed when its
///   episode ends); the running variance of those returns scales rewards:
///   `clip(r / sqrt(var + epsilon), ±clip_reward)`.
///
/// While ``isTraining`` is false (evaluation) the statistics are frozen.
public final class VectorNormalizer {
    public var observationStatistics: RunningMeanStd
    public var returnStatistics: RunningMeanStd
    public let normalizesObservations: Bool
    public let normalizesRewards: Bool
    public let clipObservation: Double
    public let clipReward: Double
    public let gamma: Double
    public let epsilon: Double
    /// Update the statistics (training) or leave them as they are (evaluation).
    public var isTraining = true
    /// The running discounted return of each copy.
    private var returns: [Double]

    public init(observationSize: Int, copies: Int, normalizeObservations: Bool = true, normalizeRewards: Bool = true,
                clipObservation: Double = 10, clipReward: Double = 10, gamma: Double = 0.99, epsilon: Double = 1e-8) {
        observationStatistics = RunningMeanStd(size: observationSize)
        returnStatistics = RunningMeanStd(size: 1)
        normalizesObservations = normalizeObservations
        normalizesRewards = normalizeRewards
        self.clipObservation = clipObservation
        self.clipReward = clipReward
        self.gamma = gamma
        self.epsilon = epsilon
        returns = [Double](repeating: 0, count: copies)
    }

    /// After a reset of every copy: zero the returns and, in training, count the first
    /// observations (`copies x size` floats) in the statistics.
    public func reset(observations: [Float]) {
        for i in returns.indices { returns[i] = 0 }
        if isTraining && normalizesObservations {
            observationStatistics.update(batch: observations, rows: returns.count)
        }
    }

    /// After a step: in training, counts the raw observations (the ones the agent sees
    /// next) and the rewards in the statistics; returns the normalized rewards and ends
    /// the returns of copies whose episode ended (`dones`).
    public func step(observations: [Float], rewards: [Double], dones: [Bool], normalizedRewards: inout [Double]) {
        if isTraining && normalizesObservations {
            observationStatistics.update(batch: observations, rows: returns.count)
        }
        // SB3 tracks the returns in training even when it does not scale rewards.
        if isTraining {
            for i in returns.indices { returns[i] = returns[i] * gamma + rewards[i] }
            returnStatistics.update(batch: returns, rows: returns.count)
        }
        // clip(r / sqrt(var + epsilon), ±clip_reward), rounded to float as SB3 returns it.
        let scale = (returnStatistics.variance[0] + epsilon).squareRoot()
        for i in rewards.indices {
            let reward = normalizesRewards ? min(max(rewards[i] / scale, -clipReward), clipReward) : rewards[i]
            normalizedRewards[i] = Double(Float(reward))
        }
        for i in dones.indices where dones[i] { returns[i] = 0 }
    }

    /// `clip((o - mean) / sqrt(var + epsilon), ±clip_obs)`, rounded to float, for the
    /// observation at `observations[offset..<offset + count]`, in place.
    public func normalize(_ observations: inout [Float], at offset: Int, count: Int) {
        guard normalizesObservations else { return }
        for k in 0..<count {
            let z = (Double(observations[offset + k]) - observationStatistics.mean[k]) / (observationStatistics.variance[k] + epsilon).squareRoot()
            observations[offset + k] = Float(min(max(z, -clipObservation), clipObservation))
        }
    }

    /// The statistics as named arrays for an agent's file (SB3's `obs_rms` and `ret_rms`).
    public var state: [String: ([Double], [Int])] {
        let n = observationStatistics.size
        return [
            "obs_rms.mean": (observationStatistics.mean, [n]), "obs_rms.var": (observationStatistics.variance, [n]),
            "obs_rms.count": ([observationStatistics.count], [1]),
            "ret_rms.mean": (returnStatistics.mean, [1]), "ret_rms.var": (returnStatistics.variance, [1]),
            "ret_rms.count": ([returnStatistics.count], [1]),
        ]
    }

    /// Restores statistics written by ``state``; `value` reads one array with its shape.
    public func restore(_ value: (String, [Int]) throws -> [Double]) throws {
        let n = observationStatistics.size
        let observation = RunningMeanStd(mean: try value("obs_rms.mean", [n]), variance: try value("obs_rms.var", [n]),
                                         count: try value("obs_rms.count", [1])[0])
        let reward = RunningMeanStd(mean: try value("ret_rms.mean", [1]), variance: try value("ret_rms.var", [1]),
                                    count: try value("ret_rms.count", [1])[0])
        observationStatistics = observation
        returnStatistics = reward
    }
}

/// Training checkpoints: both statistics and each copy's running return (`VecNormalize`'s
/// whole state).
extension VectorNormalizer: StateArchiving {
    public func archive(into archive: inout StateArchive, prefix: String) {
        for (name, (values, _)) in state.sorted(by: { $0.key < $1.key }) { archive.set("\(prefix).\(name)", float64: values) }
        archive.set("\(prefix).returns", float64: returns)
    }

    public func restore(from archive: StateArchive, prefix: String) throws {
        let savedReturns = try archive.float64("\(prefix).returns", count: returns.count)
        try restore { name, shape in try archive.float64("\(prefix).\(name)", count: shape.reduce(1, *)) }
        returns = savedReturns
    }
}
