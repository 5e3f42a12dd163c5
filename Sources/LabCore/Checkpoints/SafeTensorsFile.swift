import Foundation

/// An error reading or writing a safetensors file.
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A safetensors file: named, shaped, little-endian tensors after a JSON header.
///
/// Layout (https://github.com/huggingface/safetensors): an 8-byte little-endian header
/// length N, N bytes of JSON mapping each name to `{"dtype", "shape", "data_offsets"}`
/// (plus an optional `__metadata__` map of strings), then the raw data. RLLab writes F32
/// (model parameters) and F64 (agent tables); PyTorch's `safetensors.torch.load_file`
/// reads both. Names are written in sorted order, so the same tensors give the same bytes.
public struct SafeTensorsFile {
    public enum DType: String, Sendable {
        case f32 = "F32"
        case f64 = "F64"
        /// Counters and indices of a training state (``StateArchive``).
        case i64 = "I64"
        /// Raw bytes (random-generator states) of a training state.
        case u8 = "U8"

        var size: Int {
            switch self {
            case .f32: return 4
            case .f64, .i64: return 8
            case .u8: return 1
            }
        }
    }

    struct Entry {
        var dtype: DType
        var shape: [Int]
        var bytes: Data
    }

    private var entries: [String: Entry] = [:]
    /// What errors call the file (its path when read from one).
    private var source = "safetensors data"
    /// String metadata (`__metadata__`).
    public var metadata: [String: String]

    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// The tensor names, sorted.
    public var names: [String] { entries.keys.sorted() }

    public mutating func add(_ name: String, float32 values: [Float], shape: [Int]) { add(name, .f32, values, shape: shape) }
    public mutating func add(_ name: String, float64 values: [Double], shape: [Int]) { add(name, .f64, values, shape: shape) }
    public mutating func add(_ name: String, int64 values: [Int64], shape: [Int]) { add(name, .i64, values, shape: shape) }
    public mutating func add(_ name: String, bytes values: [UInt8]) { add(name, .u8, values, shape: [values.count]) }

    private mutating func add<Element: BitwiseCopyable>(_ name: String, _ dtype: DType, _ values: [Element], shape: [Int]) {
        entries[name] = Entry(dtype: dtype, shape: shape, bytes: values.withUnsafeBufferPointer { Data(buffer: $0) })
    }

    /// The values of an I64 tensor.
    public func int64(_ name: String) throws -> [Int64] { try values(name, .i64) }

    /// The bytes of a U8 tensor.
    public func bytes(_ name: String) throws -> [UInt8] { try values(name, .u8) }

    /// The values of an F32 or F64 tensor exactly as stored, non-finite values included
    /// (a training state may hold them on purpose, e.g. "no best score yet" as -inf).
    public func rawFloat32(_ name: String) throws -> [Float] { try values(name, .f32) }

    /// See ``rawFloat32(_:)``.
    public func rawFloat64(_ name: String) throws -> [Double] { try values(name, .f64) }

    /// The elements of tensor `name`, which must be of `dtype`, read from its bytes.
    private func values<Element: BitwiseCopyable>(_ name: String, _ dtype: DType) throws -> [Element] {
        guard let entry = entries[name] else { throw CheckpointError("\(source): no tensor named '\(name)'") }
        guard entry.dtype == dtype else { throw CheckpointError("\(source): tensor '\(name)' is \(entry.dtype.rawValue), not \(dtype.rawValue)") }
        return [Element](unsafeUninitializedCapacity: entry.bytes.count / MemoryLayout<Element>.size) { buffer, count in
            count = entry.bytes.copyBytes(to: buffer) / MemoryLayout<Element>.size
        }
    }

    /// The entry `name`, of any dtype.
    private func entry(_ name: String) throws -> Entry {
        guard let entry = entries[name] else { throw CheckpointError("no tensor named '\(name)'") }
        return entry
    }

    public func shape(_ name: String) throws -> [Int] { try entry(name).shape }

    public func dtype(_ name: String) throws -> DType { try entry(name).dtype }

