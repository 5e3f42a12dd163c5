import ArgumentParser
import Foundation
import Lab
import LabCore

/// `rllab classify`: trains an image classifier on Fashion-MNIST.
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Train an MLP or CNN on Fashion-MNIST; write metrics.csv and a safetensors checkpoint."
    )

    @Option(help: "Dataset (only fashion-mnist).") var dataset = "fashion-mnist"
    @Option(name: .customLong("data"), help: "Folder with the IDX files (as `rllab gan --data`).") var dataDirectory = FashionMNIST.defaultDirectory
    @Option(help: "Model: mlp (784-100-10) or cnn.") var model = "mlp"
    @Option(help: "Training epochs.") var epochs = 5
    @Option(name: .customLong("batch-size"), help: "Minibatch size.") var batchSize = 50
    @Option(name: .customLong("learning-rate"), help: "Adam learning rate.") var learningRate: Float = 1e-3
    @Option(help: "Random seed (weights and shuffling).") var seed: UInt64 = 0
    @Option(help: "Use only the first N training and test examples.") var limit: Int?
    @Option(help: "Output directory (default results/classify-<dataset>-<model>-seed<S>).") var out: String?
    @Flag(help: "No per-epoch lines.") var quiet = false

    func validate() throws {
        guard dataset == "fashion-mnist" else { throw ValidationError("unknown dataset '\(dataset)'; available: fashion-mnist") }
        guard FashionClassifier.Architecture(rawValue: model) != nil else { throw ValidationError("unknown model '\(model)'; use mlp or cnn") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be positive") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be positive") }
        guard learningRate.isFinite, learningRate > 0 else { throw ValidationError("--learning-rate must be a positive finite number, got \(learningRate)") }
        if let limit, limit < 1 { throw ValidationError("--limit must be positive") }
    }

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)  // progress lines appear as epochs end, even when piped
        var config = ClassifierTrainingConfig()
        config.architecture = FashionClassifier.Architecture(rawValue: model) ?? .mlp
        config.epochs = epochs
        config.batchSize = batchSize
        config.learningRate = learningRate
        config.seed = seed
        config.limit = limit
        let directory = out ?? "results/classify-\(dataset)-\(model)-seed\(seed)"
        if !quiet { print("training \(model) on \(dataset) for \(epochs) epochs (batch \(batchSize), Adam \(learningRate), seed \(seed))") }
        let start = Date()
        _ = try ClassifierTraining.run(config, datasetDirectory: dataDirectory, outputDirectory: directory) { m in
            if quiet { return }
            let elapsed = Date().timeIntervalSince(start)
            print(String(format: "epoch %d  train_loss %.4f  test_accuracy %.4f  (%.1f s)", m.epoch, m.trainLoss, m.testAccuracy, elapsed))
        }
        print("wrote \(directory)/metrics.csv and \(directory)/classifier.safetensors")
    }
}
