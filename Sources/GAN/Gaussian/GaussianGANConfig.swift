import LabCore

/// Settings of the 1-D Gaussian GAN (`rllab gan gaussian`).
///
/// The `tutorial` preset is the classic TensorFlow tutorial's setup, which often
/// collapses to a narrow distribution; ``default`` changes what the README explains so it
/// reaches the target's mean and standard deviation.
public struct GaussianGANConfig: Sendable, Equatable {
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

    /// The preset's name (recorded in the summary).
    public var preset = "tutorial"
    /// Mean of the target normal distribution.
    public var targetMean: Double = 4
    /// Standard deviation of the target normal distribution.
    public var targetStd: Double = 0.5
    /// The generator's input is `linspace(-R, R, N)` plus uniform noise x 0.01.
    public var noiseRange: Double = 8
    /// Hidden width h: the generator has h softplus units, the discriminator 3 tanh layers of 2h.
    public var hiddenSize = 4
    /// Samples per batch (real and generated each).
    public var batchSize = 12
    /// Adversarial training steps (one D update then one G update each).
    public var steps = 1200
    /// Steps of pre-training D_pre on the normal density (0 skips it).
    public var pretrainSteps = 1000
    /// Initial learning rate.
    public var learningRate: Double = 0.03
    /// Learning-rate decay factor per `decaySteps` (1 disables the decay).
    public var decayRate: Double = 0.95
    /// Steps between decays (staircase, as `tf.train.exponential_decay(staircase=True)`).
    public var decaySteps = 150
    /// The optimizer of D_pre, D and G.
    public var optimizer: OptimizerKind = .gradientDescent
    /// Initial weights.
    public var weightInit: WeightInit = .normal(standardDeviation: 1)
    /// The adversarial loss. The tutorial's D minimises -log D(x) - log(1 - D(G(z))) and its
    /// G minimises -log D(G(z)): the non-saturating form.
    public var loss: GANLoss = .nonSaturating
    /// Sort each batch of real samples (the tutorial does, pairing them with the ordered noise).
    public var sortRealSamples = true
    /// When set, the generator that is evaluated and saved is an exponential moving average
    /// of G's weights with this decay per step (Polyak averaging), which damps the
    /// oscillation of GAN training around its equilibrium. `nil` (the tutorial) uses G as is.
    public var generatorAverageDecay: Double?
    /// Give D each batch's standard deviation as a second input (the minibatch-stddev
    /// feature of Karras et al.), so a generator that collapses to a narrow spread is
    /// easy to tell from the data. The tutorial's D sees samples one at a time.
    public var minibatchStdFeature = false
    /// Generated samples for the final mean and standard deviation.
    public var evaluationSamples = 10_000
    /// Steps after which the density plots are drawn (0 = before training).
    public var plotSteps: [Int] = [0, 400, 800, 1200]
    /// Master seed.
    public var seed: UInt64 = 0

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
        c.weightInit = .glorotUniform
        c.optimizer = .adam(beta1: 0.5)
        c.learningRate = 0.005
        c.decayRate = 0.95
        c.decaySteps = 150
        c.batchSize = 64
        c.steps = 1500
        c.pretrainSteps = 1000
        c.plotSteps = [0, 500, 1000, 1500]
        c.generatorAverageDecay = 0.99
        c.minibatchStdFeature = true
        return c
    }

    /// Checks ranges; throws ``GANError/invalidSetting(_:)`` naming the bad setting.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw GANError.invalidSetting(message) } }
        try check(targetStd > 0, "the target standard deviation must be positive")
        try check(targetMean.isFinite && targetStd.isFinite, "the target mean and standard deviation must be finite")
        // The networks are Float32: targets far from the origin overflow their squares.
        try check(abs(targetMean) <= 1e6 && targetStd <= 1e6,
                  "the target mean and standard deviation must be within 1e6 (the networks compute in Float32), got mu \(targetMean), sigma \(targetStd)")
        try check(noiseRange > 0, "the noise range must be positive")
        try check(hiddenSize > 0, "the hidden size must be positive")
        try check(batchSize > 1, "the batch size must be at least 2")
        try check(steps >= 0 && pretrainSteps >= 0, "step counts cannot be negative")
        try check(learningRate > 0 && learningRate.isFinite, "the learning rate must be positive")
        try check(decayRate > 0 && decaySteps > 0, "the decay rate and decay steps must be positive")
        if let d = generatorAverageDecay { try check(d >= 0 && d < 1, "the generator average decay must be in [0, 1)") }
        try check(evaluationSamples > 1, "at least 2 evaluation samples are needed")
    }
}
