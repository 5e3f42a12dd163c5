import Foundation
import LabCore

/// Exploration noise added to a deterministic policy's actions (TD3, DDPG), as
/// Stable-Baselines3's `NormalActionNoise` and `OrnsteinUhlenbeckActionNoise` with zero
/// mean and the same standard deviation for every action number (RL-Zoo's `noise_type`
/// and `noise_std`).
///
/// Computed in Float64 as numpy does, and handed out as Float32 (SB3's `dtype`).
public final class ActionNoise {
    /// RL-Zoo's `noise_type` names.
    public enum Kind: String, CaseIterable, Sendable, SettingType {
        case none
        case normal
        case ornsteinUhlenbeck = "ornstein-uhlenbeck"
    }

    /// RL-Zoo's action-noise settings, as the agents that add noise declare them.
    public struct Settings: LabCore.Settings {
        @Setting("noise_type", help: "exploration noise: none, normal or ornstein-uhlenbeck") public var kind = Kind.none
        @Setting("noise_std", range: 0..., help: "standard deviation of the exploration noise") public var standardDeviation = 0.1
        public init() {}
    }

    public let kind: Kind
    /// Standard deviation (`sigma`) of each number.
    public let standardDeviation: Double
    /// Mean-reversion rate of the Ornstein-Uhlenbeck process (SB3's default 0.15).
    public let theta: Double
    /// Time step of the Ornstein-Uhlenbeck process (SB3's default 1e-2).
    public let dt: Double
    /// The previous Ornstein-Uhlenbeck value, per number (0 after ``reset()``).
    public private(set) var previous: [Double]
    private let random: RandomSource

    /// - Parameters:
    ///   - size: Numbers per action.
    ///   - random: The stream the standard normals come from.
    public init(_ kind: Kind, size: Int, standardDeviation: Double, theta: Double = 0.15, dt: Double = 1e-2, random: RandomSource) {
        self.kind = kind
        self.standardDeviation = standardDeviation
        self.theta = theta
        self.dt = dt
        self.random = random
        previous = [Double](repeating: 0, count: size)
    }

    /// Adds the next noise sample to `action` element by element (no allocation).
    public func add(to action: inout [Float]) {
        add(to: &action, at: 0, count: action.count)
    }

    /// Adds the next noise sample to `action[offset..<offset + count]` (no allocation).
    public func add(to action: inout [Float], at offset: Int, count: Int) {
        guard kind != .none else { return }
        for j in 0..<count { action[offset + j] += next(normal: random.gaussian(), index: j) }
    }

    /// The noise for action number `index` given the standard normal draw `normal`.
    ///
    /// Normal: `sigma * n` (numpy's `normal(0, sigma)`). Ornstein-Uhlenbeck, as SB3:
    /// `x = x_prev + theta * (0 - x_prev) * dt + sigma * sqrt(dt) * n`, and `x` becomes
    /// `x_prev`.
    public func next(normal: Double, index: Int) -> Float {
        switch kind {
        case .none:
            return 0
        case .normal:
            return Float(0 + standardDeviation * normal)
        case .ornsteinUhlenbeck:
            let x = previous[index] + theta * (0 - previous[index]) * dt + standardDeviation * dt.squareRoot() * normal
            previous[index] = x
            return Float(x)
        }
    }

    /// Starts a new episode: the Ornstein-Uhlenbeck process returns to 0 (SB3 resets the
    /// noise when an episode ends).
    public func reset() {
        for j in previous.indices { previous[j] = 0 }
    }
}

/// Training checkpoints: the stream and the Ornstein-Uhlenbeck process's last value.
extension ActionNoise: StateArchiving {
    public func archive(into archive: inout StateArchive, prefix: String) {
        archive.set("\(prefix).previous", float64: previous)
        archive.set(prefix + ".random", random: random)
    }

    public func restore(from archive: StateArchive, prefix: String) throws {
        let saved = try archive.float64("\(prefix).previous", count: previous.count)
        try archive.restore(random, from: prefix + ".random")
        previous = saved
    }
}
