import Foundation
import Gym
import LabCore

/// Soft Actor-Critic (Haarnoja et al. 2018) with Stable-Baselines3's semantics, CleanRL-style.
///
/// Collection, warm-up and the training schedule are ``OffPolicyActorCritic``'s; SAC's
/// behaviour policy after the warm-up is a sample of the squashed Gaussian policy
/// `tanh(mean + std * n)`.
///
/// One update (SB3's `SAC.train`), on `batch_size` transitions:
/// - the policy samples `a~ = tanh(u)` with log-probability `log pi(a~|s)` for the batch;
/// - entropy coefficient (with `ent_coef: auto`): `alpha = exp(log_alpha)` is read, then
///   `log_alpha` takes one Adam step on `-(log_alpha (log pi + target_entropy)).mean()`;
/// - critics: target `y = r + gamma (1 - terminated) (min_i Q'_i(s', a') - alpha log pi(a'|s'))`
///   with `a'` sampled from the policy at `s'`; loss `0.5 sum_i mse(Q_i(s, a), y)`;
/// - actor: loss `(alpha log pi(a~|s) - min_i Q_i(s, a~)).mean()` through the updated critics;
/// - targets: every `target_update_interval` updates, `Q' <- tau Q + (1 - tau) Q'`.
///
/// Randomness: the shared streams (the policy samples from `exploration` while
/// collecting) and `policy_noise` (the policy's samples in updates).
public final class SACAgent: OffPolicyActorCritic, ResumableAgent {
    public static let name = "sac"
    public static let summary = "Soft Actor-Critic (SB3 semantics): twin critics, squashed Gaussian actor, automatic entropy tuning"
    public struct Settings: LabCore.Settings {
        @Setting("learning_rate", range: 0..., help: "Adam step size of the actor, the critics and the entropy coefficient")
        public var learningRate = 3e-4
        @SettingGroup public var offPolicy: OffPolicySettings
        @Setting("ent_coef", help: "entropy coefficient: a number (fixed), auto (learned, starting at 1) or auto_X (learned, starting at X)")
        public var entropyCoefficient = EntropyCoefficient.auto
        @Setting("target_entropy", help: "entropy the coefficient tunes towards: auto is -dim(action), or a number")
        public var targetEntropy = TargetEntropy.auto
        @Setting("target_update_interval", range: 1..., help: "update the target critics every this many gradient steps")
        public var targetUpdateInterval = 1
        @Setting("net_arch", range: 1..., help: "hidden layer sizes of the actor and of each critic") public var netArch = [256, 256]
        @Setting("activation", help: "activation between layers: relu or tanh") public var activation = MultilayerPerceptron.Activation.relu
        public init() {}
    }

    /// SB3's `ent_coef`: learned from an initial value (`auto` starts at 1, `auto_X` at X),
    /// or a fixed number. Kept as written, so the resolved configuration shows it so.
    public struct EntropyCoefficient: SettingType, Equatable {
        public let text: String
        /// The initial value of a learned coefficient, or nil when it is fixed.
        public let learnedInitialValue: Double?
        /// The fixed coefficient, or nil when it is learned.
        public let fixedValue: Double?

        public static let auto = EntropyCoefficient(text: "auto", learnedInitialValue: 1, fixedValue: nil)
        public static var expectation: String { "auto, auto_X (X positive) or a number at least 0" }
        public static func read(_ input: SettingInput) -> EntropyCoefficient? {
            guard case .scalar(let text) = input else { return nil }
            if text == "auto" { return .auto }
            if text.hasPrefix("auto_") {
                guard let value = Double(text.dropFirst(5)), value > 0, value.isFinite else { return nil }
                return EntropyCoefficient(text: text, learnedInitialValue: value, fixedValue: nil)
            }
            guard let value = Double(text), value >= 0, value.isFinite else { return nil }
            return EntropyCoefficient(text: text, learnedInitialValue: nil, fixedValue: value)
        }
        public var settingValue: SettingValue? { .string(text) }
    }

    /// SB3's `target_entropy`: `auto` (minus the number of action dimensions) or a number.
    public struct TargetEntropy: SettingType, Equatable {
        public let text: String
        /// The number, or nil for `auto`.
        public let value: Float?

        public static let auto = TargetEntropy(text: "auto", value: nil)
        public static var expectation: String { "auto or a number" }
        public static func read(_ input: SettingInput) -> TargetEntropy? {
            guard case .scalar(let text) = input else { return nil }
            if text == "auto" { return .auto }
            guard let value = Float(text), value.isFinite else { return nil }
            return TargetEntropy(text: text, value: value)
        }
        public var settingValue: SettingValue? { .string(text) }
    }

    private let targetUpdateInterval: Int
    /// The fixed coefficient, or nil when it is learned.
    private let fixedEntropyCoefficient: Float?
    /// The entropy the coefficient tunes towards (`target_entropy`, auto: `-k`).
    private(set) var targetEntropy: Float = 0
    /// `log(alpha)`, SB3's `log_ent_coef` (learned with `ent_coef: auto`).
    let logEntropyCoefficient: Parameter
    let entropyOptimizer: Adam?
    private let policyNoiseRandom: RandomSource

