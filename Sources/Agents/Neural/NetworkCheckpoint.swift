import Foundation
import LabCore

/// The learned state of a neural agent: one safetensors file of F32 parameters.
///
/// Parameters keep their Float32 values bit for bit (``AgentState`` would widen them to
/// F64), and their names follow `torch.nn.Sequential` under a prefix (`q_net.0.weight`),
/// so PyTorch can load them. The metadata names the agent, as ``AgentState`` does, so a
/// file saved by one agent is not loaded into another.
enum NetworkCheckpoint {
    /// Writes `networks` (prefix -> network) and loose `parameters` (under their names) for
    /// `agent`, with `metadata` added.
    static func save(_ networks: [(prefix: String, network: MultilayerPerceptron)], agent: String,
                     parameters: [Parameter] = [], metadata: [String: String] = [:], to url: URL) throws {
        var file = SafeTensorsFile(metadata: metadata.merging(["agent": agent, "format": "rllab-agent"]) { _, new in new })
        for (prefix, network) in networks { network.add(to: &file, prefix: prefix) }
        for parameter in parameters { file.add(parameter.name, float32: parameter.value.scalars, shape: parameter.shape) }
        try file.write(to: url)
    }

    /// Reads a file written by ``save(_:agent:parameters:metadata:to:)`` into `networks` and `parameters`, checking the
    /// agent and every shape before changing anything. Returns the file for its metadata.
    @discardableResult
    static func load(into networks: [(prefix: String, network: MultilayerPerceptron)], agent: String,
                     parameters: [Parameter] = [], from url: URL) throws -> SafeTensorsFile {
        let file = try SafeTensorsFile(contentsOf: url)
        guard file.metadata["agent"] == agent else {
            throw AgentError("\(url.path) holds a '\(file.metadata["agent"] ?? "unknown")' agent, not '\(agent)'")
        }
        // Check every network first so a bad file leaves the agent as it was.
        let copies = try networks.map { prefix, network -> MultilayerPerceptron in
            let copy = try MultilayerPerceptron(
                inputSize: network.inputSize, hiddenSizes: network.denseLayers.dropLast().map(\.outputSize),
                outputSize: network.outputSize, activation: network.activation, source: RandomSource(seed: 0))
            try copy.load(from: file, prefix: prefix, source: url)
            return copy
        }
        let values = try parameters.map { parameter -> Tensor in
            guard file.names.contains(parameter.name) else { throw AgentError("\(url.path) has no tensor '\(parameter.name)'") }
            let shape = try file.shape(parameter.name)
            guard shape == parameter.shape else {
                throw AgentError("\(url.path): '\(parameter.name)' has shape \(shape), this agent needs \(parameter.shape)")
            }
            return try Tensor(validatingShape: shape, scalars: try file.float32(parameter.name))
        }
        for ((_, network), copy) in zip(networks, copies) { network.update(towards: copy, tau: 1) }
        for (parameter, value) in zip(parameters, values) { parameter.value = value }
        return file
    }
}
