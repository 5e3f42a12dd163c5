import Foundation
import LabCore

/// An image classifier for 28x28 grey images with 10 classes (Fashion-MNIST), used by
/// `rllab classify` and, through ``load(from:)`` and ``predict(_:)``, by the GAN lab to
/// score generated images.
///
/// Inputs are `[N, 784]` tensors of pixels in [0, 1] (row-major 28x28), the layout of
/// ``LabeledImages``. GAN outputs in [-1, 1] must be mapped with `(x + 1) / 2` first.
public final class FashionClassifier {
    /// The network shape.
    public enum Architecture: String, CaseIterable, Sendable {
        /// 784-100-10 with ReLU.
        case mlp
        /// Three 3x3 convolutions (16, 32, 32 channels; the last two with stride 2), ReLU,
        /// then a dense layer 1568 -> 10.
        case cnn
    }

    public let architecture: Architecture
    /// The network: images `[N, 784]` to logits `[N, 10]`.
    public let model: Sequential
    public static let imageSize = 28

    public init(architecture: Architecture, source: RandomSource) {
        self.architecture = architecture
        switch architecture {
        case .mlp:
            model = Sequential(Dense(784, 100, source: source), ReLU(), Dense(100, 10, source: source))
        case .cnn:
            model = Sequential(
                Reshape([1, 28, 28]),
                Conv2D(1, 16, kernelSize: 3, padding: .same, source: source), ReLU(),
                Conv2D(16, 32, kernelSize: 3, stride: 2, padding: .same, source: source), ReLU(),
                Conv2D(32, 32, kernelSize: 3, stride: 2, padding: .same, source: source), ReLU(),
                Flatten(),
                Dense(32 * 7 * 7, 10, source: source))
        }
    }

    /// Logits `[N, 10]` (recorded for training when parameters are trainable).
    public func logits(_ images: Tensor) -> Tensor { model(images) }

    /// Class probabilities `[N, 10]`, without gradient, in batches of 1000.
    public func probabilities(_ images: Tensor) -> Tensor {
        inBatches(images) { model($0).softmax(axis: 1) }
    }

    /// The activations of the penultimate layer, `[N, width]` (the CNN: its 1,568 flattened
    /// features after the last ReLU; the MLP: its 100 hidden units), without gradient, in
    /// batches of 1000: the feature space of the GAN lab's Fréchet distance.
    public func features(_ images: Tensor) -> Tensor {
        let body = Array(model.layers.dropLast())
        return inBatches(images) { x in body.reduce(x) { $1($0) } }
    }

    /// `network` applied to `images` 1000 rows at a time, without gradient, the rows of the
    /// results concatenated.
    private func inBatches(_ images: Tensor, _ network: (Tensor) -> Tensor) -> Tensor {
        withoutGradient {
            let n = images.shape[0]
            if n <= 1000 { return network(images) }
            return Tensor.concatenate(stride(from: 0, to: n, by: 1000).map { network(images[rows: $0..<min($0 + 1000, n)]) }, axis: 0)
        }
    }

    /// The most likely class of each image.
    public func predict(_ images: Tensor) -> [Int] {
        probabilities(images).argmax(axis: 1)
    }

    /// Fraction of `data` classified correctly.
    public func accuracy(on data: LabeledImages) -> Double {
        let predicted = predict(data.images)
        let correct = zip(predicted, data.labels).filter { $0 == $1 }.count
        return data.count == 0 ? 0 : Double(correct) / Double(data.count)
    }

    /// Saves the weights as safetensors with the architecture in the metadata.
    public func save(to path: String) throws {
        try model.saveCheckpoint(to: path, metadata: ["architecture": architecture.rawValue, "format": "rllab-fashion-classifier", "input": "[N,784] pixels in [0,1]"])
    }

    /// Loads a classifier saved by ``save(to:)``.
    public static func load(from path: String) throws -> FashionClassifier {
        let file = try SafeTensors.load(path)
        guard let name = file.metadata["architecture"], let architecture = Architecture(rawValue: name) else {
            throw CheckpointError("\(path): not a FashionClassifier checkpoint (no architecture metadata)")
        }
        let classifier = FashionClassifier(architecture: architecture, source: try RandomSource(seed: 0))
        try classifier.model.loadStateDict(file.tensors)
        return classifier
    }
}

/// Settings for ``ClassifierTraining``.
public struct ClassifierTrainingConfig: Sendable {
    public var architecture: FashionClassifier.Architecture = .mlp
    public var epochs = 5
    public var batchSize = 50
    public var learningRate: Float = 1e-3
    public var seed: UInt64 = 0
    /// Use only the first `limit` training and test examples (for quick runs and tests).
    public var limit: Int?
    public init() {}

