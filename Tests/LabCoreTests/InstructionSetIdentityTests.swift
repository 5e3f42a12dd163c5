import CGSL
import Foundation
import Testing
@testable import LabCore

/// Runs `body` with the kernels forced to `level`, then restores the default.
func withInstructionSet<R>(_ level: InstructionSet, _ body: () throws -> R) rethrows -> R {
    try CPUFeatures.withForced(level, body)
}

/// LabCore's element-wise kernels (tanh, Adam's update) have a portable Swift loop and
/// AVX2 and AVX-512 paths chosen by the CPU. The same seed must give the same bytes on
/// every CPU model, so every path must give the same bits as the portable loop: checked
/// here on random bit patterns over the whole float range and on edge cases, forcing each
/// path this CPU can run (``CPUFeatures/force(_:)``). The AVX2 and AVX-512 kernels are
/// written as the same operations in the same order, so a CPU with AVX2 only checks the
/// AVX2 path against the portable one.
@Suite(.serialized)
struct InstructionSetIdentityTests {
    /// The paths this CPU can run, portable first.
    static var levels: [InstructionSet] { InstructionSet.allCases.filter { $0 <= CPUFeatures.detected } }

    static func with<R>(_ level: InstructionSet, _ body: () throws -> R) rethrows -> R {
        try withInstructionSet(level, body)
    }

    /// Zeros, denormals (smallest, largest), the smallest normal, ones, values around the
    /// kernel's branch points (0.5 and the cap 20) and beyond, the largest finite, infinities,
    /// NaNs (quiet, signalling, with payloads), with both signs.
    static let edgeCases: [Float] = {
        let positive: [Float] = [
            0, Float(bitPattern: 1), Float(bitPattern: 0x007F_FFFF), Float.leastNormalMagnitude, 1e-30, 1e-8, 1e-4,
            Float(0.5).nextDown, 0.5, Float(0.5).nextUp, 1, 9.01, 9.02, 19.99, 20, 20.01, 44, 88.7, 1e10, 1e30, Float.greatestFiniteMagnitude,
            Float.infinity, Float.nan, Float.signalingNaN, Float(bitPattern: 0x7FC0_1234), Float(bitPattern: 0x7F80_0001),
        ]
        return positive + positive.map { Float(bitPattern: $0.bitPattern | 0x8000_0000) }
    }()

    /// Random bit patterns (every exponent, NaN and infinity included) and random values
    /// where tanh is not saturated, with counts that leave vector remainders.
    static func inputs(count: Int, seed: UInt64) throws -> [Float] {
        let source = try RandomSource(seed: seed)
        var x = edgeCases
        while x.count < count {
            x.append(Float(bitPattern: source.nextUInt32()))
            x.append(Float(source.uniform(-12, 12)))
            x.append(Float(source.uniform(-0.6, 0.6)))
        }
        return x
    }

    /// tanh's backward `g (1 - y²)` gives the portable loop's bits on every path, on
    /// random bit patterns and edge cases in both operands, with counts that leave
    /// remainders to the scalar tail.
    @Test func tanhBackwardIsIdenticalOnEveryInstructionSet() throws {
        let y = try Self.inputs(count: 50_003, seed: 2)
        let g = Array(try Self.inputs(count: 50_003, seed: 3).prefix(y.count))
        let expected = zip(g, y).map { $0 * (1 - $1 * $1) }
        for level in Self.levels {
            for count in [y.count, 7, 13] {
                var out = [Float](repeating: 0, count: count)
                Self.with(level) {
                    g.withUnsafeBufferPointer { gp in
                        y.withUnsafeBufferPointer { yp in
                            out.withUnsafeMutableBufferPointer { tanhBackwardKernel(gp.baseAddress!, yp.baseAddress!, $0.baseAddress!, count: count) }
                        }
                    }
                }
                let differing = zip(expected.prefix(count), out).filter { $0.bitPattern != $1.bitPattern && !($0.isNaN && $1.isNaN) }
                #expect(differing.isEmpty, "\(level), \(count) elements: \(differing.count) differ from the portable loop")
            }
        }
    }

    @Test func tanhIsIdenticalOnEveryInstructionSet() throws {
        let x = try Self.inputs(count: 200_003, seed: 1)
        func run(_ level: InstructionSet) -> [Float] {
            var out = [Float](repeating: 0, count: x.count)
            Self.with(level) {
                x.withUnsafeBufferPointer { xp in
                    out.withUnsafeMutableBufferPointer { tanhKernel(xp.baseAddress!, $0.baseAddress!, count: x.count) }
                }
            }
            return out
        }
        let reference = run(.portable)
        // The portable loop is tanhElement per element.
        #expect(zip(x, reference).allSatisfy { tanhElement($0).bitPattern == $1.bitPattern })
        for level in Self.levels.dropFirst() {
            let out = run(level)
            let differing = zip(reference, out).enumerated().filter { $0.element.0.bitPattern != $0.element.1.bitPattern }
            #expect(differing.isEmpty, "\(level): \(differing.count) of \(x.count) results differ from the portable loop, first at x = \(differing.first.map { x[$0.offset] } ?? 0)")
        }
        // And with offsets that leave every remainder to the scalar tail.
        for level in Self.levels {
            for start in 0..<9 {
                let count = 37
                var out = [Float](repeating: 0, count: count)
                Self.with(level) {
                    x.withUnsafeBufferPointer { xp in
                        out.withUnsafeMutableBufferPointer { tanhKernel(xp.baseAddress! + start, $0.baseAddress!, count: count) }
                    }
                }
                #expect(out.indices.allSatisfy { out[$0].bitPattern == reference[start + $0].bitPattern }, "\(level) from \(start)")
            }
        }
    }

