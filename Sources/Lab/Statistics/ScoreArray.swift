import Foundation

/// An error in statistics input: a non-finite score, an empty task, a bad normalization.
public struct StatisticsError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Scores of one agent: for each task (environment), for each run (seed), `pointCount`
/// values. Shaped like rliable's `(num_runs, num_tasks, ...)` arrays, except that tasks
/// may have different numbers of runs.
///
/// With `pointCount == 1` this is rliable's score matrix (one final score per run). With
/// more points it is a run's scores along training (a sample-efficiency curve) or a run's
/// episode returns (a profile over episodes).
public struct ScoreArray: Equatable, Sendable {
    /// The task names, in order.
    public let tasks: [String]
    /// The number of values each run has.
    public let pointCount: Int
    /// `values[task]` holds the runs one after another: run `r`'s point `p` is at
    /// `r * pointCount + p`.
    public internal(set) var values: [[Double]]

    /// A score matrix: `scores[task][run]`, one value per run.
    ///
    /// - Throws: ``StatisticsError`` when a task has no run or a score is NaN or infinite.
    public init(tasks: [String], scores: [[Double]]) throws {
        try self.init(tasks: tasks, pointCount: 1, values: scores)
    }

    /// Scores along points: `series[task][run][point]`; every run has the same number of
    /// points.
    ///
    /// - Throws: ``StatisticsError`` for an empty task, runs of different lengths, no
    ///   points, or a non-finite value.
    public init(tasks: [String], series: [[[Double]]]) throws {
        guard let count = series.first?.first?.count else {
            throw StatisticsError("no scores: every task needs at least one run with at least one point")
        }
        for (task, runs) in zip(tasks, series) {
            for run in runs where run.count != count {
                throw StatisticsError("task \(task): runs have \(run.count) and \(count) points; every run needs the same number")
            }
        }
        try self.init(tasks: tasks, pointCount: count, values: series.map { $0.flatMap { $0 } })
    }

    init(tasks: [String], pointCount: Int, values: [[Double]]) throws {
        guard tasks.count == values.count else {
            throw StatisticsError("\(tasks.count) task names for \(values.count) tasks of scores")
        }
        guard !tasks.isEmpty else { throw StatisticsError("no tasks: statistics need at least one environment") }
        guard pointCount >= 1 else { throw StatisticsError("every run needs at least one score") }
        for (task, column) in zip(tasks, values) {
            guard !column.isEmpty else { throw StatisticsError("task \(task) has no runs") }
            if let bad = column.firstIndex(where: { !$0.isFinite }) {
                throw StatisticsError("task \(task), run \(bad / pointCount + 1): score \(column[bad]) is not a finite number")
            }
        }
        self.tasks = tasks
        self.pointCount = pointCount
        self.values = values
    }

    /// The number of runs of task `task`.
    public func runCount(_ task: Int) -> Int { values[task].count / pointCount }

    /// The score matrix at `point`: `[task][run]`.
    public func matrix(at point: Int) -> [[Double]] {
        values.map { column in stride(from: point, to: column.count, by: pointCount).map { column[$0] } }
    }

    /// Every value, task after task.
    public var all: [Double] { values.flatMap { $0 } }
}

/// The affine map from raw returns to normalized scores: `minimum` maps to 0 (rliable's
/// random-agent score), `maximum` to 1 (the environment's `reward_threshold`, or a
/// user-given maximum).
public struct Normalization: Equatable, Sendable {
    public let minimum: Double
    public let maximum: Double

    /// - Throws: ``StatisticsError`` for a non-finite bound or `minimum >= maximum` (a
    ///   normalization with equal bounds would divide by zero; reversed bounds would turn
    ///   "better" upside down).
    public init(minimum: Double, maximum: Double, task: String) throws {
        guard minimum.isFinite && maximum.isFinite else {
            throw StatisticsError("normalization of \(task): bounds \(minimum), \(maximum) must be finite numbers")
        }
        guard minimum != maximum else {
            throw StatisticsError("normalization of \(task): min = max = \(minimum) would divide by zero; give --normalize \(task)=MIN,MAX with MIN < MAX")
        }
        guard minimum < maximum else {
            throw StatisticsError("normalization of \(task): min \(minimum) is above max \(maximum); 0 is the random agent's score and 1 the target, so give --normalize \(task)=MIN,MAX with MIN < MAX")
        }
        self.minimum = minimum
        self.maximum = maximum
    }

    /// `(value - minimum) / (maximum - minimum)`.
    public func callAsFunction(_ value: Double) -> Double { (value - minimum) / (maximum - minimum) }
}
