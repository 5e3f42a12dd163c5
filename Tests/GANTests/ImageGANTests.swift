import Foundation
import LabCore
import Testing
@testable import GAN

/// Tiny configurations: the real networks' structure on few images and batches.
func tinyConfig(_ model: ImageGANConfig.Model, loss: GANLoss = .nonSaturating) throws -> ImageGANConfig {
    var c = try ImageGANConfig.preset(model == .mlp ? "book" : "small", model: model)
    c.loss = loss
    c.batchSize = 10
    c.epochs = 1
    c.testLimit = 20
    c.scoreSamples = 20
    if model == .acgan { c.architecture.discriminatorChannels = [4, 8, 8, 8]; c.architecture.generatorBaseChannels = 8
        c.architecture.generatorConvChannels = [8, 4] }
    return c
}

@Suite struct ImageGANTests {
    /// D alone learns to tell (its adversarial loss: real versus generated) the synthetic images from a fixed fresh generator's output.
    func discriminatorLossesOnRealVersusNoise(_ config: ImageGANConfig, steps: Int) throws -> [Double] {
        var c = config
        c.discriminatorLearningRate = c.model == .mlp ? 0.05 : 2e-3
        let trainer = try ImageGANTrainer(config: c)
        let data = try syntheticImages(40)
        var losses: [Double] = []
        for s in 0..<steps {
            let (real, labels) = data.batch((s * 10 % 40)..<(s * 10 % 40 + 10))
            let l = trainer.discriminatorStep(real: real, labels: labels)
            #expect(l.total.isFinite && l.auxiliary.isFinite)
            losses.append(l.generation)
        }
        return losses
    }

    @Test(arguments: [ImageGANConfig.Model.mlp, .acgan])
    func discriminatorLossOnRealVersusNoiseIsFiniteAndDecreases(_ model: ImageGANConfig.Model) throws {
        let losses = try discriminatorLossesOnRealVersusNoise(tinyConfig(model), steps: 50)
        #expect(losses.allSatisfy { $0.isFinite })
        #expect(mean(losses.suffix(5)) < 0.7 * mean(losses.prefix(5)), "\(losses)")
    }

    @Test(arguments: GANLoss.allCases)
    func everyLossTrainsBothModelsWithFiniteLosses(_ loss: GANLoss) throws {
        for model in ImageGANConfig.Model.allCases {
            let trainer = try ImageGANTrainer(config: tinyConfig(model, loss: loss))
            let data = try syntheticImages(20)
            for s in 0..<6 {
                let (real, labels) = data.batch((s % 2 * 10)..<(s % 2 * 10 + 10))
                let (d, g) = trainer.iteration(real: real, labels: labels)
                #expect(d.total.isFinite && (g?.total.isFinite ?? true))
                // WGAN: G steps once per 5 critic steps.
                #expect((g != nil) == (loss != .wasserstein || (s + 1) % 5 == 0))
            }
            if loss == .wasserstein {
                let largest = trainer.model.discriminator.parameters.flatMap { $0.value.scalars }.map { Swift.abs($0) }.max() ?? 0
                #expect(largest <= WassersteinSettings.clip)
                #expect(trainer.dOptimizer is RMSprop && trainer.gOptimizer is RMSprop)
            }
        }
    }

    @Test func bookPresetHasTheBookSettings() throws {
        let c = try ImageGANConfig.preset("book", model: .mlp)
        #expect(c.latentSize == 256 && c.batchSize == 100 && c.realLabel == 0.9 && c.fakeLabel == 0.1)
        #expect(c.generatorLearningRate == 1e-5 && !c.discriminatorUsesAdam && c.discriminatorLearningRate == 0.01)
        let trainer = try ImageGANTrainer(config: c)
        #expect(trainer.model.generator.parameters.map(\.shape) == [[256, 256], [256], [512, 256], [512], [1024, 512], [1024], [784, 1024], [784]])
        #expect(trainer.model.discriminator.parameters.map(\.shape) == [[256, 784], [256], [1, 256], [1]])
        #expect(trainer.gOptimizer is Adam && trainer.dOptimizer is SGD)
    }