    /// The values of an F32 tensor.
    ///
    /// - Throws: ``CheckpointError`` when the tensor is missing, not F32, or holds a value
    ///   that is not finite (weights of a run that diverged are not usable).
    public func float32(_ name: String) throws -> [Float] {
        _ = try entry(name)
        return try finite(values(name, .f32), name)
    }

    /// The values of an F64 tensor (F32 ones are widened exactly).
    ///
    /// - Throws: ``CheckpointError`` as ``float32(_:)``.
    public func float64(_ name: String) throws -> [Double] {
        if try dtype(name) == .f32 { return try float32(name).map(Double.init) }
        return try finite(values(name, .f64), name)
    }

    private func finite<F: BinaryFloatingPoint>(_ values: [F], _ name: String) throws -> [F] {
        if let i = values.firstIndex(where: { !$0.isFinite }) {
            throw CheckpointError("\(source): tensor '\(name)' holds \(values[i]) at index \(i); a file with values that are not finite (from a run that diverged, or damaged) cannot be loaded")
        }
        return values
    }

    /// The file's bytes.
    public func serialized() throws -> Data {
        var header: [String: Any] = [:]
        var offset = 0
        var body = Data()
        for name in names {
            let entry = entries[name]!
            header[name] = ["dtype": entry.dtype.rawValue, "shape": entry.shape, "data_offsets": [offset, offset + entry.bytes.count]]
            offset += entry.bytes.count
            body.append(entry.bytes)
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad the header with spaces so the data starts 8-byte aligned (as the reference writer does).
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var length = UInt64(json.count).littleEndian
        var data = Data(bytes: &length, count: 8)
        data.append(json)
        data.append(body)
        return data
    }

    /// Writes the file crash-safely (``AtomicFile``: a synced temporary file renamed over
    /// the old one), so an interrupted save leaves the previous checkpoint whole.
    public func write(to url: URL) throws {
        do {
            try AtomicFile.write(try serialized(), to: url)
        } catch {
            throw CheckpointError("\(error)")
        }
    }

    /// Reads and validates a file.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CheckpointError("cannot read \(url.path): \(error.localizedDescription)")
        }
        try self.init(data: data, source: url.path)
    }

    /// Parses safetensors bytes; `source` names them in errors.
    public init(data: Data, source: String = "safetensors data") throws {
        guard data.count >= 8 else { throw CheckpointError("\(source): too short to be a safetensors file") }
        let length = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard length <= UInt64(data.count - 8) else {
            throw CheckpointError("\(source): header length \(length) exceeds the file size \(data.count)")
        }
        let headerEnd = 8 + Int(length)
        guard let header = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<headerEnd)) as? [String: Any] else {
            throw CheckpointError("\(source): the header is not a JSON object")
        }
        let bodySize = data.count - headerEnd
        metadata = [:]
        self.source = source
        for (name, value) in header {
            if name == "__metadata__" {
                guard let map = value as? [String: String] else { throw CheckpointError("\(source): __metadata__ must map strings to strings") }
                metadata = map
                continue
            }
            guard let info = value as? [String: Any],
                  let dtypeName = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int],
                  let offsets = info["data_offsets"] as? [Int], offsets.count == 2 else {
                throw CheckpointError("\(source): tensor '\(name)' lacks dtype, shape or data_offsets")
            }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw CheckpointError("\(source): tensor '\(name)' has dtype \(dtypeName); RLLab reads F32, F64, I64 and U8")
            }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw CheckpointError("\(source): tensor '\(name)' has a negative dimension") }
            // Overflow-checked: a hostile shape must give an error, not a trap.
            var count = 1
            for d in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow, product <= Int.max / 8 else { throw CheckpointError("\(source): tensor '\(name)' has an impossible shape \(shape)") }
                count = product
            }
            guard offsets[0] >= 0, offsets[1] <= bodySize, offsets[1] - offsets[0] == count * dtype.size else {
                throw CheckpointError("\(source): tensor '\(name)' has data_offsets \(offsets) that do not fit shape \(shape) of \(dtype.rawValue) in \(bodySize) bytes")
            }
            entries[name] = Entry(dtype: dtype, shape: shape, bytes: data.subdata(in: (headerEnd + offsets[0])..<(headerEnd + offsets[1])))
        }
    }
}
