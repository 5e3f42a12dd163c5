import Foundation
import LabCore

extension ImageGANTrainer {
    /// Trains for `config.epochs` epochs and writes the run's files into `output`:
    /// `losses.csv` (one row per batch), `test_losses.csv` (one row per epoch and
    /// component), `metrics.csv` (one row per epoch, with `metrics`),
    /// `samples/grid-epoch-NNN.png` (10x10 grid), `samples/interpolation.png` (the last
    /// epoch's latent interpolation), `checkpoints/generator-epoch-NNN.safetensors` and
    /// `checkpoints/discriminator-epoch-NNN.safetensors`, `summary.json`; and prints the
    /// Keras example's per-epoch table through `log`. Every file depends only on the
    /// configuration (wall-clock times are printed only).
    ///
    /// - Parameters:
    ///   - metrics: measures the generator on fixed samples after each epoch (Fréchet
    ///     distance, classifier score, class histogram, AC-GAN: conditional accuracy).
    ///   - progress: called with (epoch, fraction of the epoch done) for a progress bar.
    ///   - log: receives the text lines a user reads (per-epoch tables).
    @discardableResult
    public func run(train: GANImageData, test: GANImageData, output: RunOutput,
                    metrics: ImageQualityMetrics? = nil,
                    progress: ((Int, Double) -> Void)? = nil,
                    log: (String) -> Void = { print($0) }) throws -> [ImageGANEpoch] {
        let train = config.trainLimit.map { train.prefix($0) } ?? train
        let test = test.prefix(config.testLimit)
        guard train.count >= config.batchSize else {
            throw GANError.invalidSetting("\(train.count) training images are fewer than one batch of \(config.batchSize)")
        }
        let conditional = model.isConditional
        typealias Column = RunOutput.Column
        let batchHeader = conditional
            ? [Column.epoch, "batch", Column.step, Column.discriminatorLoss, "d_generation_loss", "d_auxiliary_loss",
               Column.generatorLoss, "g_generation_loss", "g_auxiliary_loss"]
            : [Column.epoch, "batch", Column.step, Column.discriminatorLoss, Column.generatorLoss]
        let losses = try CSVLog(url: output.file(RunOutput.lossesFile), header: batchHeader)
        let testLog = try CSVLog(url: output.file(RunOutput.testLossesFile),
                                 header: [Column.epoch, Column.component, Column.loss, "generation_loss", "auxiliary_loss"])
        let metricsHeader = [Column.epoch, Column.frechetDistance, Column.classifierScore]
            + (conditional ? [Column.classifierAccuracy] : []) + (0..<GANImageData.classes).map { "class_\($0)" }
        let metricsLog = try metrics.map { _ in
            try CSVLog(url: output.file(RunOutput.metricsFile), header: metricsHeader)
        }
        if let metrics {
            log(String(format: "Fréchet distance floor (%d real training vs %d real test images, %@ features): %.4g",
                       metrics.sampleCount, metrics.sampleCount, metrics.probe.name, metrics.floor))
        }
        var epochs: [ImageGANEpoch] = []
        let clock = ContinuousClock()
        for epoch in 1...config.epochs {
            let epochStart = clock.now
            var diverged: NonFiniteTrainingError?
            let (dTrain, gTrain) = trainEpoch(train) { b, count, d, g in
                if diverged == nil {
                    // The step callback cannot throw: the first non-finite loss is kept and
                    // thrown when the epoch's loop returns.
                    do {
                        try NonFiniteTrainingError.check(loss: d.total, name: "discriminator loss", step: self.step, epoch: epoch)
                        if let g { try NonFiniteTrainingError.check(loss: g.total, name: "generator loss", step: self.step, epoch: epoch) }
                    } catch let error as NonFiniteTrainingError { diverged = error } catch {}
                }
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
            if let diverged { throw diverged }
            try losses.checkWritten()
            let (dTest, gTest) = testLosses(test, epoch: epoch)
            for (name, l) in [("generator_train", gTrain), ("generator_test", gTest),
                              ("discriminator_train", dTrain), ("discriminator_test", dTest)] {
                testLog.append(fields: ["\(epoch)", name] + [l.total, l.generation, l.auxiliary].map { CSVLog.format($0) })
            }
            try testLog.checkWritten()
            try gridImage().write(to: output.file(RunOutput.samplesFolder + "/" + RunOutput.epochFile(RunOutput.gridPrefix, epoch: epoch, ext: "png")))
            let metadata = ["model": config.model.rawValue, "preset": config.preset, "epoch": "\(epoch)", "seed": "\(config.seed)"]
            try output.saveCheckpoint(model.generator, to: "checkpoints/" + RunOutput.epochFile("generator", epoch: epoch, ext: "safetensors"), metadata: metadata)
            try output.saveCheckpoint(model.discriminator, to: "checkpoints/" + RunOutput.epochFile("discriminator", epoch: epoch, ext: "safetensors"), metadata: metadata)
            let seconds = (clock.now - epochStart).inSeconds
            var quality: ImageQuality?
            if let metrics {
                let (images, labels) = metricSamples()
                let q = try metrics.measure(images, labels: labels)
                quality = q
                var row = ["\(epoch)", CSVLog.format(q.frechetDistance), CSVLog.format(q.classes.score)]
                if let a = q.conditionalAccuracy { row.append(CSVLog.format(a)) }
                metricsLog?.append(fields: row + q.classes.histogram.map { CSVLog.format($0) })
            }
            try metricsLog?.checkWritten()
            let record = ImageGANEpoch(epoch: epoch, discriminatorTrain: dTrain, generatorTrain: gTrain,
                                       discriminatorTest: dTest, generatorTest: gTest, quality: quality, seconds: seconds)
            epochs.append(record)
            log(ImageGANTrainer.table(record, conditional: conditional, epochs: config.epochs))
        }
        var summary: [String: Any] = [
            "model": config.model.rawValue, "preset": config.preset, "loss": config.loss.rawValue, "seed": config.seed,
            "epochs": config.epochs, "batch_size": config.batchSize, "train_images": train.count, "test_images": test.count,
            "steps": step, "settings": config.resolved,
        ]
        try PNGImage.grid(interpolationImages(), imageHeight: 28, imageWidth: 28, columns: 10)
            .write(to: output.file(RunOutput.samplesFolder + "/" + RunOutput.interpolationFile))
        if let last = epochs.last {
            for (name, l) in [("discriminator_train", last.discriminatorTrain), ("generator_train", last.generatorTrain),
                              ("discriminator_test", last.discriminatorTest), ("generator_test", last.generatorTest)] {
                summary["final_\(name)_loss"] = l.total
                if conditional {
                    summary["final_\(name)_generation_loss"] = l.generation
                    summary["final_\(name)_auxiliary_loss"] = l.auxiliary
                }
            }
            if let a = last.quality?.conditionalAccuracy {
                summary["classifier_accuracy"] = a
                summary["classifier_accuracy_per_epoch"] = epochs.compactMap { $0.quality?.conditionalAccuracy }
            }
            if let metrics, let q = last.quality {
                summary["frechet_distance"] = q.frechetDistance
                summary["frechet_distance_floor"] = metrics.floor
                summary["frechet_distance_per_epoch"] = epochs.compactMap { $0.quality?.frechetDistance }
                summary["classifier_score"] = q.classes.score
                summary["metric_images"] = metrics.sampleCount
                summary["classifier"] = metrics.probe.name
            }
        }
        try output.writeSummary(summary)
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
        if let q = e.quality {
            var line = String(format: "Fréchet distance %.4g, classifier score %.3f", q.frechetDistance, q.classes.score)
            if let a = q.conditionalAccuracy { line += String(format: ", classifier accuracy on generated images: %.1f%%", a * 100) }
            lines.append(line)
            lines.append("predicted classes: " + q.classes.histogram.map { String(format: "%.0f%%", $0 * 100) }.joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }
}
