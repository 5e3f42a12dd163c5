import Testing
@testable import LabCore

/// Outputs and gradients against PyTorch's float64 results for the same float32 inputs.
@Suite struct PyTorchElementwiseTests {
    @Test(arguments: ["ew_add_row", "ew_add_outer"]) func add(_ name: String) throws { try runCase(name) { $0["a"] + $0["b"] } }
    @Test(arguments: ["ew_sub_row", "ew_sub_outer"]) func sub(_ name: String) throws { try runCase(name) { $0["a"] - $0["b"] } }
    @Test(arguments: ["ew_mul_row", "ew_mul_outer"]) func mul(_ name: String) throws { try runCase(name) { $0["a"] * $0["b"] } }
    @Test(arguments: ["ew_div_row", "ew_div_outer"]) func div(_ name: String) throws { try runCase(name) { $0["a"] / $0["b"] } }
    @Test func mulRank0() throws { try runCase("ew_mul_rank0") { $0["a"] * $0["s"] } }
    @Test func exp() throws { try runCase("ew_exp") { $0["x"].exp() } }
    @Test func log() throws { try runCase("ew_log") { $0["x"].log() } }
    @Test func sqrt() throws { try runCase("ew_sqrt") { $0["x"].sqrt() } }
    @Test func square() throws { try runCase("ew_square") { $0["x"].squared() } }
    @Test func abs() throws { try runCase("ew_abs") { $0["x"].abs() } }
    @Test func clamp() throws {
        try runCase("ew_clamp") { $0["x"].clamped(min: Float($0.param("min")), max: Float($0.param("max"))) }
    }
    @Test func graphReuse() throws {
        try runCase("ew_graph_reuse") { i in
            let a = i["a"], b = i["b"]
            return (a * b + a) / (b * b + 1)
        }
    }
}

@Suite struct PyTorchReductionTests {
    @Test func sumAll() throws { try runCase("red_sum_all") { $0["x"].sum() } }
    @Test func meanAll() throws { try runCase("red_mean_all") { $0["x"].mean() } }
    @Test func sumAxis0() throws { try runCase("red_sum_axis0") { $0["x"].sum(axis: 0) } }
    @Test func sumAxis1() throws { try runCase("red_sum_axis1") { $0["x"].sum(axis: 1) } }
    @Test func meanAxis0() throws { try runCase("red_mean_axis0") { $0["x"].mean(axis: 0) } }
    @Test func meanAxis1() throws { try runCase("red_mean_axis1") { $0["x"].mean(axis: 1) } }
    @Test(arguments: ["red_logsumexp_axis1", "red_logsumexp_axis1_stable"])
    func logSumExp(_ name: String) throws { try runCase(name) { $0["x"].logSumExp(axis: 1) } }

    @Test(arguments: ["red_max_axis0", "red_max_axis1"]) func maxAxis(_ name: String) throws {
        let fixture = try Fixture(name)
        let axis = Int(fixture.param("axis"))
        fixture.checkInts("argmax", fixture.tensor("x").argmax(axis: axis))
        try runCase(name) { $0["x"].max(axis: axis) }
    }

    @Test func maxAll() throws {
        let fixture = try Fixture("red_max_all")
        fixture.checkInts("argmax", [fixture.tensor("x").argmax()])
        try runCase("red_max_all") { $0["x"].max() }
    }
}

@Suite struct PyTorchShapeTests {
    @Test func matmul() throws { try runCase("mm_matmul") { $0["a"].matmul($0["b"]) } }
    @Test func transpose() throws { try runCase("shape_transpose") { $0["x"].transposed() } }
    @Test func reshape() throws {
        let fixture = try Fixture("shape_reshape")
        try runCase("shape_reshape") { $0["x"].reshaped(fixture.expected["out"]!.shape) }
    }
    @Test(arguments: ["shape_concat_axis0", "shape_concat_axis1"]) func concat(_ name: String) throws {
        try runCase(name) { Tensor.concatenate([$0["a"], $0["b"]], axis: Int($0.param("axis"))) }
    }
    @Test(arguments: ["shape_slice_rows", "shape_slice_cols"]) func slice(_ name: String) throws {
        try runCase(name) { $0["x"].slice(axis: Int($0.param("axis")), Int($0.param("start"))..<Int($0.param("end"))) }
    }
    @Test func gatherQ() throws {
        try runCase("shape_gather_q") { i in
            let actions = i.ints("action")
            return i["q"].gather(axis: 1, indices: actions, indexShape: [actions.count, 1])
        }
    }
    @Test func gatherDuplicates() throws {
        let fixture = try Fixture("shape_gather_dup")
        try runCase("shape_gather_dup") { $0["x"].gather(axis: 1, indices: $0.ints("index"), indexShape: fixture.tensors["index"]!.shape) }
    }
    @Test func selectingColumns() throws {
        // The same Q(s, a) selection through the [B, N] -> [B] convenience.
        try runCase("shape_onehot_select") { $0["q"].selecting(columns: $0.ints("action")) }
    }
    @Test func oneHotMaskSelect() throws {
        try runCase("shape_onehot_select") { i in
            (i["q"] * Tensor.oneHot(i.ints("action"), classes: Int(i.param("num_classes")))).sum(axis: 1)
        }
    }
    @Test func oneHot() throws {
        let fixture = try Fixture("shape_one_hot")
        fixture.check("out", Tensor.oneHot(fixture.ints("index"), classes: Int(fixture.param("num_classes"))))
    }
}

