import LabCore

/// A generator and discriminator pair on 28x28 grey images in [-1, 1], flattened to `[N, 784]`.
public protocol ImageGANModel: AnyObject {
    /// The generator (its parameters are what the generator's optimizer updates).
    var generator: Layer { get }
    /// The discriminator.
    var discriminator: Layer { get }
    /// Whether generation is conditioned on a class and D has a class head.
    var isConditional: Bool { get }
    /// Size of the noise vector.
    var latentSize: Int { get }
    /// A batch of noise `[n, latentSize]`, from the distribution the model was made for.
    func noise(_ n: Int, source: RandomSource) -> Tensor
    /// Images `[n, 784]` in [-1, 1] for noise `[n, latentSize]` and class labels (ignored
    /// when not conditional).
    func generate(noise: Tensor, labels: [Int]) -> Tensor
    /// D's adversarial logits `[n, 1]` and, when conditional, class logits `[n, 10]`.
    func discriminate(_ images: Tensor) -> (adversarial: Tensor, classes: Tensor?)
}

/// The TensorFlow book's MLP GAN.
///
/// G: z(latent) -> 256 -> 512 -> 1024 (LeakyReLU) -> 784 tanh. D: 784 -> hidden layers
/// (the book: one of 256) each with LeakyReLU and Dropout -> 1 (the sigmoid is folded into
/// the loss). Dense layers start as Keras' do
/// (Glorot uniform weights, zero biases).
public final class MLPGAN: ImageGANModel {
    public let generatorNetwork: Sequential
    public let discriminatorNetwork: Sequential
    public let latentSize: Int
    public var generator: Layer { generatorNetwork }
    public var discriminator: Layer { discriminatorNetwork }
    public var isConditional: Bool { false }

    public init(config: ImageGANConfig, generatorSource: RandomSource, discriminatorSource: RandomSource, dropoutSource: RandomSource) {
        latentSize = config.latentSize
        func dense(_ i: Int, _ o: Int, _ s: RandomSource) -> Dense {
            Dense(i, o, weightInitializer: .glorotUniform, biasInitializer: .zeros, source: s)
        }
        let slope = config.leakySlope
        let g = generatorSource
        generatorNetwork = Sequential(
            dense(latentSize, 256, g), LeakyReLU(slope: slope),
            dense(256, 512, g), LeakyReLU(slope: slope),
            dense(512, 1024, g), LeakyReLU(slope: slope),
            dense(1024, 784, g), Tanh())
        var dLayers: [Layer] = []
        var width = 784
        for units in config.discriminatorHidden {
            dLayers += [dense(width, units, discriminatorSource), LeakyReLU(slope: slope),
                        Dropout(rate: config.dropout, source: dropoutSource)]
            width = units
        }
        dLayers.append(dense(width, 1, discriminatorSource))
        discriminatorNetwork = Sequential(dLayers)
    }

    /// N(0, 1) noise, as the book.
    public func noise(_ n: Int, source: RandomSource) -> Tensor { .normal([n, latentSize], source: source) }
    public func generate(noise: Tensor, labels: [Int]) -> Tensor { generatorNetwork(noise) }
    public func discriminate(_ images: Tensor) -> (adversarial: Tensor, classes: Tensor?) { (discriminatorNetwork(images), nil) }
}

/// The Keras example's AC-GAN generator: noise times a learned class embedding, dense
/// layers, a 7x7 feature map, two (2x up-sampling, convolution, ReLU) stages and a tanh
/// convolution to one channel.
///
/// As a ``Layer`` its input is `[N, latent + 1]`: the noise with the class id (a whole
/// number) in the last column. Parameter names: `embedding.weight`, `net.<i>.<name>`.
public final class ACGANGenerator: Layer {
    public let embedding: Embedding
    public let network: Sequential
    public let latentSize: Int

    public init(latentSize: Int, classes: Int, architecture a: ImageGANConfig.ACGANArchitecture, source: RandomSource) {
        self.latentSize = latentSize
        embedding = Embedding(classes, latentSize, initializer: .glorotNormal, source: source)
        var layers: [Layer] = []
        var width = latentSize
        for units in a.generatorDense {
            layers += [Dense(width, units, weightInitializer: .glorotUniform, biasInitializer: .zeros, source: source), ReLU()]
            width = units
        }
        let c0 = a.generatorBaseChannels, c1 = a.generatorConvChannels[0], c2 = a.generatorConvChannels[1]
        layers += [Dense(width, c0 * 7 * 7, weightInitializer: .glorotUniform, biasInitializer: .zeros, source: source), ReLU(),
                   Reshape([c0, 7, 7]),
                   UpSampling2D(factor: 2, interpolation: a.generatorUpsampling),
                   Conv2D(c0, c1, kernelSize: a.generatorKernel, padding: .same, weightInitializer: .glorotNormal, biasInitializer: .zeros, source: source), ReLU(),
                   UpSampling2D(factor: 2, interpolation: a.generatorUpsampling),
                   Conv2D(c1, c2, kernelSize: a.generatorKernel, padding: .same, weightInitializer: .glorotNormal, biasInitializer: .zeros, source: source), ReLU(),
                   Conv2D(c2, 1, kernelSize: a.generatorOutputKernel, padding: .same, weightInitializer: .glorotNormal, biasInitializer: .zeros, source: source), Tanh(),
                   Flatten()]
        network = Sequential(layers)
    }

