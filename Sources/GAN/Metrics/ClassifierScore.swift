import Foundation
import LabCore

/// What a classifier says about a set of images: the Inception-Score-style classifier
/// score and the share of images per predicted class.
public struct ClassPredictionSummary: Sendable, Equatable {
    /// `exp(mean_x KL(p(y|x) || p(y)))` (Salimans et al. 2016, with the lab's classifier
    /// instead of Inception): between 1 (every image the same class distribution, or no
    /// confident class) and the number of classes (confident and evenly spread).
    public let score: Double
    /// Fraction of images whose most likely class is each class (sums to 1); a collapsed
    /// generator shows as one large share.
    public let histogram: [Double]
    /// The most likely class of each image.
    public let predictions: [Int]

    /// Summarises class probabilities `[N, classes]` (rows sum to 1), in double precision.
    public init(probabilities p: Tensor) {
        let n = p.shape[0], k = p.shape[1]
        var marginal = [Double](repeating: 0, count: k)
        var predictions = [Int](repeating: 0, count: n)
        var counts = [Double](repeating: 0, count: k)
        var meanKL = 0.0
        p.withUnsafeBufferPointer { q in
            for i in 0..<n { for c in 0..<k { marginal[c] += Double(q[i * k + c]) } }
            for c in 0..<k { marginal[c] /= Double(Swift.max(n, 1)) }
            for i in 0..<n {
                var kl = 0.0, best = 0
                for c in 0..<k {
                    let v = Double(q[i * k + c])
                    // 0 log 0 = 0; marginal[c] > 0 wherever some v > 0.
                    if v > 0 { kl += v * (log(v) - log(marginal[c])) }
                    if q[i * k + c] > q[i * k + best] { best = c }
                }
                meanKL += kl
                predictions[i] = best
                counts[best] += 1
            }
        }
        meanKL /= Double(Swift.max(n, 1))
        score = exp(meanKL)
        histogram = counts.map { $0 / Double(Swift.max(n, 1)) }
        self.predictions = predictions
    }
}