    @Test func acganPresetsGenerateImagesOfTheRightShape() throws {
        for preset in ["small", "paper", "small-2025"] {
            var c = try ImageGANConfig.preset(preset, model: .acgan)
            c.batchSize = 2
            let trainer = try ImageGANTrainer(config: c)
            let m = trainer.model
            let images = withoutGradient { m.generate(noise: m.noise(2, source: trainer.noiseSource), labels: [3, 7]) }
            #expect(images.shape == [2, 784])
            #expect(images.scalars.allSatisfy { $0 >= -1 && $0 <= 1 })
            let out = withoutGradient { m.discriminate(images) }
            #expect(out.adversarial.shape == [2, 1] && out.classes?.shape == [2, 10])
        }
        let paper = try ImageGANConfig.preset("paper", model: .acgan)
        #expect(paper.latentSize == 100 && paper.generatorLearningRate == 2e-4 && paper.generatorBeta1 == 0.5 && paper.epochs == 50)
    }

    @Test func checkpointsRoundTrip() throws {
        let dir = temporaryFolder("checkpoints")
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = try RunOutput(directory: dir)
        var c = try tinyConfig(.acgan)
        let a = try ImageGANTrainer(config: c)
        try output.saveCheckpoint(a.model.generator, to: "g.safetensors", metadata: ["model": "acgan"])
        try output.saveCheckpoint(a.model.discriminator, to: "d.safetensors")
        c.seed = 99
        let b = try ImageGANTrainer(config: c)
        #expect(a.model.generator.parameters[0].value.scalars != b.model.generator.parameters[0].value.scalars)
        let metadata = try b.model.generator.loadCheckpoint(from: dir.appendingPathComponent("g.safetensors").path)
        try b.model.discriminator.loadCheckpoint(from: dir.appendingPathComponent("d.safetensors").path)
        #expect(metadata["model"] == "acgan")
        for (x, y) in zip(a.model.generator.namedParameters + a.model.discriminator.namedParameters,
                          b.model.generator.namedParameters + b.model.discriminator.namedParameters) {
            #expect(x.name == y.name && x.parameter.value.scalars == y.parameter.value.scalars)
        }
        let noise = a.model.noise(3, source: try RandomSource(seed: 1))
        let ga = withoutGradient { a.model.generate(noise: noise, labels: [0, 1, 2]) }
        let gb = withoutGradient { b.model.generate(noise: noise, labels: [0, 1, 2]) }
        #expect(ga.scalars == gb.scalars)
        // A checkpoint of the wrong network is refused with a message, not a crash.
        #expect(throws: CheckpointError.self) {
            try b.model.generator.loadCheckpoint(from: dir.appendingPathComponent("d.safetensors").path)
        }
    }

    /// A small classifier probe for the metrics (the lab's CNN lives above this module):
    /// random dense features and a random softmax head, fixed by a seed.
    func tinyProbe() throws -> ImageClassifierProbe {
        let source = try RandomSource(seed: 5)
        let hidden = Sequential(Dense(784, 12, source: source), ReLU())
        let head = Dense(12, 10, source: source)
        return ImageClassifierProbe(name: "tiny", features: { hidden($0) }, probabilities: { head(hidden($0)).softmax(axis: 1) })
    }

    @Test(arguments: [ImageGANConfig.Model.mlp, .acgan])
    func runWritesEveryFileAndRepeatsByteForByte(_ model: ImageGANConfig.Model) throws {
        var c = try tinyConfig(model)
        c.epochs = 2
        let data = try syntheticImages(30)
        var snapshots: [[String: Data]] = []
        for run in 0..<2 {
            let dir = temporaryFolder("run-\(model)-\(run)")
            defer { try? FileManager.default.removeItem(at: dir) }
            let trainer = try ImageGANTrainer(config: c)
            let metrics = try ImageQualityMetrics(probe: tinyProbe(), train: data, test: data, sampleCount: 20)
            var lines: [String] = []
            let epochs = try trainer.run(train: data, test: data, output: RunOutput(directory: dir), metrics: metrics, log: { lines.append($0) })
            #expect(epochs.count == 2 && lines.count == 3 && lines[0].contains("floor"))
            #expect(lines[1].contains(model == .acgan ? "generation_loss" : "loss") && lines[1].contains("Fréchet distance"))
            let grid = try PNGImage(contentsOf: dir.appendingPathComponent("samples/grid-epoch-002.png"))
            #expect(grid.width == 10 * 28 + 11 * 2 && grid.height == grid.width)
            #expect(try grid == trainer.gridImage())
            let interpolation = try PNGImage(contentsOf: dir.appendingPathComponent("samples/interpolation.png"))
            #expect(interpolation.width == grid.width)
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("summary.json"))) as? [String: Any]
            #expect((summary?["frechet_distance"] as? Double ?? -1) >= 0 && summary?["frechet_distance_floor"] is Double)
            #expect(summary?["seconds"] == nil)
            if model == .acgan {
                #expect(summary?["classifier_accuracy"] is Double)
                #expect(summary?["final_discriminator_test_auxiliary_loss"] is Double)
            }
            let losses = try String(contentsOf: dir.appendingPathComponent("losses.csv"), encoding: .utf8).split(separator: "\n")
            #expect(losses.count == 1 + 2 * 3)
            let tests = try String(contentsOf: dir.appendingPathComponent("test_losses.csv"), encoding: .utf8).split(separator: "\n")
            #expect(tests.count == 1 + 2 * 4)
            let metricRows = try String(contentsOf: dir.appendingPathComponent("metrics.csv"), encoding: .utf8).split(separator: "\n")
            #expect(metricRows.count == 3 && metricRows[0].split(separator: ",").count == (model == .acgan ? 14 : 13))
            // Every file the run wrote, by relative path.
            var files: [String: Data] = [:]
            let enumerator = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey])
            while let url = enumerator?.nextObject() as? URL {
                guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
                files[String(url.path.dropFirst(dir.path.count))] = try Data(contentsOf: url)
            }
            #expect(files.count == 11, "\(files.keys.sorted())")
            snapshots.append(files)
        }
        #expect(snapshots[0].keys.sorted() == snapshots[1].keys.sorted())
        for (name, bytes) in snapshots[0] { #expect(snapshots[1][name] == bytes, "\(name) differs between equal runs") }
    }

    /// `auxiliary_on_generated = false`: D's class loss is the cross-entropy on the real
    /// images alone (generated images and their labels do not enter it); true: on both.
    @Test func auxiliaryLossOnRealImagesOnly() throws {
        var c = try tinyConfig(.acgan)
        c.auxiliaryOnGenerated = false
        let trainer = try ImageGANTrainer(config: c)
        trainer.model.discriminator.eval()   // no dropout: equal inputs give equal losses
        let data = try syntheticImages(20)
        let (real, labels) = data.batch(0..<10)
        let (fakeA, fakeB) = (data.batch(10..<20).images, Tensor.uniform([10, 784], low: -1, high: 1, source: try RandomSource(seed: 5)))
        let aux = { (fake: Tensor, fakeLabels: [Int]) in
            withoutGradient { Double(trainer.discriminatorLosses(real: real, realLabels: labels, fake: fake, fakeLabels: fakeLabels).1!.scalar) }
        }
        let realOnly = withoutGradient { Double(Loss.crossEntropy(logits: trainer.model.discriminate(real).classes!, labels: labels).scalar) }
        #expect(aux(fakeA, Array(repeating: 3, count: 10)) == aux(fakeB, Array(repeating: 7, count: 10)))
        #expect(abs(aux(fakeA, Array(repeating: 3, count: 10)) - realOnly) < 1e-6)
        var both = c
        both.auxiliaryOnGenerated = true
        let t2 = try ImageGANTrainer(config: both)
        t2.model.discriminator.eval()
        let a = withoutGradient { Double(t2.discriminatorLosses(real: real, realLabels: labels, fake: fakeA, fakeLabels: Array(repeating: 3, count: 10)).1!.scalar) }
        let b = withoutGradient { Double(t2.discriminatorLosses(real: real, realLabels: labels, fake: fakeA, fakeLabels: Array(repeating: 7, count: 10)).1!.scalar) }
        #expect(a != b)
    }

    /// Fixed metric latents: the metric samples are the same images before and after
    /// epochs of nothing (the generator unchanged) and between trainers of one seed.
    @Test func metricSamplesAreFixedPerSeed() throws {
        let a = try ImageGANTrainer(config: tinyConfig(.acgan)), b = try ImageGANTrainer(config: tinyConfig(.acgan))
        let (x, labels) = a.metricSamples()
        #expect(x.scalars == a.metricSamples().images.scalars && x.scalars == b.metricSamples().images.scalars)
        #expect(labels == (0..<20).map { $0 % 10 } && x.shape == [20, 784])
        #expect(x.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test func badInputsGiveClearErrors() throws {
        #expect(throws: GANError.unknownPreset(model: "acgan", name: "huge", known: ["small", "paper", "small-2025"])) {
            try ImageGANConfig.preset("huge", model: .acgan)
        }
        #expect(throws: GANError.unknownPreset(model: "mlp", name: "small", known: ["default", "book"])) {
            try ImageGANConfig.preset("small", model: .mlp)
        }
        let size = GANError.wrongImageSize(source: "data/", height: 32, width: 32, expected: 28)
        #expect(throws: size) {
            try GANImageData(unitIntervalImages: .zeros([2, 1024]), labels: [0, 1], height: 32, width: 32, source: "data/")
        }
        #expect(size.description == "data/ holds 32x32 images; this model takes 28x28 images (MNIST format)")
        #expect(throws: GANError.self) { try GANImageData(images: .zeros([2, 784]), labels: [0, 10]) }
        var c = try tinyConfig(.mlp)
        c.epochs = 0
        #expect(throws: ConfigurationError("epochs must be at least 1, got 0")) { try ImageGANTrainer(config: c) }
        c.epochs = 1
        c.batchSize = 50
        let trainer = try ImageGANTrainer(config: c)
        let dir = temporaryFolder("too-few")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: GANError.invalidSetting("10 training images are fewer than one batch of 50")) {
            try trainer.run(train: syntheticImages(10), test: syntheticImages(10), output: RunOutput(directory: dir), log: { _ in })
        }
    }
}

