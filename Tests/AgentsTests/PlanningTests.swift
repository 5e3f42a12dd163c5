import Foundation
import Testing
@testable import Agents
import Gym

/// V* of Gymnasium's tabular models, as the shared reference set gives it.
struct ReferenceSolution {
    let values: [Double]
    let q: [[Double]]
    let optimalActions: [Set<Int>]

    init(fixture name: String) throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/vstar/\(name)", withExtension: "csv"))
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst()
        var values: [Double] = [], q: [[Double]] = [], optimal: [Set<Int>] = []
        for line in lines {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            values.append(try #require(Double(fields[1])))
            q.append(try fields[2..<(fields.count - 1)].map { try #require(Double($0)) })
            optimal.append(Set(fields.last!.split(separator: ";").compactMap { Int($0) }))
        }
        self.values = values
        self.q = q
        self.optimalActions = optimal
    }
}

@Suite struct PlanningTests {
    static let cases: [(fixture: String, id: String, options: [String: String])] = [
        ("vstar_frozenlake_4x4_slippery_gamma0p9", "FrozenLake-v1", ["map_name": "4x4", "is_slippery": "true"]),
        ("vstar_frozenlake_4x4_deterministic_gamma0p9", "FrozenLake-v1", ["map_name": "4x4", "is_slippery": "false"]),
        ("vstar_frozenlake_8x8_slippery_gamma0p9", "FrozenLake8x8-v1", ["is_slippery": "true"]),
        ("vstar_frozenlake_8x8_deterministic_gamma0p9", "FrozenLake8x8-v1", ["is_slippery": "false"]),
        ("vstar_cliffwalking_gamma0p9", "CliffWalking-v1", [:]),
        ("vstar_cliffwalking_slippery_gamma0p9", "CliffWalkingSlippery-v1", [:]),
    ]

    static func model(_ id: String, _ options: [String: String]) throws -> CompactModel {
        let env = try EnvironmentRegistry.shared.make(id, options: options)
        let tabular = try #require(env.unwrapped as? TabularModelEnvironment)
        return CompactModel(tabular.transitionModel)
    }

    @Test(arguments: 0..<6)
    func valueIterationMatchesReference(_ index: Int) throws {
        let c = Self.cases[index]
        let reference = try ReferenceSolution(fixture: c.fixture)
        let model = try Self.model(c.id, c.options)
        let solution = try DynamicProgramming.valueIteration(model, gamma: 0.9, theta: 1e-13)
        #expect(solution.values.count == reference.values.count)
        for s in reference.values.indices {
            #expect(abs(solution.values[s] - reference.values[s]) <= 1e-9, "V*(\(s))")
            #expect(reference.optimalActions[s].contains(solution.policy[s]), "state \(s): \(solution.policy[s]) not optimal")
            // Ties go to the lowest optimal action.
            #expect(solution.policy[s] == reference.optimalActions[s].min(), "state \(s)")
        }
        let q = DynamicProgramming.actionValues(model, values: solution.values, gamma: 0.9)
        for s in reference.q.indices {
            for a in reference.q[s].indices {
                #expect(abs(q[s][a] - reference.q[s][a]) <= 1e-9, "Q*(\(s),\(a))")
            }
        }
    }

    @Test(arguments: 0..<6)
    func policyIterationMatchesReference(_ index: Int) throws {
        let c = Self.cases[index]
        let reference = try ReferenceSolution(fixture: c.fixture)
        let solution = try DynamicProgramming.policyIteration(try Self.model(c.id, c.options), gamma: 0.9, theta: 1e-13)
        for s in reference.values.indices {
            #expect(abs(solution.values[s] - reference.values[s]) <= 1e-9, "V*(\(s))")
            #expect(solution.policy[s] == reference.optimalActions[s].min(), "state \(s)")
        }
    }

    /// Synchronous sweeps from V = 0 with tolerance 1e-10: the reference set counts 145
    /// on slippery FrozenLake 4x4 and 7 on the deterministic one.
    @Test func valueIterationSweepCountsMatchJacobiReference() throws {
        let slippery = try DynamicProgramming.valueIteration(try Self.model("FrozenLake-v1", ["is_slippery": "true"]), gamma: 0.9, theta: 1e-10)
        #expect(slippery.iterations == 145)
        let deterministic = try DynamicProgramming.valueIteration(try Self.model("FrozenLake-v1", ["is_slippery": "false"]), gamma: 0.9, theta: 1e-10)
        #expect(deterministic.iterations == 7)
    }

    @Test func badGammaAndThetaAreErrors() throws {
        let model = try Self.model("FrozenLake-v1", [:])
        #expect(throws: ConfigurationError("gamma must be in [0, 1], got 1.5")) {
            try DynamicProgramming.valueIteration(model, gamma: 1.5, theta: 1e-8)
        }
        #expect(throws: ConfigurationError("theta must be positive, got 0.0")) {
            try DynamicProgramming.policyIteration(model, gamma: 0.9, theta: 0)
        }
    }
}
