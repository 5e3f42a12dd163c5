import Testing
@testable import LabCore

/// Optimizer trajectories, schedules and clipping against PyTorch.
@Suite struct OptimizerReferenceTests {
    typealias Make = ([Parameter], Fixture) -> Optimizer

    static func sgd(_ p: [Parameter], _ f: Fixture) -> Optimizer {
        SGD(p, learningRate: Float(f.param("lr")), momentum: Float(f.param("momentum")),
            dampening: Float(f.param("dampening")), nesterov: f.param("nesterov") != 0)
    }
    static func adam(_ p: [Parameter], _ f: Fixture) -> Optimizer {
        Adam(p, learningRate: Float(f.param("lr")), beta1: f.param("beta1"), beta2: f.param("beta2"), epsilon: f.param("eps"))
    }
    static func rmsprop(_ p: [Parameter], _ f: Fixture) -> Optimizer {
        RMSprop(p, learningRate: Float(f.param("lr")), alpha: f.param("alpha"), epsilon: f.param("eps"))
    }

    /// The optimizer's state tensors named as in the fixture (`exp_avg_w_steps`, ...).
    static func state(_ optimizer: Optimizer, _ index: Int) -> [String: Tensor] {
        switch optimizer {
        case let o as Adam: return ["exp_avg": o.firstMoment(index), "exp_avg_sq": o.secondMoment(index)]
        case let o as SGD where o.momentum != 0: return ["momentum_buffer": o.momentumBuffer(index)]
        case let o as RMSprop: return ["square_avg": o.squareAverage(index)]
        default: return [:]
        }
    }

    func run(_ name: String, _ make: Make) throws {
        let fixture = try Fixture(name)
        let w = Parameter(fixture.tensor("w"), name: "w"), b = Parameter(fixture.tensor("b"), name: "b")
        let optimizer = make([w, b], fixture)
        let given = fixture.tensors["grad_w_steps"] != nil
        let steps = Int(fixture.param("steps"))
        for k in 0..<steps {
            let f = fixture.atStep(k, keys: Array(fixture.expected.keys))
            optimizer.zeroGrad()
            if given {
                w.grad = fixture.inputStep("grad_w_steps", k)
                b.grad = fixture.inputStep("grad_b_steps", k)
            } else {
                // L = Σ 0.5 K (p - target)² + scale tanh(p), differentiated by the tape.
                let K = Float(fixture.param("K"))
                func term(_ p: Parameter, _ suffix: String) -> Tensor {
                    let d = p.tensor - fixture.tensor("target_\(suffix)")
                    return (d.squared() * (0.5 * K) + fixture.tensor("scale_\(suffix)") * p.tensor.tanh()).sum()
                }
                let loss = term(w, "w") + term(b, "b")
                f.check("loss_steps", loss.reshaped([]))
                loss.backward()
                f.check("grad_w_steps", w.grad)
                f.check("grad_b_steps", b.grad)
            }
            optimizer.step()
            f.check("w_steps", w.value)
            f.check("b_steps", b.value)
            for (i, suffix) in ["w", "b"].enumerated() {
                for (key, value) in Self.state(optimizer, i) { f.check("\(key)_\(suffix)_steps", value) }
            }
        }
    }

    @Test(arguments: ["optim_sgd_given", "optim_sgd_quadtanh", "optim_sgd_momentum_given", "optim_sgd_momentum_quadtanh",
                      "optim_sgd_nesterov_given", "optim_sgd_nesterov_quadtanh"])
    func sgd(_ name: String) throws { try run(name, Self.sgd) }

    @Test(arguments: ["optim_adam_given", "optim_adam_quadtanh", "optim_adam_gan_given", "optim_adam_gan_quadtanh"])
    func adam(_ name: String) throws { try run(name, Self.adam) }

    @Test(arguments: ["optim_rmsprop_given", "optim_rmsprop_quadtanh"])
    func rmsprop(_ name: String) throws { try run(name, Self.rmsprop) }

    @Test(arguments: ["optim_clip_grad_norm", "optim_clip_grad_norm_noop"])
    func clipGradNorm(_ name: String) throws {
        let fixture = try Fixture(name)
        let params = ["a", "b", "c"].map { key -> Parameter in
            let p = Parameter(Tensor.zeros(fixture.tensors["grad_\(key)"]!.shape))
            p.grad = fixture.tensor("grad_\(key)")
            return p
        }
        let norm = clipGradientNorm(params, maxNorm: Float(fixture.param("max_norm")))
        fixture.check("total_norm", Tensor(norm))
        for (key, p) in zip(["a", "b", "c"], params) { fixture.check("clipped_grad_\(key)", p.grad) }
    }