@Suite struct PyTorchActivationTests {
    @Test func relu() throws { try runCase("act_relu") { $0["x"].relu() } }
    @Test(arguments: ["act_leaky_relu_0p2", "act_leaky_relu_0p01"]) func leakyRelu(_ name: String) throws {
        try runCase(name) { $0["x"].leakyRelu(slope: Float($0.param("negative_slope"))) }
    }
    @Test func tanh() throws { try runCase("act_tanh") { $0["x"].tanh() } }
    @Test(arguments: ["act_sigmoid", "act_sigmoid_stable"]) func sigmoid(_ name: String) throws { try runCase(name) { $0["x"].sigmoid() } }
    @Test(arguments: ["act_softplus", "act_softplus_stable"]) func softplus(_ name: String) throws {
        try runCase(name) { $0["x"].softplus(threshold: Float($0.param("threshold"))) }
    }
    @Test(arguments: ["act_softmax", "act_softmax_stable"]) func softmax(_ name: String) throws {
        try runCase(name) { $0["x"].softmax(axis: Int($0.param("dim"))) }
    }
    @Test(arguments: ["act_log_softmax", "act_log_softmax_stable"]) func logSoftmax(_ name: String) throws {
        try runCase(name) { $0["x"].logSoftmax(axis: Int($0.param("dim"))) }
    }
}

@Suite struct PyTorchLayerTests {
    @Test(arguments: ["layer_linear", "layer_linear_medium"]) func linear(_ name: String) throws {
        try runCase(name) { Tensor.linear($0["x"], weight: $0["weight"], bias: $0["bias"]) }
        // The Keras [in, out] layout of the same layer: x · weight_t + bias.
        let fixture = try Fixture(name)
        let wt = fixture.tensor("weight_t").requiringGradient()
        let out = fixture.tensor("x").matmul(wt) + fixture.tensor("bias")
        fixture.check("out", out)
        (out * fixture.tensor("upstream")).sum().backward()
        fixture.check("grad_weight_t", wt.gradient)
    }

    @Test func denseLayerUsesPyTorchLayout() throws {
        let fixture = try Fixture("layer_linear")
        let dense = Dense(fixture.tensors["x"]!.shape[1], fixture.tensors["bias"]!.shape[0], source: try RandomSource(seed: 1))
        dense.weight.value = fixture.tensor("weight")
        dense.bias!.value = fixture.tensor("bias")
        let out = dense(fixture.tensor("x"))
        fixture.check("out", out)
        (out * fixture.tensor("upstream")).sum().backward()
        fixture.check("grad_weight", dense.weight.grad)
        fixture.check("grad_bias", dense.bias!.grad)
    }

    @Test func mlp() throws {
        try runCase("layer_mlp") { i in
            var h = Tensor.linear(i["x"], weight: i["w1"], bias: i["b1"]).relu()
            h = Tensor.linear(h, weight: i["w2"], bias: i["b2"]).relu()
            return Tensor.linear(h, weight: i["w3"], bias: i["b3"])
        }
    }

