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
        discussion: "Presets: default (converges; see the README), tutorial (the original setup, which often collapses).\n\n"
            + GANSettingsArguments.listing(GaussianGANConfig.default))

    @Option(help: "Preset: default or tutorial.")
    var preset = "default"
    @Option(help: "Master seed (runs with the same seed and settings write the same files).")
    var seed: UInt64 = 0
    @Option(help: "Output folder (default: results/gan-gaussian-PRESET-seedSEED).")
    var out: String?
    @Option(help: "Adversarial steps (the same as --set steps=N; the density plots follow).")
    var steps: Int?
    @OptionGroup var settings: GANSettingsArguments
    @Flag(help: "No progress bar.")
    var quiet = false

    func run() throws {
        try reportingErrors {
            let base = try GaussianGANConfig.preset(preset)
            var config = try settings.resolve(base, owner: "the gaussian GAN", shortcuts: ["steps": steps.map(String.init)])
            config.preset = base.preset
            config.seed = seed
            // Plots at the preset's steps would miss a run of another length.
            if config.steps != base.steps && config.plotSteps == base.plotSteps {
                config.plotSteps = GANGaussianCommand.plotSteps(config.steps)
            }
            let gan = try GaussianGAN(config: config)
            let output = try RunOutput(directory: URL(fileURLWithPath: out ?? "results/gan-gaussian-\(preset)-seed\(seed)"))
            let bar = ProgressBar(label: "gaussian", quiet: quiet)
            let result = try gan.run(output: output, progress: { bar.update($0) },
                                     plot: { GANReport.densityChart($0, preset: config.preset) })
            bar.finish()
            print(String(format: "generated mean %.4f std %.4f (target %.4g, %.4g)%@; wrote %@", result.generatedMean,
                         result.generatedStd, config.targetMean, config.targetStd,
                         result.meets(config) ? ", within 0.1" : ", NOT within 0.1", output.directory.path))
        }
    }

    /// Four evenly spaced figure steps, as the tutorial's figures.
    static func plotSteps(_ steps: Int) -> [Int] { [0, steps / 3, 2 * steps / 3, steps] }
}

/// `--set key=value` and `--config FILE`: a GAN's settings over its preset, through the
/// settings mechanism (same checks and messages as agents' hyperparameters).
struct GANSettingsArguments: ParsableArguments {
    @Option(help: "A YAML file of settings (a mapping of names to values; see the list below).")
    var config: String?
    @Option(name: .customLong("set"), parsing: .singleValue, help: ArgumentHelp("Override a setting.", valueName: "key=value"))
    var overrides: [String] = []

    /// `base` (a preset) with the file, then the overrides, then the command's shortcut
    /// flags (`--epochs`) applied and checked. Non-setting fields are `base`'s defaults'.
    func resolve<S: Settings>(_ base: S, owner: String, shortcuts: [String: String?] = [:]) throws -> S {
        var values = base.settingValues(owner: owner)
        if let config { try values.merge(file: URL(fileURLWithPath: config)) }
        try values.merge(overrides: overrides)
        for (name, value) in shortcuts.sorted(by: { $0.key < $1.key }) {
            if let value { try values.set(name, SettingInput(text: value), source: "--\(name)") }
        }
        return try values.decode(S.self)
    }

    /// The settings and the preset's values, for a command's help.
    static func listing<S: Settings>(_ preset: S, skipping skipped: [String] = []) -> String {
        let declarations = preset.settingValues(owner: "").declarations.filter { !skipped.contains($0.name) }
        return "Settings (--set key=value or --config FILE; defaults of the default preset):\n"
            + SettingsListing.lines(declarations).map { "  " + $0 }.joined(separator: "\n")
    }
}

/// Options shared by the image GANs.
struct ImageGANOptions: ParsableArguments {
    @Option(help: "Folder with MNIST-format IDX files (train-images-idx3-ubyte[.gz], train-labels-..., t10k-...).")
    var data = FashionMNIST.defaultDirectory
    @Option(help: "Master seed (runs with the same seed and settings write the same files).")
    var seed: UInt64 = 0
    @Option(help: "Output folder (default: results/gan-MODEL-PRESET-seedSEED).")
    var out: String?
    @Option(help: "Epochs (the same as --set epochs=N).")
    var epochs: Int?
    @OptionGroup var settings: GANSettingsArguments
    @Option(help: ArgumentHelp("A classifier checkpoint from `rllab classify --model cnn` (DIR/classifier.safetensors) for the per-epoch metrics.",
                               discussion: "Default: \(ImageGANOptions.cachedClassifier), trained once (about a minute or two) when missing."))
    var classifier: String?
    @Flag(help: "Skip the per-epoch metrics (Fréchet distance, classifier score).")
    var noMetrics = false
    @Option(help: ArgumentHelp("Compute threads for products, convolutions and element-wise work.",
                               discussion: "Default: RLLAB_BLAS_THREADS when set, else the cores this process may use. Every file a run writes, the per-epoch metrics included, is the same bytes with any count."))
    var threads: Int?
    @Flag(help: "No progress bar.")
    var quiet = false

