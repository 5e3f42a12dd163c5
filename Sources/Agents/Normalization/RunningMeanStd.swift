/// A running mean and variance of vectors, updated batch by batch with the parallel
/// (Chan et al.) formula, as Stable-Baselines3's `RunningMeanStd`.
///
/// Starts at mean 0, variance 1 and a pseudo-count `epsilon` (1e-4), in double
/// precision. A batch's own mean and (population) variance are computed per component.
public struct RunningMeanStd: Equatable, Sendable {
    public private(set) var mean: [Double]
    public private(set) var variance: [Double]
    public private(set) var count: Double

    public init(size: Int, epsilon: Double = 1e-4) {
        mean = [Double](repeating: 0, count: size)
        variance = [Double](repeating: 1, count: size)
        count = epsilon
    }

    /// Restores saved statistics.
    public init(mean: [Double], variance: [Double], count: Double) {
        self.mean = mean
        self.variance = variance
        self.count = count
    }

    public var size: Int { mean.count }

    /// Adds a batch of `rows` vectors (row-major, `rows x size`): observations, or (`size`
    /// 1) the running discounted returns of every copy, which SB3's reward normalizer feeds.
    public mutating func update<C: Collection>(batch: C, rows: Int) where C.Index == Int, C.Element: BinaryFloatingPoint {
        let width = size
        let start = batch.startIndex
        for j in 0..<width {
            // numpy's mean and var over axis 0 (float32 inputs are reduced in double here;
            // the difference is far below the float32 rounding of the inputs).
            var sum = 0.0
            for r in 0..<rows { sum += Double(batch[start + r * width + j]) }
            let batchMean = sum / Double(rows)
            var squares = 0.0
            for r in 0..<rows {
                let d = Double(batch[start + r * width + j]) - batchMean
                squares += d * d
            }
            update(component: j, batchMean: batchMean, batchVariance: squares / Double(rows), batchCount: Double(rows))
        }
        count += Double(rows)
    }

    /// SB3's `update_from_moments` for one component (the count moves once per batch).
    private mutating func update(component j: Int, batchMean: Double, batchVariance: Double, batchCount: Double) {
        let delta = batchMean - mean[j]
        let total = count + batchCount
        let newMean = mean[j] + delta * batchCount / total
        let mA = variance[j] * count
        let mB = batchVariance * batchCount
        let m2 = mA + mB + delta * delta * count * batchCount / total
        mean[j] = newMean
        variance[j] = m2 / total
    }
}