@Suite struct PNGTests {
    @Test func gridIsWrittenAndDecodedByLibpng() throws {
        let images = Tensor(shape: [3, 4], scalars: [-1, 0, 1, 0.5, 1, 1, -1, -1, 2, -2, .nan, 0])
        let grid = try PNGImage.grid(images, imageHeight: 2, imageWidth: 2, columns: 2, padding: 1)
        #expect(grid.width == 7 && grid.height == 7)
        // First image at (1, 1): -1 -> 0, 0 -> 128 (127.5 rounds up), 1 -> 255, 0.5 -> 191.
        #expect(grid.pixels[1 * 7 + 1] == 0 && grid.pixels[1 * 7 + 2] == 128 && grid.pixels[2 * 7 + 1] == 255 && grid.pixels[2 * 7 + 2] == 191)
        // Out-of-range values clamp; NaN draws black.
        #expect(grid.pixels[4 * 7 + 1] == 255 && grid.pixels[4 * 7 + 2] == 0 && grid.pixels[5 * 7 + 1] == 0)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gan-png-\(getpid()).png")
        defer { try? FileManager.default.removeItem(at: url) }
        try grid.write(to: url)
        let bytes = try Data(contentsOf: url)
        #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(try PNGImage(contentsOf: url) == grid)
    }

