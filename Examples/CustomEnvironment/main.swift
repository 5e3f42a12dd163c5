// A custom environment in Swift: conform a type to `Environment`, register it under an
// id, and make it through the registry like any built-in environment (with the same
// wrappers, options and checks).
//
//     swift run CustomEnvironmentExample

import Gym

/// A coin-guessing game: guess the side of a biased coin; reward 1 for a right guess.
/// The episode terminates after `rounds` guesses. The observation is the previous
/// outcome (0 heads, 1 tails, 2 before the first toss).
final class CoinGuess: Environment {
    let observationSpace: Space = .discrete(Discrete(3))
    let actionSpace: Space = .discrete(Discrete(2))

    let headsProbability: Double
    let rounds: Int
    private var round = 0
    private let random = EnvironmentRandom()  // Gymnasium's seeding rules on a RandomSource

    init(headsProbability: Double, rounds: Int) {
        self.headsProbability = headsProbability
        self.rounds = rounds
    }

    func reset(seed: UInt64?, options: Info?) throws -> (observation: Observation, info: Info) {
        try random.reseed(seed)
        round = 0
        return (.discrete(2), [:])
    }

    func step(_ action: Action) throws -> StepResult {
        // The registry's OrderEnforcing wrapper validates actions; a bare environment
        // must not trap on bad input either, so it checks too.
        guard let guess = action.discrete, actionSpace.contains(action) else {
            throw EnvironmentError.invalidAction(action, space: actionSpace)
        }
        let outcome = random.source.bernoulli(headsProbability) ? 0 : 1
        round += 1
        return StepResult(observation: .discrete(outcome), reward: guess == outcome ? 1 : 0,
                          terminated: round == rounds, truncated: false,
                          info: ["round": .int(round)])
    }
}

/// CoinGuess's keyword options: one line each (name, range, help; the value is the default).
struct CoinGuessOptions: Settings {
    @Setting("heads_probability", range: 0...1, help: "probability of heads") var headsProbability = 0.7
    @Setting("rounds", range: 1...1_000_000, help: "guesses per episode") var rounds = 10
}

let registry = EnvironmentRegistry.shared
registry.register(EnvironmentSpec(
    id: "CoinGuess-v0",
    maxEpisodeSteps: nil,
    rewardThreshold: 7,
    options: CoinGuessOptions.self,
    summary: "guess the side of a biased coin",
    make: { CoinGuess(headsProbability: $0.headsProbability, rounds: $0.rounds) }))

do {
    let env = try registry.make("CoinGuess-v0", options: ["heads_probability": "0.8"])
    print("CoinGuess-v0: observations \(env.observationSpace), actions \(env.actionSpace)")
    for seed: UInt64 in 0..<3 {
        try env.reset(seed: seed)
        var total = 0.0
        var result: StepResult
        repeat {
            result = try env.step(.discrete(0))  // always guess heads
            total += result.reward
        } while !result.done
        print("episode \(seed): return \(total)")
    }
    _ = try registry.make("CoinGuess-v0", options: ["rounds": "0"])
} catch {
    print("error: \(error)")
}
