import Foundation
import Testing
@testable import Agents
import LabCore
import Yams

@Suite struct HyperparameterTests {
    struct Example: Settings {
        @Setting("learning_rate", help: "") var learningRate = 0.1
        @Setting("batch_size", help: "") var batchSize = 32
        @Setting("double_q", help: "") var doubleQ = false
        @Setting("loss", help: "") var loss = "huber"
        @Setting("net_arch", help: "") var netArch = [64, 64]
    }

    struct Ranged: Settings {
        @Setting("gamma", range: 0...1, help: "") var gamma = 0.99
        @Setting("sizes", range: 1..., help: "") var sizes = [8]
    }

    func fresh() -> Hyperparameters { Hyperparameters(agent: "dqn", declarations: Example.declarations) }

    func temporaryFile(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rllab-\(UUID().uuidString).yml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func overridesAreTypedAndValidated() throws {
        var h = fresh()
        try h.merge(overrides: ["learning_rate=2.3e-3", "batch_size=64", "double_q=true", "net_arch=[256,256]", "loss=mse"])
        var s = try h.settings(Example.self)
        #expect(s.learningRate == 2.3e-3)
        #expect(s.batchSize == 64)
        #expect(s.doubleQ)
        #expect(s.netArch == [256, 256])
        #expect(s.loss == "mse")
        // An integer where a number is expected is fine; the reverse only when whole.
        try h.merge(overrides: ["learning_rate=1", "batch_size=1e2"])
        s = try h.settings(Example.self)
        #expect(s.learningRate == 1.0)
        #expect(s.batchSize == 100)
        #expect(h.values["learning_rate"] == .double(1))
    }

    /// Code sets an agent's typed struct (as `rllab bench core` does); the declarations
    /// check it as they check a file, and the agent reads back exactly those values.
    @Test func typedSettingsSetFromCodeAreCheckedAndReadBack() throws {
        var settings = DQNAgent.Settings()
        settings.netArch = [8, 4]
        settings.offPolicy.batchSize = 16
        settings.learningRate = .constant(2.5e-3)
        var h = DQNAgent.defaultHyperparameters
        try h.set(settings, source: "test")
        let read = try h.settings(DQNAgent.Settings.self)
        #expect(read.netArch == [8, 4] && read.offPolicy.batchSize == 16 && read.learningRate == .constant(2.5e-3))
        #expect(h.values == settings.values)
        settings.offPolicy.batchSize = 0
        #expect(throws: ConfigurationError("test: batch_size must be at least 1, got 0")) { try h.set(settings, source: "test") }
    }

    @Test func unknownKeysAndBadValuesAreErrors() {
        var h = fresh()
        #expect(throws: ConfigurationError("--set lr: unknown hyperparameter 'lr' for agent 'dqn'; valid hyperparameters: batch_size, double_q, learning_rate, loss, net_arch")) {
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
        var h = Hyperparameters(agent: "q", declarations: Ranged.declarations)
        try h.merge(overrides: ["gamma=1", "sizes=4,16"])
        #expect(try h.settings(Ranged.self).gamma == 1 && h.settings(Ranged.self).sizes == [4, 16])
        #expect(throws: ConfigurationError("--set gamma: gamma must be in [0, 1], got 1.5")) { try h.merge(overrides: ["gamma=1.5"]) }
        #expect(throws: ConfigurationError("--set gamma: gamma must be in [0, 1], got nan")) { try h.merge(overrides: ["gamma=nan"]) }
        #expect(throws: ConfigurationError("--set sizes: sizes must be at least 1, got 0")) { try h.merge(overrides: ["sizes=64,0"]) }
        #expect(try h.settings(Ranged.self).gamma == 1 && h.settings(Ranged.self).sizes == [4, 16])  // a refused value changes nothing
        // The agents declare theirs: a discount above 1 or a negative step size is refused.
        var dqn = DQNAgent.defaultHyperparameters
        #expect(throws: ConfigurationError("--set gamma: gamma must be in [0, 1], got 1.01")) { try dqn.merge(overrides: ["gamma=1.01"]) }
        #expect(throws: ConfigurationError("--set learning_rate_final: learning_rate_final must be at least 0, got -1.0")) {
            try dqn.merge(overrides: ["learning_rate_final=-1"])
        }
        var q = QLearningAgent.defaultHyperparameters
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
        let s = try h.settings(Example.self)
        #expect(s.learningRate == 2.3e-3)
        #expect(s.batchSize == 64)
        #expect(s.netArch == [256, 256])
        #expect(h.suggestedBudget == .timesteps(50_000))
        var other = fresh()
        try other.merge(file: url, environmentID: "Acrobot-v1")
        #expect(other == fresh())
    }

