import Foundation
import LabCore

/// The learned state of a neural agent: one safetensors file of F32 parameters.
///
/// Parameters keep their Float32 values bit for bit (``AgentState`` would widen them to
/// F64), and their names follow `torch.nn.Sequential` under a prefix (`q_net.0.weight`),
/// so PyTorch can load them. The metadata names the agent, as ``AgentState`` does, so a
/// file saved by one agent is not loaded into another.
enum NetworkCheckpoint {
    /// Writes `networks` (prefix -> network) and loose `parameters` (under their names) for `agent`.
    static func save(_ networks: [(prefix: String, network: MultilayerPerceptron)], agent: String,
                     parameters: [Parameter] = [], to url: URL) throws {
        var file = SafeTensorsFile(agent: agent)
        for (prefix, network) in networks { network.add(to: &file, prefix: prefix) }
        for parameter in parameters { file.add(parameter.name, float32: parameter.value.scalars, shape: parameter.shape) }
        try file.write(to: url)
    }

    /// Reads a file written by ``save(_:agent:parameters:to:)`` into `networks` and `parameters`, checking the
    /// agent and every shape before changing anything.
    static func load(into networks: [(prefix: String, network: MultilayerPerceptron)], agent: String,
                     parameters: [Parameter] = [], from url: URL) throws {
        let file = try SafeTensorsFile(contentsOf: url, agent: agent)
        try check(networks, in: file, source: url)
        let values = try parameters.map { try file.float32Tensor($0.name, shape: $0.shape, source: url) }
        for (prefix, network) in networks { try network.load(from: file, prefix: prefix, source: url) }
        for (parameter, value) in zip(parameters, values) { parameter.value = value }
    }

    /// Throws unless `file` holds every parameter of `networks` with the right shape, so a
    /// bad file is refused before any network changes.
    static func check(_ networks: [(prefix: String, network: MultilayerPerceptron)], in file: SafeTensorsFile, source url: URL) throws {
        for (prefix, network) in networks {
            for (name, parameter) in network.network.namedParameters {
                try file.requireTensor("\(prefix).\(name)", shape: parameter.shape, source: url,
                                       mismatch: " (different environment or net_arch?)")
            }
        }
    }
}

extension SafeTensorsFile {
    /// An empty agent file: its metadata names `agent`, so a file saved by one agent is not
    /// loaded into another.
    init(agent: String) {
        self.init(metadata: ["agent": agent, "format": "rllab-agent"])
    }

    /// The agent file at `url`, refused unless `agent` saved it.
    init(contentsOf url: URL, agent: String) throws {
        try self.init(contentsOf: url)
        guard metadata["agent"] == agent else {
            throw AgentError("\(url.path) holds a '\(metadata["agent"] ?? "unknown")' agent, not '\(agent)'")
        }
    }

    /// Throws unless the file holds tensor `name` with `shape`; `missing` and `mismatch`
    /// end the two errors (a hint at the likely cause).
    func requireTensor(_ name: String, shape: [Int], source url: URL, missing: String = "", mismatch: String = "") throws {
        guard names.contains(name) else { throw AgentError("\(url.path) has no tensor '\(name)'\(missing)") }
        let saved = try self.shape(name)
        guard saved == shape else {
            throw AgentError("\(url.path): '\(name)' has shape \(saved), this agent needs \(shape)\(mismatch)")
        }
    }

    /// Tensor `name` (F32), checked by ``requireTensor(_:shape:source:missing:mismatch:)`` first.
    func float32Tensor(_ name: String, shape: [Int], source url: URL, mismatch: String = "") throws -> Tensor {
        try requireTensor(name, shape: shape, source: url, mismatch: mismatch)
        return try Tensor(validatingShape: shape, scalars: try float32(name))
    }
}
