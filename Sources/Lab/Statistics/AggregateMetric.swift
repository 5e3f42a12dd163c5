import Foundation

/// rliable's aggregate performance estimators over a score matrix `scores[task][run]`.
///
/// Semantics follow `rliable.metrics` exactly (Agarwal et al., 2021):
/// - ``mean``: the mean over tasks of each task's mean over runs (`aggregate_mean`);
/// - ``median``: the median over tasks of each task's mean over runs (`aggregate_median`;
///   with one task it is that task's mean);
/// - ``interquartileMean``: scipy's `trim_mean(proportiontocut=0.25)` of every run of every
///   task pooled: sort, drop `floor(0.25 n)` values at each end, average the rest
///   (`aggregate_iqm`);
/// - ``optimalityGap``: `gamma - mean(min(score, gamma))` over every run of every task
///   pooled, with gamma = 1 on normalized scores (`aggregate_optimality_gap`). Lower is
///   better.
public enum AggregateMetric: String, CaseIterable, Sendable {
    case mean
    case median
    case interquartileMean = "iqm"
    case optimalityGap = "optimality_gap"

    /// The label charts and tables use.
    public var label: String {
        switch self {
        case .mean: "Mean"
        case .median: "Median"
        case .interquartileMean: "IQM"
        case .optimalityGap: "Optimality gap"
        }
    }

    /// Evaluates the metric on `scores[task][run]` (every task non-empty).
    public func callAsFunction(_ scores: [[Double]], gamma: Double = 1) -> Double {
        switch self {
        case .mean: return AggregateMetric.average(scores.map(AggregateMetric.average))
        case .median: return AggregateMetric.median(scores.map(AggregateMetric.average))
        case .interquartileMean: return AggregateMetric.interquartileMean(scores.flatMap { $0 })
        case .optimalityGap:
            var sum = 0.0, count = 0
            for column in scores {
                for value in column { sum += Swift.min(value, gamma); count += 1 }
            }
            return gamma - sum / Double(count)
        }
    }

    /// The arithmetic mean (NaN for no values).
    public static func average(_ values: [Double]) -> Double {
        values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    }

    /// numpy's median: the middle value, or the mean of the two middle values.
    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// scipy's `trim_mean(values, 0.25)`: the mean of the sorted values with
    /// `floor(0.25 * n)` dropped at each end.
    public static func interquartileMean(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let cut = Int(0.25 * Double(sorted.count))
        return average(Array(sorted[cut..<(sorted.count - cut)]))
    }

    /// numpy's default (linear) percentile of sorted `values` at quantile `q` in [0, 1].
    public static func percentile(sorted values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let position = q * Double(values.count - 1)
        let low = Int(position.rounded(.down)), high = Swift.min(low + 1, values.count - 1)
        return values[low] + (values[high] - values[low]) * (position - Double(low))
    }
}

/// rliable's score distributions (performance profiles): the fraction of every value of
/// every run of every task, pooled, that exceeds each tau (`run_score_deviation`, and
/// with episodes as points, the profile over episodes).
public func scoreDistribution(_ scores: ScoreArray, taus: [Double]) -> [Double] {
    let all = scores.all.sorted()
    // Values above tau = count - (values <= tau): a binary search per tau.
    return taus.map { tau in
        var low = 0, high = all.count
        while low < high {
            let mid = (low + high) / 2
            if all[mid] <= tau { low = mid + 1 } else { high = mid }
        }
        return Double(all.count - low) / Double(all.count)
    }
}

/// rliable's probability of improvement P(X > Y): per task, the Mann-Whitney U statistic
/// of X's runs over Y's (pairs where X wins count 1, ties 1/2) divided by the number of
/// pairs, averaged over tasks. Both matrices list the same tasks in the same order.
public func probabilityOfImprovement(_ x: [[Double]], _ y: [[Double]]) -> Double {
    var total = 0.0
    for (xs, ys) in zip(x, y) {
        var wins = 0.0
        for a in xs {
            for b in ys { wins += a > b ? 1 : (a == b ? 0.5 : 0) }
        }
        total += wins / Double(xs.count * ys.count)
    }
    return total / Double(x.count)
}
