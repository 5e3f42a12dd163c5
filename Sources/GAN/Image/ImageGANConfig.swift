import LabCore

/// Settings of the image GANs (`rllab gan mlp`, `rllab gan acgan`).
public struct ImageGANConfig: Settings, Equatable {
    /// Which network pair.
    public enum Model: String, Sendable, CaseIterable {
        /// The TensorFlow book's fully connected GAN.
        case mlp
        /// The Keras example's auxiliary-classifier GAN (class-conditional, convolutional).
        case acgan
    }

    /// D's optimizer outside WGAN (which uses RMSprop for both networks).
    public enum DiscriminatorOptimizer: String, CaseIterable, Sendable, SettingType {
        /// Plain gradient descent (the book).
        case sgd
        case adam
    }

    /// Sizes of the AC-GAN's networks; the defaults are the `small` preset's.
    public struct ACGANArchitecture: Settings, Equatable {
        @Setting("generator_dense", range: 1..., help: "AC-GAN: G's hidden dense layers before the reshape (the Keras example: [1024])")
        public var generatorDense: [Int] = []
        @Setting("generator_base_channels", range: 1..., help: "AC-GAN: channels of the 7x7 map G reshapes to")
        public var generatorBaseChannels = 32
        @Setting("generator_conv_channels", range: 1..., count: 2, help: "AC-GAN: channels of G's convolutions after each 2x up-sampling (7 -> 14 -> 28)")
        public var generatorConvChannels = [32, 16]
        @Setting("generator_kernel", range: 1..., help: "AC-GAN: kernel size of those convolutions") public var generatorKernel = 3
        @Setting("generator_output_kernel", range: 1..., help: "AC-GAN: kernel size of G's final 1-channel tanh convolution")
        public var generatorOutputKernel = 3
        /// Nearest up-sampling makes 2x2 blocks (4x4 after both stages) that the following
        /// 3x3 convolutions turn into a lattice G must unlearn; bilinear up-sampling leaves
        /// no blocks.
        @Setting("generator_upsampling", help: "AC-GAN: how G doubles its feature maps before each convolution (the Keras example: nearest)")
        public var generatorUpsampling = UpSampling2D.Interpolation.nearest
        @Setting("discriminator_channels", range: 1..., count: 4, help: "AC-GAN: channels of D's four convolutions (strides 2, 1, 2, 1)")
        public var discriminatorChannels = [16, 16, 32, 32]
        /// The Keras example's 3 is not divisible by the stride, so the gradient D sends back
        /// to G covers some pixels twice as often as their neighbours: G learns a
        /// checkerboard. 4 covers every pixel equally.
        @Setting("discriminator_strided_kernel", range: 1..., help: "AC-GAN: kernel size of D's two stride-2 convolutions (its stride-1 ones are 3x3)")
        public var discriminatorStridedKernel = 4
        /// A stride-2 convolution sends back to G a gradient that differs between even and
        /// odd pixels (each meets other kernel taps), and G learns that as a lattice; a
        /// [1, 2, 1] / 4 blur before it gives both the same weight.
        @Setting("discriminator_blur", help: "AC-GAN: blur D's input to each stride-2 convolution with [1, 2, 1] / 4 (anti-aliased down-sampling)")
        public var discriminatorBlur = true

        public init() {}

        /// The Keras example's sizes.
        public static var paper: ACGANArchitecture {
            var a = ACGANArchitecture()
            a.generatorDense = [1024]
            a.generatorBaseChannels = 128
            a.generatorConvChannels = [256, 128]
            a.generatorKernel = 5
            a.generatorOutputKernel = 2
            a.discriminatorChannels = [32, 64, 128, 256]
            a.discriminatorStridedKernel = 3
            a.discriminatorBlur = false
            return a
        }
        /// About 60x fewer multiply-adds per image than ``paper``, for 2 CPU cores: no
        /// hidden dense layer, 3x3 kernels in G (nearest up-sampling then a stride-1
        /// convolution), few channels, 4x4 kernels in D's strided convolutions so that no
        /// pixel is reached more often than its neighbours (no checkerboard), and a
        /// [1, 2, 1] / 4 blur before them so that no pixel gets more gradient weight
        /// either (no lattice; `discriminator_blur`).
        public static var small: ACGANArchitecture { ACGANArchitecture() }
        /// The `small` sizes before 2026-11-29 (G's last convolution with 8 channels, D's
        /// strided kernels 3x3), kept to measure the change against.
        public static var small2025: ACGANArchitecture {
            var a = ACGANArchitecture()
            a.generatorConvChannels = [32, 8]
            a.discriminatorStridedKernel = 3
            a.discriminatorBlur = false
            return a
        }
    }

