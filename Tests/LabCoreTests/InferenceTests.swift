import Foundation
import Testing
@testable import LabCore

/// Acting runs the training layers off the tape: ``Inference`` must give exactly the bits
/// the tape's forward pass gives, for any sizes, row counts and weights.
@Suite struct InferenceTests {
    /// Random networks of every layer kind Inference runs, random inputs of 1 to 5 rows:
    /// the outputs equal the tape's bit for bit.
    @Test func sameBitsAsTheTape() throws {
        let source = try RandomSource(seed: 11)
        for trial in 0..<40 {
            let sizes = (0..<4).map { _ in 1 + source.uniformIndex(below: 70) }
            let activations: [() -> Layer] = [{ ReLU() }, { LeakyReLU(slope: 0.2) }, { Sigmoid() }, { Tanh() }]
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

    /// Tanh's inference is the tape's tanh, bit for bit (acting computes what training
    /// computes), over the float range the kernel treats differently (|x| < 0.5, the cap).
    @Test func tanhIsTheTapesTanh() throws {
        let source = try RandomSource(seed: 5)
        let x = Tensor.uniform([1, 4097], low: -25, high: 25, source: source)
        let inference = Inference(Tanh(), inputWidth: 4097)
        let actual = x.scalars.withUnsafeBufferPointer { Array(inference($0.baseAddress!)) }
        #expect(actual.map(\.bitPattern) == x.tanh().scalars.map(\.bitPattern))
    }

    /// Rows evaluated together give the bits each row gives alone (batched acting relies
    /// on it: a vector of copies acts in one pass and must act as copy after copy would).
    @Test func rowsTogetherEqualRowsAlone() throws {
        let source = try RandomSource(seed: 8)
        for sizes in [[4, 64, 64, 2], [4, 64, 64, 1], [16, 300, 7], [3, 5, 2]] {
            var layers: [Layer] = []
            for i in 0..<(sizes.count - 1) {
                layers.append(Dense(sizes[i], sizes[i + 1], source: source))
                if i < sizes.count - 2 { layers.append(Tanh()) }
            }
            let network = Sequential(layers)
            let rows = 24
            let together = Inference(network, inputWidth: sizes[0], maximumRows: rows)
            let alone = Inference(network, inputWidth: sizes[0])
            let x = Tensor.uniform([rows, sizes[0]], low: -3, high: 3, source: source).scalars
            let batch = x.withUnsafeBufferPointer { Array(together($0.baseAddress!, rows: rows)) }
            let single = x.withUnsafeBufferPointer { xp in
                (0..<rows).flatMap { Array(alone(xp.baseAddress! + $0 * sizes[0])) }
            }
            #expect(batch.map(\.bitPattern) == single.map(\.bitPattern), "sizes \(sizes)")
        }
    }
}
