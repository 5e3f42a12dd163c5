/// The matrix-product work of an agent's gradient updates, counted from the network
/// shapes and the batch size (the benchmark's GFLOP/s; issue 16).
///
/// A Dense layer `in -> out` on a batch of B rows costs `2 B in out` floating-point
/// operations (a multiply and an add per term) forward, the same again for its weight
/// gradient, and the same again for the gradient of its input, which is needed for every
/// layer but a network's first one unless the input itself needs a gradient (the action
/// of an actor-critic's critic on the actor's path). Bias additions, activations, losses
/// and the optimizer are not counted: the count is the matrix products any
/// implementation of the update must do, ours and PyTorch's alike.
public struct MatrixProductCost: Sendable {
    /// `2 B in out` per Dense layer of a network, input to output.
    public let layers: [Double]

    /// The Dense layers of `network` on `batch` rows.
    public init(network: MultilayerPerceptron, batch: Int) {
        layers = network.denseLayers.map { 2 * Double(batch) * Double($0.inputSize) * Double($0.outputSize) }
    }

    /// One forward pass.
    public var forward: Double { layers.reduce(0, +) }
    /// The weight gradients of one backward pass.
    public var weightGradients: Double { forward }
    /// The input gradients of one backward pass, without the first layer's (the input is data).
    public var hiddenInputGradients: Double { forward - (layers.first ?? 0) }
    /// The input gradients of one backward pass, the first layer's included (the input
    /// needs a gradient).
    public var inputGradients: Double { forward }
}

/// An agent that reports the matrix-product work of the gradient updates it took.
public protocol MatrixProductAccounting: AnyObject {
    /// Gradient steps taken so far.
    var updates: Int { get }
    /// Floating-point operations of the matrix products of the updates taken so far
    /// (forward and backward; see ``MatrixProductCost``).
    var updateMatrixProductFLOPs: Double { get }
}

extension DQNAgent: MatrixProductAccounting {
    /// Per update: the target network at `s'` (and the online one too with Double DQN),
    /// the online network at `s` forward and backward.
    public var updateMatrixProductFLOPs: Double {
        let q = MatrixProductCost(network: online, batch: settings.offPolicy.batchSize)
        let targets = q.forward * (settings.doubleQ ? 2 : 1)
        return Double(updates) * (targets + q.forward + q.weightGradients + q.hiddenInputGradients)
    }
}

extension SACAgent: MatrixProductAccounting {
    /// Per update: the actor at `s` (kept for its loss) and at `s'`; the target critics at
    /// `s'`; the critics at `(s, a)` forward and backward; the critics at the policy's
    /// action with gradients down to that action (not to their weights); the actor's backward.
    public var updateMatrixProductFLOPs: Double {
        let a = MatrixProductCost(network: actor, batch: batchSize)
        let c = MatrixProductCost(network: critic.networks[0], batch: batchSize)
        let n = Double(critic.networks.count)
        let perUpdate = 2 * a.forward + n * c.forward
            + n * (c.forward + c.weightGradients + c.hiddenInputGradients)
            + n * (c.forward + c.inputGradients) + a.weightGradients + a.hiddenInputGradients
        return Double(updates) * perUpdate
    }
}

extension TwinDelayedActorCritic: MatrixProductAccounting {
    /// Per update: the target actor and the target critics at `s'`; the critics at `(s, a)`
    /// forward and backward. Per delayed actor update: the actor at `s`, the first critic at
    /// the actor's action with gradients down to that action, the actor's backward.
    public var updateMatrixProductFLOPs: Double {
        let a = MatrixProductCost(network: actor, batch: batchSize)
        let c = MatrixProductCost(network: critic.networks[0], batch: batchSize)
        let n = Double(critic.networks.count)
        let criticUpdate = a.forward + n * c.forward + n * (c.forward + c.weightGradients + c.hiddenInputGradients)
        let actorUpdate = a.forward + c.forward + c.inputGradients + a.weightGradients + a.hiddenInputGradients
        return Double(updates) * criticUpdate + Double(updates / policyDelay) * actorUpdate
    }
}
