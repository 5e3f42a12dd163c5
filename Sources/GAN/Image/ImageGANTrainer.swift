import Foundation
import LabCore

/// Losses of one component (D or G) averaged over a set of batches: the total, the
/// adversarial part (Keras' `generation_loss`) and the class part (`auxiliary_loss`).
public struct ComponentLosses: Sendable, Equatable {
    public var total: Double
    public var generation: Double
    public var auxiliary: Double

    /// The figure-by-figure mean of `losses` (zeros when there are none).
    static func mean(_ losses: [ComponentLosses]) -> ComponentLosses {
        let k = Double(Swift.max(losses.count, 1))
        func average(_ figure: KeyPath<ComponentLosses, Double>) -> Double {
            losses.reduce(0) { $0 + $1[keyPath: figure] } / k
        }
        return ComponentLosses(total: average(\.total), generation: average(\.generation),
                               auxiliary: average(\.auxiliary))
    }
}

/// The figures of one epoch.
public struct ImageGANEpoch: Sendable {
    public let epoch: Int
    public let discriminatorTrain: ComponentLosses
    public let generatorTrain: ComponentLosses
    public let discriminatorTest: ComponentLosses
    public let generatorTest: ComponentLosses
    /// Quality figures of the fixed metric samples (nil without a classifier).
    public let quality: ImageQuality?
    /// Wall-clock seconds of the epoch's training (printed, never written to a file, so
    /// runs repeat byte for byte).
    public let seconds: Double
}

/// Trains an ``ImageGANModel`` as the Keras examples do: per batch one D step on real and
/// generated images together, then one G step through a frozen D.
///
/// Every random choice comes from streams derived from the config's seed (network
/// initialisation, dropout, shuffling, noise, grid noise), so a seed repeats a run exactly.
public final class ImageGANTrainer {
    public let config: ImageGANConfig
    public let model: ImageGANModel
    let dOptimizer: Optimizer
    let gOptimizer: Optimizer
    let shuffleSource: RandomSource
    let noiseSource: RandomSource
    let master: RandomSource
    /// Steps so far (D steps).
    public private(set) var step = 0

    public init(config: ImageGANConfig) throws {
        try config.checkValues(owner: "\(config.model.rawValue) GAN")
        // Image GAN steps free and reallocate megabytes of activations; reuse them.
        AllocatorTuning.keepFreedMemoryForReuse()
        self.config = config
        master = try RandomSource(seed: config.seed)
        let g = master.derived("generator-init"), d = master.derived("discriminator-init"), drop = master.derived("dropout")
        switch config.model {
        case .mlp: model = MLPGAN(config: config, generatorSource: g, discriminatorSource: d, dropoutSource: drop)
        case .acgan: model = ACGAN(config: config, generatorSource: g, discriminatorSource: d, dropoutSource: drop)
        }
        shuffleSource = master.derived("shuffle")
        noiseSource = master.derived("noise")
        if config.usesRMSprop {
            dOptimizer = RMSprop(model.discriminator.parameters, learningRate: WassersteinSettings.learningRate)
            gOptimizer = RMSprop(model.generator.parameters, learningRate: WassersteinSettings.learningRate)
        } else {
            gOptimizer = Adam(model.generator.parameters, learningRate: config.generatorLearningRate, beta1: config.generatorBeta1)
            dOptimizer = config.discriminatorUsesAdam
                ? Adam(model.discriminator.parameters, learningRate: config.discriminatorLearningRate, beta1: config.discriminatorBeta1)
                : SGD(model.discriminator.parameters, learningRate: config.discriminatorLearningRate)
        }
    }

    func randomLabels(_ n: Int, source: RandomSource) -> [Int] {
        model.isConditional ? (0..<n).map { _ in source.uniformIndex(below: GANImageData.classes) } : []
    }

