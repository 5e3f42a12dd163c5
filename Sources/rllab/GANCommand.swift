import ArgumentParser
import Foundation
import GAN
import Lab
import LabCore

/// `rllab gan`: generative adversarial networks on the shared core.
struct GANCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gan",
        abstract: "Train GANs: a 1-D Gaussian GAN, an MLP GAN and a conditional AC-GAN on MNIST-format images.",
        subcommands: [GANGaussianCommand.self, GANImageCommand.self, GANACGANCommand.self, GANBenchCommand.self]
    )
}

/// `rllab gan gaussian`: the 1-D Gaussian GAN of the classic tutorial.
struct GANGaussianCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gaussian",
        abstract: "1-D GAN learning N(mu, sigma) from stratified uniform noise.",
        discussion: "Presets: default (converges; see the README), tutorial (the original setup, which often collapses).")

    @Option(help: "Preset: default or tutorial.")
    var preset = "default"
    @Option(help: "Master seed (runs with the same seed and settings write the same files).")
    var seed: UInt64 = 0
    @Option(help: "Output folder (default: results/gan-gaussian-PRESET-seedSEED).")
    var out: String?
    @Option(help: "Adversarial steps (overrides the preset).")
    var steps: Int?
    @Option(help: "Batch size (overrides the preset).")
    var batchSize: Int?
    @Option(help: "Loss: minimax, non-saturating, lsgan or wgan (overrides the preset).")
    var loss: String?
    @Option(help: "Initial learning rate (overrides the preset).")
    var learningRate: Double?
    @Option(help: "Learning-rate decay factor per --decay-steps (overrides the preset).")
    var decayRate: Double?
    @Option(help: "Steps between learning-rate decays (overrides the preset).")
    var decaySteps: Int?
    @Option(help: "Mean of the target normal distribution.")
    var mu: Double?
    @Option(help: "Standard deviation of the target normal distribution.")
    var sigma: Double?
    @Flag(help: "No progress bar.")
    var quiet = false

    func run() throws {
        try reportingErrors {
            var config = try GaussianGANConfig.preset(preset)
            config.seed = seed
            if let steps { config.steps = steps; config.plotSteps = GANGaussianCommand.plotSteps(steps) }
            if let batchSize { config.batchSize = batchSize }
            if let loss { config.loss = try GANLoss(name: loss) }
            if let learningRate { config.learningRate = learningRate }
            if let decayRate { config.decayRate = decayRate }
            if let decaySteps { config.decaySteps = decaySteps }
            if let mu { config.targetMean = mu }
            if let sigma { config.targetStd = sigma }
            let gan = try GaussianGAN(config: config)
            let output = try RunOutput(directory: URL(fileURLWithPath: out ?? "results/gan-gaussian-\(preset)-seed\(seed)"))
            let bar = ProgressBar(label: "gaussian", quiet: quiet)
            let result = try gan.run(output: output) { bar.update($0) }
            bar.finish()
            print(String(format: "generated mean %.4f std %.4f (target %.4g, %.4g)%@; wrote %@", result.generatedMean,
                         result.generatedStd, config.targetMean, config.targetStd,
                         result.meets(config) ? ", within 0.1" : ", NOT within 0.1", output.directory.path))
        }
    }

    /// Four evenly spaced figure steps, as the tutorial's figures.
    static func plotSteps(_ steps: Int) -> [Int] { [0, steps / 3, 2 * steps / 3, steps] }
}

/// Options shared by the image GANs.
struct ImageGANOptions: ParsableArguments {
    @Option(help: "Folder with MNIST-format IDX files (train-images-idx3-ubyte[.gz], train-labels-..., t10k-...).")
    var data = FashionMNIST.defaultDirectory
    @Option(help: "Master seed (runs with the same seed and settings write the same files).")
    var seed: UInt64 = 0
    @Option(help: "Output folder (default: results/gan-MODEL-PRESET-seedSEED).")
    var out: String?
    @Option(help: "Epochs (overrides the preset).")
    var epochs: Int?
    @Option(help: "Batch size (overrides the preset).")
    var batchSize: Int?
    @Option(help: "Loss: minimax, non-saturating, lsgan or wgan (wgan switches to RMSprop and weight clipping).")
    var loss: String?
    @Option(help: "Train on the first N training images only.")
    var trainLimit: Int?
    @Option(help: "Test images for the per-epoch test losses (overrides the preset).")
    var testLimit: Int?
    @Flag(help: "No progress bar.")
    var quiet = false