    public var model: Model = .mlp
    /// The preset's name (recorded in the summary).
    public var preset = "book"
    // The settings, with the book's MLP GAN as defaults (the presets change them). Their
    // names are the keys of `settings` in the run's summary.json.
    @Setting("d_hidden", range: 1..., help: "MLP GAN: units of D's hidden layers (the book: one layer of 256)")
    public var discriminatorHidden = [256]
    @Setting("epochs", range: 1..., help: "passes over the training set") public var epochs = 20
    @Setting("batch_size", range: 1..., help: "real images per D step (and generated ones alongside)") public var batchSize = 100
    @Setting("generator_batch_multiplier", range: 1..., help: "generated images per G step, as a multiple of the batch size (the Keras AC-GAN example: 2)")
    public var generatorBatchMultiplier = 1
    @Setting("latent_size", range: 1..., help: "size of G's noise input") public var latentSize = 256
    @Setting("loss", help: "adversarial loss (wgan switches both networks to RMSprop with weight clipping)")
    public var loss: GANLoss = .nonSaturating
    @Setting("real_label", range: 0...1, help: "D's target for real images (0.9: one-sided label smoothing, as the book)")
    public var realLabel: Float = 0.9
    @Setting("fake_label", range: 0...1, help: "D's target for generated images") public var fakeLabel: Float = 0.1
    @Setting("g_learning_rate", range: .positive, help: "learning rate of G's Adam") public var generatorLearningRate: Float = 1e-5
    @Setting("g_beta1", range: SettingRange(atLeast: 0, below: 1), help: "Adam's beta1 for G") public var generatorBeta1 = 0.9
    @Setting("d_optimizer", help: "D's optimizer (wgan uses RMSprop)") public var discriminatorOptimizer = DiscriminatorOptimizer.sgd
    @Setting("d_learning_rate", range: .positive, help: "learning rate of D's optimizer") public var discriminatorLearningRate: Float = 0.01
    @Setting("d_beta1", range: SettingRange(atLeast: 0, below: 1), help: "Adam's beta1 for D when it uses Adam") public var discriminatorBeta1 = 0.9
    @Setting("leaky_slope", range: 0..., help: "slope of the LeakyReLU units") public var leakySlope: Float = 0.2
    @Setting("dropout", range: SettingRange(atLeast: 0, below: 1), help: "dropout rate in D") public var dropout: Float = 0.3
    /// Whether D's class head also learns the classes G was asked for on generated images.
    /// The later Keras AC-GAN example stops it (openreview rJXTf9Bxg): a head that learns
    /// to name G's poor early images can be satisfied without class features, so G's
    /// class gradient is weak; trained on real images only it is a real classifier.
    @Setting("auxiliary_on_generated", help: "AC-GAN: D's class loss also on generated images (false: real images only, as the later Keras example)")
    public var auxiliaryOnGenerated = true
    @SettingGroup public var architecture: ACGANArchitecture
    @Setting("train_limit", range: 1..., help: "train on the first N training images only (default: all)") public var trainLimit: Int? = nil
    @Setting("test_limit", range: 1..., help: "test images for the per-epoch test losses") public var testLimit = 10_000
    /// Generated images (from the same latents every epoch) and real images per side for
    /// the per-epoch metrics: Fréchet distance, classifier score, class histogram, AC-GAN
    /// accuracy.
    @Setting("metric_images", range: 10..., help: "generated and real images per side for the per-epoch metrics")
    public var scoreSamples = 2000
    /// Master seed.
    public var seed: UInt64 = 0

    /// Whether D uses Adam (otherwise SGD).
    public var discriminatorUsesAdam: Bool { discriminatorOptimizer == .adam }

    public init() {}

    /// Preset names per model, default first.
    public static func presetNames(for model: Model) -> [String] {
        model == .mlp ? ["default", "book"] : ["small", "paper", "small-2025"]
    }

