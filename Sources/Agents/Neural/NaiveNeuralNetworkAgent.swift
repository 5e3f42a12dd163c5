import Foundation
import Gym
import LabCore

/// The classic TensorFlow book's "naive neural-network policy", and with `iterations > 1`
/// the cross-entropy method built on it.
///
/// Iteration 0 plays episodes with the book's `policy_random` (``RandomLinearAgent``: one
/// theta drawn uniformly in [-1, 1]^d from the agent's stream, the first draw, so the
/// data policy of a seed *is* the `random-linear` agent of that seed). It keeps the
/// (observation, action) pairs of the episodes whose return exceeds `threshold` (100) —
/// or, when none does, of the best `elite_fraction` of them — and fits an MLP classifier
/// (4-8-2 with a softmax, cross-entropy, Adam, `epochs` 50, `batch_size` 10, shuffled
/// each epoch as Keras' `fit`). It then acts by argmax.
///
/// Each later iteration plays episodes with the network itself (sampling actions from
/// its softmax, or greedily with `collection_policy: greedy`), keeps the best
/// `elite_fraction` of them and fits the same network on those: the cross-entropy method.
///
/// **Budget.** Only collection spends the budget: every step and episode played counts
/// toward the ``EpisodeLoop`` budget and appears in the run's episode records; fitting
/// costs none. The budget is split evenly between the iterations (with 100 episodes and
/// 4 iterations, 25 episodes each). An episode cut short by the end of a step budget is
/// not used for fitting (its return is unknown).
public final class NaiveNeuralNetworkAgent: Agent {
    public static let name = "naive-nn"
    public static let summary = "the TF book's naive NN policy: fit a classifier on good random-linear episodes; iterations > 1: cross-entropy method"

    /// How later iterations act.
    public enum CollectionPolicy: String, CaseIterable, Sendable, SettingType {
        /// Sample from the softmax.
        case sample
        /// Take the argmax.
        case greedy
    }

    public struct Settings: LabCore.Settings {
        @Setting("threshold", help: "iteration 0 keeps the episodes whose return exceeds this")
        public var threshold = 100.0
        @Setting("iterations", range: 1..., help: "collect-and-fit rounds; after the first the network collects its own data (cross-entropy method)")
        public var iterations = 1
        @Setting("elite_fraction", range: SettingRange(above: 0, atMost: 1),
                 help: "fraction of the best episodes kept in later iterations (and in iteration 0 if none passes threshold)")
        public var eliteFraction = 0.2
        @Setting("collection_policy", help: "how later iterations act: sample (from the softmax) or greedy")
        public var collectionPolicy = CollectionPolicy.sample
        @Setting("hidden_sizes", range: 1..., help: "hidden layer sizes of the classifier") public var hiddenSizes = [8]
        @Setting("activation", help: "activation between layers: relu or tanh") public var activation = MultilayerPerceptron.Activation.relu
        @Setting("epochs", range: 0..., help: "passes over the kept data per fit") public var epochs = 50
        @Setting("batch_size", range: 1..., help: "samples per Adam step") public var batchSize = 10
        @Setting("learning_rate", range: 0..., help: "Adam step size") public var learningRate = 1e-3
        public init() {}
    }

    /// The data policy of iteration 0 (``RandomLinearAgent``'s weight vector).
    public let theta: [Double]
    let network: MultilayerPerceptron
    private let optimizer: Adam
    private let settings: Settings
    private let actionCount: Int
    private let observationSize: Int
    /// Action sampling in later iterations.
    private let collectionRandom: RandomSource
    /// Minibatch shuffling.
    private let shuffleRandom: RandomSource
    /// Per iteration: episodes played and episodes kept for fitting (for reports and tests).
    public private(set) var iterationSummaries: [(played: Int, kept: Int, meanReturn: Double)] = []

    public init(environment: EnvironmentSignature, hyperparameters h: Hyperparameters, random: RandomSource) throws {
        let (box, actions) = try Self.spaces(environment)
        observationSize = box.count
        actionCount = actions.n
        // The first draws of the agent's stream, exactly as RandomLinearAgent makes its theta.
        theta = (0..<box.count).map { _ in random.uniform(-1, 1) }

        let settings = try h.settings(Settings.self)
        self.settings = settings
        network = try MultilayerPerceptron(inputSize: box.count, hiddenSizes: settings.hiddenSizes, outputSize: actions.n,
                                           activation: settings.activation, source: random.derived("network"))
        optimizer = Adam(network.parameters, learningRate: Float(settings.learningRate))
        collectionRandom = random.derived("collection")
        shuffleRandom = random.derived("shuffle")
    }

