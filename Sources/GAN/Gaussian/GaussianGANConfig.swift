import LabCore

/// Settings of the 1-D Gaussian GAN (`rllab gan gaussian`).
///
/// The `tutorial` preset is the classic TensorFlow tutorial's setup, which often
/// collapses to a narrow distribution; ``default`` changes what the README explains so it
/// reaches the target's mean and standard deviation.
public struct GaussianGANConfig: Settings, Equatable {
    /// How the networks' weights start.
    public enum WeightInit: Sendable, Equatable {
        /// N(0, stddev) weights, zero biases (the tutorial's `tf.random_normal_initializer`).
        case normal(standardDeviation: Float)
        /// Glorot uniform weights, zero biases (Keras' default).
        case glorotUniform
    }

    /// The optimizer of both networks.
    public enum OptimizerKind: Sendable, Equatable {
        /// Plain gradient descent.
        case gradientDescent
        /// Adam with the given beta1.
        case adam(beta1: Double)
    }

    /// How the weights start, as a setting (the standard deviation is `weight_std`).
    public enum WeightInitKind: String, CaseIterable, Sendable, SettingType {
        case normal
        case glorotUniform = "glorot-uniform"
    }

    /// The optimizer, as a setting (Adam's beta1 is `beta1`).
    public enum OptimizerName: String, CaseIterable, Sendable, SettingType {
        case sgd
        case adam
    }

    /// The preset's name (recorded in the summary).
    public var preset = "tutorial"
    // The settings, with the tutorial's values as defaults (the presets change them).
    @Setting("target_mean", range: -1e6...1e6, help: "mean of the target normal distribution") public var targetMean = 4.0
    @Setting("target_std", range: SettingRange(above: 0, atMost: 1e6), help: "standard deviation of the target normal distribution")
    public var targetStd = 0.5
    @Setting("noise_range", range: .positive, help: "G's input is linspace(-R, R, N) plus uniform noise x 0.01") public var noiseRange = 8.0
    @Setting("hidden_size", range: 1..., help: "hidden width h: G has h softplus units, D three tanh layers of 2h") public var hiddenSize = 4
    @Setting("batch_size", range: 2..., help: "samples per batch (real and generated each)") public var batchSize = 12
    @Setting("steps", range: 0..., help: "adversarial training steps (one D update then one G update each)") public var steps = 1200
    @Setting("pretrain_steps", range: 0..., help: "steps of pre-training D_pre on the normal density (0 skips it)") public var pretrainSteps = 1000
    @Setting("learning_rate", range: .positive, help: "initial learning rate") public var learningRate = 0.03
    @Setting("decay_rate", range: .positive, help: "learning-rate decay factor per decay_steps (1 disables the decay)") public var decayRate = 0.95
    @Setting("decay_steps", range: 1..., help: "steps between decays (staircase, as tf.train.exponential_decay)") public var decaySteps = 150
    @Setting("optimizer", help: "optimizer of D_pre, D and G") public var optimizerName = OptimizerName.sgd
    @Setting("beta1", range: SettingRange(atLeast: 0, below: 1), help: "Adam's beta1 (optimizer adam)") public var beta1 = 0.9
    @Setting("weight_init", help: "initial weights: normal (N(0, weight_std)) or glorot-uniform (Keras' default); zero biases")
    public var weightInitKind = WeightInitKind.normal
    @Setting("weight_std", range: .positive, help: "standard deviation of normal initial weights") public var weightStandardDeviation: Float = 1
    /// The tutorial's D minimises -log D(x) - log(1 - D(G(z))) and its G minimises
    /// -log D(G(z)): the non-saturating form.
    @Setting("loss", help: "adversarial loss") public var loss: GANLoss = .nonSaturating
    @Setting("sort_real_samples", help: "sort each batch of real samples (the tutorial does, pairing them with the ordered noise)")
    public var sortRealSamples = true
    /// When set, the generator that is evaluated and saved is an exponential moving average
    /// of G's weights with this decay per step (Polyak averaging), which damps the
    /// oscillation of GAN training around its equilibrium. `nil` (the tutorial) uses G as is.
    @Setting("g_average_decay", range: SettingRange(atLeast: 0, below: 1), help: "evaluate and save an exponential moving average of G's weights with this decay per step (default: G as is)")
    public var generatorAverageDecay: Double? = nil
    /// Give D each batch's standard deviation as a second input (the minibatch-stddev
    /// feature of Karras et al.), so a generator that collapses to a narrow spread is
    /// easy to tell from the data. The tutorial's D sees samples one at a time.
    @Setting("minibatch_std_feature", help: "give D each batch's standard deviation as a second input (Karras et al.)")
    public var minibatchStdFeature = false
    @Setting("evaluation_samples", range: 2..., help: "generated samples for the final mean and standard deviation")
    public var evaluationSamples = 10_000
    @Setting("plot_steps", range: 0..., help: "steps after which the density plots are drawn (0: before training)")
    public var plotSteps = [0, 400, 800, 1200]
    /// Master seed.
    public var seed: UInt64 = 0

    /// The optimizer of D_pre, D and G.
    public var optimizer: OptimizerKind { optimizerName == .adam ? .adam(beta1: beta1) : .gradientDescent }

    /// Initial weights.
    public var weightInit: WeightInit {
        weightInitKind == .normal ? .normal(standardDeviation: weightStandardDeviation) : .glorotUniform
    }

    public init() {}

    /// The preset names, default first.
    public static let presetNames = ["default", "tutorial"]

    /// A preset by name.
    public static func preset(_ name: String) throws -> GaussianGANConfig {
        switch name {
        case "tutorial": return .tutorial
        case "default": return .default
        default: throw GANError.unknownPreset(model: "gaussian", name: name, known: presetNames)
        }
    }

    /// The tutorial exactly: N(0, 1) weights, plain gradient descent at 0.03 decayed by
    /// 0.95 every 150 steps, D_pre copied into D, 1200 steps of batch 12.
    public static var tutorial: GaussianGANConfig { GaussianGANConfig() }

    /// The tutorial's models and data with training that converges (see the README):
    /// Glorot weights instead of N(0, 1) (which saturates the tanh units on inputs near 4),
    /// Adam with beta1 = 0.5, a larger batch for steadier moment estimates, and more steps.
    public static var `default`: GaussianGANConfig {
        var c = GaussianGANConfig()
        c.preset = "default"
        c.weightInitKind = .glorotUniform
        c.optimizerName = .adam
        c.beta1 = 0.5
        c.learningRate = 0.005
        c.batchSize = 64
        c.steps = 1500
        c.plotSteps = [0, 500, 1000, 1500]
        c.generatorAverageDecay = 0.99
        c.minibatchStdFeature = true
        return c
    }
}