    /// A preset by model and name.
    public static func preset(_ name: String, model: Model) throws -> ImageGANConfig {
        switch (model, name) {
        case (.mlp, "default"): return .mlpDefault
        case (.mlp, "book"): return .mlpBook
        case (.acgan, "small"): return .acganSmall
        case (.acgan, "paper"): return .acganPaper
        case (.acgan, "small-2025"):
            var c = acganSmall
            c.preset = "small-2025"
            c.architecture = .small2025
            c.auxiliaryOnGenerated = true
            return c
        default: throw GANError.unknownPreset(model: model.rawValue, name: name, known: presetNames(for: model))
        }
    }

    /// The book's MLP GAN: z(256) -> 256 -> 512 -> 1024 -> 784 tanh, D 784 -> 256 -> 1,
    /// G Adam lr 1e-5, D SGD lr 0.01, labels 0.9 / 0.1 for D and 1 for G, batch 100.
    public static var mlpBook: ImageGANConfig { ImageGANConfig() }

    /// A modern recipe on the book's generator that gives recognisable clothing within a
    /// few epochs (the README gives the reason for each change): Adam 2e-4 with beta1 0.5
    /// for both networks (DCGAN's rates; the book's SGD D and 1e-5 G need hundreds of
    /// epochs), one-sided label smoothing (real 0.9, fake 0: smoothing the fake label
    /// rewards G for staying where it is), batch 64, and a wider two-layer D (1024, 512)
    /// so D keeps up with a G that now learns 20x faster.
    public static var mlpDefault: ImageGANConfig {
        var c = ImageGANConfig()
        c.preset = "default"
        c.batchSize = 64
        c.useDCGANOptimizers()
        c.discriminatorHidden = [1024, 512]
        return c
    }

    /// DCGAN's training of both networks: Adam 2e-4 with beta1 0.5, and a hard fake label.
    private mutating func useDCGANOptimizers() {
        fakeLabel = 0
        generatorLearningRate = 2e-4
        generatorBeta1 = 0.5
        discriminatorOptimizer = .adam
        discriminatorLearningRate = 2e-4
        discriminatorBeta1 = 0.5
    }

    /// The Keras AC-GAN example: latent 100, Adam 2e-4 with beta1 0.5 for both networks,
    /// hard labels, G trained on twice the batch, 50 epochs of batch 100.
    public static var acganPaper: ImageGANConfig {
        var c = ImageGANConfig()
        c.model = .acgan
        c.preset = "paper"
        c.epochs = 50
        c.latentSize = 100
        c.realLabel = 1
        c.useDCGANOptimizers()
        c.generatorBatchMultiplier = 2
        c.architecture = .paper
        return c
    }

    /// The paper's recipe on smaller networks, G trained on one batch per step, D's class
    /// head trained on real images only (as the later Keras example), and test losses on
    /// 2,000 test images: an epoch takes a few minutes on 2 cores. Batches of 32 rather
    /// than 100: an image costs about the same either way, and 3x more updates per epoch
    /// bring the class-conditional accuracy after one epoch from 57% to 81% (seed 0).
    public static var acganSmall: ImageGANConfig {
        var c = acganPaper
        c.preset = "small"
        c.epochs = 2
        c.batchSize = 32
        c.architecture = .small
        c.generatorBatchMultiplier = 1
        c.testLimit = 2000
        c.auxiliaryOnGenerated = false
        return c
    }

    /// Every setting by name, for the run's summary (the resolved configuration): the
    /// settings as declared, the AC-GAN's sizes under `architecture` (MLP GAN: `d_hidden`
    /// instead), the optimizers as used (`rmsprop` with wgan), model, preset and seed.
    public var resolved: [String: Any] {
        var values = self.values.mapValues(\.plainValue)
        var sizes: [String: Any] = [:]
        for name in ACGANArchitecture.declarations.map(\.name) {
            sizes[name] = values.removeValue(forKey: name)
        }
        if model == .acgan {
            values["d_hidden"] = nil
            values["architecture"] = sizes
        }
        values["model"] = model.rawValue
        values["preset"] = preset
        values["seed"] = seed
        values["g_optimizer"] = usesRMSprop ? "rmsprop" : "adam"
        values["d_optimizer"] = usesRMSprop ? "rmsprop" : discriminatorOptimizer.rawValue
        return values
    }

    /// Switches to the WGAN recipe when the loss is Wasserstein (RMSprop for both).
    var usesRMSprop: Bool { loss == .wasserstein }
}

extension UpSampling2D.Interpolation: SettingType {}
