import LabCore

/// Settings of the image GANs (`rllab gan mlp`, `rllab gan acgan`).
public struct ImageGANConfig: Sendable, Equatable {
    /// Which network pair.
    public enum Model: String, Sendable, CaseIterable {
        /// The TensorFlow book's fully connected GAN.
        case mlp
        /// The Keras example's auxiliary-classifier GAN (class-conditional, convolutional).
        case acgan
    }

    /// Sizes of the AC-GAN's networks.
    public struct ACGANArchitecture: Sendable, Equatable {
        /// Hidden dense layers of G before the reshape (the Keras example: [1024]).
        public var generatorDense: [Int]
        /// Channels of the 7x7 map G reshapes to.
        public var generatorBaseChannels: Int
        /// Output channels of G's convolutions after each 2x up-sampling (7 -> 14 -> 28).
        public var generatorConvChannels: [Int]
        /// Kernel size of those convolutions.
        public var generatorKernel: Int
        /// Kernel size of G's final 1-channel tanh convolution.
        public var generatorOutputKernel: Int
        /// Channels of D's four convolutions (strides 2, 1, 2, 1).
        public var discriminatorChannels: [Int]
        /// Kernel size of D's two stride-2 convolutions (its stride-1 ones are 3x3). The
        /// Keras example's 3 is not divisible by the stride, so the gradient D sends back
        /// to G covers some pixels twice as often as their neighbours: G learns a
        /// checkerboard. 4 covers every pixel equally.
        public var discriminatorStridedKernel: Int = 3

        /// The Keras example's sizes.
        public static let paper = ACGANArchitecture(generatorDense: [1024], generatorBaseChannels: 128,
                                                    generatorConvChannels: [256, 128], generatorKernel: 5,
                                                    generatorOutputKernel: 2, discriminatorChannels: [32, 64, 128, 256])
        /// About 60x fewer multiply-adds per image than ``paper``, for 2 CPU cores: no
        /// hidden dense layer, 3x3 kernels in G (nearest up-sampling then a stride-1
        /// convolution), few channels, and 4x4 kernels in D's strided convolutions so that
        /// no pixel gets more gradient than its neighbours (no checkerboard).
        public static let small = ACGANArchitecture(generatorDense: [], generatorBaseChannels: 32,
                                                    generatorConvChannels: [32, 16], generatorKernel: 3,
                                                    generatorOutputKernel: 3, discriminatorChannels: [16, 16, 32, 32],
                                                    discriminatorStridedKernel: 4)
        /// The `small` sizes before 2026-11-29 (G's last convolution with 8 channels, D's
        /// strided kernels 3x3), kept to measure the change against.
        public static let small2025 = ACGANArchitecture(generatorDense: [], generatorBaseChannels: 32,
                                                        generatorConvChannels: [32, 8], generatorKernel: 3,
                                                        generatorOutputKernel: 3, discriminatorChannels: [16, 16, 32, 32])
    }