    /// D's loss on real and generated images, split into adversarial and class parts.
    ///
    /// Cross-entropy losses are halved: Keras trains D on one concatenated batch, whose
    /// mean is the average of the real and generated means.
    func discriminatorLosses(real: Tensor, realLabels: [Int], fake: Tensor, fakeLabels: [Int]) -> (Tensor, Tensor?) {
        let n = real.shape[0]
        let out = model.discriminate(Tensor.concatenate([real, fake], axis: 0))
        let adv = out.adversarial
        let realOut = adv.slice(axis: 0, 0..<n), fakeOut = adv.slice(axis: 0, n..<adv.shape[0])
        var adversarial = config.loss.discriminatorLoss(real: realOut, fake: fakeOut,
                                                         realTarget: config.realLabel, fakeTarget: config.fakeLabel)
        if config.loss.usesSigmoid { adversarial = adversarial * 0.5 }
        let auxiliary = out.classes.map { classes in
            config.auxiliaryOnGenerated
                ? Loss.crossEntropy(logits: classes, labels: realLabels + fakeLabels)
                : Loss.crossEntropy(logits: classes.slice(axis: 0, 0..<n), labels: realLabels)
        }
        return (adversarial, auxiliary)
    }

    /// G's loss for noise and labels: D's verdict (target 1) plus the class loss.
    func generatorLosses(noise: Tensor, labels: [Int]) -> (Tensor, Tensor?) {
        let out = model.discriminate(model.generate(noise: noise, labels: labels))
        return (config.loss.generatorLoss(fake: out.adversarial, target: 1),
                out.classes.map { Loss.crossEntropy(logits: $0, labels: labels) })
    }

    static func figures(_ adversarial: Tensor, _ auxiliary: Tensor?) -> ComponentLosses {
        let a = Double(adversarial.scalar), c = auxiliary.map { Double($0.scalar) } ?? 0
        return ComponentLosses(total: a + c, generation: a, auxiliary: c)
    }

    /// One D step on a real batch; returns D's losses.
    @discardableResult
    public func discriminatorStep(real: Tensor, labels: [Int]) -> ComponentLosses {
        let n = real.shape[0]
        let noise = model.noise(n, source: noiseSource)
        let fakeLabels = randomLabels(n, source: noiseSource)
        let fake = withoutGradient { model.generate(noise: noise, labels: fakeLabels) }
        let (adv, aux) = discriminatorLosses(real: real, realLabels: labels, fake: fake, fakeLabels: fakeLabels)
        dOptimizer.minimize(aux.map { adv + $0 } ?? adv)
        if config.loss == .wasserstein { clipWeights(model.discriminator.parameters, limit: WassersteinSettings.clip) }
        step += 1
        return ImageGANTrainer.figures(adv, aux)
    }

    /// One G step on `n` generated images through a frozen D; returns G's losses.
    @discardableResult
    public func generatorStep(_ n: Int) -> ComponentLosses {
        let noise = model.noise(n, source: noiseSource)
        let labels = randomLabels(n, source: noiseSource)
        // Freezing D skips its weight gradients (the `discriminator.trainable = False` of
        // the Keras examples); gradients still flow through it to G.
        model.discriminator.setTrainable(false)
        defer { model.discriminator.setTrainable(true) }
        let (adv, aux) = generatorLosses(noise: noise, labels: labels)
        gOptimizer.minimize(aux.map { adv + $0 } ?? adv)
        return ImageGANTrainer.figures(adv, aux)
    }

    /// One training iteration: a D step and (every `criticSteps` D steps for WGAN) a G step.
    /// Returns (D losses, G losses or nil when G did not step).
    public func iteration(real: Tensor, labels: [Int]) -> (ComponentLosses, ComponentLosses?) {
        let d = discriminatorStep(real: real, labels: labels)
        let every = config.loss == .wasserstein ? WassersteinSettings.criticSteps : 1
        let g = step % every == 0 ? generatorStep(real.shape[0] * config.generatorBatchMultiplier) : nil
        return (d, g)
    }

    /// D's and G's losses on test images (evaluation mode, no updates), as the Keras
    /// example's per-epoch test table: D on the test images and as many generated ones,
    /// G on twice as many generated images.
    public func testLosses(_ test: GANImageData, epoch: Int) -> (discriminator: ComponentLosses, generator: ComponentLosses) {
        model.discriminator.eval()
        model.generator.eval()
        defer { model.discriminator.train(); model.generator.train() }
        let source = master.derived("test-noise-\(epoch)")
        let chunk = 500
        var dLosses: [ComponentLosses] = [], gLosses: [ComponentLosses] = []
        withoutGradient {
            for start in stride(from: 0, to: test.count, by: chunk) {
                let indices = start..<Swift.min(start + chunk, test.count)
                let (real, labels) = test.batch(indices)
                let n = indices.count
                let fakeLabels = randomLabels(n, source: source)
                let fake = model.generate(noise: model.noise(n, source: source), labels: fakeLabels)
                let (da, dc) = discriminatorLosses(real: real, realLabels: labels, fake: fake, fakeLabels: fakeLabels)
                let (ga, gc) = generatorLosses(noise: model.noise(2 * n, source: source), labels: randomLabels(2 * n, source: source))
                dLosses.append(ImageGANTrainer.figures(da, dc))
                gLosses.append(ImageGANTrainer.figures(ga, gc))
            }
        }
        return (ComponentLosses.mean(dLosses), ComponentLosses.mean(gLosses))
    }

