import Foundation
import LabCore
import Testing
@testable import GAN

@Suite struct GaussianGANTests {
    @Test func defaultPresetMeetsToleranceInAtLeastFourOfFiveSeeds() throws {
        var met = 0
        var report: [String] = []
        for seed in UInt64(0)..<5 {
            var config = GaussianGANConfig.default
            config.seed = seed
            config.plotSteps = []
            let result = try GaussianGAN(config: config).train()
            if result.meets(config) { met += 1 }
            report.append("seed \(seed): mean \(result.generatedMean) std \(result.generatedStd)")
        }
        #expect(met >= 4, "\(report.joined(separator: "; "))")
    }

    @Test func tutorialPresetKeepsTheTutorialSettings() throws {
        let c = try GaussianGANConfig.preset("tutorial")
        #expect(c.targetMean == 4 && c.targetStd == 0.5 && c.noiseRange == 8 && c.hiddenSize == 4)
        #expect(c.batchSize == 12 && c.steps == 1200 && c.pretrainSteps == 1000)
        #expect(c.learningRate == 0.03 && c.decayRate == 0.95 && c.decaySteps == 150)
        #expect(c.optimizer == .gradientDescent && c.weightInit == .normal(standardDeviation: 1))
        #expect(c.generatorAverageDecay == nil && !c.minibatchStdFeature)
        let gan = try GaussianGAN(config: c)
        // G: 1 -> 4 -> 1; D: 1 -> 8 -> 8 -> 8 -> 1.
        #expect(gan.generator.parameters.map(\.shape) == [[4, 1], [4], [1, 4], [1]])
        #expect(gan.discriminator.parameters.map(\.shape) == [[8, 1], [8], [8, 8], [8], [8, 8], [8], [1, 8], [1]])
    }

    @Test func pretrainingFitsTheDensityAndIsCopiedIntoD() throws {
        var c = GaussianGANConfig.tutorial
        c.steps = 0
        let gan = try GaussianGAN(config: c)
        let losses = gan.pretrain()
        #expect(losses.count == 1000)
        #expect(losses.allSatisfy { $0.isFinite })
        #expect(mean(losses.suffix(100)) < mean(losses.prefix(100)))
        #expect(zip(gan.discriminator.parameters, gan.discriminatorPretrain.parameters).allSatisfy { $0.value.scalars == $1.value.scalars })
    }

    @Test func discriminatorLossOnRealVersusNoiseDecreases() throws {
        // A generator that cannot learn (zero learning rate for G's updates is not an
        // option here, so train D alone) must let D separate real samples from G's output.
        var c = GaussianGANConfig.default
        c.pretrainSteps = 0
        let gan = try GaussianGAN(config: c)
        let optimizer = Adam(gan.discriminator.parameters, learningRate: 0.005, beta1: 0.5)
        var losses: [Double] = []
        for _ in 0..<200 {
            let real = gan.realBatch(64)
            let fake = withoutGradient { gan.generator(gan.noiseBatch(64, source: gan.noiseSource)) }
            optimizer.zeroGrad()
            let loss = c.loss.discriminatorLoss(real: gan.discriminate(real), fake: gan.discriminate(fake))
            loss.backward()
            optimizer.step()
            losses.append(Double(loss.scalar))
        }
        #expect(losses.allSatisfy { $0.isFinite })
        #expect(mean(losses.suffix(20)) < 0.5 * mean(losses.prefix(20)))
    }

    @Test func sameSeedWritesTheSameFiles() throws {
        var c = GaussianGANConfig.default
        c.steps = 60
        c.pretrainSteps = 20
        c.plotSteps = [0, 60]
        c.seed = 3
        var contents: [[Data]] = []
        for run in 0..<2 {
            let dir = temporaryFolder("gaussian-repeat-\(run)")
            defer { try? FileManager.default.removeItem(at: dir) }
            // The figure is whatever the caller draws: here the snapshot's numbers, so that
            // equal runs must give equal snapshots too.
            try GaussianGAN(config: c).run(output: RunOutput(directory: dir), plot: { "\($0.step) \($0.generatedDensity) \($0.decision)" })
            let files = ["summary.json", "losses.csv", "pretrain_losses.csv", "plots/densities-step-0060.svg",
                         "checkpoints/generator.safetensors"]
            contents.append(try files.map { try Data(contentsOf: dir.appendingPathComponent($0)) })
        }
        #expect(contents[0] == contents[1])
        let summary = try JSONSerialization.jsonObject(with: contents[0][0]) as? [String: Any]
        for key in ["generated_mean", "generated_std", "target_mean", "target_std"] { #expect(summary?[key] is Double) }
        let csv = String(decoding: contents[0][1], as: UTF8.self).split(separator: "\n")
        #expect(csv.first == "step,d_loss,g_loss" && csv.count == 61)
    }

    @Test func badSettingsGiveClearErrors() throws {
        #expect(throws: GANError.unknownPreset(model: "gaussian", name: "fast", known: ["default", "tutorial"])) {
            try GaussianGANConfig.preset("fast")
        }
        var c = GaussianGANConfig.default
        c.targetStd = 0
        #expect(throws: ConfigurationError("target_std must be in (0, 1000000], got 0.0")) { try GaussianGAN(config: c) }
        #expect(throws: GANError.unknownLoss(name: "hinge")) { try GANLoss(name: "hinge") }
        #expect(GANError.unknownLoss(name: "hinge").description.contains("minimax, non-saturating, lsgan, wgan"))
    }
}
