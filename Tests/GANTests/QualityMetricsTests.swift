import Foundation
import LabCore
import Testing
@testable import GAN

/// A random orthogonal matrix (Gram-Schmidt on Gaussian columns), row-major n x n.
private func randomOrthogonal(_ n: Int, source: RandomSource) -> [Double] {
    var q = (0..<(n * n)).map { _ in source.gaussian(mean: 0, standardDeviation: 1) }
    for j in 0..<n {
        for k in 0..<j {
            var dot = 0.0
            for i in 0..<n { dot += q[i * n + j] * q[i * n + k] }
            for i in 0..<n { q[i * n + j] -= dot * q[i * n + k] }
        }
        var norm = 0.0
        for i in 0..<n { norm += q[i * n + j] * q[i * n + j] }
        for i in 0..<n { q[i * n + j] /= norm.squareRoot() }
    }
    return q
}

/// `Q diag(d) Qᵀ`.
private func rotatedDiagonal(_ d: [Double], _ q: [Double]) -> [Double] {
    let n = d.count
    var s = [Double](repeating: 0, count: n * n)
    for i in 0..<n { for j in 0..<n { for k in 0..<n { s[i * n + j] += q[i * n + k] * d[k] * q[j * n + k] } } }
    return s
}

/// Closed form for covariances that share eigenvectors: `|μ₁-μ₂|² + Σ (√a_k - √b_k)²`.
private func closedForm(_ m1: [Double], _ m2: [Double], _ a: [Double], _ b: [Double]) -> Double {
    zip(m1, m2).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        + zip(a, b).reduce(0) { $0 + ($1.0.squareRoot() - $1.1.squareRoot()) * ($1.0.squareRoot() - $1.1.squareRoot()) }
}

@Suite struct FrechetDistanceTests {
    /// Random Gaussians in 2 to 8 dimensions whose covariances share a random rotation:
    /// the distance matches the closed form, whatever the rotation (so the square root is
    /// taken of full, non-diagonal matrices).
    @Test func matchesTheClosedFormOnRotatedGaussians() throws {
        let source = try RandomSource(seed: 11)
        for trial in 0..<12 {
            let n = 2 + trial % 7
            let q = randomOrthogonal(n, source: source)
            let a = (0..<n).map { _ in source.uniform(0.05, 4) }, b = (0..<n).map { _ in source.uniform(0.05, 4) }
            let m1 = (0..<n).map { _ in source.gaussian(mean: 0, standardDeviation: 2) }, m2 = (0..<n).map { _ in source.gaussian(mean: 0, standardDeviation: 2) }
            let s1 = FeatureStatistics(mean: m1, covariance: rotatedDiagonal(a, q), count: 100)
            let s2 = FeatureStatistics(mean: m2, covariance: rotatedDiagonal(b, q), count: 100)
            let expected = closedForm(m1, m2, a, b)
            let got = try FrechetReference.distance(s1, s2)
            #expect(Swift.abs(got - expected) <= 1e-9 * Swift.max(1, expected), "n=\(n): \(got) vs \(expected)")
            #expect(Swift.abs(try FrechetReference.distance(s1, s1)) < 1e-9)
        }
    }