    /// The vector kernel computes only the formula a group of 8 lanes (or of four such
    /// groups, 32 lanes) needs when all its lanes are on one side of 0.55: runs of small
    /// values (zeros, subnormals, NaN, just below 0.55), of large ones (from 0.55 up,
    /// infinities) and mixed groups, short and longer than 32, at every alignment, give
    /// the portable loop's bits.
    @Test func tanhOfRunsOnEitherSideOfTheBranchPointIsIdentical() throws {
        let source = try RandomSource(seed: 3)
        let small: [Float] = [0, -0.0, Float(bitPattern: 1), 1e-30, Float(0.55).nextDown, -Float(0.55).nextDown, .nan]
        let large: [Float] = [0.55, -0.55, Float(0.55).nextUp, 19.99, 20, 1e30, .infinity, -.infinity]
        var x: [Float] = []
        func pick(_ values: [Float]) throws -> Float { values[try source.uniformInt(below: values.count)] }
        while x.count < 20_000 {
            let run = try source.uniformInt(below: 80) + 1
            let kind = try source.uniformInt(below: 3)
            for _ in 0..<run {
                let special = try source.uniformInt(below: 4) == 0
                switch kind {
                case 0: x.append(special ? try pick(small) : Float(source.uniform(-0.55, 0.55)))
                case 1: x.append(special ? try pick(large) : Float(source.uniform(0.55, 12)) * (source.uniform() < 0.5 ? -1 : 1))
                default: x.append(Float(source.uniform(-2, 2)))
                }
            }
        }
        for level in Self.levels.dropFirst() {
            for start in 0..<8 {
                let count = x.count - start
                var out = [Float](repeating: 0, count: count)
                Self.with(level) {
                    x.withUnsafeBufferPointer { xp in
                        out.withUnsafeMutableBufferPointer { tanhKernel(xp.baseAddress! + start, $0.baseAddress!, count: count) }
                    }
                }
                let differing = out.indices.filter { out[$0].bitPattern != tanhElement(x[start + $0]).bitPattern }
                #expect(differing.isEmpty, "\(level) from \(start): \(differing.count) differ, first at x = \(differing.first.map { x[start + $0] } ?? 0)")
            }
        }
    }

    /// The tape's tanh goes through the kernel: a tensor's tanh is the same on every path.
    @Test func tensorTanhIsIdenticalOnEveryInstructionSet() throws {
        let x = Tensor(shape: [257, 3], scalars: try Self.inputs(count: 771, seed: 2).prefix(771).map { $0 })
        let reference = Self.with(.portable) { x.tanh().scalars }
        for level in Self.levels.dropFirst() {
            let out = Self.with(level) { x.tanh().scalars }
            #expect(zip(reference, out).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(level)")
        }
    }

    /// Adam's update (moments, square root, divisions) over several steps, on parameters
    /// whose sizes leave remainders for every lane width, with gradients from random bit
    /// patterns (subnormal, huge, infinite and NaN included) and ordinary ones; both lerp
    /// branches (beta1 below and above 0.5); with weight decay the portable loop runs on
    /// every path.
    @Test(arguments: [(0.9, 0.0), (0.3, 0.0), (0.9, 0.01)])
    func adamIsIdenticalOnEveryInstructionSet(_ settings: (beta1: Double, weightDecay: Float)) throws {
        let sizes = [1, 7, 8, 15, 16, 17, 33, 4099]
        func run(_ level: InstructionSet) throws -> [[Float]] {
            let source = try RandomSource(seed: 3)
            let parameters = try sizes.map { Parameter(Tensor(shape: [$0], scalars: try Self.inputs(count: $0, seed: UInt64($0)).prefix($0).map { $0 })) }
            let adam = Adam(parameters, learningRate: 1e-3, beta1: settings.beta1, epsilon: 1e-5, weightDecay: settings.weightDecay)
            Self.with(level) {
                for step in 0..<4 {
                    for p in parameters {
                        let g = (0..<p.value.count).map { k -> Float in
                            k % 3 == 0 ? Float(bitPattern: source.nextUInt32())
                                : Float(source.uniform(-1, 1)) * Float(step + 1) + (k % 5 == 0 ? 1e-39 : 0)
                        }
                        p.grad = Tensor(shape: p.value.shape, scalars: g)
                    }
                    adam.step()
                }
            }
            return parameters.indices.flatMap { [parameters[$0].value.scalars, adam.firstMoment($0).scalars, adam.secondMoment($0).scalars] }
        }
        let reference = try run(.portable)
        for level in Self.levels.dropFirst() {
            let out = try run(level)
            for (a, b) in zip(reference, out) {
                let differing = zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count
                #expect(differing == 0, "\(level), beta1 \(settings.beta1), weight decay \(settings.weightDecay): \(differing) of \(a.count) differ")
            }
        }
    }

    /// `RLLAB_ISA` only ever lowers the level, and forcing is undone.
    @Test func forcingOnlyLowersTheLevel() {
        Self.with(.avx512) { #expect(CPUFeatures.level == CPUFeatures.detected) }
        Self.with(.portable) { #expect(CPUFeatures.level == .portable) }
        #expect(CPUFeatures.level <= CPUFeatures.detected)
    }
}