    @Test(arguments: ["layer_conv2d_same", "layer_conv2d_valid_s2", "layer_conv2d_same_s2_tf", "layer_conv2d_medium"])
    func conv2d(_ name: String) throws {
        let fixture = try Fixture(name)
        let p = fixture.params
        let padding: Padding
        if name.hasSuffix("_tf") {
            padding = .same  // TF/Keras asymmetric 'same'; the file also gives the explicit pads
            #expect(Padding.same.resolve(input: fixture.tensors["x"]!.shape[2], kernel: 3, stride: 2).before == Int(p["pad_top"]!))
        } else {
            padding = .explicit(top: Int(p["pad_top"]!), bottom: Int(p["pad_bottom"]!), left: Int(p["pad_left"]!), right: Int(p["pad_right"]!))
        }
        try runCase(name) { Tensor.conv2d($0["x"], weight: $0["weight"], bias: $0["bias"], stride: Int($0.param("stride")), padding: padding) }
        if Int(p["stride"]!) == 1 && Int(p["pad_top"]!) == 1 {
            // Stride-1 'same' with a 3x3 kernel is padding 1 on every side.
            try runCase(name) { Tensor.conv2d($0["x"], weight: $0["weight"], bias: $0["bias"], stride: 1, padding: .same) }
        }
        if Int(p["pad_top"]!) == 0 && Int(p["pad_bottom"]!) == 0 {
            try runCase(name) { Tensor.conv2d($0["x"], weight: $0["weight"], bias: $0["bias"], stride: Int($0.param("stride")), padding: .valid) }
        }
    }

    @Test func conv2dLayerNHWCFixtureViaPermute() throws {
        // The Keras-layout copies describe the same numbers: NHWC in, NHWC out.
        let fixture = try Fixture("layer_conv2d_same_s2_tf")
        let x = fixture.tensor("x_nhwc").permuted([0, 3, 1, 2])
        let w = fixture.tensor("weight_hwio").permuted([3, 2, 0, 1])
        let out = Tensor.conv2d(x, weight: w, bias: fixture.tensor("bias"), stride: 2, padding: .same).permuted([0, 2, 3, 1])
        fixture.check("out_nhwc", out)
    }

    @Test func upsampleNearest() throws {
        try runCase("layer_upsample_nearest") { $0["x"].upsampledNearest(factor: Int($0.param("scale_factor"))) }
    }

    @Test(arguments: ["layer_upsample_bilinear_2", "layer_upsample_bilinear_3"]) func upsampleBilinear(_ name: String) throws {
        try runCase(name) { $0["x"].upsampledBilinear(factor: Int($0.param("scale_factor"))) }
    }

    @Test func embedding() throws {
        try runCase("layer_embedding") { $0["weight"].rows($0.ints("index")) }
    }

    @Test func acganEmbedMul() throws {
        try runCase("layer_acgan_embed_mul") { $0["z"] * $0["weight"].rows($0.ints("label")) }
    }
}

@Suite struct PyTorchLossTests {
    @Test func mse() throws { try runCase("loss_mse") { Loss.meanSquaredError($0["pred"], $0["target"]) } }
    @Test func huber() throws { try runCase("loss_huber") { Loss.huber($0["pred"], $0["target"], delta: Float($0.param("beta"))) } }
    @Test func bce() throws {
        try runCase("loss_bce") { Loss.binaryCrossEntropy(probabilities: $0["prob"], targets: $0.fixture.tensor("target")) }
    }
    @Test func bceClamp() throws {
        // Forward must match exactly; the gradient is PyTorch's documented formula (huge at 0 and 1).
        try runCase("loss_bce_clamp") { Loss.binaryCrossEntropy(probabilities: $0["prob"], targets: $0.fixture.tensor("target")) }
    }
    @Test(arguments: ["loss_bce_logits", "loss_bce_logits_stable"]) func bceLogits(_ name: String) throws {
        try runCase(name) { Loss.binaryCrossEntropy(logits: $0["logits"], targets: $0.fixture.tensor("target")) }
    }
    @Test(arguments: ["loss_ce_sparse", "loss_ce_stable"]) func sparseCrossEntropy(_ name: String) throws {
        try runCase(name) { Loss.crossEntropy(logits: $0["logits"], labels: $0.ints("target")) }
    }
    @Test(arguments: ["loss_ce_soft", "loss_ce_onehot"]) func denseCrossEntropy(_ name: String) throws {
        try runCase(name) { Loss.crossEntropy(logits: $0["logits"], targets: $0.fixture.tensor("target")) }
    }
    @Test func lsganD() throws { try runCase("loss_lsgan_d") { Loss.leastSquaresDiscriminator(real: $0["d_real"], fake: $0["d_fake"]) } }
    @Test func lsganG() throws { try runCase("loss_lsgan_g") { Loss.leastSquaresGenerator(fake: $0["d_fake"]) } }
    @Test func wganCritic() throws { try runCase("loss_wgan_critic") { Loss.wassersteinCritic(real: $0["d_real"], fake: $0["d_fake"]) } }
    @Test func wganG() throws { try runCase("loss_wgan_g") { Loss.wassersteinGenerator(fake: $0["d_fake"]) } }
}
