import Foundation
import Testing

/// `rllab bench env --against-threads`: two vector environments stepped in alternating
/// blocks in one process (issue 13's contention bar without the machine's drift).
@Suite struct BenchEnvCommandTests {
    /// The numbers of the comparison line: the two rates, the ratio of totals, and the block
    /// pairs' median, quartiles and range.
    static func figures(_ line: String) throws -> [Double] {
        let pattern = #/: (\d+) steps/s against (\d+) steps/s; ratio of totals ([0-9.]+); block pairs: median ratio ([0-9.]+), quartiles ([0-9.]+)-([0-9.]+), range ([0-9.]+)-([0-9.]+)$/#
        let match = try #require(line.firstMatch(of: pattern), "\(line)")
        return try [match.1, match.2, match.3, match.4, match.5, match.6, match.7, match.8].map { try #require(Double($0)) }
    }

    @Test func alternatingBlocksStepBothEnvironmentsAndReportTheirRatio() throws {
        // 1024 copies (enough for the pool to split them), 1,024,000 steps per environment in
        // 4 blocks: 250 calls (256,000 steps) a block.
        var environment = ProcessInfo.processInfo.environment
        environment["RLLAB_POOL_STATS"] = "1"
        let output = try CLI.run(["bench", "env", "--env", "CartPole-v1", "--num-envs", "1024", "--threads", "2",
                                  "--against-threads", "1", "--steps", "1024000", "--blocks", "4"], environment: environment)
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 3, "\(output.stdout)")
        let line = lines[0]
        #expect(line.hasPrefix("rllab CartPole-v1 vector step (1024 envs), 2 threads against 1 threads, 4 alternating blocks of 256000 steps each (ABBA): "), "\(line)")
        let numbers = try Self.figures(line)
        let (tested, base, ratio, median, q1, q3, low, high) = (numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], numbers[5], numbers[6], numbers[7])
        #expect(tested > 0 && base > 0)
        #expect(abs(ratio - tested / base) <= 1e-3 * ratio, "ratio of totals \(ratio) is not \(tested) / \(base)")
        #expect(low <= q1 && q1 <= median && median <= q3 && q3 <= high, "\(line)")
        // Then the calling thread's time per environment: CPU within wall time, and the share
        // off its core computed from the two.
        for (threads, usage) in zip([2, 1], lines[1...]) {
            let prefix = "calling thread in the \(threads) threads environment's blocks: "
            #expect(usage.hasPrefix(prefix), "\(usage)")
            let parts = try #require(usage.firstMatch(of: #/wall ([0-9.]+) s, cpu ([0-9.]+) s, off its core ([0-9.]+)%; \d+ voluntary and \d+ involuntary context switches$/#), "\(usage)")
            let (wall, cpu, off) = (Double(parts.1)!, Double(parts.2)!, Double(parts.3)!)
            #expect(wall > 0 && cpu > 0 && cpu <= wall + 0.002, "\(usage)")
            // (wall and cpu are printed to the millisecond, the share to 0.01%)
            #expect(abs(off - 100 * max(0, wall - cpu) / wall) <= 0.01 + 0.2 / wall, "\(usage)")
        }
        // The 2-thread environment's pool ran exactly its 4 blocks of 250 steps (one job each).
        let pool = try #require(output.stderr.split(separator: "\n").first { $0.hasPrefix("worker pool (2 threads, adaptive): ") })
        let jobs = try #require(String(pool).firstMatch(of: #/: (\d+) jobs parallel .*\), (\d+) alone /#))
        #expect(Int(jobs.1)! + Int(jobs.2)! == 1000, "\(pool)")
    }

    @Test func badComparisonsAreErrors() throws {
        let cases: [([String], String)] = [
            (["--against-threads", "1"], "Error: --against-threads needs --num-envs (it compares vector environments)"),
            (["--num-envs", "8", "--against-threads", "0"], "Error: --threads and --against-threads must be positive"),
            (["--num-envs", "8", "--against-threads", "1", "--blocks", "0"], "Error: --blocks must be positive"),
        ]
        for (arguments, message) in cases {
            let output = try CLI.run(["bench", "env", "--env", "CartPole-v1", "--steps", "64"] + arguments)
            #expect(output.status != 0, "\(arguments)")
            #expect(output.stderr.contains(message), "\(arguments): \(output.stderr)")
        }
    }
}
