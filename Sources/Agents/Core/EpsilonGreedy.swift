import LabCore

/// Epsilon-greedy exploration as the value-based agents act while learning: with
/// probability epsilon (one uniform draw) a uniformly random action, otherwise the greedy
/// one. Written once for Q-learning, the estimated-model planner and DQN; the draws come
/// from the agent's own stream in this order, so runs repeat.
struct EpsilonGreedy {
    /// Epsilon over the fraction of the budget spent.
    let epsilon: Schedule
    let actionCount: Int
    let random: RandomSource

    /// Whether to explore at `progress`: always while `warmingUp` (no draw then), else
    /// with probability epsilon.
    func explores(at progress: Double, warmingUp: Bool = false) -> Bool {
        warmingUp || random.uniform() < epsilon.value(at: progress)
    }

    /// A uniformly random action.
    func randomAction() -> Int { random.uniformIndex(below: actionCount) }
}
