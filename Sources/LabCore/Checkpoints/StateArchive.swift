import Foundation

/// An error reading a training state: a missing entry, a wrong shape, a damaged file.
public struct StateArchiveError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The container of a whole training state (networks, optimizer moments, buffers,
/// random streams, counters): one safetensors file whose tensors hold the arrays and
/// whose `__metadata__` holds the scalars, so that one atomic write saves all of it.
///
/// Arrays keep their exact bits (F32 parameters stay F32, counters are I64, random
/// generator states are raw bytes); scalars are strings in Swift's round-trip form
/// (a `Double` comes back bit for bit, infinities included). Names are dotted paths
/// chosen by the owner of each part (`agent.q_table`, `loop.total_steps`).
public struct StateArchive {
    public private(set) var file: SafeTensorsFile
    /// What errors call the archive (its path when read from one).
    public let source: String

    /// The metadata key that marks a file as a state archive of a kind.
    static let formatKey = "format"

    /// An empty archive of `kind` (e.g. `rllab-training-state`).
    public init(kind: String) {
        file = SafeTensorsFile(metadata: [StateArchive.formatKey: kind])
        source = "training state"
    }

    /// Reads an archive written by ``write(to:)``, checking that it is of `kind`.
    public init(contentsOf url: URL, kind: String) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw StateArchiveError("cannot read \(url.path): \(error.localizedDescription)")
        }
        file = try SafeTensorsFile(data: data, source: url.path)
        source = url.path
        guard file.metadata[StateArchive.formatKey] == kind else {
            throw StateArchiveError("\(source) is not a \(kind) file (format '\(file.metadata[StateArchive.formatKey] ?? "none")')")
        }
    }

    /// Writes the archive crash-safely (``AtomicFile``): a reader or a crash sees the
    /// previous archive or this one, never a mix.
    public func write(to url: URL) throws {
        try file.write(to: url)
    }

    // MARK: Scalars

    /// Stores a scalar as its round-trip text (a String, Int, UInt64, Double or Bool).
    public mutating func set<Value: LosslessStringConvertible>(_ name: String, _ value: Value) { file.metadata[name] = value.description }

    public func string(_ name: String) throws -> String {
        guard let text = file.metadata[name] else { throw StateArchiveError("\(source): no entry '\(name)'") }
        return text
    }

    public func int(_ name: String) throws -> Int { try scalar(name, "an integer") }
    public func uint64(_ name: String) throws -> UInt64 { try scalar(name, "an unsigned integer") }
    public func double(_ name: String) throws -> Double { try scalar(name, "a number") }
    public func bool(_ name: String) throws -> Bool { try scalar(name, "true or false") }

    /// The scalar `name` read back from its text; `what` names the type in errors.
    private func scalar<Value: LosslessStringConvertible>(_ name: String, _ what: String) throws -> Value {
        guard let value = Value(try string(name)) else { throw StateArchiveError("\(source): '\(name)' is not \(what)") }
        return value
    }

    /// Whether the archive has a scalar or an array called `name`.
    public func contains(_ name: String) -> Bool { file.metadata[name] != nil || file.names.contains(name) }

    // MARK: Arrays

    public mutating func set(_ name: String, float32 values: [Float], shape: [Int]? = nil) {
        file.add(name, float32: values, shape: shape ?? [values.count])
    }

    public mutating func set(_ name: String, float64 values: [Double]) {
        file.add(name, float64: values, shape: [values.count])
    }

    public mutating func set(_ name: String, ints values: [Int]) {
        file.add(name, int64: values.map(Int64.init), shape: [values.count])
    }

    public mutating func set(_ name: String, bytes values: [UInt8]) {
        file.add(name, bytes: values)
    }

    /// The F32 values of `name`, which must have `count` elements when given.
    public func float32(_ name: String, count: Int? = nil) throws -> [Float] {
        try checked(name, try file.rawFloat32(name), count: count)
    }

    public func float64(_ name: String, count: Int? = nil) throws -> [Double] {
        try checked(name, try file.rawFloat64(name), count: count)
    }

    public mutating func set(_ name: String, bools values: [Bool]) {
        set(name, ints: values.map { $0 ? 1 : 0 })
    }

    public func ints(_ name: String, count: Int? = nil) throws -> [Int] {
        try checked(name, try file.int64(name), count: count).map { Int($0) }
    }

    /// Booleans stored by ``set(_:bools:)`` (each 0 or 1).
    public func bools(_ name: String, count: Int? = nil) throws -> [Bool] {
        try ints(name, count: count).map { value in
            guard value == 0 || value == 1 else { throw StateArchiveError("\(source): '\(name)' holds \(value), not 0 or 1") }
            return value == 1
        }
    }

    public func bytes(_ name: String, count: Int? = nil) throws -> [UInt8] {
        try checked(name, try file.bytes(name), count: count)
    }

    private func checked<T>(_ name: String, _ values: [T], count: Int?) throws -> [T] {
        if let count, values.count != count {
            throw StateArchiveError("\(source): '\(name)' has \(values.count) values, this run needs \(count) (another agent, environment or hyperparameters?)")
        }
        return values
    }

    // MARK: Parts every trainer has

    /// Stores a random stream's exact position.
    public mutating func set(_ name: String, random: RandomSource) {
        set(name, bytes: random.state)
        set("\(name).generator", random.generatorName)
    }

    /// Moves `random` to the position stored under `name`.
    public func restore(_ random: RandomSource, from name: String) throws {
        let generator = try string("\(name).generator")
        guard generator == random.generatorName else {
            throw StateArchiveError("\(source): stream '\(name)' is a \(generator) generator, this run uses \(random.generatorName)")
        }
        do { try random.restore(state: try bytes(name)) } catch let error as RandomSourceError {
            throw StateArchiveError("\(source): stream '\(name)': \(error)")
        }
    }

    /// Stores the values of `parameters` (F32, bit for bit) under `prefix.<index>`.
    public mutating func set(_ prefix: String, parameters: [Parameter]) {
        for (index, parameter) in parameters.enumerated() {
            set("\(prefix).\(index)", float32: parameter.value.scalars, shape: parameter.shape)
        }
    }

    /// Restores `parameters` stored by ``set(_:parameters:)``, checking every shape
    /// before changing any value.
    public func restore(_ parameters: [Parameter], from prefix: String) throws {
        let values = try parameters.enumerated().map { index, parameter -> Tensor in
            let name = "\(prefix).\(index)"
            let shape = try file.shape(name)
            guard shape == parameter.shape else {
                throw StateArchiveError("\(source): '\(name)' has shape \(shape), this run needs \(parameter.shape)")
            }
            return Tensor(shape: shape, scalars: try float32(name))
        }
        for (parameter, value) in zip(parameters, values) { parameter.value = value }
    }
}

/// A component whose state a training checkpoint saves and restores exactly.
public protocol StateArchiving {
    /// Stores the state under names that start with `prefix`.
    ///
    /// - Throws: when the state cannot be saved at this moment or by this component (an
    ///   environment layer that cannot save its state, say); nothing is written then.
    func archive(into archive: inout StateArchive, prefix: String) throws
    /// Restores the state stored by ``archive(into:prefix:)``.
    func restore(from archive: StateArchive, prefix: String) throws
}