    /// Clipping scales gradients in place only where nothing else holds them: two
    /// parameters sharing one gradient tensor are each scaled once, and a gradient a
    /// caller kept is left as it was.
    @Test func clipGradNormKeepsSharedGradients() throws {
        let shared = Tensor([3, -4])
        let a = Parameter(Tensor.zeros([2])), b = Parameter(Tensor.zeros([2])), c = Parameter(Tensor.zeros([1]))
        a.grad = shared
        b.grad = shared
        c.grad = Tensor([12])
        let kept = c.grad!
        let norm = clipGradientNorm([a, b, c], maxNorm: 1)
        // sqrt(9 + 16 + 9 + 16 + 144) = sqrt(194)
        #expect(norm == Float(194.0.squareRoot()))
        let coefficient = 1 / (norm + 1e-6)
        #expect(a.grad!.scalars == [3 * coefficient, -4 * coefficient])
        #expect(b.grad!.scalars == a.grad!.scalars)
        #expect(c.grad!.scalars == [12 * coefficient])
        #expect(shared.scalars == [3, -4] && kept.scalars == [12])
    }

    @Test func weightClip() throws {
        let fixture = try Fixture("optim_weight_clip")
        let w = Parameter(fixture.tensor("w")), b = Parameter(fixture.tensor("b"))
        clipWeights([w, b], limit: Float(fixture.param("clip_value")))
        fixture.check("w_clipped", w.value)
        fixture.check("b_clipped", b.value)
    }

    @Test func exponentialDecay() throws {
        let fixture = try Fixture("sched_exponential_decay")
        let p = fixture.params
        let staircase = ExponentialDecay(initial: p["lr0"]!, rate: p["rate"]!, decaySteps: Int(p["decay_steps"]!), staircase: true)
        let smooth = ExponentialDecay(initial: p["lr0"]!, rate: p["rate"]!, decaySteps: Int(p["decay_steps"]!), staircase: false)
        let last = Int(p["last_step"]!)
        let steps = fixture.ints("steps")
        #expect(steps.map { staircase.value(at: $0) } == fixture.expected["lr_staircase"]!.data)
        #expect((0...last).map { staircase.value(at: $0) } == fixture.expected["lr_staircase_all"]!.data)
        let smoothRef = fixture.expected["lr_smooth_all"]!.data
        for s in 0...last { #expect(Swift.abs(smooth.value(at: s) - smoothRef[s]) <= 1e-15 * smoothRef[s]) }
    }

    @Test func linearSchedule() throws {
        let fixture = try Fixture("sched_linear")
        let p = fixture.params
        let schedule = LinearSchedule(start: p["start"]!, end: p["end"]!, duration: Int(p["duration"]!))
        #expect((0...Int(p["last_step"]!)).map { schedule.value(at: $0) } == fixture.expected["value_all"]!.data)
        #expect(ConstantSchedule(0.5).value(at: 1000) == 0.5)
    }
}

@Suite struct OptimizerKernelTests {
    /// The vectorised Adam kernels (AVX-512 / SIMD) must give bit-identical results to the
    /// scalar loop: one 1003-element parameter against 1003 one-element parameters.
    @Test(arguments: [0.9, 0.5]) func adamVectorKernelsMatchScalar(_ beta1: Double) throws {
        let s = try RandomSource(seed: 21)
        let n = 1003
        let start = Tensor.uniform([n], low: -1, high: 1, source: s)
        let big = Parameter(start)
        let small = (0..<n).map { Parameter(Tensor(shape: [1], scalars: [start[flat: $0]])) }
        let a = Adam([big], learningRate: 1e-2, beta1: beta1), b = Adam(small, learningRate: 1e-2, beta1: beta1)
        for _ in 0..<4 {
            let g = Tensor.uniform([n], low: -1, high: 1, source: s) * Tensor.uniform([n], low: 0, high: 1e-3, source: s)
            big.grad = g
            for (i, p) in small.enumerated() { p.grad = Tensor(shape: [1], scalars: [g[flat: i]]) }
            a.step()
            b.step()
        }
        #expect(big.value.scalars == small.map { $0.value[flat: 0] })
        #expect(a.secondMoment(0).scalars == (0..<n).map { b.secondMoment($0)[flat: 0] })
    }
}
