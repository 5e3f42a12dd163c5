import Foundation
import LabCore
import Testing
@testable import Lab

/// rliable's statistics: point estimates against rliable itself (fixtures made by
/// `Fixtures/statistics/generate_rliable.py`), intervals within 5% of rliable's width,
/// definitions on generated cases, bad input, and reproducibility.
@Suite struct StatisticsTests {
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

    // MARK: Definitions on generated cases

    @Test func definitionsHoldOnRandomMatrices() throws {
        let random = try RandomSource(seed: 5)
        for trial in 0..<200 {
            let tasks = 1 + random.uniformIndex(below: 4)
            // Ragged runs, values on a coarse grid half the time (ties).
            let coarse = trial % 2 == 0
            let columns = (0..<tasks).map { _ in
                (0..<(1 + random.uniformIndex(below: 9))).map { _ in coarse ? Double(random.uniformIndex(below: 5)) / 4 : random.gaussian() }
            }
            let pooled = columns.flatMap { $0 }.sorted()
            let cut = pooled.count / 4
            let middle = pooled[cut..<(pooled.count - cut)]
            #expect(abs(AggregateMetric.interquartileMean.callAsFunction(columns) - middle.reduce(0, +) / Double(middle.count)) <= 1e-12)
            let means = columns.map { $0.reduce(0, +) / Double($0.count) }
            #expect(abs(AggregateMetric.mean(columns) - means.reduce(0, +) / Double(tasks)) <= 1e-12)
            let gap = 1 - pooled.map { min($0, 1) }.reduce(0, +) / Double(pooled.count)
            #expect(abs(AggregateMetric.optimalityGap(columns) - gap) <= 1e-12)
            // P(X > Y) + P(Y > X) = 1 (ties count half to each).
            let other = columns.map { $0.map { $0 + (coarse ? 0 : random.gaussian()) } }
            #expect(abs(probabilityOfImprovement(columns, other) + probabilityOfImprovement(other, columns) - 1) <= 1e-12)
            #expect(probabilityOfImprovement(columns, columns) == 0.5)
            // A profile falls from 1 (below every score) to 0 (at the top score).
            let profile = scoreDistribution(try ScoreArray(tasks: columns.indices.map { "\($0)" }, scores: columns), taus: [pooled[0] - 1, pooled[0], pooled.last!])
            #expect(profile[0] == 1 && profile[2] == 0 && profile[1] <= 1)
        }
    }

    @Test func bootstrapIsSeededAndCoversTheEstimate() throws {
        let scores = try ScoreArray(tasks: ["a", "b"], scores: [[1, 2, 3, 4, 5.5], [0.2, 0.4, 0.9]])
        let bootstrap = try StratifiedBootstrap(samples: 500)
        let statistic = { (s: ScoreArray) in [AggregateMetric.interquartileMean(s.all)] }
        let first = bootstrap.intervals(scores, random: try RandomSource(seed: 3).derived("x"), statistic: statistic)
        let again = bootstrap.intervals(scores, random: try RandomSource(seed: 3).derived("x"), statistic: statistic)
        let other = bootstrap.intervals(scores, random: try RandomSource(seed: 4).derived("x"), statistic: statistic)
        #expect(first == again)
        #expect(first != other)
        #expect(first[0].lower! <= first[0].estimate && first[0].estimate <= first[0].upper!)
        #expect(first[0].lower! < first[0].upper!)
    }

    // MARK: Bad input

    @Test func badInputIsAClearError() throws {
        #expect(throws: StatisticsError.self) { try ScoreArray(tasks: ["CartPole-v1"], scores: [[1, .nan]]) }
        do {
            _ = try ScoreArray(tasks: ["CartPole-v1"], scores: [[1, .infinity]])
            Issue.record("an infinite score was accepted")
        } catch let error as StatisticsError {
            #expect(error.description.contains("CartPole-v1") && error.description.contains("run 2") && error.description.contains("not a finite number"))
        }
        #expect(throws: StatisticsError.self) { try ScoreArray(tasks: ["x"], scores: [[]]) }
        do {
            _ = try Normalization(minimum: 3, maximum: 3, task: "Acrobot-v1")
            Issue.record("min = max was accepted")
        } catch let error as StatisticsError {
            #expect(error.description.contains("min = max") && error.description.contains("--normalize Acrobot-v1="))
        }
        #expect(throws: StatisticsError.self) { try Normalization(minimum: 5, maximum: 1, task: "x") }
        #expect(throws: StatisticsError.self) { try StratifiedBootstrap(samples: 1) }
        #expect(throws: StatisticsError.self) { try StatisticsOptions.parseNormalizations(["CartPole-v1=1"], environments: []) }
        #expect(throws: StatisticsError.self) { try StatisticsOptions.parseNormalizations(["CartPole-v1=2,2"], environments: []) }
        #expect(try StatisticsOptions.parseNormalizations(["0,500"], environments: ["a", "b"]).keys.sorted() == ["a", "b"])

        // One run: the estimate without an interval.
        let one = try StratifiedBootstrap(samples: 100).intervals(
            try ScoreArray(tasks: ["x"], scores: [[4]]), random: try RandomSource(seed: 0)) { [AggregateMetric.mean($0.matrix(at: 0))] }
        #expect(one == [IntervalEstimate(estimate: 4, lower: nil, upper: nil)])
    }

    // MARK: Results folders