    public init(environment: EnvironmentSignature, hyperparameters h: Hyperparameters, random: RandomSource) throws {
        let settings = try h.settings(Settings.self)
        targetUpdateInterval = settings.targetUpdateInterval
        let fixed = settings.entropyCoefficient.fixedValue.map(Float.init)
        fixedEntropyCoefficient = fixed
        let initialCoefficient = settings.entropyCoefficient.learnedInitialValue ?? 1
        let logCoefficient = Parameter(Tensor([Float(Foundation.log(initialCoefficient))]), name: "log_ent_coef")
        logEntropyCoefficient = logCoefficient
        entropyOptimizer = fixed == nil ? Adam([logCoefficient], learningRate: Float(settings.learningRate)) : nil
        policyNoiseRandom = random.derived("policy_noise")
        // The actor's last layer is SB3's `mu` and `log_std` heads side by side: 2 k outputs.
        try super.init(agent: Self.name, environment: environment, offPolicy: settings.offPolicy, learningRate: settings.learningRate,
                       netArch: settings.netArch, activation: settings.activation, actorOutputsPerAction: 2, critics: 2,
                       noise: nil, random: random)
        targetEntropy = settings.targetEntropy.value ?? -Float(actionSize)
    }

    override var algorithmParts: AlgorithmParts {
        AlgorithmParts(parameters: [logEntropyCoefficient],
                       optimizers: entropyOptimizer.map { [(name: "entropy_optimizer", optimizer: $0)] } ?? [],
                       streams: [(name: "policy_noise_random", random: policyNoiseRandom)])
    }

    /// `tanh(mean + std * n)` for one observation, off the tape (SB3's `predict(deterministic=False)`),
    /// into `action[offset..<offset + k]`.
    override func explore(_ observation: ArraySlice<Float>, into action: inout [Float], at offset: Int) {
        let out = actor.forward(observation)
        let range = SquashedDiagonalGaussian.logStandardDeviationRange
        for j in 0..<actionSize {
            let logStd = Swift.min(Swift.max(out[actionSize + j], range.lowerBound), range.upperBound)
            let u = out[j] + Float(explorationRandom.gaussian()) * expf(logStd)
            action[offset + j] = tanhf(u)
        }
    }

    /// The squashed Gaussian the actor gives for observations `[B, obs]`.
    func policy(_ observations: Tensor) -> SquashedDiagonalGaussian {
        let out = actor(observations)
        return SquashedDiagonalGaussian(mean: out.slice(axis: 1, 0..<actionSize),
                                        logStandardDeviation: out.slice(axis: 1, actionSize..<(2 * actionSize)))
    }

    override func gradientStep(_ batch: ReplayBatch) -> (critic: Float, actor: Float?) {
        let noise = Tensor.normal([batchSize, actionSize], source: policyNoiseRandom)
        let nextNoise = Tensor.normal([batchSize, actionSize], source: policyNoiseRandom)
        let losses = update(batch, noise: noise, nextNoise: nextNoise)
        return (losses.critic, losses.actor)
    }

    /// The losses of one update, for tests and fixtures.
    struct Losses {
        var entropyCoefficient: Float
        var entropyCoefficientLoss: Float?
        var critic: Float
        var actor: Float
    }

    /// One SAC update on `batch`, with the policy's standard-normal draws given: `noise`
    /// for the actions at `s`, `nextNoise` for those at `s'` (SB3's `SAC.train` body).
    @discardableResult
    func update(_ batch: ReplayBatch, noise: Tensor, nextNoise: Tensor) -> Losses {
        // The policy's action and log-probability at s, kept on the tape for the actor loss.
        let (actionsPi, logProbability) = policy(batch.observations).sampleWithLogProbability(noise: noise)

        // Entropy coefficient: read alpha, then one step on log(alpha) (detached log-probabilities).
        let alpha: Float
        var entropyLoss: Float?
        if let fixedEntropyCoefficient {
            alpha = fixedEntropyCoefficient
        } else {
            alpha = expf(logEntropyCoefficient.value.scalars[0])
            let loss = -(logEntropyCoefficient.tensor * (logProbability.detached() + targetEntropy)).mean()
            entropyOptimizer?.minimize(loss)
            entropyLoss = loss.scalar
        }

        // Critics: 0.5 * the sum of each critic's mean squared error to the entropy-regularised
        // targets, with a' sampled from the policy at s'.
        let targets: Tensor = withoutGradient {
            let (nextActions, nextLogProbability) = policy(batch.nextObservations).sampleWithLogProbability(noise: nextNoise)
            return criticTargets(batch, nextActions: nextActions, entropy: (alpha, nextLogProbability))
        }
        let criticLoss = updateCritics(batch, targets: targets, weight: 0.5)

        // Actor: through the updated critics.
        let actorLoss = updateActor { critic in
            let minimumValue = columnMinimum(critic(batch.observations, actionsPi))
            return (alpha * logProbability.reshaped([batchSize, 1]) - minimumValue).mean()
        }

        if updates % targetUpdateInterval == 0 { criticTarget.update(towards: critic, tau: tau) }
        updates += 1
        return Losses(entropyCoefficient: alpha, entropyCoefficientLoss: entropyLoss, critic: criticLoss, actor: actorLoss)
    }
}
