import Foundation

/// What the x axis of a learning curve counts.
public enum CurveAxis: String, CaseIterable, Sendable {
    /// Training episodes.
    case episodes
    /// Environment steps (the sum of episode lengths).
    case steps

    /// The axis label.
    public var label: String { self == .episodes ? "training episodes" : "environment steps" }
}

/// One agent's learning curve on one environment: the mean over runs at each x, with a
/// 95% bootstrap confidence interval of that mean.
public struct LearningCurve: Equatable, Sendable {
    public let agent: String
    /// The number of runs (seeds) the mean is over.
    public let runCount: Int
    public let x: [Double]
    public let mean: [Double]
    /// The 2.5th and 97.5th percentiles of the bootstrap distribution of the mean.
    public let lower: [Double]
    public let upper: [Double]

    /// The number of bootstrap resamples.
    public static let resamples = 1000
    /// The most points a curve keeps (evenly spaced), so SVG files stay small.
    public static let maximumPoints = 300

    /// Aggregates `runs` (one agent on one environment).
    ///
    /// Each run is first smoothed by a trailing rolling mean over `window` episodes (fewer
    /// at the start). With x = episodes, the curve covers the episodes every run has (so
    /// the mean is always over the same runs); with x = steps, each run's value at step s
    /// is its smoothed return of the last episode finished by s, from the step by which
    /// every run finished an episode to the step every run reached.
    ///
    /// The band resamples runs with replacement (percentile bootstrap, as rliable). The
    /// resamples are drawn once per curve from a ``RandomSource`` seeded by `seed`, so the
    /// same results give the same bytes.
    public init(agent: String, runs: [RunSeries], axis: CurveAxis, window: Int, seed: UInt64 = 0) throws {
        self.agent = agent
        runCount = runs.count
        let smoothed = runs.map { LearningCurve.rollingMean($0.returns, window: max(1, window)) }
        var xs: [Double] = []
        var columns: [[Double]] = []  // columns[point][run]
        switch axis {
        case .episodes:
            let count = smoothed.map(\.count).min() ?? 0
            for index in LearningCurve.sampleIndices(count) {
                xs.append(Double(index + 1))
                columns.append(smoothed.map { $0[index] })
            }
        case .steps:
            // The sample-efficiency curves' step grid and step function (evenly spaced steps).
            let ends = runs.map(\.episodeEnds)
            if let grid = ComparisonStatistics.stepGrid(ends, points: LearningCurve.maximumPoints, useSteps: false) {
                xs = grid.map(Double.init)
                let curves = runs.indices.map { ComparisonStatistics.stepFunction(steps: ends[$0], values: smoothed[$0], grid: grid) }
                columns = grid.indices.map { point in curves.map { $0[point] } }
            }
        }
        x = xs
        mean = columns.map(AggregateMetric.average)
        // One set of resamples for the whole curve: the band is smooth along x, and a curve's
        // band does not depend on how many points it has.
        let random = try RandomSource(seed: seed)
        let k = runs.count
        var picks = [Int](repeating: 0, count: LearningCurve.resamples * k)
        for i in picks.indices { picks[i] = k > 0 ? random.uniformIndex(below: k) : 0 }
        var low: [Double] = [], high: [Double] = []
        var means = [Double](repeating: 0, count: LearningCurve.resamples)
        for column in columns {
            for b in 0..<LearningCurve.resamples {
                var sum = 0.0
                for j in 0..<k { sum += column[picks[b * k + j]] }
                means[b] = sum / Double(k)
            }
            means.sort()
            low.append(AggregateMetric.percentile(sorted: means, 0.025))
            high.append(AggregateMetric.percentile(sorted: means, 0.975))
        }
        lower = low
        upper = high
    }

    /// Trailing rolling mean: element i is the mean of `values[max(0, i-window+1)...i]`.
    public static func rollingMean(_ values: [Double], window: Int) -> [Double] {
        var result: [Double] = []
        result.reserveCapacity(values.count)
        var sum = 0.0
        for (i, v) in values.enumerated() {
            sum += v
            if i >= window { sum -= values[i - window] }
            result.append(sum / Double(min(i + 1, window)))
        }
        return result
    }

    /// At most ``maximumPoints`` indices spread evenly over `0..<count`, first and last included.
    static func sampleIndices(_ count: Int) -> [Int] {
        guard count > maximumPoints else { return Array(0..<count) }
        return (0..<maximumPoints).map { Int((Double(count - 1) * Double($0) / Double(maximumPoints - 1)).rounded()) }
    }
}

/// The 95% percentile-bootstrap confidence interval of the mean of `values`.
public func bootstrapConfidenceInterval(_ values: [Double], resamples: Int = 1000, seed: UInt64 = 0) throws -> (lower: Double, upper: Double) {
    guard !values.isEmpty else { return (.nan, .nan) }
    let random = try RandomSource(seed: seed)
    var means: [Double] = []
    means.reserveCapacity(resamples)
    for _ in 0..<resamples {
        var sum = 0.0
        for _ in values { sum += values[random.uniformIndex(below: values.count)] }
        means.append(sum / Double(values.count))
    }
    means.sort()
    return (AggregateMetric.percentile(sorted: means, 0.025), AggregateMetric.percentile(sorted: means, 0.975))
}
