import Testing
@testable import LabCore

/// `Tensor.blurred(taps:)` against a direct computation, and the property D relies on.
@Suite struct BlurTests {
    /// The filter applied by definition, in Double: width then height, edges repeated.
    func reference(_ x: Tensor, taps: [Float]) -> [Double] {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let r = taps.count / 2, v = x.scalars.map(Double.init)
        func at(_ a: [Double], _ p: Int, _ i: Int, _ j: Int) -> Double { a[(p * h + min(max(i, 0), h - 1)) * w + min(max(j, 0), w - 1)] }
        var wide = [Double](repeating: 0, count: v.count), out = wide
        for p in 0..<(n * c) { for i in 0..<h { for j in 0..<w {
            wide[(p * h + i) * w + j] = (0..<taps.count).reduce(0) { $0 + Double(taps[$1]) * at(v, p, i, j + $1 - r) }
        } } }
        for p in 0..<(n * c) { for i in 0..<h { for j in 0..<w {
            out[(p * h + i) * w + j] = (0..<taps.count).reduce(0) { $0 + Double(taps[$1]) * at(wide, p, i + $1 - r, j) }
        } } }
        return out
    }

    @Test func matchesTheDefinitionOnRandomShapes() throws {
        let source = try RandomSource(seed: 11)
        for _ in 0..<20 {
            let shape = [1 + Int(source.uniform(0, 2)), 1 + Int(source.uniform(0, 3)), 1 + Int(source.uniform(0, 7)), 1 + Int(source.uniform(0, 7))]
            let taps: [Float] = source.uniform(0, 1) < 0.5 ? [0.25, 0.5, 0.25] : [0.1, 0.2, 0.4, 0.2, 0.1]
            let x = Tensor.uniform(shape, low: -3, high: 3, source: source)
            let got = x.blurred(taps: taps).scalars, want = reference(x, taps: taps)
            #expect(got.count == want.count)
            for (g, r) in zip(got, want) { #expect(abs(Double(g) - r) <= 1e-5 * (1 + abs(r)), "shape \(shape)") }
        }
    }

    /// The binomial filter removes the even/odd alternation a stride-2 convolution's
    /// gradient carries: away from the edges, an alternating pattern blurs to zero.
    @Test func binomialFilterCancelsAlternation() {
        let (h, w) = (6, 8)
        let x = Tensor(shape: [1, 1, h, w], scalars: (0..<(h * w)).map { Float(($0 % w + $0 / w) % 2 == 0 ? 1 : -1) })
        let y = x.blurred(taps: [0.25, 0.5, 0.25]).scalars
        for i in 1..<(h - 1) { for j in 1..<(w - 1) { #expect(y[i * w + j] == 0) } }
        #expect(y[0] != 0) // the repeated edge is not cancelled
    }

    /// `upsampledBilinear` against PyTorch's formula written out in Double, on random
    /// shapes and factors 1-4 (the fixtures cover two shapes only).
    @Test func bilinearMatchesTheFormulaOnRandomShapes() throws {
        let source = try RandomSource(seed: 12)
        for _ in 0..<20 {
            let (n, c, h, w) = (1 + Int(source.uniform(0, 2)), 1 + Int(source.uniform(0, 2)), 1 + Int(source.uniform(0, 6)), 1 + Int(source.uniform(0, 6)))
            let f = 1 + Int(source.uniform(0, 4))
            let x = Tensor.uniform([n, c, h, w], low: -2, high: 2, source: source)
            let got = x.upsampledBilinear(factor: f).scalars, v = x.scalars.map(Double.init)
            func taps(_ o: Int, _ size: Int) -> (Int, Int, Double) {
                let s = max((Double(o) + 0.5) / Double(f) - 0.5, 0)
                let i = min(Int(s), size - 1)
                return (i, min(i + 1, size - 1), s - Double(i))
            }
            var k = 0
            for p in 0..<(n * c) { for oi in 0..<(h * f) { for oj in 0..<(w * f) {
                let (i0, i1, a) = taps(oi, h), (j0, j1, b) = taps(oj, w)
                func at(_ i: Int, _ j: Int) -> Double { v[(p * h + i) * w + j] }
                let want = (1 - a) * ((1 - b) * at(i0, j0) + b * at(i0, j1)) + a * ((1 - b) * at(i1, j0) + b * at(i1, j1))
                #expect(abs(Double(got[k]) - want) <= 1e-5 * (1 + abs(want)), "shape \([n, c, h, w]) factor \(f)")
                k += 1
            } } }
        }
    }
}
