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
        subcommands: [GANGaussianCommand.self, GANImageCommand.self, GANACGANCommand.self, GANCompareCommand.self, GANBenchCommand.self]
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
    @Option(help: "Learning rate of G (overrides the preset).")
    var gLearningRate: Float?
    @Option(help: "Learning rate of D (overrides the preset).")
    var dLearningRate: Float?
    @Option(help: "Adam's beta1 for G (overrides the preset).")
    var gBeta1: Double?
    @Option(help: "Adam's beta1 for D (overrides the preset).")
    var dBeta1: Double?
    @Option(help: "D's optimizer: adam or sgd (overrides the preset; wgan uses RMSprop).")
    var dOptimizer: String?
    @Option(help: "D's target for real images, e.g. 0.9 for one-sided label smoothing (overrides the preset).")
    var realLabel: Float?
    @Option(help: "D's target for generated images (overrides the preset).")
    var fakeLabel: Float?
    @Option(help: "Size of G's noise input (overrides the preset).")
    var latentSize: Int?
    @Option(help: "MLP GAN: D's hidden layer sizes, comma-separated, e.g. 1024,512 (overrides the preset).")
    var dHidden: String?
    @Option(help: "Dropout rate in D (overrides the preset).")
    var dropout: Float?
    @Option(help: "Train on the first N training images only.")
    var trainLimit: Int?
    @Option(help: "Test images for the per-epoch test losses (overrides the preset).")
    var testLimit: Int?
    @Option(help: ArgumentHelp("A classifier checkpoint from `rllab classify --model cnn` (DIR/classifier.safetensors) for the per-epoch metrics.",
                               discussion: "Default: \(ImageGANOptions.cachedClassifier), trained once (about a minute or two) when missing."))
    var classifier: String?
    @Option(help: "Generated and real images per side for the per-epoch metrics (default 2000).")
    var metricImages: Int?
    @Flag(help: "Skip the per-epoch metrics (Fréchet distance, classifier score).")
    var noMetrics = false
    @Flag(help: "No progress bar.")
    var quiet = false

    /// Where the default classifier lives: exactly what `rllab classify --model cnn` writes.
    static let cachedClassifierFolder = "results/classify-fashion-mnist-cnn-seed0"
    static var cachedClassifier: String { cachedClassifierFolder + "/classifier.safetensors" }

    func apply(to config: inout ImageGANConfig) throws {
        config.seed = seed
        if let epochs { config.epochs = epochs }
        if let batchSize { config.batchSize = batchSize }
        if let loss { config.loss = try GANLoss(name: loss) }
        if let trainLimit { config.trainLimit = trainLimit }
        if let testLimit { config.testLimit = testLimit }
        if let metricImages { config.scoreSamples = metricImages }
        if let gLearningRate { config.generatorLearningRate = gLearningRate }
        if let dLearningRate { config.discriminatorLearningRate = dLearningRate }
        if let gBeta1 { config.generatorBeta1 = gBeta1 }
        if let dBeta1 { config.discriminatorBeta1 = dBeta1 }
        if let dOptimizer {
            switch dOptimizer.lowercased() {
            case "adam": config.discriminatorUsesAdam = true
            case "sgd": config.discriminatorUsesAdam = false
            default: throw ValidationError("unknown --d-optimizer '\(dOptimizer)'; use adam or sgd")
            }
        }
        if let realLabel { config.realLabel = realLabel }
        if let fakeLabel { config.fakeLabel = fakeLabel }
        if let latentSize { config.latentSize = latentSize }
        if let dHidden {
            let sizes = dHidden.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !sizes.isEmpty, sizes.allSatisfy({ $0 != nil }) else {
                throw ValidationError("--d-hidden takes comma-separated layer sizes such as 1024,512; got '\(dHidden)'")
            }
            config.discriminatorHidden = sizes.compactMap { $0 }
        }
        if let dropout { config.dropout = dropout }
    }

    /// The classifier for the metrics: `--classifier`, else the cached CNN (trained now if
    /// missing, on the default data only); nil with `--no-metrics` or other data.
    func classifierProbe() throws -> ImageClassifierProbe? {
        if noMetrics { return nil }
        var path = classifier
        if path == nil {
            guard data == FashionMNIST.defaultDirectory else {
                print("note: no per-epoch metrics: pass --classifier DIR/classifier.safetensors from `rllab classify --data-dir \(data) --model cnn --out DIR`")
                return nil
            }
            path = ImageGANOptions.cachedClassifier
            if !FileManager.default.fileExists(atPath: ImageGANOptions.cachedClassifier) {
                print("training the metrics' classifier once (as `rllab classify --model cnn`), cached in \(ImageGANOptions.cachedClassifierFolder)")
                var c = ClassifierTrainingConfig()
                c.architecture = .cnn
                _ = try ClassifierTraining.run(c, outputDirectory: ImageGANOptions.cachedClassifierFolder) { m in
                    print(String(format: "  classifier epoch %d: test accuracy %.4f", m.epoch, m.testAccuracy))
                }
            }
        }
        let file = path ?? ImageGANOptions.cachedClassifier
        let model = try FashionClassifier.load(from: file)
        return ImageClassifierProbe(name: "\(file) (\(model.architecture.rawValue))",
                                    features: { model.features($0) }, probabilities: { model.probabilities($0) })
    }

    /// Loads the data, trains and reports; returns the epochs.
    func train(_ config: ImageGANConfig) throws {
        setvbuf(stdout, nil, _IOLBF, 0)  // per-epoch tables appear as epochs end, even when piped
        let (train, test) = try GANImageData.load(directory: data)
        let trainer = try ImageGANTrainer(config: config)
        let metrics = try classifierProbe().map {
            try ImageQualityMetrics(probe: $0, train: train, test: test, sampleCount: config.scoreSamples)
        }
        let folder = out ?? "results/gan-\(config.model.rawValue)-\(config.preset)-seed\(config.seed)"
        let output = try RunOutput(directory: URL(fileURLWithPath: folder))
        var bar: ProgressBar?
        var barEpoch = 0
        try trainer.run(train: train, test: test, output: output, metrics: metrics, progress: { epoch, fraction in
            if epoch != barEpoch {
                bar = ProgressBar(label: "epoch \(epoch)/\(config.epochs)", quiet: quiet)
                barEpoch = epoch
            }
            bar?.update(fraction)
            if fraction >= 1 { bar?.finish() }
        })
        let report = output.directory.appendingPathComponent("report.html")
        try GANReport.write(GANReport(folders: [output.directory]).singleRunHTML(), to: report)
        print("wrote \(output.directory.path) (open \(report.path))")
    }
}

