import Foundation
import LabCore
import Testing
@testable import GAN

/// The per-epoch metrics are the same bits at any thread count.
///
/// The thread count is read once per process (`RLLAB_BLAS_THREADS`), so the test runs its
/// own test binary twice, at 1 and 2 threads, on ``MetricThreadsTests/measureInChild()``
/// and compares what each printed. The shapes are those that went astray until
/// 2026-11-30, when OpenBLAS ran on the compute threads: a book generator's layers on 500
/// rows (products only OpenBLAS takes) and a covariance of 128 features over 500 images
/// (a dgemm), through the Fréchet distance and its floor, the classifier score, the class
/// histogram and the conditional accuracy (AC-GAN's path through the same measurement).
@Suite struct MetricThreadsTests {
    static let childVariable = "RLLAB_GAN_METRIC_THREADS_CHILD"

    /// The figures, as bit patterns, in one line per figure.
    static func figures() throws -> [String] {
        var config = try ImageGANConfig.preset("book", model: .mlp)
        config.scoreSamples = 500
        let trainer = try ImageGANTrainer(config: config)
        let source = try RandomSource(seed: 21)
        let hidden = Sequential(Dense(784, 128, source: source.derived("hidden")), ReLU())
        let head = Dense(128, 10, source: source.derived("head"))
        let probe = ImageClassifierProbe(name: "test MLP", features: { hidden($0) },
                                         probabilities: { head(hidden($0)).softmax(axis: 1) })
        let metrics = try ImageQualityMetrics(probe: probe, train: try syntheticImages(500, seed: 22),
                                              test: try syntheticImages(500, seed: 23), sampleCount: 500)
        let (images, _) = trainer.metricSamples()
        let quality = try metrics.measure(images, labels: (0..<500).map { $0 % 10 })
        func bits(_ x: Double) -> String { String(x.bitPattern, radix: 16) }
        return ["threads \(BLAS.threads)",
                "floor \(bits(metrics.floor))",
                "frechet \(bits(quality.frechetDistance))",
                "score \(bits(quality.classes.score))",
                "histogram \(quality.classes.histogram.map(bits).joined(separator: ","))",
                "accuracy \(bits(quality.conditionalAccuracy ?? -1))",
                "images \(images.scalars.reduce(into: UInt64(1469598103934665603)) { $0 = ($0 ^ UInt64($1.bitPattern)) &* 1099511628211 })"]
    }

    /// Runs only as the child of ``oneAndTwoThreadsGiveTheSameMetricBits()``.
    @Test(.enabled(if: ProcessInfo.processInfo.environment[MetricThreadsTests.childVariable] != nil))
    func measureInChild() throws {
        for line in try MetricThreadsTests.figures() { print("metric-bits \(line)") }
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment[MetricThreadsTests.childVariable] == nil))
    func oneAndTwoThreadsGiveTheSameMetricBits() throws {
        var printed: [[String]] = []
        for threads in [1, 2] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            process.arguments = ["--testing-library", "swift-testing", "--filter", "MetricThreadsTests/measureInChild"]
            var environment = ProcessInfo.processInfo.environment
            environment[MetricThreadsTests.childVariable] = "1"
            environment["RLLAB_BLAS_THREADS"] = String(threads)
            process.environment = environment
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(output)")
            printed.append(output.split(separator: "\n").filter { $0.hasPrefix("metric-bits ") }.map { String($0.dropFirst(12)) })
        }
        // Each child ran at the count asked for and printed every figure.
        #expect(printed[0].first == "threads 1" && printed[1].first == "threads 2", "\(printed)")
        #expect(printed[0].count == 7 && printed[1].count == 7, "\(printed)")
        for (one, two) in zip(printed[0].dropFirst(), printed[1].dropFirst()) { #expect(one == two) }
    }
}
