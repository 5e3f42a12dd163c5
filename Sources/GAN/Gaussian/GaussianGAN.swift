import Foundation
import LabCore

/// What a 1-D Gaussian GAN run produced.
public struct GaussianGANResult: Sendable {
    /// Mean of the generated evaluation samples.
    public let generatedMean: Double
    /// Standard deviation of the generated evaluation samples.
    public let generatedStd: Double
    /// (D loss, G loss) per adversarial step.
    public let losses: [(discriminator: Double, generator: Double)]
    /// D_pre's MSE per pre-training step.
    public let pretrainLosses: [Double]

    /// Whether the generated moments are within `tolerance` of the target's.
    public func meets(_ config: GaussianGANConfig, tolerance: Double = 0.1) -> Bool {
        Swift.abs(generatedMean - config.targetMean) <= tolerance && Swift.abs(generatedStd - config.targetStd) <= tolerance
    }
}

/// A snapshot for the tutorial's figures: densities of real and generated samples and
/// D's decision curve, on a grid over [-R, R].
public struct GaussianGANSnapshot: Sendable {
    public let step: Int
    /// Bin centres.
    public let binCenters: [Double]
    public let realDensity: [Double]
    public let generatedDensity: [Double]
    /// Where D is evaluated, and D's probability of "real" there.
    public let decisionX: [Double]
    public let decision: [Double]
}

/// The 1-D GAN of the classic tutorial: G maps stratified uniform noise on [-R, R] to
/// samples meant to follow N(mu, sigma); D tells them from real samples.
///
/// Generator: linear(1 -> h), softplus, linear(h -> 1). Discriminator: three tanh layers
/// of 2h and a final unit (its sigmoid is folded into the loss). A pre-trained copy,
/// D_pre, fits the normal density by MSE before adversarial training and is copied into D.
public final class GaussianGAN {
    public let config: GaussianGANConfig
    public let generator: Sequential
    public let discriminator: Sequential
    let dataSource: RandomSource
    let noiseSource: RandomSource
    let evaluationSource: RandomSource
    let pretrainSource: RandomSource
    let discriminatorPretrain: Sequential

    /// Builds the networks from `config` (throws on invalid settings).
    public init(config: GaussianGANConfig) throws {
        try config.checkValues(owner: "gaussian GAN")
        self.config = config
        let master = try RandomSource(seed: config.seed)
        let h = config.hiddenSize
        // One stream per consumer, derived by name, so adding a consumer changes no other.
        let inputs = config.minibatchStdFeature ? 2 : 1
        discriminatorPretrain = GaussianGAN.makeDiscriminator(inputs, h, config.weightInit, master.derived("discriminator-pretrain-init"))
        let g = master.derived("generator-init"), w = config.weightInit
        generator = Sequential(GaussianGAN.dense(1, h, w, g), Softplus(), GaussianGAN.dense(h, 1, w, g))
        discriminator = GaussianGAN.makeDiscriminator(inputs, h, config.weightInit, master.derived("discriminator-init"))
        dataSource = master.derived("data")
        noiseSource = master.derived("noise")
        evaluationSource = master.derived("evaluation")
        pretrainSource = master.derived("pretrain-points")
    }

    static func dense(_ i: Int, _ o: Int, _ w: GaussianGANConfig.WeightInit, _ s: RandomSource) -> Dense {
        let weights: Initializer = switch w {
        case .normal(let sd): .normal(standardDeviation: sd)
        case .glorotUniform: .glorotUniform
        }
        return Dense(i, o, weightInitializer: weights, biasInitializer: .zeros, source: s)
    }

    static func makeDiscriminator(_ inputs: Int, _ h: Int, _ w: GaussianGANConfig.WeightInit, _ s: RandomSource) -> Sequential {
        Sequential(dense(inputs, 2 * h, w, s), Tanh(), dense(2 * h, 2 * h, w, s), Tanh(),
                   dense(2 * h, 2 * h, w, s), Tanh(), dense(2 * h, 1, w, s))
    }

