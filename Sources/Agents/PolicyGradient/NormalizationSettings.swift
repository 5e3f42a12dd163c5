import Foundation
import Gym
import LabCore

/// RL-Zoo's `normalize` setting and SB3's `VecNormalize` options, read from an agent's
/// hyperparameters.
public struct NormalizationSettings: Settings {
    @Setting("normalize", help: "normalize observations and rewards as SB3's VecNormalize (RL-Zoo's normalize: true)")
    public var enabled = false
    @Setting("norm_obs", help: "with normalize: normalize observations by their running mean and std") public var observations = true
    @Setting("norm_reward", help: "with normalize: scale rewards by the running std of the discounted return") public var rewards = true
    @Setting("clip_obs", range: 0..., help: "with normalize: clip normalized observations to +-this") public var clipObservation = 10.0
    @Setting("clip_reward", range: 0..., help: "with normalize: clip normalized rewards to +-this") public var clipReward = 10.0
    /// The discount of the running return (the agent's gamma, as RL-Zoo passes it).
    public var gamma = 0.99

    public init() {}

    public init(hyperparameters h: Hyperparameters, gamma: Double) throws {
        self = try h.settings(NormalizationSettings.self)
        self.gamma = gamma
    }

    /// Throws when observations of a discrete space would be normalized.
    public func check(agent: String, environment: EnvironmentSignature, encoder: ObservationEncoder) throws {
        if enabled && observations && encoder.states != nil {
            throw ConfigurationError("\(agent): normalize with norm_obs needs a Box observation space; \(environment.id) has \(environment.observationSpace) (set norm_obs=false)")
        }
    }

    /// The normalizer for `copies` copies, or nil when normalization is off.
    ///
    /// - Throws: ``ConfigurationError`` when observations of a discrete space would be
    ///   normalized (SB3's `VecNormalize` refuses them too).
    public func makeNormalizer(agent: String, environment: EnvironmentSignature, encoder: ObservationEncoder, copies: Int) throws -> VectorNormalizer? {
        try check(agent: agent, environment: environment, encoder: encoder)
        guard enabled else { return nil }
        return VectorNormalizer(observationSize: encoder.rawWidth, copies: copies, normalizeObservations: observations,
                                normalizeRewards: rewards, clipObservation: clipObservation, clipReward: clipReward, gamma: gamma)
    }
}

/// An on-policy agent's file: its networks (F32, `pi.*`, `vf.*`, `log_std`) and its
/// normalization statistics (F64, `obs_rms.*`, `ret_rms.*`), so a loaded agent acts on
/// observations normalized as in training.
enum PolicyGradientCheckpoint {
    static func save(_ policy: ActorCriticPolicy, _ normalizer: VectorNormalizer?, agent: String, to url: URL) throws {
        var file = SafeTensorsFile(agent: agent)
        policy.add(to: &file)
        if let normalizer {
            for (name, (values, shape)) in normalizer.state { file.add(name, float64: values, shape: shape) }
        }
        try file.write(to: url)
    }

    static func load(_ policy: ActorCriticPolicy, _ normalizer: VectorNormalizer?, agent: String, from url: URL) throws {
        let file = try SafeTensorsFile(contentsOf: url, agent: agent)
        // Statistics first (they are checked before anything changes), then the networks.
        if let normalizer {
            try normalizer.restore { name, shape in
                try file.requireTensor(name, shape: shape, source: url, missing: " (saved without normalize?)")
                return try file.float64(name)
            }
        }
        try policy.load(from: file, source: url)
    }
}
