import Foundation
import LabCore

extension GaussianGAN {
    /// Trains and writes the run's files into `output`: `losses.csv` (step, d_loss,
    /// g_loss), `pretrain_losses.csv`, `plots/densities-step-NNNN.svg` and `summary.json`.
    ///
    /// - Parameter progress: called with the fraction done, for a progress bar.
    @discardableResult
    public func run(output: RunOutput, progress: ((Double) -> Void)? = nil) throws -> GaussianGANResult {
        let log = try CSVLog(url: output.file("losses.csv"), header: ["step", "d_loss", "g_loss"])
        var plotError: Error?
        let result = try train(snapshot: { snap in
            do { try GaussianGAN.writePlot(snap, config: self.config, output: output) } catch { plotError = error }
        }, onStep: { step, d, g in
            log.append([Double(step), d, g])
            progress?(Double(step) / Double(Swift.max(self.config.steps, 1)))
        })
        if let plotError { throw plotError }
        try log.checkWritten()
        let pretrainLog = try CSVLog(url: output.file("pretrain_losses.csv"), header: ["step", "mse"])
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
        ].mapValues { value -> Any in
            // JSON has no NaN: a run with zero steps reports null losses.
            if let d = value as? Double, !d.isFinite { return NSNull() }
            return value
        })
        return result
    }

    static func writePlot(_ snap: GaussianGANSnapshot, config: GaussianGANConfig, output: RunOutput) throws {
        var plot = SVGPlot(title: "1-D GAN, \(config.preset) preset, step \(snap.step)")
        plot.series = [
            .init(name: "real data", x: snap.binCenters, y: snap.realDensity, color: "#1f77b4"),
            .init(name: "generated", x: snap.binCenters, y: snap.generatedDensity, color: "#2ca02c"),
            .init(name: "decision D(x)", x: snap.decisionX, y: snap.decision, color: "#d62728"),
        ]
        try output.writeText(plot.render(), to: "plots/densities-step-\(String(format: "%04d", snap.step)).svg")
    }
}
