import Foundation
import LabCore

extension GaussianGAN {
    /// Trains and writes the run's files into `output`: `losses.csv` (step, d_loss,
    /// g_loss), `pretrain_losses.csv`, `summary.json` and, with `plot`, the density
    /// figures `plots/densities-step-NNNN.svg`.
    ///
    /// - Parameters:
    ///   - progress: called with the fraction done, for a progress bar.
    ///   - plot: draws a snapshot (at each of the config's `plotSteps`) as an SVG document;
    ///     the caller brings the chart writer (Lab's, on the command line).
    @discardableResult
    public func run(output: RunOutput, progress: ((Double) -> Void)? = nil,
                    plot: ((GaussianGANSnapshot) -> String)? = nil) throws -> GaussianGANResult {
        let log = try CSVLog(url: output.file(RunOutput.lossesFile), header: [RunOutput.Column.step, RunOutput.Column.discriminatorLoss, RunOutput.Column.generatorLoss])
        var plotError: Error?
        let result = try train(snapshot: plot.map { plot in { snap in
            do {
                try output.writeText(plot(snap), to: "plots/densities-step-\(String(format: "%04d", snap.step)).svg")
            } catch { plotError = error }
        } }, onStep: { step, d, g in
            log.append([Double(step), d, g])
            progress?(Double(step) / Double(Swift.max(self.config.steps, 1)))
        })
        if let plotError { throw plotError }
        try log.checkWritten()
        let pretrainLog = try CSVLog(url: output.file(RunOutput.pretrainLossesFile), header: [RunOutput.Column.step, "mse"])
        for (i, l) in result.pretrainLosses.enumerated() { pretrainLog.append([Double(i + 1), l]) }
        try pretrainLog.checkWritten()
        try output.saveCheckpoint(generator, to: "checkpoints/generator.safetensors")
        try output.saveCheckpoint(discriminator, to: "checkpoints/discriminator.safetensors")
        try output.writeSummary([
            "model": "gaussian",
            "preset": config.preset,
            "seed": config.seed,
            "loss": config.loss.rawValue,
            "steps": config.steps,
            "batch_size": config.batchSize,
            "generated_mean": result.generatedMean,
            "generated_std": result.generatedStd,
            "target_mean": config.targetMean,
            "target_std": config.targetStd,
            "within_tolerance_0.1": result.meets(config),
            "final_d_loss": result.losses.last?.discriminator ?? Double.nan,
            "final_g_loss": result.losses.last?.generator ?? Double.nan,
        ])
        return result
    }
}
