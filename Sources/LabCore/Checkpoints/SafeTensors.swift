import Foundation

/// Tensor-level checkpoints on top of ``SafeTensorsFile`` (the safetensors format):
/// named F32 tensors with shapes and string metadata, readable by PyTorch's
/// `safetensors.torch.load_file`.
public enum SafeTensors {
    /// A loaded checkpoint: tensors by name and the file's metadata.
    public struct File {
        public var tensors: [String: Tensor]
        public var metadata: [String: String]
        /// Tensor names, sorted.
        public var names: [String] { tensors.keys.sorted() }
    }

    /// Writes `tensors` as F32 with `metadata` to `path` (atomically).
    public static func save(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:], to path: String) throws {
        var file = SafeTensorsFile(metadata: metadata)
        var seen = Set<String>()
        for (name, t) in tensors {
            guard seen.insert(name).inserted, name != "__metadata__" else { throw CheckpointError("duplicate or reserved tensor name '\(name)'") }
            file.add(name, float32: t.scalars, shape: t.shape)
        }
        try file.write(to: URL(fileURLWithPath: path))
    }

    /// Reads every tensor of a safetensors file as Float32 (F64 tensors are rounded).
    public static func load(_ path: String) throws -> File {
        let file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: path))
        var tensors: [String: Tensor] = [:]
        for name in file.names {
            let shape = try file.shape(name)
            let values = try file.dtype(name) == .f32 ? try file.float32(name) : try file.float64(name).map { Float($0) }
            tensors[name] = try Tensor(validatingShape: shape, scalars: values)
        }
        return File(tensors: tensors, metadata: file.metadata)
    }
}

extension Layer {
    /// Saves the parameters' current values by name (PyTorch's `state_dict()`) as a
    /// safetensors checkpoint.
    public func saveCheckpoint(to path: String, metadata: [String: String] = [:]) throws {
        try SafeTensors.save(namedParameters.map { ($0.name, $0.parameter.value) }, metadata: metadata, to: path)
    }

    /// Copies values into the parameters by name; every parameter must be present with its shape.
    public func loadStateDict(_ tensors: [String: Tensor]) throws {
        for (name, p) in namedParameters {
            guard let t = tensors[name] else { throw CheckpointError("checkpoint has no tensor named '\(name)'") }
            guard t.shape == p.value.shape else {
                throw CheckpointError("tensor '\(name)' has shape \(t.shape) in the checkpoint, the model expects \(p.value.shape)")
            }
            p.value = t.detached()
        }
    }

    /// Loads a safetensors checkpoint into the parameters; returns its metadata.
    @discardableResult
    public func loadCheckpoint(from path: String) throws -> [String: String] {
        let file = try SafeTensors.load(path)
        try loadStateDict(file.tensors)
        return file.metadata
    }
}
