import Foundation
import LabCore
import Testing
@testable import Lab

/// rliable's statistics against rliable itself: point estimates to 1e-9 and interval
/// endpoints within 5% of rliable's interval width, both at 50,000 bootstrap resamples, on
/// the fixtures `Fixtures/statistics/generate_rliable.py` made (see Fixtures/PROVENANCE.md).
@Suite struct StatisticsReferenceTests {
    // MARK: Fixtures

    struct Fixture: Decodable {
        struct Estimates: Decodable {
            let estimates: [Double]
            let intervals: [[Double]]
        }
        struct Pair: Decodable {
            let estimate: Double
            let interval: [Double]
        }
        struct Case: Decodable {
            let name: String
            let scores: [String: [[Double]]]
            let aggregates: [String: Estimates]
            let run_profiles: [String: Estimates]
            let probability_of_improvement: [String: Pair]
        }
        struct Series: Decodable {
            let scores: [String: [[[Double]]]]
            let iqm_curves: [String: Estimates]
            let episode_profiles: [String: Estimates]
        }
        let reps: Int
        let taus: [Double]
        let cases: [Case]
        let series: Series
    }

    static func loadFixture() throws -> Fixture {
        let url = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            .appendingPathComponent("statistics/rliable.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    /// rliable's (runs, tasks) list as a ScoreArray (tasks, runs).
    static func matrix(_ runsByTasks: [[Double]]) throws -> ScoreArray {
        let tasks = runsByTasks[0].indices
        return try ScoreArray(tasks: tasks.map { "task\($0)" }, scores: tasks.map { t in runsByTasks.map { $0[t] } })
    }

    /// rliable's (runs, tasks, points) list as a ScoreArray.
    static func series(_ runsByTasksByPoints: [[[Double]]]) throws -> ScoreArray {
        let tasks = runsByTasksByPoints[0].indices
        return try ScoreArray(tasks: tasks.map { "task\($0)" }, series: tasks.map { t in runsByTasksByPoints.map { $0[t] } })
    }

    /// |ours - rliable| <= 5% of rliable's interval width, for both ends.
    func expectClose(_ ours: IntervalEstimate, _ reference: [Double], _ label: String) {
        let width = reference[1] - reference[0]
        let tolerance = 0.05 * width + 1e-12
        #expect(ours.lower != nil && ours.upper != nil, "\(label): no interval")
        guard let lower = ours.lower, let upper = ours.upper else { return }
        #expect(abs(lower - reference[0]) <= tolerance, "\(label): lower \(lower) vs rliable \(reference[0]) (width \(width))")
        #expect(abs(upper - reference[1]) <= tolerance, "\(label): upper \(upper) vs rliable \(reference[1]) (width \(width))")
    }

    /// The bootstrap size of the interval checks: rliable's 50,000.
    static let samples = 50_000

    @Test func aggregatePointEstimatesMatchRliable() throws {
        let fixture = try Self.loadFixture()
        for testCase in fixture.cases {
            for (agent, scores) in testCase.scores {
                let matrix = try Self.matrix(scores).matrix(at: 0)
                let expected = testCase.aggregates[agent]!.estimates
                for (metric, value) in zip(AggregateMetric.allCases, expected) {
                    #expect(abs(metric(matrix) - value) <= 1e-9, "\(testCase.name) \(agent) \(metric): \(metric(matrix)) vs \(value)")
                }
            }
        }
    }

    @Test func profilesAndImprovementMatchRliable() throws {
        let fixture = try Self.loadFixture()
        let taus = fixture.taus
        for testCase in fixture.cases {
            for (agent, scores) in testCase.scores {
                let profile = scoreDistribution(try Self.matrix(scores), taus: taus)
                let expected = testCase.run_profiles[agent]!.estimates
                for i in taus.indices { #expect(abs(profile[i] - expected[i]) <= 1e-9, "\(testCase.name) \(agent) tau \(taus[i])") }
            }
            for (pair, expected) in testCase.probability_of_improvement {
                let names = pair.split(separator: ",").map(String.init)
                let x = try Self.matrix(testCase.scores[names[0]]!), y = try Self.matrix(testCase.scores[names[1]]!)
                let value = probabilityOfImprovement(x.matrix(at: 0), y.matrix(at: 0))
                #expect(abs(value - expected.estimate) <= 1e-9, "\(testCase.name) P(\(pair)): \(value) vs \(expected.estimate)")
            }
        }
        let series = fixture.series
        for (agent, scores) in series.scores {
            let data = try Self.series(scores)
            let profile = scoreDistribution(data, taus: taus)
            for i in taus.indices { #expect(abs(profile[i] - series.episode_profiles[agent]!.estimates[i]) <= 1e-9) }
            for point in 0..<data.pointCount {
                let iqm = AggregateMetric.interquartileMean(data.matrix(at: point).flatMap { $0 })
                #expect(abs(iqm - series.iqm_curves[agent]!.estimates[point]) <= 1e-9)
            }
        }
    }

    @Test(arguments: [0, 1, 2, 3, 4])
    func aggregateIntervalsMatchRliable(caseIndex: Int) throws {
        let fixture = try Self.loadFixture()
        let testCase = fixture.cases[caseIndex]
        let bootstrap = try StratifiedBootstrap(samples: Self.samples)
        let random = try RandomSource(seed: 17)
        for agent in testCase.scores.keys.sorted() {
            let scores = try Self.matrix(testCase.scores[agent]!)
            let ours = bootstrap.intervals(scores, random: random.derived(agent)) { s in
                let m = s.matrix(at: 0)
                return AggregateMetric.allCases.map { $0(m) }
            }
            for (k, metric) in AggregateMetric.allCases.enumerated() {
                expectClose(ours[k], testCase.aggregates[agent]!.intervals[k], "\(testCase.name) \(agent) \(metric)")
            }
        }
    }

    @Test(arguments: [0, 1, 2, 3, 4])
    func profileAndImprovementIntervalsMatchRliable(caseIndex: Int) throws {
        let fixture = try Self.loadFixture()
        let testCase = fixture.cases[caseIndex]
        let taus = fixture.taus
        let bootstrap = try StratifiedBootstrap(samples: Self.samples)
        let random = try RandomSource(seed: 18)
        for agent in testCase.scores.keys.sorted() {
            let ours = bootstrap.intervals(try Self.matrix(testCase.scores[agent]!), random: random.derived(agent)) {
                scoreDistribution($0, taus: taus)
            }
            for i in taus.indices {
                expectClose(ours[i], testCase.run_profiles[agent]!.intervals[i], "\(testCase.name) \(agent) profile tau \(taus[i])")
            }
        }
        for pair in testCase.probability_of_improvement.keys.sorted() {
            let names = pair.split(separator: ",").map(String.init)
            let x = try Self.matrix(testCase.scores[names[0]]!), y = try Self.matrix(testCase.scores[names[1]]!)
            let ours = bootstrap.intervals(x, y, random: random.derived(pair)) { probabilityOfImprovement($0.matrix(at: 0), $1.matrix(at: 0)) }
            expectClose(ours, testCase.probability_of_improvement[pair]!.interval, "\(testCase.name) P(\(pair))")
        }
    }

    @Test func curveAndEpisodeProfileIntervalsMatchRliable() throws {
        let fixture = try Self.loadFixture()
        let series = fixture.series
        let taus = fixture.taus
        let bootstrap = try StratifiedBootstrap(samples: Self.samples)
        let random = try RandomSource(seed: 19)
        for agent in series.scores.keys.sorted() {
            let data = try Self.series(series.scores[agent]!)
            let curve = bootstrap.intervals(data, random: random.derived("curve|\(agent)")) { s in
                (0..<s.pointCount).map { AggregateMetric.interquartileMean(s.matrix(at: $0).flatMap { $0 }) }
            }
            for p in curve.indices { expectClose(curve[p], series.iqm_curves[agent]!.intervals[p], "\(agent) IQM curve point \(p)") }
            let profile = bootstrap.intervals(data, random: random.derived("profile|\(agent)")) { scoreDistribution($0, taus: taus) }
            for i in taus.indices { expectClose(profile[i], series.episode_profiles[agent]!.intervals[i], "\(agent) episode profile tau \(taus[i])") }
        }
    }

}
