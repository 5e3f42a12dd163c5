import LabCore

/// One or more Q-networks `Q(s, a)` on the concatenated observation and action, as
/// Stable-Baselines3's `ContinuousCritic` (`n_critics`, no shared features): SAC and TD3
/// use two (the clipped double-Q trick), DDPG one.
final class ContinuousCritic {
    /// The Q-networks, `observation + action -> net_arch -> 1` each.
    let networks: [MultilayerPerceptron]

    init(count: Int, observationSize: Int, actionSize: Int, hiddenSizes: [Int],
         activation: MultilayerPerceptron.Activation, source: RandomSource) throws {
        networks = try (0..<count).map { _ in
            try MultilayerPerceptron(inputSize: observationSize + actionSize, hiddenSizes: hiddenSizes, outputSize: 1,
                                     activation: activation, source: source)
        }
    }

    /// Every Q-network's parameters, in order (one optimizer updates them all, as SB3's).
    var parameters: [Parameter] { networks.flatMap(\.parameters) }

    /// Each network's `[B, 1]` values for observations `[B, obs]` and actions `[B, act]`,
    /// recorded for differentiation when the inputs or parameters are.
    func callAsFunction(_ observations: Tensor, _ actions: Tensor) -> [Tensor] {
        let input = Tensor.concatenate([observations, actions], axis: 1)
        return networks.map { $0(input) }
    }

    /// The first network's values only (TD3's and DDPG's actor loss, SB3's `q1_forward`).
    func first(_ observations: Tensor, _ actions: Tensor) -> Tensor {
        networks[0](Tensor.concatenate([observations, actions], axis: 1))
    }

    /// Turns gradient computation for the critic's own parameters on or off. The actor's
    /// loss only needs gradients with respect to the actions; SB3 computes (and later
    /// discards) the critic's too, which changes no result.
    func setTrainable(_ trainable: Bool) {
        for parameter in parameters { parameter.isTrainable = trainable }
    }

    /// Polyak update of every network towards `source`'s (SB3's `polyak_update`).
    func update(towards source: ContinuousCritic, tau: Float) {
        for (target, online) in zip(networks, source.networks) { target.update(towards: online, tau: tau) }
    }

    /// The networks under checkpoint prefixes `prefix.qf0`, `prefix.qf1`, ... (SB3's names).
    func checkpointEntries(_ prefix: String) -> [(prefix: String, network: MultilayerPerceptron)] {
        networks.enumerated().map { ("\(prefix).qf\($0.offset)", $0.element) }
    }
}

/// The element-wise minimum of `[B, 1]` columns, as `th.min(th.cat(columns, dim=1), dim=1,
/// keepdim=True)`: the gradient goes to the smaller (the first on ties).
func columnMinimum(_ columns: [Tensor]) -> Tensor {
    if columns.count == 1 { return columns[0] }
    // min(x) = -max(-x): exact in floating point, and max records which column it took.
    let negated = -Tensor.concatenate(columns, axis: 1)
    let rows = negated.shape[0]
    return -negated.max(axis: 1).reshaped([rows, 1])
}

/// The same minimum off the tape, into plain numbers (targets need no gradient).
func columnMinimum(_ columns: [Tensor], into values: inout [Float]) {
    for (k, column) in columns.enumerated() {
        column.withUnsafeBufferPointer { q in
            for i in 0..<q.count { values[i] = k == 0 ? q[i] : Swift.min(values[i], q[i]) }
        }
    }
}
