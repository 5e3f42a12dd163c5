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
        try check(networks, in: file, source: url)
        let values = try parameters.map { parameter -> Tensor in
            guard file.names.contains(parameter.name) else { throw AgentError("\(url.path) has no tensor '\(parameter.name)'") }
            let shape = try file.shape(parameter.name)
            guard shape == parameter.shape else {
                throw AgentError("\(url.path): '\(parameter.name)' has shape \(shape), this agent needs \(parameter.shape)")
            }
            return try Tensor(validatingShape: shape, scalars: try file.float32(parameter.name))
        }
        for (prefix, network) in networks { try network.load(from: file, prefix: prefix, source: url) }
        for (parameter, value) in zip(parameters, values) { parameter.value = value }
        return file
    }

    /// Throws unless `file` holds every parameter of `networks` with the right shape, so a
    /// bad file is refused before any network changes.
    static func check(_ networks: [(prefix: String, network: MultilayerPerceptron)], in file: SafeTensorsFile, source url: URL) throws {
        for (prefix, network) in networks {
            for (name, parameter) in network.network.namedParameters {
                let key = "\(prefix).\(name)"
                guard file.names.contains(key) else { throw AgentError("\(url.path) has no tensor '\(key)'") }
                let shape = try file.shape(key)
                guard shape == parameter.shape else {
                    throw AgentError("\(url.path): '\(key)' has shape \(shape), this agent needs \(parameter.shape) (different environment or net_arch?)")
                }
            }
        }
    }
}