    @Test func pngDecodesWithAnIndependentReader() throws {
        // Python's zlib inflates the IDAT stream: an independent check that libpng wrote
        // a valid PNG with these exact pixels (filter type per row undone here).
        let image = try PNGImage(width: 3, height: 2, pixels: [0, 10, 20, 200, 250, 255])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gan-png-py-\(getpid()).png")
        defer { try? FileManager.default.removeItem(at: url) }
        try image.write(to: url)
        let script = """
        import struct, sys, zlib
        d = open(sys.argv[1], 'rb').read(); assert d[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
        i, idat, w, h = 8, b'', 0, 0
        while i < len(d):
            n, t = struct.unpack('>I4s', d[i:i+8]); body = d[i+8:i+8+n]; i += 12 + n
            if t == b'IHDR': w, h, depth, colour = struct.unpack('>IIBB', body[:10]); assert depth == 8 and colour == 0
            if t == b'IDAT': idat += body
        raw, rows, prev = zlib.decompress(idat), [], [0] * w
        for y in range(h):
            f, line = raw[y*(w+1)], list(raw[y*(w+1)+1:(y+1)*(w+1)])
            for x in range(w):
                a = line[x-1] if x else 0; b = prev[x]; c = prev[x-1] if x else 0
                p = a + b - c; pr = a if abs(p-a) <= abs(p-b) and abs(p-a) <= abs(p-c) else (b if abs(p-b) <= abs(p-c) else c)
                line[x] = (line[x] + [0, a, b, (a + b) // 2, pr][f]) & 255
            rows += line; prev = line
        print(w, h, *rows)
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0)
        #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == "3 2 0 10 20 200 250 255")
    }
}

@Suite struct ImageDataLoadingTests {
    /// Writes raw (uncompressed) MNIST-format files of `n` images of `side` x `side`.
    func writeIDX(_ dir: URL, side: Int, n: Int = 3) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        func be(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
        for split in ["train", "t10k"] {
            let images = [0, 0, 8, 3] + be(n) + be(side) + be(side) + [UInt8](repeating: 255, count: n * side * side)
            let labels = [0, 0, 8, 1] + be(n) + (0..<n).map { UInt8($0 % 10) }
            try Data(images).write(to: dir.appendingPathComponent("\(split)-images-idx3-ubyte"))
            try Data(labels).write(to: dir.appendingPathComponent("\(split)-labels-idx1-ubyte"))
        }
    }

    @Test func loadsMNISTFormatFilesScaledToMinusOneOne() throws {
        let dir = temporaryFolder("idx28")
        defer { try? FileManager.default.removeItem(at: dir) }
        try writeIDX(dir, side: 28)
        let (train, test) = try GANImageData.load(directory: dir.path)
        #expect(train.count == 3 && test.count == 3 && train.labels == [0, 1, 2])
        #expect(train.images.shape == [3, 784] && train.images.scalars.allSatisfy { $0 == 1 })
    }

    @Test func wrongImageSizeIsAClearError() throws {
        let dir = temporaryFolder("idx32")
        defer { try? FileManager.default.removeItem(at: dir) }
        try writeIDX(dir, side: 32)
        #expect(throws: GANError.wrongImageSize(source: "\(dir.path)/train-images-idx3-ubyte", height: 32, width: 32, expected: 28)) {
            try GANImageData.load(directory: dir.path)
        }
    }

    @Test func missingDataFilesNameTheFileAndWhatToDo() throws {
        let dir = temporaryFolder("no-data")
        do {
            _ = try GANImageData.load(directory: dir.path)
            Issue.record("loading from an empty folder succeeded")
        } catch {
            let message = "\(error)"
            #expect(message.contains("\(dir.path)/train-images-idx3-ubyte"), "\(message)")
            #expect(message.contains("MNIST-format IDX files"), "\(message)")
        }
    }
}

@Suite struct GANSettingsTests {
    @Test func presetsTakeOverridesThroughTheSettingsMechanism() throws {
        var values = ImageGANConfig.mlpDefault.settingValues(owner: "the mlp GAN")
        // The preset's values are the defaults the overrides start from.
        #expect(values.values["d_hidden"] == .list([.int(1024), .int(512)]))
        try values.merge(overrides: ["g_learning_rate=1e-3", "d_optimizer=sgd", "loss=ls", "d_hidden=[64]", "train_limit=500"])
        let c = try values.decode(ImageGANConfig.self)
        #expect(c.generatorLearningRate == 1e-3 && !c.discriminatorUsesAdam && c.loss == .leastSquares)
        #expect(c.discriminatorHidden == [64] && c.trainLimit == 500)
        #expect(c.discriminatorLearningRate == 2e-4 && c.batchSize == 64)  // untouched: the preset's

        var acgan = ImageGANConfig.acganPaper.settingValues(owner: "the acgan GAN")
        try acgan.merge(overrides: ["generator_kernel=3"])
        let a = try acgan.decode(ImageGANConfig.self).architecture
        #expect(a.generatorKernel == 3 && a.generatorConvChannels == [256, 128] && a.discriminatorStridedKernel == 3)
    }

    @Test func badValuesGiveTheMechanismsMessages() throws {
        func error(_ item: String) -> String {
            var values = ImageGANConfig.mlpDefault.settingValues(owner: "the mlp GAN")
            do { try values.merge(overrides: [item]) } catch { return "\(error)" }
            return "no error"
        }
        #expect(error("d_optimizer=rmsprop") == "--set d_optimizer: setting 'd_optimizer' expects one of sgd, adam, got 'rmsprop'")
        #expect(error("dropout=1") == "--set dropout: dropout must be in [0, 1), got 1.0")
        #expect(error("g_learning_rate=0") == "--set g_learning_rate: g_learning_rate must be positive, got 0.0")
        #expect(error("generator_conv_channels=8") == "--set generator_conv_channels: setting 'generator_conv_channels' expects 2 values, got 1")
        #expect(error("g.learning_rate=2e-4").hasPrefix("--set g.learning_rate: unknown setting 'g.learning_rate' for the mlp GAN; valid settings: d_hidden, epochs,"))
        var gaussian = GaussianGANConfig.default.settingValues(owner: "the gaussian GAN")
        #expect(throws: ConfigurationError("--set optimizer: setting 'optimizer' expects one of sgd, adam, got 'rmsprop'")) {
            try gaussian.merge(overrides: ["optimizer=rmsprop"])
        }
    }

    @Test func theSummaryRecordsEverySetting() throws {
        for config in [ImageGANConfig.mlpDefault, .mlpBook, .acganSmall] {
            var c = config
            c.trainLimit = 100
            let resolved = c.resolved
            let architecture = resolved["architecture"] as? [String: Any] ?? [:]
            for declaration in ImageGANConfig.declarations {
                let isSize = ImageGANConfig.ACGANArchitecture.declarations.contains { $0.name == declaration.name }
                if isSize {
                    #expect((architecture[declaration.name] != nil) == (c.model == .acgan), "\(declaration.name)")
                } else if declaration.name == "d_hidden" {
                    #expect((resolved["d_hidden"] != nil) == (c.model == .mlp))
                } else {
                    #expect(resolved[declaration.name] != nil, "\(declaration.name) is not recorded")
                }
            }
        }
        var wgan = ImageGANConfig.mlpDefault
        wgan.loss = .wasserstein
        #expect(wgan.resolved["d_optimizer"] as? String == "rmsprop" && wgan.resolved["g_optimizer"] as? String == "rmsprop")
        #expect(ImageGANConfig.mlpBook.resolved["d_optimizer"] as? String == "sgd")
    }

    @Test func gaussianPresetsKeepTheirEnumsThroughTheSettings() throws {
        let c = try GaussianGANConfig.default.settingValues(owner: "g").decode(GaussianGANConfig.self)
        #expect(c.optimizer == .adam(beta1: 0.5) && c.weightInit == .glorotUniform && c.generatorAverageDecay == 0.99)
        var t = GaussianGANConfig.tutorial.settingValues(owner: "g")
        try t.merge(overrides: ["weight_std=0.5", "g_average_decay=0.9"])
        let u = try t.decode(GaussianGANConfig.self)
        #expect(u.weightInit == .normal(standardDeviation: 0.5) && u.optimizer == .gradientDescent && u.generatorAverageDecay == 0.9)
    }
}