    public static func check(environment: EnvironmentSignature, hyperparameters: Hyperparameters) throws {
        _ = try spaces(environment)
        _ = try hyperparameters.settings(Settings.self)
    }

    private static func spaces(_ environment: EnvironmentSignature) throws -> (Box, Discrete) {
        try RandomLinearAgent.spaces(environment, agent: name, note: " (its data policy is random-linear)")
    }

    /// One finished episode's data.
    struct Episode {
        var observations: [[Float]] = []
        var actions: [Int] = []
        var `return` = 0.0
    }

    /// The iteration being collected, and its episodes so far: fields, not locals, so that
    /// a training checkpoint between two episodes saves them (see ``ResumableAgent``).
    private var iteration = 0
    private var collected: [Episode] = []

    public func learn(_ loop: EpisodeLoop) throws {
        while iteration < settings.iterations {
            let iteration = self.iteration
            // Collect until this iteration's share of the budget is spent.
            let share = Double(iteration + 1) / Double(settings.iterations)
            while !loop.isDone && loop.progress < share {
                try loop.checkpointIfDue()
                let episode = try playEpisode(loop) { observation in
                    if iteration == 0 { return RandomLinearAgent.decide(self.theta, observation) }
                    return self.collectionAction(observation)
                }
                if let episode { collected.append(episode) }
            }
            let kept = iteration == 0 && collected.contains(where: { $0.return > settings.threshold })
                ? collected.filter { $0.return > settings.threshold }
                : elite(collected)
            let mean = collected.isEmpty ? .nan : collected.map(\.return).reduce(0, +) / Double(collected.count)
            iterationSummaries.append((collected.count, kept.count, mean))
            try fit(kept)
            collected = []
            self.iteration += 1
        }
    }

    /// Plays until the episode ends (the shared loop's ``EpisodeLoop/playEpisode(policy:)``);
    /// `nil` if the budget ran out first.
    private func playEpisode(_ loop: EpisodeLoop, policy: (Observation) -> Int) throws -> Episode? {
        let (transitions, finished) = try loop.playEpisode { observation in
            guard case .vector = observation else { throw AgentError("naive-nn expects vector observations, got \(observation)") }
            return .discrete(policy(observation))
        }
        guard finished else { return nil }
        var episode = Episode()
        for transition in transitions {
            guard case .vector(let values) = transition.observation, case .discrete(let action) = transition.action else { return nil }
            episode.observations.append(values)
            episode.actions.append(action)
            episode.return += transition.reward
        }
        return episode
    }

    /// The best `elite_fraction` of `episodes` by return (at least one; earlier first on ties).
    func elite(_ episodes: [Episode]) -> [Episode] {
        let count = min(episodes.count, max(1, Int((settings.eliteFraction * Double(episodes.count)).rounded(.up))))
        let order = episodes.indices.sorted { episodes[$0].return != episodes[$1].return ? episodes[$0].return > episodes[$1].return : $0 < $1 }
        return order.prefix(count).map { episodes[$0] }
    }

    /// Gradient steps taken so far (named when training diverges).
    private var fitSteps = 0

    /// Fits the classifier to the (observation, action) pairs of `episodes`.
    private func fit(_ episodes: [Episode]) throws {
        let observations = episodes.flatMap(\.observations)
        let labels = episodes.flatMap(\.actions)
        guard !labels.isEmpty else { return }
        var order = Array(0..<labels.count)
        for _ in 0..<settings.epochs {
            shuffleRandom.shuffle(&order)
            for start in stride(from: 0, to: order.count, by: settings.batchSize) {
                let rows = order[start..<min(start + settings.batchSize, order.count)]
                let x = Tensor(shape: [rows.count, observationSize], scalars: rows.flatMap { observations[$0] })
                let loss = Loss.crossEntropy(logits: network(x), labels: rows.map { labels[$0] })
                fitSteps += 1
                try NonFiniteTrainingError.check(loss: loss.scalar, step: fitSteps)
                optimizer.minimize(loss)
            }
        }
    }

