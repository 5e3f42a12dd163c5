import Foundation
import Testing
@testable import LabCore

/// The pieces of a training checkpoint: random streams, optimizer moments, the archive.
@Suite struct StateArchiveTests {
    @Test(arguments: ["mt19937", "ranlxd2", "taus2"])
    func aRestoredStreamContinuesTheSameSequence(_ generator: String) throws {
        let source = try RandomSource(seed: 17, generator: generator)
        for _ in 0..<1_000 { _ = source.gaussian() }
        let state = source.state
        let expected = (0..<2_000).map { _ in source.next() }
        let other = try RandomSource(seed: 99, generator: generator)
        try other.restore(state: state)
        #expect((0..<2_000).map { _ in other.next() } == expected)
    }

    @Test func foreignOrDamagedStreamStatesAreRefused() throws {
        let source = try RandomSource(seed: 1)
        #expect(throws: RandomSourceError.self) { try source.restore(state: [1, 2, 3]) }
        var state = source.state
        // mti, the position in the 624-word array, lies after it: out of range is refused.
        let offset = 624 * MemoryLayout<UInt>.size
        withUnsafeBytes(of: Int32(5_000)) { state.replaceSubrange(offset..<(offset + 4), with: $0) }
        #expect(throws: RandomSourceError.self) { try source.restore(state: state) }
        withUnsafeBytes(of: Int32(-1)) { state.replaceSubrange(offset..<(offset + 4), with: $0) }
        #expect(throws: RandomSourceError.self) { try source.restore(state: state) }
    }

    @Test func anArchiveRoundTripsExactValuesThroughAFile() throws {
        var archive = StateArchive(kind: "test-state")
        let floats: [Float] = [1.5, -0, .infinity, .leastNonzeroMagnitude, 3.4e38]
        let doubles: [Double] = [-.infinity, 0.1, .ulpOfOne, -2.5e-308]
        archive.set("a.floats", float32: floats)
        archive.set("a.doubles", float64: doubles)
        archive.set("a.ints", ints: [Int.max, Int.min, 0])
        archive.set("a.bytes", bytes: [0, 255, 7])
        archive.set("a.x", 0.1 + 0.2)
        archive.set("a.n", -42)
        archive.set("a.flag", true)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try archive.write(to: url)
        let read = try StateArchive(contentsOf: url, kind: "test-state")
        #expect(try read.float32("a.floats").map(\.bitPattern) == floats.map(\.bitPattern))
        #expect(try read.float64("a.doubles").map(\.bitPattern) == doubles.map(\.bitPattern))
        #expect(try read.ints("a.ints") == [Int.max, Int.min, 0])
        #expect(try read.bytes("a.bytes") == [0, 255, 7])
        #expect(try read.double("a.x") == 0.1 + 0.2)
        #expect(try read.int("a.n") == -42)
        #expect(try read.bool("a.flag"))
        #expect(throws: StateArchiveError.self) { try read.float32("a.floats", count: 4) }
        #expect(throws: StateArchiveError.self) { try read.int("a.missing") }
        #expect(throws: StateArchiveError.self) { try StateArchive(contentsOf: url, kind: "other-state") }
    }

    @Test func aRestoredAdamTakesTheSameNextStep() throws {
        func make() -> (Parameter, Adam) {
            let p = Parameter(Tensor(shape: [3], scalars: [0.5, -1, 2]))
            return (p, Adam([p], learningRate: 0.01))
        }
        func step(_ p: Parameter, _ adam: Adam, _ k: Int) {
            adam.zeroGrad()
            let loss = (p.tensor * Tensor(shape: [3], scalars: [Float(k), 1, -2])).sum()
            loss.backward()
            adam.step()
        }
        let (p, adam) = make()
        for k in 0..<5 { step(p, adam, k) }
        var archive = StateArchive(kind: "test-state")
        archive.set("p", parameters: [p])
        adam.archive(into: &archive, prefix: "adam")
        step(p, adam, 5)
        let (q, restored) = make()
        try archive.restore([q], from: "p")
        try restored.restore(from: archive, prefix: "adam")
        step(q, restored, 5)
        #expect(q.value.scalars == p.value.scalars)
        #expect(restored.stepCount == 6)
    }
}
