import Gym

/// Maps actions between a bounded ``Box`` and [-1, 1], as Stable-Baselines3's
/// `scale_action` / `unscale_action`: policies act (and the replay buffer stores actions)
/// in [-1, 1]; the environment receives them in its own bounds.
public struct BoxActionScaling: Sendable {
    public let low: [Float]
    public let high: [Float]

    /// - Throws: ``AgentError`` when a bound is not finite (a squashed policy cannot reach it).
    public init(_ box: Box, agent: String, environment: String) throws {
        guard box.shape.count == 1, box.count > 0 else {
            throw AgentError("\(agent) needs a one-dimensional Box action space; \(environment) has \(box)")
        }
        guard box.low.allSatisfy(\.isFinite), box.high.allSatisfy(\.isFinite) else {
            throw AgentError("\(agent) needs finite action bounds; \(environment) has \(box)")
        }
        low = box.low
        high = box.high
    }

    /// Numbers per action.
    public var count: Int { low.count }

    /// `low + 0.5 (a + 1) (high - low)`: -1 gives `low`, 1 gives `high` (Float32 as numpy).
    public func unscale(_ scaled: [Float]) -> [Float] {
        var action = [Float](repeating: 0, count: count)
        unscale(scaled, at: 0, into: &action, at: 0)
        return action
    }

    /// ``unscale(_:)`` of `scaled[from..<from + count]` into `action[to..<to + count]`,
    /// without allocating (the collection loop's per-step path).
    public func unscale(_ scaled: [Float], at from: Int, into action: inout [Float], at to: Int) {
        for j in 0..<count { action[to + j] = low[j] + (0.5 * (scaled[from + j] + 1.0) * (high[j] - low[j])) }
    }

    /// `2 (x - low) / (high - low) - 1`: `low` gives -1, `high` gives 1.
    public func scale(_ action: [Float], into scaled: inout [Float], at offset: Int = 0) {
        for j in 0..<count { scaled[offset + j] = 2.0 * ((action[j] - low[j]) / (high[j] - low[j])) - 1.0 }
    }
}

/// The spaces SAC, TD3 and DDPG need: a one-dimensional Box action space with finite
/// bounds (acted in through its ``BoxActionScaling``) and a flat Box observation space.
struct ContinuousControlSpaces {
    let actionBox: Box
    let scaling: BoxActionScaling
    let observations: Box
    let encoder: ObservationEncoder

    init(agent: String, environment: EnvironmentSignature) throws {
        guard case .box(let actions) = environment.actionSpace else {
            throw AgentError("\(agent) needs a Box action space; \(environment.id) has \(environment.actionSpace)")
        }
        guard case .box(let observations) = environment.observationSpace, observations.shape.count == 1 else {
            throw AgentError("\(agent) needs a flat Box observation space; \(environment.id) has \(environment.observationSpace)")
        }
        actionBox = actions
        self.observations = observations
        scaling = try BoxActionScaling(actionBox, agent: agent, environment: environment.id)
        encoder = try ObservationEncoder(space: environment.observationSpace, agent: agent, environmentID: environment.id)
    }
}
