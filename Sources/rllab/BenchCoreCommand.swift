import ArgumentParser
import Foundation
import LabCore

/// `rllab bench core`: per-step cost of the autodiff core on DQN- and GAN-sized networks,
/// and sgemm throughput for their matrix shapes. `Benchmarks/torch_core.py` prints the
/// same lines for PyTorch on CPU with the same thread count.
struct BenchCoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core",
        abstract: "Time DQN and GAN training steps and sgemm on the autodiff core (use a release build)."
    )

    @Option(help: "Approximate seconds per measurement.") var seconds = 1.0
    @Option(help: "Random seed for the synthetic data and weights.") var seed: UInt64 = 0
    @Option(help: "Run only benchmarks whose printed name starts with this (dqn, dqn_step 4-256, gan, sgemm, sgemm 64x).") var only: String?

    func run() throws {
        let source = try RandomSource(seed: seed)
        print("backend: \(BLAS.summary) (OPENBLAS_CORETYPE=\(BLAS.requestedCoreType))")
        let want = { (name: String) in only.map { name.hasPrefix($0) } ?? true }
        for hidden in [64, 256] where want("dqn_step 4-\(hidden)-\(hidden)-2 batch 64") {
            let ms = try Self.time(seconds: seconds, try DQNStep(hidden: hidden, source: source.spawn()).run)
            print(String(format: "dqn_step 4-%d-%d-2 batch 64: %.4f ms/step", hidden, hidden, ms))
        }
        if want("gan_iteration G 256-512-1024-784 D 784-256-1 batch 100") {
            let gan = try GANStep(source: source.spawn())
            print(String(format: "gan_iteration G 256-512-1024-784 D 784-256-1 batch 100: %.4f ms/step", try Self.time(seconds: seconds, gan.run)))
        }
        for (m, k, n) in Self.sgemmShapes where want("sgemm \(m)x\(k)x\(n)") {
            let a = Tensor.uniform([m, k], low: -1, high: 1, source: source)
            let b = Tensor.uniform([n, k], low: -1, high: 1, source: source)
            let ms = try Self.time(seconds: seconds / 2) {
                a.withUnsafeBufferPointer { ap in
                    b.withUnsafeBufferPointer { bp in
                        sgemmScratch.withUnsafeMutableBufferPointer { c in
                            BLAS.sgemm(transposeA: false, transposeB: true, m: m, n: n, k: k, a: ap.baseAddress!, lda: k,
                                       b: bp.baseAddress!, ldb: k, c: c.baseAddress!, ldc: n)
                        }
                    }
                }
            }
            print(String(format: "sgemm %dx%dx%d: %.2f GFLOP/s", m, k, n, 2.0 * Double(m * n * k) / (ms * 1e6)))
        }
    }

    /// (m, k, n) of the forward products x · Wᵀ in the benchmarked networks.
    static let sgemmShapes = [(64, 64, 64), (64, 256, 256), (100, 256, 512), (100, 512, 1024), (100, 1024, 784), (100, 784, 256), (1024, 1024, 1024)]

    /// Median milliseconds per call over 5 runs of about `seconds / 5` each, after warm-up.
    static func time(seconds: Double, _ body: () throws -> Void) throws -> Double {
        for _ in 0..<5 { try body() }
        var start = DispatchTime.now().uptimeNanoseconds
        var calls = 0
        while DispatchTime.now().uptimeNanoseconds - start < 50_000_000 { try body(); calls += 1 }
        let perRun = max(1, Int(Double(calls) * seconds / 5 / 0.05))
        var results: [Double] = []
        for _ in 0..<5 {
            start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<perRun { try body() }
            results.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(perRun))
        }
        return results.sorted()[2]
    }
}

private nonisolated(unsafe) var sgemmScratch = [Float](repeating: 0, count: 1024 * 1024)

/// One DQN update: TD target from a target network without gradient, Q(s, a) from the
/// online network, Huber loss, backward, Adam.
///
/// The step cycles through 32 fixed random batches (random rewards): training on a single
/// batch would drive the loss, gradients and Adam moments towards zero, into subnormal
/// floats that are ~100x slower on x86 and not what a real agent sees.
private final class DQNStep {
    let online: Sequential, target: Sequential, optimizer: Adam
    var batches: [(obs: Tensor, nextObs: Tensor, reward: Tensor, notDone: Tensor, actions: [Int])] = []
    var next = 0

    init(hidden: Int, source: RandomSource) throws {
        func net() -> Sequential { Sequential(Dense(4, hidden, source: source), ReLU(), Dense(hidden, hidden, source: source), ReLU(), Dense(hidden, 2, source: source)) }
        online = net()
        target = net()
        optimizer = Adam(online.parameters, learningRate: 2.3e-3)
        for _ in 0..<32 {
            batches.append((Tensor.uniform([64, 4], low: -1, high: 1, source: source), Tensor.uniform([64, 4], low: -1, high: 1, source: source),
                            Tensor.uniform([64], low: 0, high: 1, source: source),
                            Tensor(shape: [64], scalars: (0..<64).map { _ in source.uniform() < 0.05 ? 0 : 1 }),
                            (0..<64).map { _ in source.uniformIndex(below: 2) }))
        }
    }

    func run() {
        let b = batches[next]
        next = (next + 1) % batches.count
        let td = withoutGradient { b.reward + target(b.nextObs).max(axis: 1) * 0.99 * b.notDone }
        let q = online(b.obs).selecting(columns: b.actions)
        let loss = Loss.huber(q, td)
        optimizer.zeroGrad()
        loss.backward()
        optimizer.step()
    }
}

/// One MLP-GAN iteration: a discriminator step on real and detached fake images, then a
/// generator step through the frozen discriminator; BCE losses, Adam(2e-4, 0.5).
private struct GANStep {
    let generator: Sequential, discriminator: Sequential
    let gOptimizer: Adam, dOptimizer: Adam
    let real: Tensor, realLabels: Tensor, fakeLabels: Tensor
    let source: RandomSource

    init(source: RandomSource) throws {
        self.source = source
        generator = Sequential(Dense(256, 512, source: source), LeakyReLU(slope: 0.2), Dense(512, 1024, source: source), LeakyReLU(slope: 0.2),
                               Dense(1024, 784, source: source), Tanh())
        discriminator = Sequential(Dense(784, 256, source: source), LeakyReLU(slope: 0.2), Dense(256, 1, source: source), Sigmoid())
        gOptimizer = Adam(generator.parameters, learningRate: 2e-4, beta1: 0.5)
        dOptimizer = Adam(discriminator.parameters, learningRate: 2e-4, beta1: 0.5)
        real = .uniform([100, 784], low: -1, high: 1, source: source)
        realLabels = .ones([100, 1])
        fakeLabels = .zeros([100, 1])
    }

    func run() {
        let z = Tensor.normal([100, 256], source: source)
        let fake = generator(z)
        discriminator.setTrainable(true)
        dOptimizer.zeroGrad()
        let dLoss = Loss.binaryCrossEntropy(probabilities: discriminator(real), targets: realLabels)
            + Loss.binaryCrossEntropy(probabilities: discriminator(fake.detached()), targets: fakeLabels)
        dLoss.backward()
        dOptimizer.step()
        discriminator.setTrainable(false)
        gOptimizer.zeroGrad()
        let gLoss = Loss.binaryCrossEntropy(probabilities: discriminator(fake), targets: realLabels)
        gLoss.backward()
        gOptimizer.step()
    }
}
