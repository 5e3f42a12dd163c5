import LabCore

/// The adversarial objective: how the discriminator's raw outputs (logits, before any
/// sigmoid) become the discriminator's and the generator's losses.
///
/// Discriminators in this module end in a linear unit; the sigmoid of the classic
/// models is folded into the binary cross-entropy (computed from logits, which stays
/// finite where `log(sigmoid(x))` underflows). LSGAN and WGAN use the raw output, as
/// their papers do.
public enum GANLoss: String, CaseIterable, Sendable, SettingType {
    /// Goodfellow et al.'s saturating game: G minimises `log(1 - D(G(z)))`.
    case minimax
    /// G maximises `log D(G(z))` instead (strong gradients when D wins; what most code uses).
    case nonSaturating = "non-saturating"
    /// Least squares (Mao et al.): D regresses real to 1 and fake to 0, G pulls fake to 1.
    case leastSquares = "lsgan"
    /// Wasserstein critic (Arjovsky et al.): RMSprop, critic weights clipped, several critic
    /// steps per generator step.
    case wasserstein = "wgan"

    /// Parses a loss name (`minimax`, `non-saturating`, `lsgan`, `wgan`; a few aliases).
    public init(name: String) throws {
        switch name.lowercased() {
        case "minimax", "saturating": self = .minimax
        case "non-saturating", "nonsaturating", "ns": self = .nonSaturating
        case "lsgan", "least-squares", "ls": self = .leastSquares
        case "wgan", "wasserstein": self = .wasserstein
        default: throw GANError.unknownLoss(name: name)
        }
    }

    /// A loss setting: a name or one of the aliases ``init(name:)`` accepts.
    public static func read(_ input: SettingInput) -> GANLoss? { input.scalarText.flatMap { try? GANLoss(name: $0) } }

    /// Whether the losses are cross-entropies on a sigmoid (so label smoothing applies).
    public var usesSigmoid: Bool { self == .minimax || self == .nonSaturating }

    /// The discriminator's loss on a batch of real and a batch of generated outputs.
    ///
    /// For the cross-entropy losses: `BCE(real, realTarget) + BCE(fake, fakeTarget)`, the
    /// sum of the two means (as PyTorch's DCGAN example and the 1-D tutorial); Keras models
    /// that train D on one concatenated batch halve it. `realTarget`/`fakeTarget` allow
    /// one-sided or two-sided label smoothing (0.9 / 0.1); LSGAN and WGAN ignore them.
    public func discriminatorLoss(real: Tensor, fake: Tensor, realTarget: Float = 1, fakeTarget: Float = 0) -> Tensor {
        switch self {
        case .minimax, .nonSaturating:
            return Loss.binaryCrossEntropy(logits: real, targets: .filled(real.shape, with: realTarget))
                + Loss.binaryCrossEntropy(logits: fake, targets: .filled(fake.shape, with: fakeTarget))
        case .leastSquares:
            return Loss.leastSquaresDiscriminator(real: real, fake: fake)
        case .wasserstein:
            return Loss.wassersteinCritic(real: real, fake: fake)
        }
    }

    /// The generator's loss from the discriminator's outputs on generated samples.
    ///
    /// `target` is the label G wants D to give its samples under the non-saturating loss
    /// (1 in every model here).
    public func generatorLoss(fake: Tensor, target: Float = 1) -> Tensor {
        switch self {
        case .minimax:
            // log(1 - sigmoid(x)) = -BCE(x, 0): minimising it is the saturating game.
            return -Loss.binaryCrossEntropy(logits: fake, targets: .zeros(fake.shape))
        case .nonSaturating:
            return Loss.binaryCrossEntropy(logits: fake, targets: .filled(fake.shape, with: target))
        case .leastSquares:
            return Loss.leastSquaresGenerator(fake: fake)
        case .wasserstein:
            return Loss.wassersteinGenerator(fake: fake)
        }
    }
}

/// The WGAN recipe's settings (Arjovsky et al., Algorithm 1).
public enum WassersteinSettings {
    /// RMSprop learning rate for critic and generator.
    public static let learningRate: Float = 5e-5
    /// Critic weights are clamped to [-c, c] after every critic step.
    public static let clip: Float = 0.01
    /// Critic steps per generator step.
    public static let criticSteps = 5
}