    func apply(to config: inout ImageGANConfig) throws {
        config.seed = seed
        if let epochs { config.epochs = epochs }
        if let batchSize { config.batchSize = batchSize }
        if let loss { config.loss = try GANLoss(name: loss) }
        if let trainLimit { config.trainLimit = trainLimit }
        if let testLimit { config.testLimit = testLimit }
    }

    /// Loads the data, trains and reports; returns the epochs.
    func train(_ config: ImageGANConfig, scorer: GeneratedImageScorer? = nil) throws {
        let (train, test) = try GANImageData.load(directory: data)
        let trainer = try ImageGANTrainer(config: config)
        let folder = out ?? "results/gan-\(config.model.rawValue)-\(config.preset)-seed\(config.seed)"
        let output = try RunOutput(directory: URL(fileURLWithPath: folder))
        var bar: ProgressBar?
        var barEpoch = 0
        try trainer.run(train: train, test: test, output: output, scorer: scorer, progress: { epoch, fraction in
            if epoch != barEpoch {
                bar = ProgressBar(label: "epoch \(epoch)/\(config.epochs)", quiet: quiet)
                barEpoch = epoch
            }
            bar?.update(fraction)
            if fraction >= 1 { bar?.finish() }
        })
        print("wrote \(output.directory.path)")
    }
}

/// `rllab gan mlp`: the TensorFlow book's MLP GAN.
struct GANImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mlp",
        abstract: "MLP GAN (G 256-512-1024-784, D 784-256-1) on MNIST-format images, Fashion-MNIST by default.")

    @Option(help: "Preset: book.")
    var preset = "book"
    @OptionGroup var options: ImageGANOptions

    func run() throws {
        try reportingErrors {
            var config = try ImageGANConfig.preset(preset, model: .mlp)
            try options.apply(to: &config)
            try options.train(config)
        }
    }
}

/// `rllab gan acgan`: the Keras example's conditional AC-GAN.
struct GANACGANCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acgan",
        abstract: "AC-GAN (class-conditional, convolutional) on MNIST-format images, Fashion-MNIST by default.",
        discussion: "Presets: small (default; minutes per epoch on 2 cores), paper (the Keras example's sizes).")

    @Option(help: "Preset: small or paper.")
    var preset = "small"
    @Option(help: "A classifier checkpoint from `rllab classify --out DIR` (DIR/classifier.safetensors) to score generated images per epoch.")
    var classifier: String?
    @OptionGroup var options: ImageGANOptions

    func run() throws {
        try reportingErrors {
            var config = try ImageGANConfig.preset(preset, model: .acgan)
            try options.apply(to: &config)
            var scorer: GeneratedImageScorer?
            if let classifier {
                let model = try FashionClassifier.load(from: classifier)
                scorer = { images, labels in
                    let predicted = withoutGradient { model.predict(images) }
                    return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(Swift.max(labels.count, 1))
                }
            }
            try options.train(config, scorer: scorer)
        }
    }
}

/// `rllab gan bench`: milliseconds per MLP GAN iteration (release builds).
struct GANBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time MLP GAN iterations (one D step on 100 real + 100 generated images, one G step) on random data.")

    @Option(help: "Timed iterations (in 5 segments; the median segment's mean is printed).")
    var iterations = 200
    @Option(help: "Untimed iterations first.")
    var warmup = 20
    @Option(help: "Batch size.")
    var batchSize = 100

    func run() throws {
        try reportingErrors {
            guard iterations > 0, warmup >= 0, batchSize > 0 else { throw ValidationError("--iterations and --batch-size must be positive") }
            var config = ImageGANConfig.mlpBook
            config.batchSize = batchSize
            let trainer = try ImageGANTrainer(config: config)
            let source = try RandomSource(seed: 1).derived("bench-data")
            let real = Tensor.uniform([batchSize, 784], low: -1, high: 1, source: source)
            for _ in 0..<warmup { _ = trainer.iteration(real: real, labels: []) }
            // The median of 5 equal segments (a shared machine is noisy), as torch_gan.py.
            let clock = ContinuousClock()
            let perSegment = max(1, iterations / 5)
            let segmentTimes = (0..<5).map { _ in
                let start = clock.now
                for _ in 0..<perSegment { _ = trainer.iteration(real: real, labels: []) }
                return (clock.now - start).inMilliseconds / Double(perSegment)
            }
            let ms = segmentTimes.sorted()[2]
            print(String(format: "rllab MLP GAN iteration (G 256-512-1024-784, D 784-256-1, batch %d, %d BLAS thread%@): %.3f ms",
                         batchSize, BLAS.threads, BLAS.threads == 1 ? "" : "s", ms))
        }
    }
}