    /// An action of the network's collection policy: sampled from its softmax, or greedy.
    private func collectionAction(_ observation: Observation) -> Int {
        guard case .vector(let values) = observation else { return 0 }
        guard settings.collectionPolicy == .sample else { return network.argmax(values) }
        let logits = network.forward(values)
        var largest = logits[0]
        for j in 1..<actionCount { largest = max(largest, logits[j]) }
        var total: Double = 0
        for j in 0..<actionCount { total += Double(expf(logits[j] - largest)) }
        var u = collectionRandom.uniform() * total
        for j in 0..<actionCount {
            u -= Double(expf(logits[j] - largest))
            if u < 0 { return j }
        }
        return actionCount - 1
    }

    /// The class with the largest probability.
    public func act(_ observation: Observation) throws -> Action {
        guard case .vector(let values) = observation, values.count == observationSize else {
            throw AgentError("naive-nn expects observations of \(observationSize) numbers, got \(observation)")
        }
        return .discrete(network.argmax(values))
    }

    /// Saves the classifier (`policy.*`, F32, PyTorch names).
    public func save(to url: URL) throws {
        try NetworkCheckpoint.save([("policy", network)], agent: Self.name, to: url)
    }

    public func load(from url: URL) throws {
        try NetworkCheckpoint.load(into: [("policy", network)], agent: Self.name, from: url)
    }
}

/// Training checkpoints: the network, Adam's moments, both streams, the iteration and the
/// episodes it has collected (the fit at the iteration's end needs them), the summaries.
/// `theta` is the first draws of the agent's stream, made again by `init`.
extension NaiveNeuralNetworkAgent: ResumableAgent {
    public func archiveTrainingState(into archive: inout StateArchive) throws {
        archive.set("agent.policy", parameters: network.parameters)
        optimizer.archive(into: &archive, prefix: "agent.optimizer")
        archive.set("agent.collection_random", random: collectionRandom)
        archive.set("agent.shuffle_random", random: shuffleRandom)
        archive.set("agent.iteration", iteration)
        archive.set("agent.fit_steps", fitSteps)
        archive.set("agent.collected.lengths", ints: collected.map(\.actions.count))
        archive.set("agent.collected.actions", ints: collected.flatMap(\.actions))
        archive.set("agent.collected.observations", float32: collected.flatMap { $0.observations.flatMap { $0 } })
        archive.set("agent.collected.returns", float64: collected.map(\.return))
        archive.set("agent.summaries.played", ints: iterationSummaries.map(\.played))
        archive.set("agent.summaries.kept", ints: iterationSummaries.map(\.kept))
        archive.set("agent.summaries.mean_return", float64: iterationSummaries.map(\.meanReturn))
    }

    public func restoreTrainingState(from archive: StateArchive) throws {
        let lengths = try archive.ints("agent.collected.lengths")
        guard lengths.allSatisfy({ $0 > 0 }) else { throw StateArchiveError("\(archive.source): an empty collected episode") }
        let steps = lengths.reduce(0, +)
        let actions = try archive.ints("agent.collected.actions", count: steps)
        guard actions.allSatisfy({ (0..<actionCount).contains($0) }) else {
            throw StateArchiveError("\(archive.source): a collected action outside 0..<\(actionCount)")
        }
        let observations = try archive.float32("agent.collected.observations", count: steps * observationSize)
        let returns = try archive.float64("agent.collected.returns", count: lengths.count)
        let played = try archive.ints("agent.summaries.played")
        let kept = try archive.ints("agent.summaries.kept", count: played.count)
        let means = try archive.float64("agent.summaries.mean_return", count: played.count)
        let savedIteration = try archive.int("agent.iteration")
        guard (0...settings.iterations).contains(savedIteration) else {
            throw StateArchiveError("\(archive.source): iteration \(savedIteration) outside 0...\(settings.iterations)")
        }
        try archive.restore(network.parameters, from: "agent.policy")
        try optimizer.restore(from: archive, prefix: "agent.optimizer")
        try archive.restore(collectionRandom, from: "agent.collection_random")
        try archive.restore(shuffleRandom, from: "agent.shuffle_random")
        fitSteps = try archive.int("agent.fit_steps")
        iteration = savedIteration
        var start = 0
        collected = lengths.enumerated().map { index, length in
            defer { start += length }
            return Episode(
                observations: (start..<(start + length)).map { Array(observations[($0 * observationSize)..<(($0 + 1) * observationSize)]) },
                actions: Array(actions[start..<(start + length)]), return: returns[index])
        }
        iterationSummaries = (0..<played.count).map { (played[$0], kept[$0], means[$0]) }
    }
}
