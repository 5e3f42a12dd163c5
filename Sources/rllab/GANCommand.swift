import ArgumentParser
import Foundation
import GAN
import Lab
import LabCore

/// `rllab gan`: generative adversarial networks on the shared core.
struct GANCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gan",
        abstract: "Train GANs: a 1-D Gaussian GAN, an MLP GAN and a conditional AC-GAN on MNIST-format images.",
        subcommands: [GANGaussianCommand.self]
    )
}

/// `rllab gan gaussian`: the 1-D Gaussian GAN of the classic tutorial.
struct GANGaussianCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gaussian",
        abstract: "1-D GAN learning N(mu, sigma) from stratified uniform noise.",
        discussion: "Presets: default (converges; see the README), tutorial (the original setup, which often collapses).")

    @Option(help: "Preset: default or tutorial.")
    var preset = "default"
    @Option(help: "Master seed (runs with the same seed and settings write the same files).")
    var seed: UInt64 = 0
    @Option(help: "Output folder (default: results/gan-gaussian-PRESET-seedSEED).")
    var out: String?
    @Option(help: "Adversarial steps (overrides the preset).")
    var steps: Int?
    @Option(help: "Batch size (overrides the preset).")
    var batchSize: Int?
    @Option(help: "Loss: minimax, non-saturating, lsgan or wgan (overrides the preset).")
    var loss: String?
    @Option(help: "Initial learning rate (overrides the preset).")
    var learningRate: Double?
    @Option(help: "Learning-rate decay factor per --decay-steps (overrides the preset).")
    var decayRate: Double?
    @Option(help: "Steps between learning-rate decays (overrides the preset).")
    var decaySteps: Int?
    @Option(help: "Mean of the target normal distribution.")
    var mu: Double?
    @Option(help: "Standard deviation of the target normal distribution.")
    var sigma: Double?
    @Flag(help: "No progress bar.")
    var quiet = false

    func run() throws {
        try reportingErrors {
            var config = try GaussianGANConfig.preset(preset)
            config.seed = seed
            if let steps { config.steps = steps; config.plotSteps = GANGaussianCommand.plotSteps(steps) }
            if let batchSize { config.batchSize = batchSize }
            if let loss { config.loss = try GANLoss(name: loss) }
            if let learningRate { config.learningRate = learningRate }
            if let decayRate { config.decayRate = decayRate }
            if let decaySteps { config.decaySteps = decaySteps }
            if let mu { config.targetMean = mu }
            if let sigma { config.targetStd = sigma }
            let gan = try GaussianGAN(config: config)
            let output = try RunOutput(directory: URL(fileURLWithPath: out ?? "results/gan-gaussian-\(preset)-seed\(seed)"))
            let bar = ProgressBar(label: "gaussian", quiet: quiet)
            let result = try gan.run(output: output) { bar.update($0) }
            bar.finish()
            print(String(format: "generated mean %.4f std %.4f (target %.4g, %.4g)%@; wrote %@", result.generatedMean,
                         result.generatedStd, config.targetMean, config.targetStd,
                         result.meets(config) ? ", within 0.1" : ", NOT within 0.1", output.directory.path))
        }
    }

    /// Four evenly spaced figure steps, as the tutorial's figures.
    static func plotSteps(_ steps: Int) -> [Int] { [0, steps / 3, 2 * steps / 3, steps] }
}
