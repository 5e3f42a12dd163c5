import Agents
import ArgumentParser
import Foundation
import Gym
import LabCore

/// `rllab bench core`: per-step cost of the DQN agent's own update and greedy action, of a
/// GAN training step on the autodiff core, and sgemm throughput for their matrix shapes.
/// `Benchmarks/torch_core.py` prints the same lines for PyTorch on CPU with the same thread
/// count.
struct BenchCoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core",
        abstract: "Time the DQN agent's training step and greedy action, a GAN training step and sgemm on the autodiff core (use a release build)."
    )

    @Option(help: "Approximate seconds per measurement.") var seconds = 1.0
    @Option(help: "Random seed for the synthetic data and weights.") var seed: UInt64 = 0
    @Option(help: "Run only benchmarks whose printed name starts with this (dqn, dqn_step 4-256, act, gan, sgemm, sgemm 64x).") var only: String?

    func run() throws {
        let source = try RandomSource(seed: seed)
        print("backend: \(BLAS.summary) (OPENBLAS_CORETYPE=\(BLAS.requestedCoreType))")
        let want = { (name: String) in only.map { name.hasPrefix($0) } ?? true }
        for hidden in [64, 256] where want("dqn_step 4-\(hidden)-\(hidden)-2 batch 64") {
            let agent = try benchDQNAgent(hidden: hidden, source: source.spawn())
            let ms = try Self.time(seconds: seconds, agent.trainStep)
            print(String(format: "dqn_step 4-%d-%d-2 batch 64: %.4f ms/step", hidden, hidden, ms))
        }
        for hidden in [64, 256] where want("act dqn 4-\(hidden)-\(hidden)-2") {
            // The agent's own greedy action (what evaluation and exploitation call every step).
            let agent = try benchDQNAgent(hidden: hidden, source: source.spawn())
            let observations = benchObservations(32, source: source)
            var next = 0, chosen = 0
            let ms = try Self.time(seconds: seconds) {
                if case .discrete(let action) = try agent.act(observations[next]) { chosen &+= action }
                next = (next + 1) % observations.count
            }
            print(String(format: "act dqn 4-%d-%d-2 greedy, one observation: %.1f ns/act", hidden, hidden, ms * 1e6))
            if chosen < 0 { print(chosen) }  // keeps the actions observable
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

/// A DQN agent on CartPole-v1's spaces (net_arch [hidden, hidden], batch 64, Adam 2.3e-3,
/// SB3's other defaults) whose replay buffer holds 2,048 random transitions: `rllab bench
/// core` times the agent's own update (``DQNAgent/trainStep()``: replay sampling, TD target,
/// Huber loss, gradient clipping, Adam) and its greedy action.
///
/// The rewards are random: data whose loss falls to zero would drive the gradients and Adam
/// moments into subnormal floats, ~100x slower on x86 and not what a real agent sees.
private func benchDQNAgent(hidden: Int, source: RandomSource) throws -> DQNAgent {
    let environment = try EnvironmentRegistry.shared.make("CartPole-v1")
    var settings = DQNAgent.Settings()
    settings.netArch = [hidden, hidden]
    settings.offPolicy.batchSize = 64
    settings.learningRate = .constant(2.3e-3)
    settings.offPolicy.bufferSize = 2048
    var hyperparameters = DQNAgent.defaultHyperparameters
    try hyperparameters.set(settings, source: "rllab bench core")
    let signature = EnvironmentSignature(id: "CartPole-v1", environment: environment)
    let agent = try DQNAgent(environment: signature, hyperparameters: hyperparameters, random: source)
    let observations = benchObservations(2049, source: source)
    for i in 0..<2048 {
        try agent.remember(Transition(observation: observations[i], action: .discrete(source.uniformIndex(below: 2)),
                                  reward: source.uniform(), nextObservation: observations[i + 1],
                                  terminated: source.uniform() < 0.05, truncated: false))
    }
    return agent
}

/// `count` observations of 4 numbers uniform in [-1, 1).
private func benchObservations(_ count: Int, source: RandomSource) -> [Observation] {
    (0..<count).map { _ in .vector((0..<4).map { _ in Float(source.uniform() * 2 - 1) }) }
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
        dOptimizer.minimize(Loss.binaryCrossEntropy(probabilities: discriminator(real), targets: realLabels)
            + Loss.binaryCrossEntropy(probabilities: discriminator(fake.detached()), targets: fakeLabels))
        discriminator.setTrainable(false)
        gOptimizer.minimize(Loss.binaryCrossEntropy(probabilities: discriminator(fake), targets: realLabels))
    }
}