    @Test func flatFileAndErrors() throws {
        var h = fresh()
        try h.merge(file: try temporaryFile("batch_size: 16\nloss: 'mse'\n"), environmentID: "CartPole-v1")
        #expect(try h.settings(Example.self).batchSize == 16)
        #expect(try h.settings(Example.self).loss == "mse")
        let bad = try temporaryFile("batch_size: 16\nlearning_rat: 0.1\n")
        #expect(throws: ConfigurationError.self) { try h.merge(file: bad, environmentID: "CartPole-v1") }
        let broken = try temporaryFile("batch_size: [16\n")
        #expect(throws: ConfigurationError.self) { try h.merge(file: broken, environmentID: "CartPole-v1") }
        #expect(throws: ConfigurationError.self) {
            try h.merge(file: URL(fileURLWithPath: "/nonexistent/config.yml"), environmentID: "CartPole-v1")
        }
    }

    /// Enum choices, schedules, optionals and cross-setting checks come from the declarations.
    @Test func declarationsCarryChoicesSchedulesAndChecks() throws {
        var dqn = DQNAgent.defaultHyperparameters
        #expect(throws: ConfigurationError("--set activation: hyperparameter 'activation' expects one of relu, tanh, got 'gelu'")) {
            try dqn.merge(overrides: ["activation=gelu"])
        }
        #expect(throws: ConfigurationError("--set learning_rate_fraction: learning_rate_fraction must be positive, got 0.0")) {
            try dqn.merge(overrides: ["learning_rate_fraction=0"])
        }
        #expect(throws: ConfigurationError("--set tau: tau must be in (0, 1], got 0.0")) { try dqn.merge(overrides: ["tau=0"]) }
        try dqn.merge(overrides: ["learning_rate_schedule=exponential", "learning_rate_final=0", "activation=tanh", "termination_reward=-10"])
        #expect(throws: ConfigurationError("learning_rate: an exponential schedule needs positive start and final values")) {
            _ = try dqn.settings(DQNAgent.Settings.self)
        }
        try dqn.merge(overrides: ["learning_rate_final=1e-5"])
        let settings = try dqn.settings(DQNAgent.Settings.self)
        #expect(settings.learningRate == Schedule(.exponential, start: 1e-4, end: 1e-5, fraction: 1))
        #expect(settings.activation == .tanh && settings.terminationReward.value == -10 && settings.netArch == [64, 64])
        #expect(throws: ConfigurationError("--set termination_reward: hyperparameter 'termination_reward' expects a number or none, got 'lots'")) {
            try dqn.merge(overrides: ["termination_reward=lots"])
        }
    }

    /// Declarations list every setting once, in order; the YAML written back reads back to the same values.
    @Test func declarationsListAndYAMLRoundTrip() throws {
        let names = DQNAgent.settingDeclarations.map(\.name)
        #expect(names.prefix(5) == ["learning_rate", "learning_rate_schedule", "learning_rate_final", "learning_rate_fraction", "buffer_size"])
        #expect(Set(names).count == names.count)
        for type in AgentCatalog.all {
            var h = type.defaultHyperparameters
            if type.name == DQNAgent.name { try h.merge(overrides: ["net_arch=32,16", "loss=mse", "gamma=0.5", "termination_reward=-1.5"]) }
            let yaml = try Yams.serialize(node: h.settingValues.yaml)
            var back = type.defaultHyperparameters
            if let mapping = try Yams.compose(yaml: yaml)?.mapping { try back.merge(yaml: mapping, source: "config.yml") }
            // Values only: reinforce declares n_episodes, which a file also reads as the budget key.
            #expect(back.values == h.values, "\(type.name): \(yaml)")
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
