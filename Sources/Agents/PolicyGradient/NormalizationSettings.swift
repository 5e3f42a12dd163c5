import Foundation
import Gym
import LabCore

/// RL-Zoo's `normalize` setting and SB3's `VecNormalize` options, read from an agent's
/// hyperparameters.
public struct NormalizationSettings {
    public static let specs: [HyperparameterSpec] = [
        HyperparameterSpec("normalize", .bool(false), "normalize observations and rewards as SB3's VecNormalize (RL-Zoo's normalize: true)"),
        HyperparameterSpec("norm_obs", .bool(true), "with normalize: normalize observations by their running mean and std"),
        HyperparameterSpec("norm_reward", .bool(true), "with normalize: scale rewards by the running std of the discounted return"),
        HyperparameterSpec("clip_obs", .double(10), "with normalize: clip normalized observations to +-this", allowed: 0...Double.infinity),
        HyperparameterSpec("clip_reward", .double(10), "with normalize: clip normalized rewards to +-this", allowed: 0...Double.infinity),
    ]

    public let enabled: Bool
    public let observations: Bool
    public let rewards: Bool
    public let clipObservation: Double
    public let clipReward: Double
    /// The discount of the running return (the agent's gamma, as RL-Zoo passes it).
    public let gamma: Double

    public init(hyperparameters h: Hyperparameters, gamma: Double) {
        enabled = h.bool("normalize")
        observations = h.bool("norm_obs")
        rewards = h.bool("norm_reward")
        clipObservation = h.double("clip_obs")
        clipReward = h.double("clip_reward")
        self.gamma = gamma
    }

    /// The normalizer for `copies` copies, or nil when normalization is off.
    ///
    /// - Throws: ``ConfigurationError`` when observations of a discrete space would be
    ///   normalized (SB3's `VecNormalize` refuses them too).
    public func makeNormalizer(agent: String, environment: EnvironmentSignature, encoder: ObservationEncoder, copies: Int) throws -> VectorNormalizer? {
        guard enabled else { return nil }
        if observations && encoder.states != nil {
            throw ConfigurationError("\(agent): normalize with norm_obs needs a Box observation space; \(environment.id) has \(environment.observationSpace) (set norm_obs=false)")
        }
        return VectorNormalizer(observationSize: encoder.rawWidth, copies: copies, normalizeObservations: observations,
                                normalizeRewards: rewards, clipObservation: clipObservation, clipReward: clipReward, gamma: gamma)
    }
}

/// An on-policy agent's file: its networks (F32, `pi.*`, `vf.*`, `log_std`) and its
/// normalization statistics (F64, `obs_rms.*`, `ret_rms.*`), so a loaded agent acts on
/// observations normalized as in training.
enum PolicyGradientCheckpoint {
    static func save(_ policy: ActorCriticPolicy, _ normalizer: VectorNormalizer?, agent: String, to url: URL) throws {
        var file = SafeTensorsFile(metadata: ["agent": agent, "format": "rllab-agent"])
        policy.add(to: &file)
        if let normalizer {
            for (name, (values, shape)) in normalizer.state { file.add(name, float64: values, shape: shape) }
        }
        try file.write(to: url)
    }

    static func load(_ policy: ActorCriticPolicy, _ normalizer: VectorNormalizer?, agent: String, from url: URL) throws {
        let file = try SafeTensorsFile(contentsOf: url)
        guard file.metadata["agent"] == agent else {
            throw AgentError("\(url.path) holds a '\(file.metadata["agent"] ?? "unknown")' agent, not '\(agent)'")
        }
        // Statistics first (they are checked before anything changes), then the networks.
        if let normalizer {
            try normalizer.restore { name, shape in
                guard file.names.contains(name) else { throw AgentError("\(url.path) has no tensor '\(name)' (saved without normalize?)") }
                guard try file.shape(name) == shape else { throw AgentError("\(url.path): '\(name)' has shape \(try file.shape(name)), this agent needs \(shape)") }
                return try file.float64(name)
            }
        }
        try policy.load(from: file, source: url)
    }
}
