import Testing
@testable import LabCore

/// Central finite differences in Float32 against the tape's gradients, for every operation
/// and layer. Inputs keep clear of kinks (|x| >= 0.1 where it matters) and eps = 1e-2, so the
/// numeric derivative is good to ~1e-3 relative: a wrong derivative (a missing factor, a
/// sign, a misplaced index) fails by orders of magnitude.
enum GradCheck {
    static let eps: Float = 1e-2

    /// sum(out * upstream) in Double.
    static func weighted(_ out: Tensor, _ upstream: Tensor) -> Double {
        zip(out.scalars, upstream.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    static func compare(_ analytic: Tensor?, _ numeric: [Double], _ label: String, sourceLocation: SourceLocation) {
        let a = analytic?.scalars.map(Double.init) ?? [Double](repeating: 0, count: numeric.count)
        #expect(a.count == numeric.count, "\(label): gradient size", sourceLocation: sourceLocation)
        let scale = max(a.map { abs($0) }.max() ?? 0, numeric.map { abs($0) }.max() ?? 0, 1e-3)
        var diff2 = 0.0, ref2 = 0.0, worst = 0.0
        for (x, y) in zip(a, numeric) { diff2 += (x - y) * (x - y); ref2 += y * y; worst = max(worst, abs(x - y)) }
        // Float32 evaluation noise of the loss, divided by 2 eps, is ~1e-5 absolute.
        let relative = (diff2 / max(ref2, 1e-12)).squareRoot()
        #expect(relative < 1e-2 || diff2.squareRoot() < 1e-4, "\(label): relative error \(relative)\nanalytic \(a)\nnumeric \(numeric)", sourceLocation: sourceLocation)
        #expect(worst <= 2e-2 * scale + 1e-4, "\(label): worst element error \(worst) at scale \(scale)", sourceLocation: sourceLocation)
    }

    /// Checks d sum(f(inputs) * upstream) / d input for every input.
    static func check(_ inputs: [Tensor], sourceLocation: SourceLocation = #_sourceLocation, _ f: ([Tensor]) -> Tensor) throws {
        let source = try RandomSource(seed: 99)
        let leaves = inputs.map { $0.requiringGradient() }
        let out = f(leaves)
        let upstream = Tensor.uniform(out.shape, low: -1, high: 1, source: source)
        (out * upstream).sum().backward()
        for (i, input) in inputs.enumerated() {
            var numeric: [Double] = []
            for j in 0..<input.count {
                var plus = inputs, minus = inputs
                plus[i][flat: j] += eps
                minus[i][flat: j] -= eps
                let lp = withoutGradient { weighted(f(plus), upstream) }
                let lm = withoutGradient { weighted(f(minus), upstream) }
                numeric.append((lp - lm) / Double(2 * eps))
            }
            compare(leaves[i].gradient, numeric, "input \(i)", sourceLocation: sourceLocation)
        }
    }

    /// Checks a layer's gradients with respect to its input and every parameter.
    static func check(layer: Layer, input: Tensor, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let source = try RandomSource(seed: 98)
        let x = input.requiringGradient()
        let out = layer(x)
        let upstream = Tensor.uniform(out.shape, low: -1, high: 1, source: source)
        layer.parameters.zeroGrad()
        (out * upstream).sum().backward()
        var numeric: [Double] = []
        for j in 0..<input.count {
            var plus = input, minus = input
            plus[flat: j] += eps
            minus[flat: j] -= eps
            numeric.append((withoutGradient { weighted(layer(plus), upstream) } - withoutGradient { weighted(layer(minus), upstream) }) / Double(2 * eps))
        }
        compare(x.gradient, numeric, "layer input", sourceLocation: sourceLocation)
        for (name, p) in layer.namedParameters {
            var numeric: [Double] = []
            for j in 0..<p.value.count {
                let original = p.value[flat: j]
                p.value[flat: j] = original + eps
                let lp = withoutGradient { weighted(layer(input), upstream) }
                p.value[flat: j] = original - eps
                let lm = withoutGradient { weighted(layer(input), upstream) }
                p.value[flat: j] = original
                numeric.append((lp - lm) / Double(2 * eps))
            }
            compare(p.grad, numeric, "parameter \(name)", sourceLocation: sourceLocation)
        }
    }

    /// Uniform values with |x| in [0.1, 1] (away from the kinks of relu, abs, clamp at 0).
    static func awayFromZero(_ shape: [Int], _ source: RandomSource) -> Tensor {
        var t = Tensor.uniform(shape, low: 0.1, high: 1, source: source)
        for i in 0..<t.count where source.uniform() < 0.5 { t[flat: i] = -t[flat: i] }
        return t
    }
}

@Suite struct GradientCheckTests {
    let source = try! RandomSource(seed: 2024)
    func u(_ shape: [Int], _ lo: Float = -1, _ hi: Float = 1) -> Tensor { .uniform(shape, low: lo, high: hi, source: source) }

    @Test func broadcastArithmetic() throws {
        try GradCheck.check([u([3, 4]), u([4])]) { $0[0] + $0[1] }
        try GradCheck.check([u([3, 1]), u([1, 4])]) { $0[0] - $0[1] }
        try GradCheck.check([u([2, 3, 4]), u([3, 1])]) { $0[0] * $0[1] }
        try GradCheck.check([u([3, 4]), u([4], 0.5, 2)]) { $0[0] / $0[1] }
        try GradCheck.check([u([3, 4]), u([], 0.5, 2)]) { $0[1] / $0[0].abs().affine(scale: 1, shift: 0.5) }
        try GradCheck.check([u([3, 4])]) { 2 - $0[0] * 3 + 1 }
        try GradCheck.check([u([3, 4])]) { -$0[0] / 4 }
    }

    @Test func unaryMath() throws {
        try GradCheck.check([u([3, 5])]) { $0[0].exp() }
        try GradCheck.check([u([3, 5], 0.2, 3)]) { $0[0].log() }
        try GradCheck.check([u([3, 5], 0.2, 3)]) { $0[0].sqrt() }
        try GradCheck.check([u([3, 5])]) { $0[0].squared() }
        try GradCheck.check([GradCheck.awayFromZero([3, 5], source)]) { $0[0].abs() }
        try GradCheck.check([Tensor(shape: [2, 5], scalars: [-0.9, -0.3, 0.2, 0.7, -0.6, 0.45, 0.1, -0.05, 1.2, -0.2])]) { $0[0].clamped(min: -0.5, max: 0.5) }
    }

    @Test func activations() throws {
        let x = GradCheck.awayFromZero([4, 5], source) * 3
        try GradCheck.check([x]) { $0[0].relu() }
        try GradCheck.check([x]) { $0[0].leakyRelu(slope: 0.2) }
        try GradCheck.check([x]) { $0[0].tanh() }
        try GradCheck.check([x]) { $0[0].sigmoid() }
        try GradCheck.check([x]) { $0[0].softplus() }
        try GradCheck.check([x + 20]) { $0[0].softplus(threshold: 20) }
        try GradCheck.check([x]) { $0[0].softmax(axis: 1) }
        try GradCheck.check([x]) { $0[0].softmax(axis: 0) }
        try GradCheck.check([x]) { $0[0].logSoftmax(axis: 1) }
        try GradCheck.check([u([2, 3, 4])]) { $0[0].logSoftmax(axis: 1) }
    }

    @Test func reductions() throws {
        try GradCheck.check([u([4, 5])]) { $0[0].sum() }
        try GradCheck.check([u([4, 5])]) { $0[0].mean() }
        try GradCheck.check([u([2, 3, 4])]) { $0[0].sum(axis: 1) }
        try GradCheck.check([u([2, 3, 4])]) { $0[0].mean(axis: -1) }
        try GradCheck.check([u([4, 5])]) { $0[0].logSumExp(axis: 1) }
        // Distinct values so the arg-max is stable under +-eps.
        let spaced = Tensor(shape: [4, 5], scalars: source.permutation(20).map { Float($0) * 0.1 })
        try GradCheck.check([spaced]) { $0[0].max() }
        try GradCheck.check([spaced]) { $0[0].max(axis: 0) }
        try GradCheck.check([spaced]) { $0[0].max(axis: 1) }
    }

    @Test func matrixProducts() throws {
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            try GradCheck.check([u(ta ? [4, 3] : [3, 4]), u(tb ? [5, 4] : [4, 5])]) { $0[0].matmul($0[1], transposeSelf: ta, transposeOther: tb) }
        }
        try GradCheck.check([u([3, 4]), u([2, 4]), u([2])]) { Tensor.linear($0[0], weight: $0[1], bias: $0[2]) }
        try GradCheck.check([u([2, 3, 4]), u([2, 4])]) { Tensor.linear($0[0], weight: $0[1], bias: nil) }
    }

    /// A dense layer's bias gradient is each column's sum of the output gradient in row
    /// order, bit for bit (the kernel sums 8 columns at a time): widths with and without
    /// a remainder of 8, one row and many.
    @Test func linearBiasGradientIsTheColumnSumInRowOrder() throws {
        for (rows, width) in [(1, 1), (3, 2), (256, 1), (256, 2), (5, 7), (9, 8), (17, 9), (256, 64), (31, 70)] {
            let x = u([rows, 3]), w = u([width, 3])
            let bias = u([width]).requiringGradient()
            let g = Tensor.uniform([rows, width], low: -100, high: 100, source: source)
            Tensor.linear(x, weight: w, bias: bias).backward(seed: g)
            var expected = [Float](repeating: 0, count: width)
            for r in 0..<rows { for j in 0..<width { expected[j] += g[r, j] } }
            let got = try #require(bias.gradient).scalars
            #expect(zip(got, expected).allSatisfy { $0.bitPattern == $1.bitPattern }, "rows \(rows) width \(width)")
        }
    }

    @Test func shapeOperations() throws {
        try GradCheck.check([u([2, 3, 4])]) { $0[0].reshaped([4, -1]) * $0[0].reshaped([4, 6]) }
        try GradCheck.check([u([3, 5])]) { $0[0].transposed() }
        try GradCheck.check([u([2, 3, 4])]) { $0[0].permuted([2, 0, 1]) }
        try GradCheck.check([u([5, 4])]) { $0[0].slice(axis: 0, 1..<4) }
        try GradCheck.check([u([4, 6])]) { $0[0].slice(axis: 1, 2..<5) }
        try GradCheck.check([u([2, 4]), u([3, 4])]) { Tensor.concatenate([$0[0], $0[1]], axis: 0) }
        try GradCheck.check([u([3, 2]), u([3, 5]), u([3, 1])]) { Tensor.concatenate([$0[0], $0[1], $0[2]], axis: 1) }
        try GradCheck.check([u([4, 5])]) { $0[0].gather(axis: 1, indices: [0, 0, 3, 1, 1, 1, 4, 2, 4, 0, 2, 0], indexShape: [4, 3]) }
        try GradCheck.check([u([4, 5])]) { $0[0].gather(axis: 0, indices: [3, 0, 3, 1, 2], indexShape: [1, 5]) }
        try GradCheck.check([u([6, 3])]) { $0[0].selecting(columns: [0, 2, 2, 1, 0, 1]) }
        try GradCheck.check([u([5, 3])]) { $0[0].rows([4, 0, 4, 2]) }
        try GradCheck.check([u([2, 2, 3, 2])]) { $0[0].upsampledNearest(factor: 2) }
        try GradCheck.check([u([2, 2, 3, 2])]) { $0[0].upsampledBilinear(factor: 2) }
        try GradCheck.check([u([1, 2, 1, 4])]) { $0[0].upsampledBilinear(factor: 3) }
        try GradCheck.check([u([2, 2, 3, 4])]) { $0[0].blurred(taps: [0.25, 0.5, 0.25]) }
        try GradCheck.check([u([1, 1, 5, 2])]) { $0[0].blurred(taps: [0.1, 0.2, 0.4, 0.2, 0.1]) }
        try GradCheck.check([u([2, 3])]) { $0[0].flattenedBatch() }
        let mask = Tensor(shape: [2, 3], scalars: [0, 2, 2, 0, 2, 0])
        try GradCheck.check([u([2, 3])]) { $0[0].masked(by: mask) }
    }

    @Test func convolution() throws {
        for (stride, padding) in [(1, Padding.same), (1, .valid), (2, .same), (2, .valid), (2, .explicit(top: 1, bottom: 0, left: 2, right: 1))] {
            try GradCheck.check([u([2, 2, 5, 6]), u([3, 2, 3, 3]), u([3])]) {
                Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: stride, padding: padding)
            }
        }
        try GradCheck.check([u([1, 1, 4, 4]), u([2, 1, 2, 2])]) { Tensor.conv2d($0[0], weight: $0[1], bias: nil, stride: 2, padding: .same) }
    }