    /// Images `[N, 784]` for noise `[N, latent]` and class ids.
    public func generate(noise: Tensor, labels: [Int]) -> Tensor {
        network(noise * embedding.lookup(labels))
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let n = input.shape[0]
        let noise = input.slice(axis: 1, 0..<latentSize)
        let labels = input.slice(axis: 1, latentSize..<(latentSize + 1)).scalars.map { Int($0) }
        return generate(noise: noise.reshaped([n, latentSize]), labels: labels)
    }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        [("embedding.weight", embedding.weight)] + network.namedParameters.map { ("net.\($0.name)", $0.parameter) }
    }
}

/// The Keras example's AC-GAN discriminator: four convolutions (3x3 in the example; the
/// strided ones' kernel is ``ImageGANConfig/ACGANArchitecture/discriminatorStridedKernel``; strides 2, 1, 2, 1,
/// `same` padding) each with LeakyReLU and dropout, then two heads on the flattened
/// features: one real/fake logit and `classes` class logits.
///
/// As a ``Layer`` it returns `[N, 1 + classes]` (the adversarial logit first).
/// Parameter names: `features.<i>.<name>`, `adversarial.*`, `auxiliary.*`.
public final class ACGANDiscriminator: Layer {
    public let features: Sequential
    public let adversarialHead: Dense
    public let auxiliaryHead: Dense

    public init(classes: Int, architecture a: ImageGANConfig.ACGANArchitecture, slope: Float, dropout: Float,
                source: RandomSource, dropoutSource: RandomSource) {
        var layers: [Layer] = [Reshape([1, 28, 28])]
        var channels = 1
        for (i, out) in a.discriminatorChannels.enumerated() {
            let strided = i % 2 == 0
            if strided && a.discriminatorBlur { layers.append(Blur2D()) }
            layers += [Conv2D(channels, out, kernelSize: strided ? a.discriminatorStridedKernel : 3, stride: strided ? 2 : 1, padding: .same,
                              weightInitializer: .glorotUniform, biasInitializer: .zeros, source: source),
                       LeakyReLU(slope: slope), Dropout(rate: dropout, source: dropoutSource)]
            channels = out
        }
        layers.append(Flatten())
        features = Sequential(layers)
        let width = channels * 7 * 7
        adversarialHead = Dense(width, 1, weightInitializer: .glorotUniform, biasInitializer: .zeros, source: source)
        auxiliaryHead = Dense(width, classes, weightInitializer: .glorotUniform, biasInitializer: .zeros, source: source)
    }

    /// The adversarial logit `[N, 1]` and class logits `[N, classes]` of images `[N, 784]`.
    public func heads(_ images: Tensor) -> (adversarial: Tensor, classes: Tensor) {
        let h = features(images)
        return (adversarialHead(h), auxiliaryHead(h))
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let (a, c) = heads(input)
        return Tensor.concatenate([a, c], axis: 1)
    }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        features.namedParameters.map { ("features.\($0.name)", $0.parameter) }
            + adversarialHead.namedParameters.map { ("adversarial.\($0.name)", $0.parameter) }
            + auxiliaryHead.namedParameters.map { ("auxiliary.\($0.name)", $0.parameter) }
    }

    public func setTraining(_ training: Bool) { features.setTraining(training) }
}

/// The Keras example's AC-GAN (Odena et al.): class-conditional G, D with a class head.
public final class ACGAN: ImageGANModel {
    public static let classes = 10
    public let generatorNetwork: ACGANGenerator
    public let discriminatorNetwork: ACGANDiscriminator
    public var generator: Layer { generatorNetwork }
    public var discriminator: Layer { discriminatorNetwork }
    public var isConditional: Bool { true }
    public var latentSize: Int { generatorNetwork.latentSize }

    public init(config: ImageGANConfig, generatorSource: RandomSource, discriminatorSource: RandomSource, dropoutSource: RandomSource) {
        generatorNetwork = ACGANGenerator(latentSize: config.latentSize, classes: ACGAN.classes,
                                          architecture: config.architecture, source: generatorSource)
        discriminatorNetwork = ACGANDiscriminator(classes: ACGAN.classes, architecture: config.architecture,
                                                  slope: config.leakySlope, dropout: config.dropout,
                                                  source: discriminatorSource, dropoutSource: dropoutSource)
    }

    /// U(-1, 1) noise, as the Keras example.
    public func noise(_ n: Int, source: RandomSource) -> Tensor { .uniform([n, latentSize], low: -1, high: 1, source: source) }
    public func generate(noise: Tensor, labels: [Int]) -> Tensor { generatorNetwork.generate(noise: noise, labels: labels) }
    public func discriminate(_ images: Tensor) -> (adversarial: Tensor, classes: Tensor?) {
        discriminatorNetwork.heads(images)
    }
}
