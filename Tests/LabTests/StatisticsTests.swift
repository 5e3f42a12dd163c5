import Foundation
import LabCore
import Testing
@testable import Lab

/// rliable's statistics: definitions on generated cases, bad input, results folders,
/// reproducibility (the comparison with rliable itself is in `StatisticsReferenceTests`).
@Suite struct StatisticsTests {
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

    // MARK: Sample efficiency from periodic evaluations

    /// Adds `evaluations.csv` to a folder made by ``folder(_:episodes:)``: run `seed` of
    /// `agent` evaluates at `steps` with means `value(agent, seed, step)`.
    func addEvaluations(_ url: URL, environment: String, agents: [String: Int], steps: [Int], value: (String, Int, Int) -> Double) throws {
        var text = "agent,env,seed,step,wall_time,mean,std,returns\n"
        for agent in agents.keys.sorted() {
            for seed in 0..<agents[agent]! {
                for step in steps { text += "\(agent),\(environment),\(seed),\(step),0.0,\(value(agent, seed, step)),0.0,\(value(agent, seed, step))\n" }
            }
        }
        try Data(text.utf8).write(to: url.appendingPathComponent("evaluations.csv"))
    }

    @Test func sampleEfficiencyUsesPeriodicEvaluationsWhenEveryRunHasThem() throws {
        let url = try folder(["CartPole-v1": ["random": [20, 22, 19, 25, 21], "dqn": [500, 480, 130, 500, 350]]])
        let value = { (agent: String, seed: Int, step: Int) -> Double in
            agent == "random" ? Double(20 + seed) : Double(step) / 10 + Double(seed * seed) * 7
        }
        try addEvaluations(url, environment: "CartPole-v1", agents: ["random": 5, "dqn": 5], steps: [100, 200, 300], value: value)
        let results = try ResultsFolder([url])
        #expect(results.runs(agent: "dqn", environment: "CartPole-v1")[2].evaluations == [100, 200, 300].map { EvaluationPoint(step: $0, mean: value("dqn", 2, $0)) })
        let statistics = try ComparisonStatistics(results: results, options: StatisticsOptions(bootstrapSamples: 200))
        let scope = try #require(statistics.environments.first)
        #expect(scope.curveSource.contains("evaluations"))
        let dqn = try #require(scope.sampleEfficiency.first { $0.agent == "dqn" })
        // The grid is the evaluation steps; each point is the IQM of the runs' means there.
        #expect(dqn.x == [100, 200, 300])
        for (i, step) in [100, 200, 300].enumerated() {
            #expect(dqn.estimate[i] == AggregateMetric.interquartileMean((0..<5).map { value("dqn", $0, step) }))
            #expect(dqn.lower![i] <= dqn.estimate[i] && dqn.estimate[i] <= dqn.upper![i])
        }
        let svg = StatisticsCharts.charts(scope, statistics).first { $0.0 == "sample-efficiency" }?.1 ?? ""
        #expect(svg.contains("evaluations.csv"))

        // One run without evaluations: the whole chart falls back to training returns.
        let partial = try folder(["CartPole-v1": ["random": [20, 22], "dqn": [500, 480]]])
        try addEvaluations(partial, environment: "CartPole-v1", agents: ["random": 2, "dqn": 1], steps: [100, 200], value: value)
        let fallback = try ComparisonStatistics(results: try ResultsFolder([partial]), options: StatisticsOptions(bootstrapSamples: 50))
        #expect(fallback.environments[0].curveSource.contains("training returns"))

        // A malformed evaluations.csv is a clear error naming the file and row.
        try Data("agent,env,seed,step,wall_time,mean,std,returns\ndqn,CartPole-v1,0,ten,0,1,0,1\n".utf8)
            .write(to: partial.appendingPathComponent("evaluations.csv"))
        do {
            _ = try ResultsFolder([partial])
            Issue.record("a malformed evaluations.csv was accepted")
        } catch {
            #expect("\(error)".contains("evaluations.csv, row 2"), "\(error)")
        }
    }

    @Test func stepGridCoversOnlyWhatEveryRunReached() {
        #expect(ComparisonStatistics.stepGrid([[100, 200, 300], [100, 200, 300, 400]], points: 50, useSteps: true) == [100, 200, 300])
        #expect(ComparisonStatistics.stepGrid([[100, 200], [300, 400]], points: 50, useSteps: true) == nil)
        #expect(ComparisonStatistics.stepGrid([[10, 20, 30, 40]], points: 3, useSteps: true) == [10, 25, 40])
        #expect(ComparisonStatistics.stepFunction(steps: [10, 20, 30], values: [1, 2, 3], grid: [5, 10, 19, 20, 35]) == [1, 1, 1, 2, 3])
    }
}
