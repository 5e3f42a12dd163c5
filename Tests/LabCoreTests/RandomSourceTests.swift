import Testing
@testable import LabCore

@Suite struct RandomSourceTests {
    @Test func mt19937MatchesGSLKnownValues() throws {
        // gsl_rng_get after gsl_rng_set(r, 42) on gsl_rng_mt19937.
        let source = try RandomSource(seed: 42)
        #expect(source.generatorName == "mt19937")
        #expect([source.next(), source.next(), source.next()] == [1608637542, 3421126067, 4083286876])
    }

    @Test func mt19937DefaultSeedMatchesGSL() throws {
        // GSL documents the first output of mt19937 with its default seed 4357 (seed 0 maps to it).
        let zero = try RandomSource(seed: 0)
        let documented = try RandomSource(seed: 4357)
        #expect(zero.next() == documented.next())
        #expect(try RandomSource(seed: 4357).next() == 4293858116)
    }

    @Test func otherGeneratorsByName() throws {
        #expect(RandomSource.availableGenerators.contains("taus2"))
        let a = try RandomSource(seed: 7, generator: "taus2")
        let b = try RandomSource(seed: 7, generator: "taus2")
        #expect((0..<100).map { _ in a.next() } == (0..<100).map { _ in b.next() })
        #expect(throws: RandomSourceError.self) { try RandomSource(seed: 1, generator: "no-such-rng") }
    }

    @Test func invalidCountsThrowInsteadOfAborting() throws {
        let source = try RandomSource(seed: 1)
        #expect(throws: RandomSourceError.invalidArgument("uniformInt(below:) needs a positive count, got 0")) {
            try source.uniformInt(below: 0)
        }
        #expect(throws: RandomSourceError.self) { try source.uniformInt(below: -3) }
        for _ in 0..<1000 {
            let value = try source.uniformInt(below: 7)
            #expect((0..<7).contains(value))
        }
    }

    @Test func derivedStreamsAreOrderIndependentAndDistinct() throws {
        let master = try RandomSource(seed: 3)
        let first = master.derived("env").next()
        _ = master.next()
        let again = master.derived("env").next()
        #expect(first == again)
        #expect(master.derived("env").next() != master.derived("agent").next())
        let spawnA = try RandomSource(seed: 9).spawn().next()
        let spawnB = try RandomSource(seed: 9).spawn().next()
        #expect(spawnA == spawnB)
    }

    @Test func uniformAndGaussianMoments() throws {
        let source = try RandomSource(seed: 11)
        let n = 200_000
        var sum = 0.0, sumSquares = 0.0
        for _ in 0..<n {
            let g = source.gaussian(mean: 2, standardDeviation: 3)
            sum += g; sumSquares += g * g
        }
        let mean = sum / Double(n)
        let std = (sumSquares / Double(n) - mean * mean).squareRoot()
        #expect(abs(mean - 2) < 0.03)
        #expect(abs(std - 3) < 0.03)
        for _ in 0..<1000 {
            let u = source.uniform()
            #expect(u >= 0 && u < 1)
        }
    }

    @Test func shuffleIsAPermutationAndRepeats() throws {
        let a = try RandomSource(seed: 5).permutation(50)
        let b = try RandomSource(seed: 5).permutation(50)
        #expect(a == b)
        #expect(a.sorted() == Array(0..<50))
        #expect(a != Array(0..<50))
    }
}
