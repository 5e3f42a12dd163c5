import Foundation
import Testing
@testable import LabCore

/// Acting runs the training layers off the tape: ``Inference`` must give exactly the bits
/// the tape's forward pass gives, for any sizes, row counts and weights.
@Suite struct InferenceTests {
    /// Random networks of every layer kind Inference runs, random inputs of 1 to 5 rows:
    /// the outputs equal the tape's bit for bit (tanh aside, below).
    @Test func sameBitsAsTheTape() throws {
        let source = try RandomSource(seed: 11)
        for trial in 0..<40 {
            let sizes = (0..<4).map { _ in 1 + source.uniformIndex(below: 70) }
            let activations: [() -> Layer] = [{ ReLU() }, { LeakyReLU(slope: 0.2) }, { Sigmoid() }]
            var layers: [Layer] = []
            for i in 0..<(sizes.count - 1) {
                layers.append(Dense(sizes[i], sizes[i + 1], source: source))
                if i < sizes.count - 2 { layers.append(activations[(trial + i) % activations.count]()) }
            }
            // A nested Sequential is flattened.
            let network = Sequential(Sequential(Array(layers.prefix(2))), Sequential(Array(layers.dropFirst(2))))
            let rows = 1 + source.uniformIndex(below: 5)
            let inference = Inference(network, inputWidth: sizes[0], maximumRows: 5)
            #expect(inference.outputWidth == sizes.last!)
            let x = Tensor.uniform([rows, sizes[0]], low: -3, high: 3, source: source)
            let expected = network(x).scalars
            let actual = x.scalars.withUnsafeBufferPointer { Array(inference($0.baseAddress!, rows: rows)) }
            #expect(actual.map(\.bitPattern) == expected.map(\.bitPattern), "trial \(trial), sizes \(sizes), rows \(rows)")
        }
    }

    /// Parameters changed after planning (an optimizer step, a loaded checkpoint) are used.
    @Test func readsTheCurrentWeights() throws {
        let source = try RandomSource(seed: 3)
        let dense = Dense(3, 2, source: source)
        let inference = Inference(Sequential(dense), inputWidth: 3)
        dense.weight.value = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        dense.bias!.value = Tensor(shape: [2], scalars: [0.5, -0.5])
        let x: [Float] = [1, -1, 2]
        #expect(x.withUnsafeBufferPointer { Array(inference($0.baseAddress!)) } == [5.5, 10.5])
    }

    /// Tanh's inference is the C library's tanhf (what acting always used); each of it and
    /// the tape's vectorized tanh is within one ulp of tanh, so they are within two.
    @Test func tanhIsLibmWithinTwoUlpsOfTheTape() throws {
        let source = try RandomSource(seed: 5)
        let x = Tensor.uniform([1, 4096], low: -8, high: 8, source: source)
        let inference = Inference(Tanh(), inputWidth: 4096)
        let actual = x.scalars.withUnsafeBufferPointer { Array(inference($0.baseAddress!)) }
        #expect(actual == x.scalars.map { tanhf($0) })
        for (a, t) in zip(actual, x.tanh().scalars) { #expect(abs(a - t) <= 2 * t.ulp) }
    }
}
