import Foundation

/// Records each episode's return, length and wall time, as Gymnasium's
/// `RecordEpisodeStatistics`.
///
/// When an episode ends, the step's info gets `"episode"`:
/// `{"r": return (double), "l": length (int), "t": seconds since the episode's reset}`,
/// and the return and length are appended to ``returnQueue`` and ``lengthQueue`` (the
/// last `bufferLength` episodes).
public final class RecordEpisodeStatistics: Wrapper {
    /// How many recent episodes the queues keep.
    public let bufferLength: Int
    /// Returns of the most recent episodes, oldest first.
    public private(set) var returnQueue: [Double] = []
    /// Lengths of the most recent episodes, oldest first.
    public private(set) var lengthQueue: [Int] = []
    /// Wall times (seconds) of the most recent episodes, oldest first.
    public private(set) var timeQueue: [Double] = []
    /// The return accumulated so far in the current episode.
    public private(set) var episodeReturn = 0.0
    /// The steps taken so far in the current episode.
    public private(set) var episodeLength = 0
    private var episodeStart = Date()

    public init(_ env: Environment, bufferLength: Int = 100) {
        self.bufferLength = max(1, bufferLength)
        super.init(env)
    }

    @discardableResult
    public override func reset(seed: UInt64?, options: Info?) throws -> (observation: Observation, info: Info) {
        let result = try env.reset(seed: seed, options: options)
        episodeReturn = 0
        episodeLength = 0
        episodeStart = Date()
        return result
    }

    public override func step(_ action: Action) throws -> StepResult {
        var result = try env.step(action)
        episodeReturn += result.reward
        episodeLength += 1
        if result.terminated || result.truncated {
            let seconds = (Date().timeIntervalSince(episodeStart) * 1e6).rounded() / 1e6
            result.info["episode"] = .dictionary([
                "r": .double(episodeReturn), "l": .int(episodeLength), "t": .double(seconds),
            ])
            append(&returnQueue, episodeReturn)
            append(&lengthQueue, episodeLength)
            append(&timeQueue, seconds)
        }
        return result
    }

    private func append<T>(_ queue: inout [T], _ value: T) {
        queue.append(value)
        if queue.count > bufferLength { queue.removeFirst(queue.count - bufferLength) }
    }
}