    /// Where the default classifier lives: exactly what `rllab classify --model cnn` writes.
    static let cachedClassifierFolder = "results/classify-fashion-mnist-cnn-seed0"
    static var cachedClassifier: String { cachedClassifierFolder + "/classifier.safetensors" }

    /// The classifier for the metrics: `--classifier`, else the cached CNN (trained now if
    /// missing, on the default data only); nil with `--no-metrics` or other data.
    func classifierProbe() throws -> ImageClassifierProbe? {
        if noMetrics { return nil }
        let file = classifier ?? ImageGANOptions.cachedClassifier
        if classifier == nil {
            guard data == FashionMNIST.defaultDirectory else {
                print("note: no per-epoch metrics: pass --classifier DIR/classifier.safetensors from `rllab classify --data \(data) --model cnn --out DIR`")
                return nil
            }
            if !FileManager.default.fileExists(atPath: file) {
                print("training the metrics' classifier once (as `rllab classify --model cnn`), cached in \(ImageGANOptions.cachedClassifierFolder)")
                var c = ClassifierTrainingConfig()
                c.architecture = .cnn
                _ = try ClassifierTraining.run(c, outputDirectory: ImageGANOptions.cachedClassifierFolder) { m in
                    print(String(format: "  classifier epoch %d: test accuracy %.4f", m.epoch, m.testAccuracy))
                }
            }
        }
        let model = try FashionClassifier.load(from: file)
        return ImageClassifierProbe(name: "\(file) (\(model.architecture.rawValue))",
                                    features: { model.features($0) }, probabilities: { model.probabilities($0) })
    }

    /// Loads the data, trains `model` from `preset` with the command line's settings, and
    /// writes the run's files and its report.
    func train(preset: String, model: ImageGANConfig.Model) throws {
        let base = try ImageGANConfig.preset(preset, model: model)
        var config = try settings.resolve(base, owner: "the \(base.model.rawValue) GAN", shortcuts: ["epochs": epochs.map(String.init)])
        config.model = base.model
        config.preset = base.preset
        config.seed = seed
        try applyComputeThreads(threads, otherwise: ProcessInfo.processInfo.activeProcessorCount)
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
        let report = output.directory.appendingPathComponent(Report.fileName)
        try OutputFile.replace(report, with: GANReport(folders: [output.directory]).singleRunHTML())
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
            try OutputFile.replace(url, with: report.comparisonHTML())
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
        abstract: "MLP GAN (G 256-512-1024-784, D 784-256-1) on MNIST-format images, Fashion-MNIST by default.",
        discussion: GANSettingsArguments.listing(ImageGANConfig.mlpDefault, skipping: ImageGANConfig.ACGANArchitecture.declarations.map(\.name)))

    @Option(help: "Preset: default (a modern recipe; see the README) or book (the TensorFlow book's, which needs hundreds of epochs).")
    var preset = "default"
    @OptionGroup var options: ImageGANOptions

    func run() throws {
        try reportingErrors { try options.train(preset: preset, model: .mlp) }
    }
}

/// `rllab gan acgan`: the Keras example's conditional AC-GAN.
struct GANACGANCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acgan",
        abstract: "AC-GAN (class-conditional, convolutional) on MNIST-format images, Fashion-MNIST by default.",
        discussion: "Presets: small (default; minutes per epoch on 2 cores), paper (the Keras example's sizes).\n\n"
            + GANSettingsArguments.listing(ImageGANConfig.acganSmall, skipping: ["d_hidden"]))

    @Option(help: "Preset: small or paper.")
    var preset = "small"
    @OptionGroup var options: ImageGANOptions

    func run() throws {
        try reportingErrors { try options.train(preset: preset, model: .acgan) }
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
