import Foundation
import LabCore

/// Named arrays an agent saves: a safetensors file of F64 tensors with the agent's name
/// in the metadata, so a file saved by one agent is not loaded into another.
public struct AgentState {
    private let tensors: [String: (values: [Double], shape: [Int])]
    public let url: URL

    /// Writes `arrays` (name -> values and shape) for `agent` to `url`.
    public static func save(_ arrays: [String: ([Double], [Int])], agent: String, to url: URL) throws {
        var file = SafeTensorsFile(agent: agent)
        for (name, (values, shape)) in arrays.sorted(by: { $0.key < $1.key }) { file.add(name, float64: values, shape: shape) }
        try file.write(to: url)
    }

    /// Reads a file written by ``save(_:agent:to:)``, checking it belongs to `agent`.
    public static func load(from url: URL, agent: String) throws -> AgentState {
        let file = try SafeTensorsFile(contentsOf: url, agent: agent)
        var tensors: [String: (values: [Double], shape: [Int])] = [:]
        for name in file.names {
            tensors[name] = (try file.float64(name), try file.shape(name))
        }
        return AgentState(tensors: tensors, url: url)
    }

    /// The values of `name`, which must have `shape`.
    public func values(_ name: String, shape: [Int]) throws -> [Double] {
        guard let tensor = tensors[name] else { throw AgentError("\(url.path) has no tensor '\(name)'") }
        guard tensor.shape == shape else {
            throw AgentError("\(url.path): '\(name)' has shape \(tensor.shape), this agent needs \(shape) (different environment or hyperparameters?)")
        }
        return tensor.values
    }

    /// The values of `name` as indices in `0..<bound` (actions, states): each must be a
    /// whole number in range, checked before it is converted (1.7 or -0.5 is refused, not
    /// truncated to an action).
    public func indices(_ name: String, shape: [Int], below bound: Int, what: String) throws -> [Int] {
        try values(name, shape: shape).enumerated().map { i, value in
            guard value == value.rounded(), value >= 0, value < Double(bound) else {
                throw AgentError("\(url.path): '\(name)' entry \(i) is \(value), not \(what) in 0..<\(bound)")
            }
            return Int(value)
        }
    }
}