    @Test func losses() throws {
        let target = u([4, 3])
        try GradCheck.check([u([4, 3]), target]) { Loss.meanSquaredError($0[0], $0[1]) }
        // Huber: differences kept away from |d| = delta.
        let pred = Tensor(shape: [6], scalars: [0.1, -0.3, 1.5, -2.2, 0.6, 3.0])
        try GradCheck.check([pred, Tensor.zeros([6])]) { Loss.huber($0[0], $0[1]) }
        try GradCheck.check([pred, Tensor.zeros([6])]) { Loss.huber($0[0], $0[1], delta: 2) }
        try GradCheck.check([pred]) { Loss.smoothL1($0[0], .zeros([6]), beta: 0.5) }
        let t = Tensor(shape: [4, 3], scalars: [0.9, 0.1, 1, 0, 0.9, 0.1, 0.1, 0.9, 1, 0, 0.5, 0.1])
        try GradCheck.check([u([4, 3], 0.1, 0.9)]) { Loss.binaryCrossEntropy(probabilities: $0[0], targets: t) }
        try GradCheck.check([u([4, 3], -4, 4)]) { Loss.binaryCrossEntropy(logits: $0[0], targets: t) }
        try GradCheck.check([u([4, 3], -3, 3)]) { Loss.crossEntropy(logits: $0[0], labels: [2, 0, 1, 1]) }
        try GradCheck.check([u([4, 3], -3, 3)]) { Loss.crossEntropy(logits: $0[0], targets: t.softmax(axis: 1)) }
        try GradCheck.check([u([6, 1]), u([6, 1])]) { Loss.leastSquaresDiscriminator(real: $0[0], fake: $0[1]) }
        try GradCheck.check([u([6, 1])]) { Loss.leastSquaresGenerator(fake: $0[0]) }
        try GradCheck.check([u([6, 1]), u([6, 1])]) { Loss.wassersteinCritic(real: $0[0], fake: $0[1]) }
        try GradCheck.check([u([6, 1])]) { Loss.wassersteinGenerator(fake: $0[0]) }
    }

