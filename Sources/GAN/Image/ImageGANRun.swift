import Foundation
import LabCore

extension ImageGANTrainer {
    /// Trains for `config.epochs` epochs and writes the run's files into `output`:
    /// `losses.csv` (one row per batch), `test_losses.csv` (one row per epoch and
    /// component), `samples/epoch-NNN.png` (10x10 grid), `checkpoints/generator-epoch-NNN.safetensors`
    /// and `checkpoints/discriminator-epoch-NNN.safetensors`, `summary.json`; and prints
    /// the Keras example's per-epoch table through `log`.
    ///
    /// - Parameters:
    ///   - scorer: scores generated images per epoch (AC-GAN: a classifier's accuracy on
    ///     the conditioned classes).
    ///   - progress: called with (epoch, fraction of the epoch done) for a progress bar.
    ///   - log: receives the text lines a user reads (per-epoch tables).
    @discardableResult
    public func run(train: GANImageData, test: GANImageData, output: RunOutput,
                    scorer: GeneratedImageScorer? = nil,
                    progress: ((Int, Double) -> Void)? = nil,
                    log: (String) -> Void = { print($0) }) throws -> [ImageGANEpoch] {
        let train = config.trainLimit.map { train.prefix($0) } ?? train
        let test = test.prefix(config.testLimit)
        guard train.count >= config.batchSize else {
            throw GANError.invalidSetting("\(train.count) training images are fewer than one batch of \(config.batchSize)")
        }
        let conditional = model.isConditional
        let batchHeader = conditional
            ? ["epoch", "batch", "step", "d_loss", "d_generation_loss", "d_auxiliary_loss", "g_loss", "g_generation_loss", "g_auxiliary_loss"]
            : ["epoch", "batch", "step", "d_loss", "g_loss"]
        let losses = try CSVLog(url: output.file("losses.csv"), header: batchHeader)
        let testLog = try CSVLog(url: output.file("test_losses.csv"),
                                 header: ["epoch", "component", "loss", "generation_loss", "auxiliary_loss"])
        let accuracyLog = scorer == nil ? nil : try CSVLog(url: output.file("classifier_accuracy.csv"), header: ["epoch", "accuracy"])
        var epochs: [ImageGANEpoch] = []
        let clock = ContinuousClock()
        let start = clock.now
        for epoch in 1...config.epochs {
            let epochStart = clock.now
            let (dTrain, gTrain) = trainEpoch(train) { b, count, d, g in
                var row: [String] = ["\(epoch)", "\(b + 1)", "\(self.step)"]
                if conditional {
                    row += [d.total, d.generation, d.auxiliary].map { CSVLog.format($0) }
                    row += g.map { [$0.total, $0.generation, $0.auxiliary].map { CSVLog.format($0) } } ?? ["", "", ""]
                } else {
                    row += [CSVLog.format(d.generation), g.map { CSVLog.format($0.generation) } ?? ""]
                }
                losses.append(fields: row)
                progress?(epoch, Double(b + 1) / Double(count))
            }
            let (dTest, gTest) = testLosses(test, epoch: epoch)
            for (name, l) in [("generator_train", gTrain), ("generator_test", gTest),
                              ("discriminator_train", dTrain), ("discriminator_test", dTest)] {
                testLog.append(fields: ["\(epoch)", name] + [l.total, l.generation, l.auxiliary].map { CSVLog.format($0) })
            }
            try gridImage().write(to: output.file("samples/" + RunOutput.epochFile("grid", epoch: epoch, ext: "png")))
            let metadata = ["model": config.model.rawValue, "preset": config.preset, "epoch": "\(epoch)", "seed": "\(config.seed)"]
            try output.saveCheckpoint(model.generator, to: "checkpoints/" + RunOutput.epochFile("generator", epoch: epoch, ext: "safetensors"), metadata: metadata)
            try output.saveCheckpoint(model.discriminator, to: "checkpoints/" + RunOutput.epochFile("discriminator", epoch: epoch, ext: "safetensors"), metadata: metadata)
            var accuracy: Double?
            if let scorer {
                let (images, labels) = samplesForScoring(epoch: epoch)
                accuracy = scorer(images, labels)
                accuracyLog?.append([Double(epoch), accuracy ?? 0])
            }
            let record = ImageGANEpoch(epoch: epoch, discriminatorTrain: dTrain, generatorTrain: gTrain,
                                       discriminatorTest: dTest, generatorTest: gTest, classifierAccuracy: accuracy,
                                       seconds: (clock.now - epochStart).inSeconds)
            epochs.append(record)
            log(ImageGANTrainer.table(record, conditional: conditional, epochs: config.epochs))
        }
        var summary: [String: Any] = [
            "model": config.model.rawValue, "preset": config.preset, "loss": config.loss.rawValue, "seed": config.seed,
            "epochs": config.epochs, "batch_size": config.batchSize, "train_images": train.count, "test_images": test.count,
            "steps": step, "seconds": (clock.now - start).inSeconds,
        ]
        if let last = epochs.last {
            for (name, l) in [("discriminator_train", last.discriminatorTrain), ("generator_train", last.generatorTrain),
                              ("discriminator_test", last.discriminatorTest), ("generator_test", last.generatorTest)] {
                summary["final_\(name)_loss"] = l.total
                if conditional {
                    summary["final_\(name)_generation_loss"] = l.generation
                    summary["final_\(name)_auxiliary_loss"] = l.auxiliary
                }
            }
            if let a = last.classifierAccuracy {
                summary["classifier_accuracy"] = a
                summary["classifier_accuracy_per_epoch"] = epochs.compactMap(\.classifierAccuracy)
            }
        }
        // JSON has no NaN or infinity: a diverged run reports null.
        try output.writeSummary(summary.mapValues { v -> Any in
            if let d = v as? Double, !d.isFinite { return NSNull() }; return v })
        return epochs
    }

    /// The Keras AC-GAN example's per-epoch table.
    static func table(_ e: ImageGANEpoch, conditional: Bool, epochs: Int) -> String {
        func row(_ name: String, _ l: ComponentLosses) -> String {
            let padded = name.padding(toLength: 22, withPad: " ", startingAt: 0)
            return conditional
                ? String(format: "%@ | %.4f | %15.4f | %.4f", padded, l.total, l.generation, l.auxiliary)
                : String(format: "%@ | %.4f", padded, l.total)
        }
        var lines = ["Epoch \(e.epoch)/\(epochs) (\(String(format: "%.1f", e.seconds)) s)"]
        lines.append(conditional ? "component              | loss   | generation_loss | auxiliary_loss" : "component              | loss")
        lines.append(String(repeating: "-", count: conditional ? 65 : 31))
        lines += [row("generator (train)", e.generatorTrain), row("generator (test)", e.generatorTest),
                  row("discriminator (train)", e.discriminatorTrain), row("discriminator (test)", e.discriminatorTest)]
        if let a = e.classifierAccuracy { lines.append(String(format: "classifier accuracy on generated images: %.1f%%", a * 100)) }
        return lines.joined(separator: "\n")
    }
}