    /// A results folder by hand: `episodes.csv` and `summary.csv` with the given scores.
    func folder(_ scores: [String: [String: [Double]]], episodes: Int = 30) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rllab-stats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        var episodesCSV = "agent,env,seed,episode,return,length,wall_time\n"
        var summary = "agent,env,seed,eval_mean\n"
        for environment in scores.keys.sorted() {
            for agent in scores[environment]!.keys.sorted() {
                for (seed, score) in scores[environment]![agent]!.enumerated() {
                    for e in 1...episodes { episodesCSV += "\(agent),\(environment),\(seed),\(e),\(Double(e % 7) * 3),\(10 + e % 5),0.0\n" }
                    summary += "\(agent),\(environment),\(seed),\(score)\n"
                }
            }
        }
        try Data(episodesCSV.utf8).write(to: url.appendingPathComponent("episodes.csv"))
        try Data(summary.utf8).write(to: url.appendingPathComponent("summary.csv"))
        return url
    }

    @Test func folderStatisticsFilesAndChartsRepeatAndNeverShowNaN() throws {
        let url = try folder([
            "CartPole-v1": ["random": [20, 22, 19, 25, 21, 23], "dqn": [500, 480, 130, 500, 350, .infinity]],
            "Acrobot-v1": ["random": [-500, -498, -500], "dqn": [-90, -120, -200]],
        ])
        let results = try ResultsFolder([url])
        let options = StatisticsOptions(bootstrapSamples: 300, seed: 1)
        let statistics = try ComparisonStatistics(results: results, options: options)
        // The NaN run is named and left out; few runs are flagged.
        #expect(statistics.notes.contains { $0.contains("dqn on CartPole-v1, run 5") && $0.contains("not a finite number") })
        #expect(statistics.notes.contains { $0.contains("fewer than 5 runs") && $0.contains("wide") })
        let cartPole = try #require(statistics.environments.first { $0.scope == "CartPole-v1" })
        #expect(cartPole.runCounts["dqn"] == 5)
        // Normalization: 0 = the random agent's mean, 1 = reward_threshold.
        #expect(statistics.normalizations["CartPole-v1"] == (try Normalization(minimum: 130.0 / 6, maximum: 475, task: "")))
        let aggregate = try #require(statistics.aggregate)
        let dqnIQM = try #require(aggregate.metrics["dqn"]?[.interquartileMean])
        #expect(dqnIQM.lower! <= dqnIQM.estimate && dqnIQM.estimate <= dqnIQM.upper!)

        let out1 = url.appendingPathComponent("a"), out2 = url.appendingPathComponent("b")
        for out in [out1, out2] {
            let again = try ComparisonStatistics(results: try ResultsFolder([url]), options: options)
            _ = try StatisticsFile.write(again.rows, to: try { try OutputFolder.ensure(out); return out }())
            try Report(results: try ResultsFolder([url]), statistics: again).write(to: out)
        }
        let files = try FileManager.default.subpathsOfDirectory(atPath: out1.path).sorted()
        #expect(files.contains("statistics.csv") && files.contains("plots/aggregate.intervals.svg") && files.contains("plots/aggregate.profiles.svg"))
        #expect(files.contains("plots/aggregate.improvement.svg") && files.contains("plots/aggregate.sample-efficiency.svg"))
        #expect(files.contains("plots/CartPole-v1.episode-profiles.svg"))
        for file in files where file.hasSuffix(".csv") || file.hasSuffix(".svg") || file.hasSuffix(".html") {
            let a = try Data(contentsOf: out1.appendingPathComponent(file)), b = try Data(contentsOf: out2.appendingPathComponent(file))
            #expect(a == b, "\(file) differs between two identical runs")
            let text = String(decoding: a, as: UTF8.self)
            #expect(!text.contains("NaN") && !text.contains("nan"), "\(file) shows a NaN")
            if !file.hasSuffix(".html") { #expect(!text.contains("inf"), "\(file) shows an infinite number") }
        }
        let rows = try StatisticsFile.read(out1.appendingPathComponent("statistics.csv"))
        #expect(rows.contains { $0.agent == "dqn" && $0.scope == "aggregate" && $0.statistic == "iqm" && $0.value == dqnIQM })
        #expect(rows.contains { $0.agent == "dqn" && $0.scope == "Acrobot-v1" && $0.statistic == "probability_of_improvement_vs_random" && $0.value.estimate == 1 })
        let html = try String(contentsOf: out1.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("Aggregate across environments") && html.contains("Probability of improvement") && html.contains("intervals are wide"))
    }

    @Test func oneRunAndEqualBoundsAreExplained() throws {
        let url = try folder(["CartPole-v1": ["random": [20], "dqn": [400]]])
        let statistics = try ComparisonStatistics(results: try ResultsFolder([url]), options: StatisticsOptions(bootstrapSamples: 100))
        #expect(statistics.notes.contains { $0.contains("dqn on CartPole-v1 has 1 run: no interval") })
        #expect(statistics.environments[0].metrics["dqn"]?[.interquartileMean] == IntervalEstimate(estimate: 400, lower: nil, upper: nil))
        let rows = statistics.rows
        #expect(rows.contains { $0.statistic == "iqm" && $0.agent == "dqn" && $0.value.lower == nil })
        // An environment whose random score equals its threshold has no aggregate, and says why.
        let flat = try folder(["CartPole-v1": ["random": [475, 475], "dqn": [400, 420]]])
        let noAggregate = try ComparisonStatistics(results: try ResultsFolder([flat]), options: StatisticsOptions(bootstrapSamples: 100))
        #expect(noAggregate.aggregate == nil)
        #expect(noAggregate.notes.contains { $0.contains("min = max") && $0.contains("--normalize") })
    }
}
