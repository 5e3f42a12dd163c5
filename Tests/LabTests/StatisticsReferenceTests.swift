import Foundation
import LabCore
import Testing
@testable import Lab

/// rliable's statistics against rliable itself, on the fixtures
/// `Fixtures/statistics/generate_rliable.py` made (see Fixtures/PROVENANCE.md).
///
/// Point estimates (aggregates, profiles, probability of improvement, IQM curves) agree to
/// 1e-9. Intervals agree to rounding too, not merely to Monte-Carlo error: rliable draws
/// its resamples from numpy's global MT19937 stream with `np.random.choice`, and RLLab's
/// bootstrap draws the same integers in the same order from an `mt19937` ``RandomSource``
/// seeded as the script seeded numpy (``RandomSource/maskedIndex(below:)``), so both see
/// the very same resamples. A difference in resampling layout, statistic or percentile
/// rule shows up as a mismatch far above the tolerance.
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
            let agents: [String]
            let pairs: [String]
            let seeds: [String: UInt64]
            let aggregates: [String: Estimates]
            let run_profiles: [String: Estimates]
            let probability_of_improvement: [String: Pair]
        }
        struct Series: Decodable {
            let scores: [String: [[[Double]]]]
            let agents: [String]
            let seeds: [String: UInt64]
            let iqm_curves: [String: Estimates]
            let episode_profiles: [String: Estimates]
        }
        struct Choice: Decodable {
            let seed: UInt64
            let count: Int
            let indices: [Int]
        }
        let reps: Int
        let confidence: Double
        let taus: [Double]
        let cases: [Case]
        let series: Series
        let numpy_choice: [Choice]
    }

    static let fixture: Fixture? = {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)?
            .appendingPathComponent("statistics/rliable.json"),
            let data = try? Data(contentsOf: url)
        else { return nil }
        return try? JSONDecoder().decode(Fixture.self, from: data)
    }()

    static func loadFixture() throws -> Fixture { try #require(fixture, "Fixtures/statistics/rliable.json is missing or unreadable") }

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

    /// Both endpoints equal rliable's to rounding (1e-12 absolute, 1e-12 relative): the
    /// resamples are the same, only summation order may differ.
    func expectSame(_ ours: IntervalEstimate, _ reference: [Double], _ label: String) {
        #expect(ours.lower != nil && ours.upper != nil, "\(label): no interval")
        guard let lower = ours.lower, let upper = ours.upper else { return }
        for (value, expected, end) in [(lower, reference[0], "lower"), (upper, reference[1], "upper")] {
            #expect(abs(value - expected) <= 1e-12 + 1e-12 * abs(expected), "\(label): \(end) \(value) vs rliable \(expected)")
        }
    }

    static func bootstrap(_ fixture: Fixture) throws -> StratifiedBootstrap {
        try StratifiedBootstrap(samples: fixture.reps, confidence: fixture.confidence)
    }

    // MARK: The random stream

    @Test func maskedIndicesAreNumpysChoice() throws {
        let fixture = try Self.loadFixture()
        for sample in fixture.numpy_choice {
            let random = try RandomSource(seed: sample.seed)
            let ours = sample.indices.map { _ in random.maskedIndex(below: sample.count) }
            #expect(ours == sample.indices, "np.random.seed(\(sample.seed)); np.random.choice(\(sample.count), 64)")
        }
    }

    // MARK: Point estimates

    @Test func aggregatePointEstimatesMatchRliable() throws {
        let fixture = try Self.loadFixture()
        for testCase in fixture.cases {
            for agent in testCase.agents {
                let matrix = try Self.matrix(testCase.scores[agent]!).matrix(at: 0)
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
            for agent in testCase.agents {
                let profile = scoreDistribution(try Self.matrix(testCase.scores[agent]!), taus: taus)
                let expected = testCase.run_profiles[agent]!.estimates
                for i in taus.indices { #expect(abs(profile[i] - expected[i]) <= 1e-9, "\(testCase.name) \(agent) tau \(taus[i])") }
            }
            for pair in testCase.pairs {
                let expected = testCase.probability_of_improvement[pair]!
                let names = pair.split(separator: ",").map(String.init)
                let x = try Self.matrix(testCase.scores[names[0]]!), y = try Self.matrix(testCase.scores[names[1]]!)
                let value = probabilityOfImprovement(x.matrix(at: 0), y.matrix(at: 0))
                #expect(abs(value - expected.estimate) <= 1e-9, "\(testCase.name) P(\(pair)): \(value) vs \(expected.estimate)")
            }
        }
        let series = fixture.series
        for agent in series.agents {
            let data = try Self.series(series.scores[agent]!)
            let profile = scoreDistribution(data, taus: taus)
            for i in taus.indices { #expect(abs(profile[i] - series.episode_profiles[agent]!.estimates[i]) <= 1e-9) }
            for point in 0..<data.pointCount {
                let iqm = AggregateMetric.interquartileMean(data.matrix(at: point).flatMap { $0 })
                #expect(abs(iqm - series.iqm_curves[agent]!.estimates[point]) <= 1e-9)
            }
        }
    }

    // MARK: Intervals, on rliable's own resamples

    @Test(arguments: 0..<5)
    func aggregateIntervalsMatchRliable(caseIndex: Int) throws {
        let fixture = try Self.loadFixture()
        let testCase = fixture.cases[caseIndex]
        let bootstrap = try Self.bootstrap(fixture)
        // One stream for every agent in rliable's order, as `get_interval_estimates` draws.
        let random = try RandomSource(seed: testCase.seeds["aggregates"]!)
        for agent in testCase.agents {
            let ours = bootstrap.intervals(try Self.matrix(testCase.scores[agent]!), random: random) { s in
                let m = s.matrix(at: 0)
                return AggregateMetric.allCases.map { $0(m) }
            }
            for (k, metric) in AggregateMetric.allCases.enumerated() {
                expectSame(ours[k], testCase.aggregates[agent]!.intervals[k], "\(testCase.name) \(agent) \(metric)")
            }
        }
    }

    @Test(arguments: 0..<5)
    func profileAndImprovementIntervalsMatchRliable(caseIndex: Int) throws {
        let fixture = try Self.loadFixture()
        let testCase = fixture.cases[caseIndex]
        let taus = fixture.taus
        let bootstrap = try Self.bootstrap(fixture)
        let profileStream = try RandomSource(seed: testCase.seeds["run_profiles"]!)
        for agent in testCase.agents {
            let ours = bootstrap.intervals(try Self.matrix(testCase.scores[agent]!), random: profileStream) {
                scoreDistribution($0, taus: taus)
            }
            for i in taus.indices {
                expectSame(ours[i], testCase.run_profiles[agent]!.intervals[i], "\(testCase.name) \(agent) profile tau \(taus[i])")
            }
        }
        let pairStream = try RandomSource(seed: testCase.seeds["probability_of_improvement"]!)
        for pair in testCase.pairs {
            let names = pair.split(separator: ",").map(String.init)
            let x = try Self.matrix(testCase.scores[names[0]]!), y = try Self.matrix(testCase.scores[names[1]]!)
            let ours = bootstrap.intervals(x, y, random: pairStream) { probabilityOfImprovement($0.matrix(at: 0), $1.matrix(at: 0)) }
            expectSame(ours, testCase.probability_of_improvement[pair]!.interval, "\(testCase.name) P(\(pair))")
        }
    }

    @Test func curveAndEpisodeProfileIntervalsMatchRliable() throws {
        let fixture = try Self.loadFixture()
        let series = fixture.series
        let taus = fixture.taus
        let bootstrap = try Self.bootstrap(fixture)
        let curveStream = try RandomSource(seed: series.seeds["iqm_curves"]!)
        for agent in series.agents {
            let data = try Self.series(series.scores[agent]!)
            let curve = bootstrap.intervals(data, random: curveStream) { s in
                (0..<s.pointCount).map { AggregateMetric.interquartileMean(s.matrix(at: $0).flatMap { $0 }) }
            }
            for p in curve.indices { expectSame(curve[p], series.iqm_curves[agent]!.intervals[p], "\(agent) IQM curve point \(p)") }
        }
        let profileStream = try RandomSource(seed: series.seeds["episode_profiles"]!)
        for agent in series.agents {
            let data = try Self.series(series.scores[agent]!)
            let profile = bootstrap.intervals(data, random: profileStream) { scoreDistribution($0, taus: taus) }
            for i in taus.indices { expectSame(profile[i], series.episode_profiles[agent]!.intervals[i], "\(agent) episode profile tau \(taus[i])") }
        }
    }

    /// A fresh seed gives other resamples: the exact agreement above comes from replaying
    /// rliable's stream, and the test would notice a bootstrap that ignored its draws.
    @Test func anotherSeedGivesOtherIntervals() throws {
        let fixture = try Self.loadFixture()
        let testCase = fixture.cases[0]
        let agent = testCase.agents[0]
        let ours = try Self.bootstrap(fixture).intervals(
            try Self.matrix(testCase.scores[agent]!), random: try RandomSource(seed: testCase.seeds["aggregates"]! + 1000)
        ) { s in AggregateMetric.allCases.map { $0(s.matrix(at: 0)) } }
        let reference = testCase.aggregates[agent]!.intervals
        #expect(zip(ours, reference).contains { abs($0.lower! - $1[0]) > 1e-9 || abs($0.upper! - $1[1]) > 1e-9 })
    }
}
