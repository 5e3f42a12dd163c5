import Foundation
import Gym
import LabCore

/// Maps observations to table indices: a discrete observation is its own index; a Box
/// observation is cut into bins per dimension.
///
/// A value `v` in dimension `i` goes to bin `round((n - 1) * (v - lo) / (hi - lo))` (Python's
/// round: halves to even),
/// clamped to `0 ..< n` (the classic TensorFlow book's formula); the bins of all
/// dimensions combine in row-major order. One bin ignores a dimension.
public struct Discretizer: Sendable {
    public let bins: [Int]
    public let lows: [Double]
    public let highs: [Double]
    private let offset: Int  // Discrete(start:) spaces
    public let stateCount: Int

    /// - Parameters:
    ///   - space: The observation space.
    ///   - bins: Bins per dimension (one number applies to all); ignored for Discrete.
    ///   - lows, highs: Bounds per dimension; empty to take the space's, with infinite
    ///     bounds clipped to `±velocityBound`.
    public init(space: Space, bins: [Int], lows: [Double], highs: [Double], velocityBound: Double) throws {
        switch space {
        case .discrete(let discrete):
            self.bins = [discrete.n]
            self.lows = []
            self.highs = []
            self.offset = discrete.start
            self.stateCount = discrete.n
        case .box(let box):
            let dimension = box.low.count
            let bins = bins.count == 1 ? Array(repeating: bins[0], count: dimension) : bins
            guard bins.count == dimension, bins.allSatisfy({ $0 >= 1 }) else {
                throw ConfigurationError("bins: need one positive count, or one per observation dimension (\(dimension)); got \(bins)")
            }
            func bound(_ given: [Double], _ space: [Float], sign: Double) throws -> [Double] {
                if given.isEmpty {
                    return space.map { $0.isFinite && abs($0) < 1e30 ? Double($0) : sign * velocityBound }
                }
                guard given.count == dimension else {
                    throw ConfigurationError("observation bounds: need \(dimension) values, got \(given.count)")
                }
                return given
            }
            let lows = try bound(lows, box.low, sign: -1)
            let highs = try bound(highs, box.high, sign: 1)
            for i in 0..<dimension where !(highs[i] > lows[i]) {
                throw ConfigurationError("observation bounds: dimension \(i) has low \(lows[i]) >= high \(highs[i])")
            }
            // Tables over these states hold at least a Double per state and action: refuse,
            // before any is allocated, bins whose product overflows or cannot fit.
            let count: Int
            do {
                count = try MemoryBudget.bytes(for: "bins \(bins): a table of one number per state", counts: bins, bytesPerElement: 8) / 8
            } catch let error as MemoryLimitError {
                throw ConfigurationError("\(error); choose fewer bins")
            }
            self.bins = bins
            self.lows = lows
            self.highs = highs
            self.offset = 0
            self.stateCount = count
        }
    }

    /// The table index of `observation`.
    @inline(__always)
    public func index(_ observation: Observation) -> Int {
        switch observation {
        case .discrete(let state):
            return state - offset
        case .vector(let values):
            var index = 0
            for i in 0..<bins.count {
                let n = bins[i]
                var bin = 0
                if n > 1 {
                    let scaled = (Double(n - 1) * (Double(values[i]) - lows[i]) / (highs[i] - lows[i])).rounded(.toNearestOrEven)
                    bin = Int(min(Double(n - 1), max(0, scaled)))
                }
                index = index * n + bin
            }
            return index
        }
    }
}