    /// Non-commuting 2x2 covariances: `tr (Σ₁Σ₂)^½ = √(tr Σ₁Σ₂ + 2√(det Σ₁ det Σ₂))`.
    @Test func matchesTheTwoByTwoClosedFormForNonCommutingCovariances() throws {
        let source = try RandomSource(seed: 12)
        for _ in 0..<20 {
            func spd() -> [Double] {
                let x = (0..<4).map { _ in source.gaussian(mean: 0, standardDeviation: 1) }
                // XXᵀ + 0.1 I
                return [x[0] * x[0] + x[1] * x[1] + 0.1, x[0] * x[2] + x[1] * x[3],
                        x[0] * x[2] + x[1] * x[3], x[2] * x[2] + x[3] * x[3] + 0.1]
            }
            let a = spd(), b = spd()
            let product = [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]]
            let det = (a[0] * a[3] - a[1] * a[2]) * (b[0] * b[3] - b[1] * b[2])
            let traceRoot = (product[0] + product[3] + 2 * det.squareRoot()).squareRoot()
            let expected = 1.0 + (a[0] + a[3]) + (b[0] + b[3]) - 2 * traceRoot
            let got = try FrechetReference.distance(FeatureStatistics(mean: [0, 0], covariance: a, count: 10),
                                                    FeatureStatistics(mean: [1, 0], covariance: b, count: 10))
            #expect(Swift.abs(got - expected) < 1e-9, "\(got) vs \(expected)")
        }
    }

    /// Statistics of samples drawn from known Gaussians: the sample mean and covariance are
    /// the textbook ones, and the distance between two large samples approaches the
    /// closed form of their parents.
    @Test func samplesFromKnownGaussiansApproachTheClosedForm() throws {
        let source = try RandomSource(seed: 13)
        let n = 4, count = 20_000
        let q = randomOrthogonal(n, source: source)
        let a = [0.5, 1, 2, 3.0], b = [2, 0.25, 1, 1.5]
        let m1 = [0.0, 1, -1, 2], m2 = [0.5, 1, 0, 2]
        func sample(_ m: [Double], _ d: [Double]) -> Tensor {
            var values: [Float] = []
            for _ in 0..<count {
                let z = d.map { source.gaussian(mean: 0, standardDeviation: 1) * $0.squareRoot() }
                for i in 0..<n { values.append(Float(m[i] + (0..<n).reduce(0) { $0 + q[i * n + $1] * z[$1] })) }
            }
            return Tensor(shape: [count, n], scalars: values)
        }
        let x = sample(m1, a), y = sample(m2, b)
        let sx = try FeatureStatistics(features: x)
        // The textbook estimates, in double precision.
        let v = x.scalars.map(Double.init)
        let mean = (0..<n).map { j in (0..<count).reduce(0.0) { $0 + v[$1 * n + j] } / Double(count) }
        for j in 0..<n { #expect(Swift.abs(sx.mean[j] - mean[j]) < 1e-12) }
        for i in 0..<n { for j in 0..<n {
            let c = (0..<count).reduce(0.0) { $0 + (v[$1 * n + i] - mean[i]) * (v[$1 * n + j] - mean[j]) } / Double(count - 1)
            #expect(Swift.abs(sx.covariance[i * n + j] - c) < 1e-9)
        } }
        let got = try FrechetReference.distance(sx, FeatureStatistics(features: y))
        let expected = closedForm(m1, m2, a, b)
        #expect(Swift.abs(got - expected) < 0.05 * expected, "\(got) vs \(expected)")
    }

    @Test func squareRootSquaresBackAndBadInputIsAnError() throws {
        let source = try RandomSource(seed: 14)
        let q = randomOrthogonal(5, source: source)
        let s = rotatedDiagonal([0, 0.5, 1, 2, 9], q)
        let r = try SymmetricMatrix.squareRoot(s, dimension: 5)
        for i in 0..<5 { for j in 0..<5 {
            let rr = (0..<5).reduce(0.0) { $0 + r[i * 5 + $1] * r[$1 * 5 + j] }
            #expect(Swift.abs(rr - s[i * 5 + j]) < 1e-12)
        } }
        #expect(throws: GANError.self) { try FeatureStatistics(features: .zeros([1, 3])) }
        #expect(throws: GANError.self) {
            try FrechetReference.distance(FeatureStatistics(mean: [0], covariance: [1], count: 2),
                                          FeatureStatistics(mean: [0, 0], covariance: [1, 0, 0, 1], count: 2))
        }
        #expect(throws: GANError.self) { try SymmetricMatrix.eigen([.nan], dimension: 1, vectors: false) }
    }

    @Test func classifierScoreIsOneForOneClassAndTheClassCountForConfidentEvenSpread() {
        let confident = ClassPredictionSummary(probabilities: Tensor.oneHot((0..<40).map { $0 % 4 }, classes: 4))
        #expect(Swift.abs(confident.score - 4) < 1e-9 && confident.histogram == [0.25, 0.25, 0.25, 0.25])
        let collapsed = ClassPredictionSummary(probabilities: Tensor.oneHot([Int](repeating: 2, count: 10), classes: 4))
        #expect(Swift.abs(collapsed.score - 1) < 1e-9 && collapsed.histogram == [0, 0, 1, 0])
        let unsure = ClassPredictionSummary(probabilities: .filled([6, 3], with: 1.0 / 3))
        #expect(Swift.abs(unsure.score - 1) < 1e-6)
    }
}

/// The metrics on real Fashion-MNIST with a small classifier trained here (the lab's CNN
/// lives above this module): real test images score near the floor, noise far above it.
@Suite struct ImageQualityMetricsTests {
    @Test(.enabled(if: FileManager.default.fileExists(atPath: FashionMNIST.defaultDirectory + "/t10k-images-idx3-ubyte.gz")))
    func realImagesScoreNearTheFloorAndNoiseFarAbove() throws {
        let (train, test) = try GANImageData.load()
        let master = try RandomSource(seed: 3)
        let hidden = Sequential(Dense(784, 32, source: master.derived("init")), ReLU())
        let head = Dense(32, 10, source: master.derived("init2"))
        let adam = Adam(hidden.parameters + head.parameters, learningRate: 2e-3)
        let part = train.prefix(3000)
        for start in stride(from: 0, to: 3000, by: 100) {
            let (x, y) = part.batch(start..<(start + 100))
            adam.zeroGrad()
            Loss.crossEntropy(logits: head(hidden((x + 1) * 0.5)), labels: y).backward()
            adam.step()
        }
        let probe = ImageClassifierProbe(name: "test MLP", features: { hidden($0) },
                                         probabilities: { head(hidden($0)).softmax(axis: 1) })
        let metrics = try ImageQualityMetrics(probe: probe, train: train, test: test, sampleCount: 500)
        #expect(metrics.floor > 0)
        // Real test images the reference did not pick (the last 500 of the split).
        let (others, labels) = test.batch(9500..<10000)
        let real = try metrics.measure((others + 1) * 0.5, labels: labels)
        let noise = try metrics.measure(Tensor.uniform([500, 784], source: master.derived("noise")), labels: nil)
        #expect(real.frechetDistance < 3 * metrics.floor, "real \(real.frechetDistance), floor \(metrics.floor)")
        #expect(noise.frechetDistance > 20 * metrics.floor, "noise \(noise.frechetDistance), floor \(metrics.floor)")
        #expect((real.conditionalAccuracy ?? 0) > 0.6)
        // Real images spread over the classes with some confidence; noise looks like one
        // class to the classifier, or like none.
        #expect(real.classes.score > 2 && real.classes.score > 1.5 * noise.classes.score,
                "real \(real.classes.score), noise \(noise.classes.score) \(noise.classes.histogram)")
    }
}
