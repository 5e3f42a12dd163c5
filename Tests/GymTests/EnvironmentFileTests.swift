import Foundation
import Testing
@testable import Gym

/// Environments from files: grid maps and YAML/JSON tabular MDPs, and their errors.
@Suite struct EnvironmentFileTests {
    let registry = EnvironmentRegistry.shared

    @Test func exampleMazeLoads() throws {
        let path = envsPath("maze.txt")
        let env = try registry.make(path)
        #expect((env as? TimeLimit)?.maxEpisodeSteps == 60)
        #expect(env.observationSpace == .discrete(Discrete(48)) && env.actionSpace == .discrete(Discrete(4)))
        let model = try #require((env.unwrapped as? TabularModelEnvironment)?.transitionModel)
        // Deterministic (the file sets is_slippery=false); walking into the wall at (1, 0) stays put.
        #expect(model.transitions(state: 0, action: 1) == [ModelOutcome(probability: 1, nextState: 0, reward: 0, terminal: false)])
        // Solve it: the shortest path from S reaches G.
        try env.reset(seed: 0)
        var last: StepResult?
        for action in [2, 2, 1, 1, 2, 2, 3, 3, 2, 2, 2, 1, 1, 1, 1, 1] { last = try env.step(action) }
        #expect(last?.observation == .discrete(47) && last?.reward == 1 && last?.terminated == true)
        // Options still apply, and override the file's defaults.
        let slippery = try registry.make(path, options: ["is_slippery": "true"])
        #expect((slippery.unwrapped as! TabularModelEnvironment).transitionModel.transitions(state: 0, action: 1).count == 3)
    }

    @Test func gridMapWithoutHeaderBehavesLikeFrozenLake() throws {
        let path = try temporaryFile("SFFF\nFHFH\nFFFH\nHFFG\n", extension: "txt")
        let file = try registry.make(path)
        let builtin = try registry.make("FrozenLake-v1")
        #expect((file.unwrapped as! TabularModelEnvironment).transitionModel == (builtin.unwrapped as! TabularModelEnvironment).transitionModel)
        #expect((file as? TimeLimit)?.maxEpisodeSteps == 100)
        #expect(file.spec?.id == path)
    }

    @Test func malformedGridMapsNameFileLineAndProblem() throws {
        let ragged = try temporaryFile("# maze\nSFF\nFF\nFFG\n", extension: "txt")
        expectEnvironmentError(.malformedFile, containing: ["\(ragged):3:", "2 cells", "line 2", "same length"]) {
            _ = try registry.make(ragged)
        }
        let letter = try temporaryFile("SFF\nFXG\n", extension: "txt")
        expectEnvironmentError(.malformedFile, containing: ["\(letter):2:", "unknown cell 'X'", "column 2"]) {
            _ = try registry.make(letter)
        }
        let noStart = try temporaryFile("FFF\nFFG\n", extension: "txt")
        expectEnvironmentError(.malformedFile, containing: [noStart, "no start cell S"]) {
            _ = try registry.make(noStart)
        }
        let empty = try temporaryFile("# nothing\n\n", extension: "txt")
        expectEnvironmentError(.malformedFile, containing: [empty, "no map rows"]) {
            _ = try registry.make(empty)
        }
        let badHeader = try temporaryFile("#! is_slippery=perhaps\nSG\n", extension: "txt")
        expectEnvironmentError(.malformedFile, containing: ["\(badHeader):1:", "is_slippery", "expects true or false"]) {
            _ = try registry.make(badHeader)
        }
        let unknownHeader = try temporaryFile("#! slip=1\nSG\n", extension: "txt")
        expectEnvironmentError(.malformedFile, containing: ["\(unknownHeader):1:", "unknown option 'slip'", "is_slippery"]) {
            _ = try registry.make(unknownHeader)
        }
    }

    @Test func missingFileIsReported() {
        expectEnvironmentError(.unknownEnvironment, containing: ["envs/nope.txt", "does not exist"]) {
            _ = try registry.make("envs/nope.txt")
        }
    }

    @Test func exampleChainLoads() throws {
        let env = try registry.make(envsPath("chain.yml"))
        #expect((env as? TimeLimit)?.maxEpisodeSteps == 100)
        let model = try #require((env.unwrapped as? TabularModelEnvironment)?.transitionModel)
        #expect(model.stateCount == 5 && model.actionCount == 2)
        #expect(model.initialStateDistribution == [1, 0, 0, 0, 0])
        #expect(model.transitions(state: 3, action: 1) == [
            ModelOutcome(probability: 0.8, nextState: 4, reward: 10, terminal: true),
            ModelOutcome(probability: 0.2, nextState: 0, reward: 0.2, terminal: false),
        ])
        #expect(model.transitions(state: 4, action: 0) == [ModelOutcome(probability: 1, nextState: 4, reward: 0, terminal: true)])
        try env.reset(seed: 1)
        var steps = 0
        var result = try env.step(1)
        while !result.done { result = try env.step(1); steps += 1 }
        #expect(result.terminated || result.truncated)
    }

    @Test func exampleJSONLoads() throws {
        let env = try registry.make(envsPath("two_state.json"))
        let model = try #require((env.unwrapped as? TabularModelEnvironment)?.transitionModel)
        #expect(model.initialStateDistribution == [0.5, 0.5])
        #expect(model.transitions(state: 1, action: 1).map(\.probability) == [0.9, 0.1])
        #expect((env as? TimeLimit)?.maxEpisodeSteps == 20)
    }

    @Test func malformedMDPFilesNameFileLineAndField() throws {
        func check(_ text: String, ext: String = "yml", _ fragments: [String]) throws {
            let path = try temporaryFile(text, extension: ext)
            expectEnvironmentError(.malformedFile, containing: [path] + fragments) { _ = try registry.make(path) }
        }
        let head = "states: 2\nactions: 1\nstart: 0\n"
        try check(head + "transitions:\n  - {state: 0, action: 0, next: 1}\n", ["state 1 has no transitions for action 0", "terminal_states"])
        try check(head + "transitions:\n  - {state: 0, action: 0, next: 7}\n  - {state: 1, action: 0, next: 1}\n", [":5:", "unknown state '7'"])
        try check(head + "transitions:\n  - {state: 0, action: 0, next: 1, probability: 0.5}\n  - {state: 1, action: 0, next: 1}\n", [":5:", "sum to 0.5, not 1"])
        try check(head + "transitions:\n  - {state: 0, action: 0, next: 1, reward: lots}\n  - {state: 1, action: 0, next: 1}\n", [":5:", "reward must be a finite number", "'lots'"])
        try check(head + "transitions:\n  - {state: 0, action: 0, nxt: 1}\n", [":5:", "unknown transition field 'nxt'"])
        try check("states: 2\nactions: 1\ntransitions: []\n", ["missing field 'start'"])
        try check("states: [a, b\n", ["not valid YAML/JSON", "line"])
        try check("- 1\n- 2\n", ["top level must be a mapping"])
        try check(head + "colour: blue\ntransitions: []\n", [":4:", "unknown field 'colour'"])
        try check("{\"states\": 1, \"actions\": 1, \"start\": 0, \"transitions\": [{\"state\": 0, \"action\": 0, \"next\": 0, \"terminal\": \"yes please\"}]}",
                  ext: "json", [":1:", "terminal must be true or false"])
    }
}