    @Test func layers() throws {
        let s = try RandomSource(seed: 5)
        try GradCheck.check(layer: Dense(4, 3, source: s), input: u([5, 4]))
        try GradCheck.check(layer: Dense(4, 3, useBias: false, weightInitializer: .glorotUniform, source: s), input: u([2, 4]))
        try GradCheck.check(layer: Conv2D(2, 3, kernelSize: 3, stride: 2, padding: .same, source: s), input: u([2, 2, 6, 5]))
        try GradCheck.check(layer: Conv2D(1, 2, kernelSize: 3, padding: .valid, source: s), input: u([1, 1, 5, 5]))
        try GradCheck.check(layer: Sequential(Reshape([1, 4, 4]), UpSampling2D(factor: 2), Conv2D(1, 2, kernelSize: 3, stride: 2, padding: .same, source: s),
                                              Flatten(), Dense(32, 3, source: s), Tanh()), input: u([2, 16]))
        try GradCheck.check(layer: Sequential(Dense(3, 5, source: s), LeakyReLU(slope: 0.2), Dense(5, 4, source: s), Sigmoid(), Dense(4, 3, source: s),
                                              Softplus(), Dense(3, 3, source: s), Softmax()), input: u([4, 3]))
        try GradCheck.check(layer: Sequential(Dense(3, 4, source: s), LogSoftmax()), input: u([2, 3]))
        let embedding = Embedding(6, 3, source: s)
        try GradCheck.check(layer: Sequential(embedding, Flatten()), input: Tensor(shape: [2, 2], scalars: [1, 5, 1, 0]))
        let dropout = Dropout(rate: 0.5, source: s)
        dropout.eval()
        try GradCheck.check(layer: Sequential(Dense(3, 3, source: s), dropout), input: u([2, 3]))
    }
}