    /// D's logits for a batch `[n, 1]`, with the batch's standard deviation appended to
    /// every sample when the config asks for it (`fixedStd` replaces it, for plotting).
    public func discriminate(_ x: Tensor, using network: Sequential? = nil, fixedStd: Float? = nil) -> Tensor {
        let d = network ?? discriminator
        guard config.minibatchStdFeature else { return d(x) }
        let std = fixedStd.map { Tensor($0) } ?? ((x - x.mean()).squared().mean() + 1e-8).sqrt()
        return d(Tensor.concatenate([x, Tensor.zeros(x.shape) + std], axis: 1))
    }

    func makeOptimizer(_ parameters: [Parameter]) -> Optimizer {
        switch config.optimizer {
        case .gradientDescent: return SGD(parameters, learningRate: Float(config.learningRate))
        case .adam(let beta1): return Adam(parameters, learningRate: Float(config.learningRate), beta1: beta1)
        }
    }

    var schedule: ExponentialDecay {
        ExponentialDecay(initial: config.learningRate, rate: config.decayRate, decaySteps: config.decaySteps, staircase: true)
    }

    /// `n` real samples as a column `[n, 1]`, sorted when the config says so.
    func realBatch(_ n: Int) -> Tensor {
        var values = (0..<n).map { _ in Float(dataSource.gaussian(mean: config.targetMean, standardDeviation: config.targetStd)) }
        if config.sortRealSamples { values.sort() }
        return Tensor(shape: [n, 1], scalars: values)
    }

    /// Stratified noise: `linspace(-R, R, n)` plus U(0, 1) x 0.01.
    func noiseBatch(_ n: Int, source: RandomSource) -> Tensor {
        let r = config.noiseRange
        let values = (0..<n).map { i -> Float in
            let t = n == 1 ? 0 : -r + 2 * r * Double(i) / Double(n - 1)
            return Float(t + source.uniform() * 0.01)
        }
        return Tensor(shape: [n, 1], scalars: values)
    }

    /// The normal density of the target at `x`.
    func targetDensity(_ x: Double) -> Double {
        let z = (x - config.targetMean) / config.targetStd
        return Foundation.exp(-0.5 * z * z) / (config.targetStd * (2 * Double.pi).squareRoot())
    }

    /// Pre-trains D_pre (sigmoid output regressed on the normal density at uniform points
    /// in [-5, 5]) and copies it into D. Returns the MSE per step.
    public func pretrain() -> [Double] {
        guard config.pretrainSteps > 0 else { return [] }
        let optimizer = makeOptimizer(discriminatorPretrain.parameters)
        let n = config.batchSize
        let losses = (0..<config.pretrainSteps).map { step in
            let points = (0..<n).map { _ in (pretrainSource.uniform() - 0.5) * 10 }
            let x = Tensor(shape: [n, 1], scalars: points.map { Float($0) })
            let y = Tensor(shape: [n, 1], scalars: points.map { Float(targetDensity($0)) })
            let loss = Loss.meanSquaredError(discriminate(x, using: discriminatorPretrain).sigmoid(), y)
            optimizer.minimize(loss, schedule: (schedule, step))
            return Double(loss.scalar)
        }
        for (target, source) in zip(discriminator.parameters, discriminatorPretrain.parameters) {
            target.value = Tensor(shape: source.shape, scalars: source.value.scalars)
        }
        return losses
    }

