import Testing
@testable import LabCore

/// The fixed-stencil operation behind blur and up-sampling: gradients by finite
/// differences on random stencils, shapes and axes, and the same bits (values and
/// gradients) as the compositions of picks, products and sums it replaced, so runs from
/// before repeat exactly.
@Suite struct StencilTests {
    /// Random values with many exact zeros of both signs (the sign of a zero sum depends
    /// on the order of operations).
    static func values(_ shape: [Int], _ source: RandomSource) -> Tensor {
        let n = Tensor.elementCount(shape)
        return Tensor(shape: shape, scalars: (0..<n).map { _ in
            let u = source.uniform(0, 1)
            return u < 0.2 ? -0.0 : u < 0.3 ? 0 : Float(source.uniform(-3, 3))
        })
    }

    static func randomShape(_ source: RandomSource) -> [Int] {
        [1 + Int(source.uniform(0, 2)), 1 + Int(source.uniform(0, 3)), 1 + Int(source.uniform(0, 7)), 1 + Int(source.uniform(0, 7))]
    }

    // MARK: The compositions the stencil replaced (2026-11-30), as references

    static func oldShifted(_ x: Tensor, offset: Int, alongWidth: Bool) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        var flat = [Int32]()
        for plane in 0..<(n * c) { for i in 0..<h { for j in 0..<w {
            let (si, sj) = alongWidth ? (i, min(max(j + offset, 0), w - 1)) : (min(max(i + offset, 0), h - 1), j)
            flat.append(Int32((plane * h + si) * w + sj))
        } } }
        return x.picking(flatIndices: flat, shape: x.shape)
    }

    static func oldBlur(_ input: Tensor, taps: [Float]) -> Tensor {
        let radius = taps.count / 2
        var x = input
        for alongWidth in [true, false] {
            var sum = oldShifted(x, offset: -radius, alongWidth: alongWidth) * taps[0]
            for k in 1..<taps.count { sum = sum + oldShifted(x, offset: k - radius, alongWidth: alongWidth) * taps[k] }
            x = sum
        }
        return x
    }

    static func oldBilinear(_ x: Tensor, factor: Int) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let oh = h * factor, ow = w * factor
        func taps(_ size: Int) -> (low: [Int], high: [Int], lowWeight: [Float], highWeight: [Float]) {
            var low = [Int](), high = [Int](), lowWeight = [Float](), highWeight = [Float]()
            for o in 0..<(size * factor) {
                let source = max((Float(o) + 0.5) / Float(factor) - 0.5, 0)
                let i = min(Int(source), size - 1)
                let lambda = source - Float(i)
                low.append(i); high.append(i < size - 1 ? i + 1 : i)
                lowWeight.append(1 - lambda); highWeight.append(lambda)
            }
            return (low, high, lowWeight, highWeight)
        }
        let across = taps(w), down = taps(h)
        func columns(_ index: [Int]) -> [Int32] {
            var flat = [Int32]()
            for row in 0..<(n * c * h) { for j in 0..<ow { flat.append(Int32(row * w + index[j])) } }
            return flat
        }
        func rows(_ index: [Int]) -> [Int32] {
            var flat = [Int32]()
            for plane in 0..<(n * c) { for i in 0..<oh { for j in 0..<ow { flat.append(Int32((plane * h + index[i]) * ow + j)) } } }
            return flat
        }
        let wide = x.picking(flatIndices: columns(across.low), shape: [n, c, h, ow]) * Tensor(shape: [ow], scalars: across.lowWeight)
            + x.picking(flatIndices: columns(across.high), shape: [n, c, h, ow]) * Tensor(shape: [ow], scalars: across.highWeight)
        return wide.picking(flatIndices: rows(down.low), shape: [n, c, oh, ow]) * Tensor(shape: [oh, 1], scalars: down.lowWeight)
            + wide.picking(flatIndices: rows(down.high), shape: [n, c, oh, ow]) * Tensor(shape: [oh, 1], scalars: down.highWeight)
    }

    static func oldNearest(_ x: Tensor, factor: Int) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        var flat = [Int32]()
        for plane in 0..<(n * c) { for i in 0..<(h * factor) { for j in 0..<(w * factor) {
            flat.append(Int32(plane * h * w + (i / factor) * w + j / factor))
        } } }
        return x.picking(flatIndices: flat, shape: [n, c, h * factor, w * factor])
    }

    /// Values and input gradients (upstream gradient `g`) of `f`, as bit patterns.
    static func bits(_ x: Tensor, _ g: Tensor, _ f: (Tensor) -> Tensor) -> (values: [UInt32], gradient: [UInt32]) {
        let leaf = x.requiringGradient()
        let out = f(leaf)
        out.backward(seed: g)
        return (out.scalars.map(\.bitPattern), (leaf.gradient?.scalars ?? []).map(\.bitPattern))
    }

    @Test func sameBitsAsTheCompositionsItReplaced() throws {
        let source = try RandomSource(seed: 21)
        for trial in 0..<20 {
            let shape = StencilTests.randomShape(source)
            let x = StencilTests.values(shape, source)
            let taps: [Float] = trial % 2 == 0 ? [0.25, 0.5, 0.25] : [0.1, 0.2, 0.4, 0.2, 0.1]
            let factor = 1 + Int(source.uniform(0, 4))
            func compare(_ label: String, _ new: (Tensor) -> Tensor, _ old: (Tensor) -> Tensor) {
                let g = StencilTests.values(withoutGradient { new(x) }.shape, source)
                let a = StencilTests.bits(x, g, new), b = StencilTests.bits(x, g, old)
                #expect(a.values == b.values, "\(label) values, shape \(shape)")
                #expect(a.gradient == b.gradient, "\(label) gradient, shape \(shape)")
            }
            compare("blur \(taps)", { $0.blurred(taps: taps) }, { StencilTests.oldBlur($0, taps: taps) })
            compare("bilinear x\(factor)", { $0.upsampledBilinear(factor: factor) }, { StencilTests.oldBilinear($0, factor: factor) })
            compare("nearest x\(factor)", { $0.upsampledNearest(factor: factor) }, { StencilTests.oldNearest($0, factor: factor) })
        }
    }

    /// A random stencil: `taps` taps per output, indices anywhere in the input, weights in
    /// [-1, 1].
    static func randomStencil(inputLength: Int, outputLength: Int, taps: Int, _ source: RandomSource) -> Stencil {
        let count = outputLength * taps
        return Stencil(inputLength: inputLength, outputLength: outputLength, taps: taps,
                       indices: (0..<count).map { _ in source.uniformIndex(below: inputLength) },
                       weights: (0..<count).map { _ in Float(source.uniform(-1, 1)) }, sumsFromZero: source.uniform() < 0.5)
    }

    /// Finite differences against the backward pass, on random stencils along width
    /// (inner 1) and height (inner > 1) of random shapes.
    @Test func gradientsOfRandomStencilsAlongBothAxes() throws {
        let source = try RandomSource(seed: 22)
        for trial in 0..<8 {
            let shape = StencilTests.randomShape(source)
            let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
            let taps = 1 + Int(source.uniform(0, 4)), outLength = 1 + Int(source.uniform(0, 6))
            if trial % 2 == 0 {
                let s = StencilTests.randomStencil(inputLength: w, outputLength: outLength, taps: taps, source)
                try GradCheck.check([GradCheck.awayFromZero(shape, source)]) { $0[0].applying(s, outer: n * c * h, inner: 1, outputShape: [n, c, h, outLength]) }
            } else {
                let s = StencilTests.randomStencil(inputLength: h, outputLength: outLength, taps: taps, source)
                try GradCheck.check([GradCheck.awayFromZero(shape, source)]) { $0[0].applying(s, outer: n * c, inner: w, outputShape: [n, c, outLength, w]) }
            }
        }
    }

    /// Finite differences through the three uses on random shapes.
    @Test func gradientsOfBlurAndUpsamplingOnRandomShapes() throws {
        let source = try RandomSource(seed: 23)
        for trial in 0..<6 {
            let shape = StencilTests.randomShape(source)
            let factor = 1 + Int(source.uniform(0, 3))
            let taps: [Float] = trial % 2 == 0 ? [0.25, 0.5, 0.25] : [0.1, 0.2, 0.4, 0.2, 0.1]
            try GradCheck.check([GradCheck.awayFromZero(shape, source)]) { $0[0].blurred(taps: taps) }
            try GradCheck.check([GradCheck.awayFromZero(shape, source)]) { $0[0].upsampledBilinear(factor: factor) }
            try GradCheck.check([GradCheck.awayFromZero(shape, source)]) { $0[0].upsampledNearest(factor: factor) }
        }
    }

    /// Tables are built once per shape: the same stencil object comes back.
    @Test func stencilsAreCachedPerShape() {
        #expect(Stencil.blur(taps: [0.25, 0.5, 0.25], length: 13) === Stencil.blur(taps: [0.25, 0.5, 0.25], length: 13))
        #expect(Stencil.blur(taps: [0.25, 0.5, 0.25], length: 13) !== Stencil.blur(taps: [0.25, 0.5, 0.25], length: 12))
        #expect(Stencil.bilinear(factor: 2, length: 7) === Stencil.bilinear(factor: 2, length: 7))
        #expect(Stencil.nearest(factor: 2, height: 7, width: 5) !== Stencil.nearest(factor: 2, height: 5, width: 7))
        // Taps are told apart by bit pattern (a -0 tap is another filter) and by count.
        #expect(Stencil.blur(taps: [0.25, -0.0, 0.25], length: 13) !== Stencil.blur(taps: [0.25, 0, 0.25], length: 13))
        #expect(Stencil.blur(taps: [0.25, 0.5, 0.25], length: 13) !== Stencil.blur(taps: [0.25, 0.5, 0.25, 0], length: 13))
        #expect(Stencil.blur(taps: [0.25, 0, 0.25], length: 13).weights.map(\.bitPattern) == [Float](repeating: 0, count: 39).indices.map { [Float(0.25), 0, 0.25][$0 % 3].bitPattern })
    }
}
