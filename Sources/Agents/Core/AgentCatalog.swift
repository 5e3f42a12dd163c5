import LabCore

/// Every agent the command line can name.
public enum AgentCatalog {
    /// Agent types in the order `rllab` lists them.
    public static var all: [any Agent.Type] {
        [RandomAgent.self, RandomLinearAgent.self, NaiveNeuralNetworkAgent.self, QLearningAgent.self, ValueIterationAgent.self, PolicyIterationAgent.self, DQNAgent.self, PPOAgent.self, A2CAgent.self, ReinforceAgent.self,
         SACAgent.self, TD3Agent.self, DDPGAgent.self]
    }

    /// The agent type called `name`.
    /// - Throws: ``ConfigurationError`` naming the known agents.
    public static func type(named name: String) throws -> any Agent.Type {
        if let type = all.first(where: { $0.name == name }) { return type }
        throw ConfigurationError("unknown agent '\(name)'; known agents: \(all.map { $0.name }.joined(separator: ", "))")
    }
}