    /// Throws unless every number is meaningful: a positive finite learning rate, at
    /// least one epoch and one image per batch.
    public func validate() throws {
        guard learningRate.isFinite, learningRate > 0 else {
            throw DatasetError.malformed("the learning rate must be a positive finite number, got \(learningRate)")
        }
        guard epochs >= 1 else { throw DatasetError.malformed("epochs must be at least 1, got \(epochs)") }
        guard batchSize >= 1 else { throw DatasetError.malformed("the batch size must be at least 1, got \(batchSize)") }
    }
}

/// One row of `metrics.csv`.
public struct EpochMetrics: Sendable {
    public let epoch: Int
    public let trainLoss: Double
    public let testAccuracy: Double
}

/// Trains a ``FashionClassifier`` with Adam on sparse cross-entropy.
public enum ClassifierTraining {
    /// Trains on `train`, evaluating on `test` after each epoch (reported to `progress`).
    ///
    /// Weights come from the seed's `init` stream and shuffling from its `shuffle` stream,
    /// so the same seed gives the same model.
    public static func train(_ config: ClassifierTrainingConfig, train: LabeledImages, test: LabeledImages,
                             progress: (EpochMetrics) throws -> Void = { _ in }) throws -> (FashionClassifier, [EpochMetrics]) {
        try config.validate()
        let size = FashionClassifier.imageSize
        for (name, data) in [("training", train), ("test", test)] {
            guard data.count > 0 else { throw DatasetError.malformed("the \(name) set holds no images; nothing to train or test on") }
            guard data.height == size, data.width == size else {
                throw DatasetError.malformed("the \(name) images are \(data.height)x\(data.width); the classifier reads \(size)x\(size) images (Fashion-MNIST's)")
            }
        }
        let master = try RandomSource(seed: config.seed)
        let classifier = FashionClassifier(architecture: config.architecture, source: master.derived("init"))
        let shuffle = master.derived("shuffle")
        let optimizer = Adam(classifier.model.parameters, learningRate: config.learningRate)
        var history: [EpochMetrics] = []
        var step = 0
        for epoch in 1...max(config.epochs, 1) {
            classifier.model.train()
            var total = 0.0
            var seen = 0
            for batch in train.shuffledBatches(size: config.batchSize, source: shuffle) {
                let (images, labels) = train.batch(batch)
                let loss = Loss.crossEntropy(logits: classifier.logits(images), labels: labels)
                step += 1
                try NonFiniteTrainingError.check(loss: loss.scalar, step: step, epoch: epoch)
                optimizer.minimize(loss)
                total += Double(loss.scalar) * Double(labels.count)
                seen += labels.count
            }
            classifier.model.eval()
            let metrics = EpochMetrics(epoch: epoch, trainLoss: total / Double(max(seen, 1)), testAccuracy: classifier.accuracy(on: test))
            history.append(metrics)
            try progress(metrics)
        }
        return (classifier, history)
    }

    /// Loads Fashion-MNIST from `directory`, trains, and writes `metrics.csv`
    /// (`epoch,train_loss,test_accuracy`, appended and flushed per epoch) and
    /// `classifier.safetensors` into `outputDirectory`.
    public static func run(_ config: ClassifierTrainingConfig, datasetDirectory: String = FashionMNIST.defaultDirectory,
                           outputDirectory: String, progress: (EpochMetrics) throws -> Void = { _ in }) throws -> (FashionClassifier, [EpochMetrics]) {
        var train = try FashionMNIST.train(directory: datasetDirectory)
        var test = try FashionMNIST.test(directory: datasetDirectory)
        if let limit = config.limit {
            guard limit > 0 else { throw DatasetError.malformed("--limit must be positive, got \(limit)") }
            train = train.prefix(limit)
            test = test.prefix(limit)
        }
        do {
            try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        } catch {
            throw DatasetError.io("cannot create output directory \(outputDirectory): \(error.localizedDescription)")
        }
        let metricsPath = outputDirectory + "/metrics.csv"
        let metrics: FileOutput
        do {
            metrics = try FileOutput(url: URL(fileURLWithPath: metricsPath))
            try metrics.write("epoch,train_loss,test_accuracy\n")
        } catch {
            throw DatasetError.io("\(error)")
        }
        let result = try ClassifierTraining.train(config, train: train, test: test) { m in
            do { try metrics.write("\(m.epoch),\(m.trainLoss),\(m.testAccuracy)\n") } catch {
                throw DatasetError.io("\(error)")
            }
            try progress(m)
        }
        try result.0.save(to: outputDirectory + "/classifier.safetensors")
        return result
    }
}
