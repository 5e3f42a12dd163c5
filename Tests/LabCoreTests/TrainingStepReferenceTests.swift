import Testing
@testable import LabCore

/// Whole training steps (DQN update, GAN step) against PyTorch.
@Suite struct TrainingStepReferenceTests {
    static func mlp(_ f: Fixture, prefix: String, source: RandomSource) -> Sequential {
        let w1 = f.tensors["\(prefix)w1"]!.shape, w2 = f.tensors["\(prefix)w2"]!.shape, w3 = f.tensors["\(prefix)w3"]!.shape
        let net = Sequential(Dense(w1[1], w1[0], source: source), ReLU(), Dense(w2[1], w2[0], source: source), ReLU(),
                             Dense(w3[1], w3[0], source: source))
        for (name, p) in net.namedParameters {
            let layer = Int(name.split(separator: ".")[0])! / 2 + 1
            p.value = f.tensor("\(prefix)\(name.hasSuffix("weight") ? "w" : "b")\(layer)")
        }
        return net
    }

    @Test func dqnUpdate() throws {
        // Float32 reference only: allow the case's documented f32-vs-f64 deviation on top.
        let f = try Fixture("dqn_update", dtype: "f32")
        let source = try RandomSource(seed: 0)
        let online = Self.mlp(f, prefix: "online_", source: source)
        let target = Self.mlp(f, prefix: "target_", source: source)
        let gamma = Float(f.param("gamma"))
        let (maxNext, argmaxNext, tdTarget) = withoutGradient { () -> (Tensor, [Int], Tensor) in
            let qNext = target(f.tensor("next_obs"))
            f.check("q_next_target", qNext)
            let (values, indices) = qNext.maxWithIndices(axis: 1)
            let td = f.tensor("reward") + (values * gamma) * (1 - f.tensor("terminated"))
            #expect(td.requiresGradient == false)
            return (values, indices, td)
        }
        f.check("max_next", maxNext)
        f.checkInts("argmax_next", argmaxNext)
        f.check("td_target", tdTarget)
        let qAll = online(f.tensor("obs"))
        f.check("q_all", qAll)
        let qSA = qAll.selecting(columns: f.ints("action"))
        f.check("q_sa", qSA)
        let loss = Loss.huber(qSA, tdTarget, delta: Float(f.param("huber_beta")))
        f.check("loss", loss)
        loss.backward()
        #expect(target.parameters.allSatisfy { $0.grad == nil })
        for (name, p) in online.namedParameters {
            let layer = Int(name.split(separator: ".")[0])! / 2 + 1
            f.check("grad_online_\(name.hasSuffix("weight") ? "w" : "b")\(layer)", p.grad)
        }
        let norm = clipGradientNorm(online.parameters, maxNorm: Float(f.param("max_norm")))
        f.check("grad_total_norm", Tensor(norm))
        let adam = Adam(online.parameters, learningRate: Float(f.param("lr")), beta1: f.param("beta1"), beta2: f.param("beta2"), epsilon: f.param("eps"))
        adam.step()
        for (name, p) in online.namedParameters {
            let layer = Int(name.split(separator: ".")[0])! / 2 + 1
            f.check("online_\(name.hasSuffix("weight") ? "w" : "b")\(layer)_after", p.value)
        }
    }

    @Test func ganStep() throws {
        let f = try Fixture("gan_step")
        let slope = Float(f.param("negative_slope"))
        let source = try RandomSource(seed: 0)
        func net(_ prefix: String, _ last: Layer) -> Sequential {
            let s1 = f.tensors["\(prefix)w1"]!.shape, s2 = f.tensors["\(prefix)w2"]!.shape
            let n = Sequential(Dense(s1[1], s1[0], source: source), LeakyReLU(slope: slope), Dense(s2[1], s2[0], source: source), last)
            let dense = n.layers.compactMap { $0 as? Dense }
            for (i, d) in dense.enumerated() {
                d.weight.value = f.tensor("\(prefix)w\(i + 1)")
                d.bias!.value = f.tensor("\(prefix)b\(i + 1)")
            }
            return n
        }
        let generator = net("g_", Tanh()), discriminator = net("d_", Sigmoid())
        let z = f.tensor("z"), real = f.tensor("real")
        let realLabel = Float(f.param("real_label")), fakeLabel = Float(f.param("fake_label"))

        // Discriminator: the two parts separately, then their sum.
        let gOut = generator(z)
        f.check("g_out", gOut)
        let dReal = discriminator(real)
        f.check("d_real", dReal)
        let lossReal = Loss.binaryCrossEntropy(probabilities: dReal, targets: .filled(dReal.shape, with: realLabel))
        f.check("d_loss_real", lossReal)
        lossReal.backward()
        let dParams = discriminator.parameters
        let names = ["w1", "b1", "w2", "b2"]
        for (n, p) in zip(names, dParams) { f.check("grad_d_\(n)_from_d_loss_real", p.grad) }
        dParams.zeroGrad()
        let dFake = discriminator(gOut.detached())
        f.check("d_fake", dFake)
        let lossFake = Loss.binaryCrossEntropy(probabilities: dFake, targets: .filled(dFake.shape, with: fakeLabel))
        f.check("d_loss_fake", lossFake)
        lossFake.backward()
        for (n, p) in zip(names, dParams) { f.check("grad_d_\(n)_from_d_loss_fake", p.grad) }
        #expect(generator.parameters.allSatisfy { $0.grad == nil })
        dParams.zeroGrad()
        let dLoss = Loss.binaryCrossEntropy(probabilities: discriminator(real), targets: .filled(dReal.shape, with: realLabel))
            + Loss.binaryCrossEntropy(probabilities: discriminator(generator(z).detached()), targets: .filled(dFake.shape, with: fakeLabel))
        f.check("d_loss", dLoss)
        dLoss.backward()
        for (n, p) in zip(names, dParams) { f.check("grad_d_\(n)_from_d_loss", p.grad) }

        // Generator through a frozen discriminator.
        dParams.zeroGrad()
        discriminator.setTrainable(false)
        let gOut2 = generator(z)
        let dOnFake = discriminator(gOut2)
        f.check("d_on_fake", dOnFake)
        let gLoss = Loss.binaryCrossEntropy(probabilities: dOnFake, targets: .filled(dOnFake.shape, with: Float(f.param("g_target"))))
        f.check("g_loss", gLoss)
        gLoss.backward()
        #expect(dParams.allSatisfy { $0.grad == nil })
        for (n, p) in zip(names, generator.parameters) { f.check("grad_g_\(n)_from_g_loss", p.grad) }
    }

    @Test func ganGeneratorOutputGradient() throws {
        // d g_loss / d g_out through the discriminator, with g_out as a leaf.
        let f = try Fixture("gan_step")
        let slope = Float(f.param("negative_slope"))
        let gOut = f.tensor("g_out").requiringGradient()
        var h = Tensor.linear(gOut, weight: f.tensor("d_w1"), bias: f.tensor("d_b1")).leakyRelu(slope: slope)
        h = Tensor.linear(h, weight: f.tensor("d_w2"), bias: f.tensor("d_b2")).sigmoid()
        Loss.binaryCrossEntropy(probabilities: h, targets: .ones(h.shape)).backward()
        f.check("grad_g_out_from_g_loss", gOut.gradient)
    }
}
