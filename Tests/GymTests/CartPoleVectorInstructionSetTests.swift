import Foundation
import Testing
@testable import Gym
@testable import LabCore

/// The vector CartPole's arithmetic pass has a portable Swift loop and AVX2 and AVX-512
/// kernels (Gym's `CGymKernels`), chosen by LabCore's instruction-set level. Gymnasium
/// bit-exactness is checked on the path this CPU takes by the fidelity tests; here every
/// vector path this CPU can run (forced through ``CPUFeatures``, as `RLLAB_ISA` does) must
/// give the portable loop's bits on random states over the whole state space: inside and
/// beyond the termination thresholds, exactly on them, tiny and huge magnitudes, copies
/// about to be truncated and copies autoresetting, with a copy count that leaves a
/// remainder for the Swift loop (259: 32 AVX-512 or 64 AVX2 groups and 3 more).
@Suite(.serialized)
struct CartPoleVectorInstructionSetTests {
    static let count = 259
    static let limit = 500

    /// One state component: mostly uniform around the physical range (so steps cross the
    /// thresholds), sometimes exactly a threshold or its neighbours, zero or minus zero,
    /// or a random magnitude between 1e-300 and 1e300 with a random sign.
    static func component(scale: Double, threshold: Double?, _ random: RandomSource) -> Double {
        let kind = random.uniformIndex(below: 10)
        switch kind {
        case 0:
            guard let threshold else { return random.uniformIndex(below: 2) == 0 ? 0.0 : -0.0 }
            let edge = [threshold, threshold.nextUp, threshold.nextDown][random.uniformIndex(below: 3)]
            return random.uniformIndex(below: 2) == 0 ? edge : -edge
        case 1:
            let magnitude = pow(10.0, random.uniform(-300, 300))
            return random.uniformIndex(below: 2) == 0 ? magnitude : -magnitude
        case 2:
            return random.uniformIndex(below: 2) == 0 ? 0.0 : -0.0
        default:
            return random.uniform(-scale, scale)
        }
    }

    /// Everything a step writes, as bit patterns (NaN-safe equality), for `steps` steps.
    struct Trace: Equatable {
        var states: [UInt64] = []
        var observations: [UInt32] = []
        var rewards: [UInt64] = []
        var flags: [Bool] = []

        /// Where this trace first differs from `other` (the arrays are too long to print).
        func firstDifference(from other: Trace) -> String {
            func first<T: Equatable>(_ name: String, _ a: [T], _ b: [T]) -> String? {
                guard let i = a.indices.first(where: { $0 >= b.count || a[$0] != b[$0] }) ?? (a.count != b.count ? a.count : nil) else { return nil }
                return "\(name)[\(i)]: \(i < a.count ? "\(a[i])" : "none") vs \(i < b.count ? "\(b[i])" : "none")"
            }
            return first("states", states, other.states) ?? first("observations", observations, other.observations)
                ?? first("rewards", rewards, other.rewards) ?? first("flags", flags, other.flags) ?? "nothing"
        }
    }

    static func trace(level: InstructionSet, round: UInt64, steps: Int) throws -> Trace {
        let random = try RandomSource(seed: 1_000 + round)
        let vector = try CartPoleVector(count: count, maxEpisodeSteps: limit, threads: 1)
        try vector.reset(seed: round)
        var archive = StateArchive(kind: "test")
        vector.archive(into: &archive, prefix: "v")
        let scales: [(String, Double, Double?)] = [
            ("x", 3.6, CartPole.xThreshold), ("x_dot", 4, nil),
            ("theta", 0.32, CartPole.thetaThresholdRadians), ("theta_dot", 4, nil),
        ]
        for (name, scale, threshold) in scales {
            archive.set("v.\(name)", float64: (0..<count).map { _ in component(scale: scale, threshold: threshold, random) })
        }
        // Copies at every elapsed count, many one step before the limit.
        archive.set("v.elapsed", ints: (0..<count).map { _ in
            random.uniformIndex(below: 3) == 0 ? limit - 1 : random.uniformIndex(below: limit)
        })
        archive.set("v.autoreset", bools: (0..<count).map { _ in random.uniformIndex(below: 8) == 0 })
        try vector.restore(from: archive, prefix: "v")
        let actions = (0..<steps).map { _ in (0..<count).map { _ in random.uniformIndex(below: 2) } }
        var trace = Trace()
        try CPUFeatures.withForced(level) {
            for step in 0..<steps {
                try vector.step(discrete: actions[step])
                for i in 0..<count { trace.states += vector.internalState(of: i).map(\.bitPattern) }
                trace.observations += vector.observations.map(\.bitPattern)
                trace.rewards += vector.rewards.map(\.bitPattern)
                trace.flags += vector.terminations + vector.truncations
            }
        }
        return trace
    }

    @Test(.enabled(if: CPUFeatures.detected >= .avx2, "this CPU has only the portable loop"))
    func everyVectorPathGivesThePortableLoopsBits() throws {
        let levels = InstructionSet.allCases.filter { $0 > .portable && $0 <= CPUFeatures.detected }
        var terminations = 0, truncations = 0
        for round: UInt64 in 0..<4 {
            let portable = try Self.trace(level: .portable, round: round, steps: 3)
            terminations += zip(portable.flags, portable.flags.indices).filter { $0.0 && ($0.1 / Self.count) % 2 == 0 }.count
            truncations += zip(portable.flags, portable.flags.indices).filter { $0.0 && ($0.1 / Self.count) % 2 == 1 }.count
            for level in levels {
                let vector = try Self.trace(level: level, round: round, steps: 3)
                let same = vector == portable
                #expect(same, "round \(round): \(level) differs from the portable loop: \(vector.firstDifference(from: portable))")
            }
        }
        // The random states did reach both kinds of episode end (and so the autoresets after them).
        #expect(terminations > 200 && truncations > 100)
    }
}
