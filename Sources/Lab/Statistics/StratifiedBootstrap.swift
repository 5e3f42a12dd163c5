import Foundation
import LabCore

/// A point estimate with its confidence interval. `lower` and `upper` are nil when the
/// interval is undefined (every task has a single run: a bootstrap of one run is a point).
public struct IntervalEstimate: Equatable, Sendable {
    public let estimate: Double
    public let lower: Double?
    public let upper: Double?

    public init(estimate: Double, lower: Double?, upper: Double?) {
        self.estimate = estimate
        self.lower = lower
        self.upper = upper
    }
}

/// rliable's stratified bootstrap with percentile intervals.
///
/// Each resample keeps the tasks and draws, for every cell (run slot x task x point) of
/// the scores, a run of the same task uniformly with replacement, as
/// `rliable.library.StratifiedBootstrap` does (the point index stays fixed, so with several
/// points each point is resampled independently). The draws are numpy's, in rliable's
/// order (see ``draw(_:into:random:)``): seeded as rliable's global numpy generator, the
/// intervals are rliable's own. The interval is numpy's linear percentile of the resampled
/// statistics at (1 ± confidence) / 2 (`arch`'s `conf_int(method="percentile")`).
///
/// The draws come from a ``RandomSource`` the caller names (one named stream per
/// statistic), so the same scores and seed give the same intervals bit for bit, whatever
/// else is computed.
public struct StratifiedBootstrap: Sendable {
    /// The number of resamples.
    public let samples: Int
    /// The coverage of the intervals (0.95: 95%).
    public let confidence: Double

    /// - Throws: ``StatisticsError`` for fewer than 2 samples, more than 10 million, or a
    ///   confidence outside (0, 1).
    public init(samples: Int = 2000, confidence: Double = 0.95) throws {
        guard samples >= 2 && samples <= 10_000_000 else {
            throw StatisticsError("bootstrap samples must be between 2 and 10000000, got \(samples)")
        }
        guard confidence > 0 && confidence < 1 else {
            throw StatisticsError("confidence must be between 0 and 1, got \(confidence)")
        }
        self.samples = samples
        self.confidence = confidence
    }

    /// Estimates and intervals of a vector-valued `statistic` of `scores`.
    public func intervals(
        _ scores: ScoreArray, random: RandomSource, statistic: (ScoreArray) -> [Double]
    ) -> [IntervalEstimate] {
        let estimates = statistic(scores)
        guard scores.tasks.indices.contains(where: { scores.runCount($0) > 1 }) else {
            return estimates.map { IntervalEstimate(estimate: $0, lower: nil, upper: nil) }
        }
        var replicates = [[Double]](repeating: [], count: estimates.count)
        for k in replicates.indices { replicates[k].reserveCapacity(samples) }
        var resample = scores
        for _ in 0..<samples {
            StratifiedBootstrap.draw(scores, into: &resample, random: random)
            for (k, value) in statistic(resample).enumerated() where k < replicates.count { replicates[k].append(value) }
        }
        return zip(estimates, replicates).map { interval($0, $1) }
    }

    /// Estimates and intervals of a statistic of two agents' scores, each resampled
    /// independently (rliable's `StratifiedIndependentBootstrap`; for the probability of
    /// improvement).
    public func intervals(
        _ x: ScoreArray, _ y: ScoreArray, random: RandomSource, statistic: (ScoreArray, ScoreArray) -> Double
    ) -> IntervalEstimate {
        let estimate = statistic(x, y)
        let varies = { (s: ScoreArray) in s.tasks.indices.contains { s.runCount($0) > 1 } }
        guard varies(x) || varies(y) else { return IntervalEstimate(estimate: estimate, lower: nil, upper: nil) }
        var replicates: [Double] = []
        replicates.reserveCapacity(samples)
        var rx = x, ry = y
        for _ in 0..<samples {
            StratifiedBootstrap.draw(x, into: &rx, random: random)
            StratifiedBootstrap.draw(y, into: &ry, random: random)
            replicates.append(statistic(rx, ry))
        }
        return interval(estimate, replicates)
    }

    private func interval(_ estimate: Double, _ replicates: [Double]) -> IntervalEstimate {
        let sorted = replicates.sorted()
        let tail = (1 - confidence) / 2
        return IntervalEstimate(
            estimate: estimate,
            lower: AggregateMetric.percentile(sorted: sorted, tail),
            upper: AggregateMetric.percentile(sorted: sorted, 1 - tail))
    }

    /// One stratified resample of `scores` into `resample` (same shape; no allocation once
    /// `resample` holds its own storage).
    ///
    /// The draws follow rliable's `np.random.choice(runs, shape)` exactly: one index per
    /// cell in C order of rliable's `(runs, tasks, points)` array (run slot, then task,
    /// then point), each drawn with ``RandomSource/maskedIndex(below:)`` (numpy's
    /// algorithm). A source seeded like `np.random.seed(s)` therefore gives rliable's
    /// resamples and intervals to rounding. Tasks with fewer runs than others (which
    /// rliable cannot hold) skip the slots they do not have.
    static func draw(_ scores: ScoreArray, into resample: inout ScoreArray, random: RandomSource) {
        let points = scores.pointCount
        var slots = 0
        for task in scores.values.indices { slots = max(slots, scores.runCount(task)) }
        for slot in 0..<slots {
            for task in scores.values.indices {
                let runs = scores.runCount(task)
                guard slot < runs else { continue }
                scores.values[task].withUnsafeBufferPointer { source in
                    resample.values[task].withUnsafeMutableBufferPointer { target in
                        for point in 0..<points {
                            let run = random.maskedIndex(below: runs)
                            target[slot * points + point] = source[run * points + point]
                        }
                    }
                }
            }
        }
    }
}
