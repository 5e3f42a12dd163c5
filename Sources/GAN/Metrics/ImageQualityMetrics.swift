import LabCore

/// What the quality metrics need from an image classifier: its penultimate-layer features
/// and its class probabilities, for images `[N, 784]` with pixels in [0, 1].
///
/// The GAN module does not know the lab's classifier (it sits above this module); the
/// command line wraps `rllab classify`'s CNN in one of these.
public struct ImageClassifierProbe {
    /// A name for logs and summaries (the checkpoint's path).
    public let name: String
    /// Features `[N, d]` of images `[N, 784]` in [0, 1].
    public let features: (Tensor) -> Tensor
    /// Class probabilities `[N, classes]` of images `[N, 784]` in [0, 1].
    public let probabilities: (Tensor) -> Tensor

    public init(name: String, features: @escaping (Tensor) -> Tensor, probabilities: @escaping (Tensor) -> Tensor) {
        self.name = name
        self.features = features
        self.probabilities = probabilities
    }
}

/// The quality figures of one set of generated images.
public struct ImageQuality: Sendable, Equatable {
    /// Fréchet distance to the real test images in the classifier's feature space.
    public let frechetDistance: Double
    /// The classifier score and predicted-class histogram.
    public let classes: ClassPredictionSummary
    /// For conditional samples: the fraction the classifier labels as the class asked for.
    public let conditionalAccuracy: Double?
}

/// Fréchet distance, classifier score and class histogram of generated images against a
/// fixed set of real test images.
///
/// The real images are chosen by a stream of a fixed seed (not the run's), so every run
/// (any seed, preset or loss) is measured against the same images and their distances
/// can be compared; the floor is the distance from as many real training images (also
/// fixed) to them: a generator that reproduced the data would score about that.
public final class ImageQualityMetrics {
    /// The classifier.
    public let probe: ImageClassifierProbe
    /// Images per side (generated and real).
    public let sampleCount: Int
    /// The real test images' statistics with their square root.
    public let reference: FrechetReference
    /// Fréchet distance from `sampleCount` real training images to the real test images.
    public let floor: Double

    /// Measures the real side once.
    ///
    /// - Throws: ``GANError/invalidSetting(_:)`` when a split has fewer than `sampleCount`
    ///   images or fewer than 2 are asked for.
    public init(probe: ImageClassifierProbe, train: GANImageData, test: GANImageData, sampleCount: Int) throws {
        guard sampleCount >= 2 else { throw GANError.invalidSetting("the metrics need at least 2 images per side; got \(sampleCount)") }
        guard train.count >= sampleCount, test.count >= sampleCount else {
            throw GANError.invalidSetting("the metrics compare \(sampleCount) images per side, but the data has \(train.count) training and \(test.count) test images")
        }
        self.probe = probe
        self.sampleCount = sampleCount
        let source = try RandomSource(seed: 0).derived("metric-real-images")
        func statistics(_ data: GANImageData) throws -> FeatureStatistics {
            let chosen = Array(source.permutation(data.count).prefix(sampleCount))
            let (images, _) = data.batch(chosen)
            return try FeatureStatistics(features: withoutGradient { probe.features((images + 1) * 0.5) })
        }
        // Test images first: both splits draw from `source`.
        reference = try FrechetReference(statistics(test))
        floor = try reference.distance(to: statistics(train))
    }

    /// The figures of generated images `[N, 784]` in [0, 1]; `labels` are the classes they
    /// were conditioned on (nil for unconditional models).
    public func measure(_ images: Tensor, labels: [Int]?) throws -> ImageQuality {
        let (features, probabilities) = withoutGradient { (probe.features(images), probe.probabilities(images)) }
        let classes = ClassPredictionSummary(probabilities: probabilities)
        let accuracy = labels.map { labels in
            Double(zip(classes.predictions, labels).filter { $0 == $1 }.count) / Double(Swift.max(labels.count, 1))
        }
        return ImageQuality(frechetDistance: try reference.distance(to: FeatureStatistics(features: features)),
                            classes: classes, conditionalAccuracy: accuracy)
    }
}
