import Foundation
import Testing
@testable import Agents

@Suite struct HyperparameterTests {
    static let specs = [
        HyperparameterSpec("learning_rate", .double(0.1), ""),
        HyperparameterSpec("batch_size", .int(32), ""),
        HyperparameterSpec("double_q", .bool(false), ""),
        HyperparameterSpec("loss", .string("huber"), ""),
        HyperparameterSpec("net_arch", .list([.int(64), .int(64)]), ""),
    ]

    func fresh() -> Hyperparameters { Hyperparameters(agent: "dqn", specs: Self.specs) }

    func temporaryFile(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rllab-\(UUID().uuidString).yml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func overridesAreTypedAndValidated() throws {
        var h = fresh()
        try h.merge(overrides: ["learning_rate=2.3e-3", "batch_size=64", "double_q=true", "net_arch=[256,256]", "loss=mse"])
        #expect(h.double("learning_rate") == 2.3e-3)
        #expect(h.int("batch_size") == 64)
        #expect(h.bool("double_q"))
        #expect(h.ints("net_arch") == [256, 256])
        #expect(h.string("loss") == "mse")
        // An integer where a number is expected is fine; the reverse only when whole.
        try h.merge(overrides: ["learning_rate=1", "batch_size=1e2"])
        #expect(h.double("learning_rate") == 1.0)
        #expect(h.int("batch_size") == 100)
    }

    @Test func unknownKeysAndBadValuesAreErrors() {
        var h = fresh()
        #expect(throws: ConfigurationError("--set lr: unknown hyperparameter 'lr' for agent 'dqn'; known: batch_size, double_q, learning_rate, loss, net_arch")) {
            try h.merge(overrides: ["lr=0.1"])
        }
        #expect(throws: ConfigurationError("--set batch_size: hyperparameter 'batch_size' expects an integer, got '6.5'")) {
            try h.merge(overrides: ["batch_size=6.5"])
        }
        #expect(throws: ConfigurationError("--set double_q: hyperparameter 'double_q' expects true or false, got 'yes'")) {
            try h.merge(overrides: ["double_q=yes"])
        }
        #expect(throws: ConfigurationError("--set 'batch_size': expected key=value")) {
            try h.merge(overrides: ["batch_size"])
        }
    }

    @Test func numbersOutsideTheirRangeAreErrors() throws {
        var h = Hyperparameters(agent: "q", specs: [
            HyperparameterSpec("gamma", .double(0.99), "", allowed: 0...1),
            HyperparameterSpec("sizes", .list([.int(8)]), "", allowed: 1...Double.infinity),
        ])
        try h.merge(overrides: ["gamma=1", "sizes=4,16"])
        #expect(h.double("gamma") == 1 && h.ints("sizes") == [4, 16])
        #expect(throws: ConfigurationError("--set gamma: gamma must be in [0, 1], got 1.5")) { try h.merge(overrides: ["gamma=1.5"]) }
        #expect(throws: ConfigurationError("--set gamma: gamma must be in [0, 1], got nan")) { try h.merge(overrides: ["gamma=nan"]) }
        #expect(throws: ConfigurationError("--set sizes: sizes must be at least 1, got 0")) { try h.merge(overrides: ["sizes=64,0"]) }
        #expect(h.double("gamma") == 1 && h.ints("sizes") == [4, 16])  // a refused value changes nothing
        // The agents declare theirs: a discount above 1 or a negative step size is refused.
        var dqn = Hyperparameters(agent: "dqn", specs: DQNAgent.hyperparameterSpecs)
        #expect(throws: ConfigurationError("--set gamma: gamma must be in [0, 1], got 1.01")) { try dqn.merge(overrides: ["gamma=1.01"]) }
        #expect(throws: ConfigurationError("--set learning_rate_final: learning_rate_final must be at least 0, got -1.0")) {
            try dqn.merge(overrides: ["learning_rate_final=-1"])
        }
        var q = Hyperparameters(agent: "q-learning", specs: QLearningAgent.hyperparameterSpecs)
        #expect(throws: ConfigurationError("--set epsilon: epsilon must be in [0, 1], got 2.0")) { try q.merge(overrides: ["epsilon=2"]) }
    }

    @Test func zooStyleFileIsKeyedByEnvironment() throws {
        let url = try temporaryFile("""
            CartPole-v1:
              n_timesteps: !!float 5e4
              learning_rate: !!float 2.3e-3
              batch_size: 64
              net_arch: [256, 256]
            MountainCar-v0:
              batch_size: 128
            """)
        var h = fresh()
        try h.merge(file: url, environmentID: "CartPole-v1")
        #expect(h.double("learning_rate") == 2.3e-3)
        #expect(h.int("batch_size") == 64)
        #expect(h.ints("net_arch") == [256, 256])
        #expect(h.suggestedBudget == .timesteps(50_000))
        var other = fresh()
        try other.merge(file: url, environmentID: "Acrobot-v1")
        #expect(other == fresh())
    }

    @Test func flatFileAndErrors() throws {
        var h = fresh()
        try h.merge(file: try temporaryFile("batch_size: 16\nloss: 'mse'\n"), environmentID: "CartPole-v1")
        #expect(h.int("batch_size") == 16)
        #expect(h.string("loss") == "mse")
        let bad = try temporaryFile("batch_size: 16\nlearning_rat: 0.1\n")
        #expect(throws: ConfigurationError.self) { try h.merge(file: bad, environmentID: "CartPole-v1") }
        let broken = try temporaryFile("batch_size: [16\n")
        #expect(throws: ConfigurationError.self) { try h.merge(file: broken, environmentID: "CartPole-v1") }
        #expect(throws: ConfigurationError.self) {
            try h.merge(file: URL(fileURLWithPath: "/nonexistent/config.yml"), environmentID: "CartPole-v1")
        }
    }

    @Test func schedulesFollowProgress() throws {
        let linear = Schedule(.linear, start: 1.0, end: 0.05, fraction: 0.5)
        #expect(linear.value(at: 0) == 1.0)
        #expect(abs(linear.value(at: 0.25) - 0.525) < 1e-15)
        #expect(linear.value(at: 0.5) == 0.05)
        #expect(linear.value(at: 0.9) == 0.05)
        let exponential = Schedule(.exponential, start: 1.0, end: 0.01, fraction: 1)
        #expect(abs(exponential.value(at: 0.5) - 0.1) < 1e-12)
        #expect(Schedule.constant(0.3).value(at: 0.7) == 0.3)
    }
}