    /// The 10x10 grid of generated images, from the same noise every epoch (one row per
    /// class when conditional) so epochs can be compared.
    public func gridImage() throws -> PNGImage {
        model.generator.eval()
        defer { model.generator.train() }
        let noise = model.noise(100, source: master.derived("grid"))
        let images = withoutGradient { model.generate(noise: noise, labels: rowPerClass) }
        return try PNGImage.grid(images, imageHeight: 28, imageWidth: 28, columns: 10)
    }

    /// The images the metrics measure every epoch, in [0, 1]: `config.scoreSamples` images
    /// from latent vectors (and classes `i % 10`, when conditional) drawn once from the
    /// run's `metric-samples` stream, so epochs, and reruns, measure the same latents.
    public func metricSamples() -> (images: Tensor, labels: [Int]?) {
        model.generator.eval()
        defer { model.generator.train() }
        let source = master.derived("metric-samples")
        let n = config.scoreSamples
        let labels = model.isConditional ? (0..<n).map { $0 % GANImageData.classes } : nil
        let noise = model.noise(n, source: source)
        let images = withoutGradient {
            // In chunks: a whole set at once would hold every layer's activations for n images.
            Tensor.concatenate(stride(from: 0, to: n, by: 500).map { start in
                let rows = start..<Swift.min(start + 500, n)
                return model.generate(noise: noise[rows: rows], labels: labels.map { Array($0[rows]) } ?? [])
            }, axis: 0)
        }
        return ((images + 1) * 0.5, labels)
    }

    /// Points along a straight line in latent space between two fixed latent vectors, ten
    /// per row: ten rows (unconditional) or one row per class with the same two end
    /// points (conditional), images `[100, 784]` in [-1, 1].
    public func interpolationImages() -> Tensor {
        model.generator.eval()
        defer { model.generator.train() }
        let source = master.derived("interpolation")
        let ends = model.noise(model.isConditional ? 2 : 20, source: source)
        let d = model.latentSize
        var values = [Float](repeating: 0, count: 100 * d)
        ends.withUnsafeBufferPointer { e in
            for row in 0..<10 {
                let pair = model.isConditional ? 0 : row
                for step in 0..<10 {
                    let t = Float(step) / 9
                    for j in 0..<d {
                        values[(row * 10 + step) * d + j] = (1 - t) * e[(2 * pair) * d + j] + t * e[(2 * pair + 1) * d + j]
                    }
                }
            }
        }
        return withoutGradient { model.generate(noise: Tensor(shape: [100, d], scalars: values), labels: rowPerClass) }
    }

    /// Labels of a 10x10 grid with one row per class (none when unconditional).
    private var rowPerClass: [Int] { model.isConditional ? (0..<100).map { $0 / 10 } : [] }

    /// One pass over `train` in shuffled batches (the last partial batch dropped, as the
    /// Keras examples do). Returns the mean D and G losses.
    ///
    /// - Parameter onBatch: called after each batch with (batch index, batch count, D, G).
    public func trainEpoch(_ train: GANImageData,
                           onBatch: ((Int, Int, ComponentLosses, ComponentLosses?) -> Void)? = nil) -> (ComponentLosses, ComponentLosses) {
        model.discriminator.train()
        model.generator.train()
        let order = shuffleSource.permutation(train.count)
        let batches = train.count / config.batchSize
        var dLosses: [ComponentLosses] = [], gLosses: [ComponentLosses] = []
        for b in 0..<batches {
            let (real, labels) = train.batch(order[(b * config.batchSize)..<((b + 1) * config.batchSize)])
            let (d, g) = iteration(real: real, labels: labels)
            dLosses.append(d)
            if let g { gLosses.append(g) }
            onBatch?(b, batches, d, g)
        }
        return (ComponentLosses.mean(dLosses), ComponentLosses.mean(gLosses))
    }
}
