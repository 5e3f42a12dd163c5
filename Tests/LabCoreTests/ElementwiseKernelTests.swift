import Testing
@testable import LabCore

/// LeakyReLU's forward and backward loops and the element-wise product (dropout's mask,
/// forward and backward) against their per-element definitions, bit for bit: random
/// sizes on both sides of the compute threads' split, with zeros of both signs, NaN,
/// infinities and subnormals among the values.
@Suite struct ElementwiseKernelTests {
    static let specials: [Float] = [0, -0.0, .nan, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 1e-40, -3]

    static func values(_ count: Int, _ source: RandomSource) -> Tensor {
        var t = Tensor.uniform([count], low: -4, high: 4, source: source)
        let p = t.storage.base
        for i in stride(from: 0, to: count, by: 97) { p[i] = specials[(i / 97) % specials.count] }
        t.node = nil
        return t
    }

    @Test func leakyReluAndProductEqualTheirDefinitions() throws {
        let source = try RandomSource(seed: 21)
        for count in [1, 7, 8, 33, 1000, ComputeThreads.elementwiseMinimum - 1, ComputeThreads.elementwiseMinimum + 5]
            + (0..<6).map({ _ in 1 + source.uniformIndex(below: 40_000) }) {
            let x = Self.values(count, source), g = Self.values(count, source)
            let slope = Float(source.uniform(0.01, 0.5))
            let forward = x.leakyRelu(slope: slope).scalars
            #expect(forward.map(\.bitPattern) == x.scalars.map { leakyReluElement($0, slope: slope).bitPattern }, "\(count)")
            let backward = Tensor.leakyReluBackward(g, x, slope: slope).scalars
            #expect(backward.map(\.bitPattern) == zip(g.scalars, x.scalars).map { ($1 > 0 ? $0 : $0 * slope).bitPattern }, "\(count)")
            let product = Tensor.product(g, x).scalars
            #expect(product.map(\.bitPattern) == zip(g.scalars, x.scalars).map { ($0 * $1).bitPattern }, "\(count)")
        }
    }

    /// Through the tape: LeakyReLU passes the gradient where x > 0 and `slope` times it
    /// elsewhere; dropout passes it times its mask.
    @Test func gradientsThroughLeakyReluAndDropout() throws {
        let source = try RandomSource(seed: 22)
        let count = ComputeThreads.elementwiseMinimum + 300
        let x = Parameter(Tensor.uniform([count], low: -1, high: 1, source: source))
        let w = Tensor.uniform([count], low: -2, high: 2, source: source)
        (x.tensor.leakyRelu(slope: 0.2) * w).sum().backward()
        #expect(x.grad!.scalars == zip(x.value.scalars, w.scalars).map { $0 > 0 ? $1 : $1 * 0.2 })
        x.zeroGrad()
        let dropout = Dropout(rate: 0.3, source: try RandomSource(seed: 23))
        let y = dropout(x.tensor)
        (y * w).sum().backward()
        let mask = y.scalars.map { $0 == 0 ? Float(0) : 1 / (1 - Float(0.3)) }
        #expect(mask.filter { $0 == 0 }.count > count / 4)
        #expect(x.grad!.scalars == zip(w.scalars, mask).map { $0 * $1 })
    }
}