    public var model: Model = .mlp
    /// The preset's name (recorded in the summary).
    public var preset = "book"
    /// Units of D's hidden layers (MLP GAN; the book: one layer of 256).
    public var discriminatorHidden: [Int] = [256]
    /// Passes over the training set.
    public var epochs = 20
    /// Real images per discriminator step (and generated ones alongside).
    public var batchSize = 100
    /// Generated images per generator step, as a multiple of the batch size (the Keras
    /// AC-GAN example uses 2).
    public var generatorBatchMultiplier = 1
    /// Size of G's noise input.
    public var latentSize = 256
    /// The adversarial loss.
    public var loss: GANLoss = .nonSaturating
    /// D's target for real images (0.9: one-sided label smoothing, as the book).
    public var realLabel: Float = 0.9
    /// D's target for generated images.
    public var fakeLabel: Float = 0.1
    /// Learning rate of G's Adam.
    public var generatorLearningRate: Float = 1e-5
    /// Adam's beta1 for G.
    public var generatorBeta1: Double = 0.9
    /// D's optimizer: SGD (the book) or Adam.
    public var discriminatorUsesAdam = false
    /// Learning rate of D's optimizer.
    public var discriminatorLearningRate: Float = 0.01
    /// Adam's beta1 for D when it uses Adam.
    public var discriminatorBeta1: Double = 0.9
    /// Slope of the LeakyReLU units.
    public var leakySlope: Float = 0.2
    /// Dropout rate in D.
    public var dropout: Float = 0.3
    /// AC-GAN network sizes.
    public var architecture: ACGANArchitecture = .small
    /// Train on the first N training images only (`nil`: all).
    public var trainLimit: Int?
    /// Test images for the per-epoch test losses.
    public var testLimit = 10_000
    /// Generated images (from the same latents every epoch) and real images per side for
    /// the per-epoch metrics: Fréchet distance, classifier score, class histogram, AC-GAN
    /// accuracy.
    public var scoreSamples = 2000
    /// Master seed.
    public var seed: UInt64 = 0

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
        c.fakeLabel = 0
        c.generatorLearningRate = 2e-4
        c.generatorBeta1 = 0.5
        c.discriminatorUsesAdam = true
        c.discriminatorLearningRate = 2e-4
        c.discriminatorBeta1 = 0.5
        c.discriminatorHidden = [1024, 512]
        return c
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
        c.fakeLabel = 0
        c.generatorLearningRate = 2e-4
        c.generatorBeta1 = 0.5
        c.discriminatorUsesAdam = true
        c.discriminatorLearningRate = 2e-4
        c.discriminatorBeta1 = 0.5
        c.generatorBatchMultiplier = 2
        c.architecture = .paper
        return c
    }

    /// The paper's recipe on smaller networks, G trained on one batch per step, and test
    /// losses on 2,000 test images: an epoch takes a few minutes on 2 cores.
    public static var acganSmall: ImageGANConfig {
        var c = acganPaper
        c.preset = "small"
        c.epochs = 4
        c.architecture = .small
        c.generatorBatchMultiplier = 1
        c.testLimit = 2000
        return c
    }

    /// Every setting by name, for the run's summary (the resolved configuration).
    public var resolved: [String: Any] {
        var values: [String: Any] = [
            "model": model.rawValue, "preset": preset, "epochs": epochs, "batch_size": batchSize,
            "generator_batch_multiplier": generatorBatchMultiplier, "latent_size": latentSize, "loss": loss.rawValue,
            "real_label": Double(realLabel), "fake_label": Double(fakeLabel),
            "g_optimizer": usesRMSprop ? "rmsprop" : "adam", "g_learning_rate": Double(generatorLearningRate), "g_beta1": generatorBeta1,
            "d_optimizer": usesRMSprop ? "rmsprop" : (discriminatorUsesAdam ? "adam" : "sgd"),
            "d_learning_rate": Double(discriminatorLearningRate), "d_beta1": discriminatorBeta1,
            "leaky_slope": Double(leakySlope), "dropout": Double(dropout), "test_limit": testLimit,
            "metric_images": scoreSamples, "seed": seed,
        ]
        if let trainLimit { values["train_limit"] = trainLimit }
        if model == .mlp {
            values["d_hidden"] = discriminatorHidden
        } else {
            let a = architecture
            values["architecture"] = ["generator_dense": a.generatorDense, "generator_base_channels": a.generatorBaseChannels,
                                      "generator_conv_channels": a.generatorConvChannels, "generator_kernel": a.generatorKernel,
                                      "generator_output_kernel": a.generatorOutputKernel, "discriminator_channels": a.discriminatorChannels,
                                      "discriminator_strided_kernel": a.discriminatorStridedKernel] as [String: Any]
        }
        return values
    }

    /// Switches to the WGAN recipe when the loss is Wasserstein (RMSprop for both).
    var usesRMSprop: Bool { loss == .wasserstein }

    /// Checks ranges; throws ``GANError/invalidSetting(_:)`` naming the bad setting.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw GANError.invalidSetting(message) } }
        try check(epochs >= 1, "--epochs must be at least 1")
        try check(batchSize >= 1, "--batch-size must be at least 1")
        try check(latentSize >= 1, "the latent size must be at least 1")
        try check(generatorBatchMultiplier >= 1, "the generator batch multiplier must be at least 1")
        try check(generatorLearningRate > 0 && discriminatorLearningRate > 0, "learning rates must be positive")
        try check(dropout >= 0 && dropout < 1, "the dropout rate must be in [0, 1)")
        try check(generatorBeta1 >= 0 && generatorBeta1 < 1 && discriminatorBeta1 >= 0 && discriminatorBeta1 < 1, "Adam's beta1 must be in [0, 1)")
        try check(realLabel.isFinite && fakeLabel.isFinite && (0...1).contains(realLabel) && (0...1).contains(fakeLabel), "labels must be in [0, 1]")
        try check(leakySlope.isFinite && leakySlope >= 0, "the LeakyReLU slope must be at least 0")
        try check(trainLimit.map { $0 >= 1 } ?? true, "--train-limit must be at least 1")
        try check(testLimit >= 1, "--test-limit must be at least 1")
        try check(scoreSamples >= 10, "at least 10 score samples are needed")
        try check(architecture.generatorConvChannels.count == 2, "the AC-GAN generator needs two up-sampling convolutions")
        try check(architecture.discriminatorChannels.count == 4, "the AC-GAN discriminator needs four convolutions")
        try check(architecture.discriminatorStridedKernel >= 1, "the discriminator's strided kernel must be at least 1")
        try check(!discriminatorHidden.isEmpty && discriminatorHidden.allSatisfy { $0 >= 1 }, "the discriminator needs at least one hidden layer of at least 1 unit")
    }
}