/// `rllab gan compare`: several image-GAN runs side by side.
struct GANCompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Put image-GAN run folders side by side: final metrics, metric curves and last grids in one HTML page.")

    @Argument(help: "Run folders of `rllab gan mlp` or `rllab gan acgan`.")
    var folders: [String]
    @Option(help: "The page to write.")
    var out = "results/gan-compare.html"

    func run() throws {
        try reportingErrors {
            let report = try GANReport(folders: folders.map { URL(fileURLWithPath: $0) })
            let url = URL(fileURLWithPath: out)
            try OutputFolder.ensure(url.deletingLastPathComponent())
            try GANReport.write(report.comparisonHTML(), to: url)
            for run in report.runs {
                let fd = (run.summary["frechet_distance"] as? NSNumber).map { String(format: "Fréchet distance %.4g", $0.doubleValue) } ?? "no metrics"
                print("\(run.label): \(fd) (\(run.folder.path))")
            }
            print("wrote \(out)")
        }
    }
}

/// `rllab gan mlp`: the TensorFlow book's MLP GAN.
struct GANImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mlp",
        abstract: "MLP GAN (G 256-512-1024-784, D 784-256-1) on MNIST-format images, Fashion-MNIST by default.")

    @Option(help: "Preset: default (a modern recipe; see the README) or book (the TensorFlow book's, which needs hundreds of epochs).")
    var preset = "default"
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
    @OptionGroup var options: ImageGANOptions

    func run() throws {
        try reportingErrors {
            var config = try ImageGANConfig.preset(preset, model: .acgan)
            try options.apply(to: &config)
            try options.train(config)
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