    /// Runs pre-training and adversarial training.
    ///
    /// - Parameters:
    ///   - snapshot: called before training (step 0) and after each step in
    ///     `config.plotSteps`.
    ///   - onStep: called after each adversarial step with the step number (1-based) and losses.
    ///
    /// - Throws: ``NonFiniteTrainingError`` naming the step when a loss is not finite.
    public func train(snapshot: ((GaussianGANSnapshot) -> Void)? = nil,
                      onStep: ((Int, Double, Double) -> Void)? = nil) throws -> GaussianGANResult {
        let pretrainLosses = pretrain()
        let dOptimizer = makeOptimizer(discriminator.parameters)
        let gOptimizer = makeOptimizer(generator.parameters)
        let plotSteps = Set(config.plotSteps)
        if plotSteps.contains(0), let snapshot { snapshot(takeSnapshot(step: 0)) }
        var losses: [(discriminator: Double, generator: Double)] = []
        losses.reserveCapacity(config.steps)
        let n = config.batchSize
        let average = config.generatorAverageDecay.map { ParameterAverage(generator.parameters, decay: Float($0)) }
        for step in 0..<config.steps {
            // D step: G's output is detached, so only D's parameters get gradients.
            let real = realBatch(n)
            let fake = withoutGradient { generator(noiseBatch(n, source: noiseSource)) }
            let dLoss = config.loss.discriminatorLoss(real: discriminate(real), fake: discriminate(fake))
            try NonFiniteTrainingError.check(loss: dLoss.scalar, name: "discriminator loss", step: step + 1)
            dOptimizer.minimize(dLoss, schedule: (schedule, step))
            if config.loss == .wasserstein { clipWeights(discriminator.parameters, limit: WassersteinSettings.clip) }

            // G step through D; D's gradients from it are discarded by the next zeroGrad.
            let gLoss = config.loss.generatorLoss(fake: discriminate(generator(noiseBatch(n, source: noiseSource))))
            try NonFiniteTrainingError.check(loss: gLoss.scalar, name: "generator loss", step: step + 1)
            gOptimizer.minimize(gLoss, schedule: (schedule, step))
            discriminator.parameters.zeroGrad()
            average?.update()

            let pair = (Double(dLoss.scalar), Double(gLoss.scalar))
            losses.append(pair)
            onStep?(step + 1, pair.0, pair.1)
            if plotSteps.contains(step + 1), let snapshot { snapshot(takeSnapshot(step: step + 1)) }
        }
        average?.copyIntoParameters()
        // Evaluated on stratified noise, as the tutorial.
        let samples = withoutGradient { generator(noiseBatch(config.evaluationSamples, source: evaluationSource)) }
            .scalars.map { Double($0) }
        let mean = samples.reduce(0, +) / Double(samples.count)
        let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(samples.count)
        return GaussianGANResult(generatedMean: mean, generatedStd: variance.squareRoot(),
                                 losses: losses, pretrainLosses: pretrainLosses)
    }

    /// Densities and D's decision curve now (the tutorial's figure).
    public func takeSnapshot(step: Int, bins: Int = 100, points: Int = 10_000) -> GaussianGANSnapshot {
        let r = config.noiseRange
        let width = 2 * r / Double(bins)
        func histogram(_ values: [Double]) -> [Double] {
            var counts = [Double](repeating: 0, count: bins)
            for v in values where v.isFinite && v >= -r && v < r { counts[Swift.min(Int((v + r) / width), bins - 1)] += 1 }
            return counts.map { $0 / (Double(values.count) * width) }
        }
        // Real samples come from a fixed stream so snapshots do not shift the training data.
        let plotSource = evaluationSource.derived("plot-\(step)")
        let real = (0..<points).map { _ in plotSource.gaussian(mean: config.targetMean, standardDeviation: config.targetStd) }
        let generated = withoutGradient { generator(noiseBatch(points, source: plotSource)) }.scalars.map { Double($0) }
        let xs = (0...200).map { -r + 2 * r * Double($0) / 200 }
        let decision = withoutGradient {
            // With the batch-spread feature, D is shown the target's spread (its verdict on a
            // batch as wide as the data); the grid's own spread would mean nothing.
            discriminate(Tensor(shape: [xs.count, 1], scalars: xs.map { Float($0) }), fixedStd: Float(config.targetStd)).sigmoid()
        }.scalars.map { Double($0) }
        return GaussianGANSnapshot(step: step, binCenters: (0..<bins).map { -r + (Double($0) + 0.5) * width },
                                   realDensity: histogram(real), generatedDensity: histogram(generated),
                                   decisionX: xs, decision: decision)
    }
}
