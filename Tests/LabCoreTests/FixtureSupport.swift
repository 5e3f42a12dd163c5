import Foundation
import Testing
@testable import LabCore

/// One PyTorch reference case from Fixtures/autodiff (see its PROVENANCE.md).
struct Fixture {
    let name: String
    let params: [String: Double]
    let tensors: [String: (shape: [Int], data: [Double])]
    let expected: [String: (shape: [Int], data: [Double])]

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/autodiff")

    init(_ name: String, dtype: String = "f64") throws {
        self.name = name
        let url = Fixture.directory.appendingPathComponent("\(name).\(dtype).json")
        // A small exact parser: Foundation's JSONSerialization on Linux rounds some
        // doubles in the last bits, and these files are compared bit for bit.
        var parser = MiniJSON(bytes: Array(try Data(contentsOf: url)))
        guard case .object(let object) = try parser.parse() else { throw MiniJSON.Failure.syntax(0) }
        var params: [String: Double] = [:]
        if case .object(let p)? = object["params"] {
            for (k, v) in p { if case .number(let x) = v { params[k] = x } }
        }
        self.params = params
        func table(_ key: String) -> [String: (shape: [Int], data: [Double])] {
            var result: [String: (shape: [Int], data: [Double])] = [:]
            guard case .object(let entries)? = object[key] else { return result }
            for (k, v) in entries {
                guard case .object(let entry) = v, case .array(let shape)? = entry["shape"], case .array(let data)? = entry["data"] else { continue }
                result[k] = (shape.compactMap { if case .number(let x) = $0 { return Int(x) } else { return nil } },
                             data.compactMap { if case .number(let x) = $0 { return x } else { return nil } })
            }
            return result
        }
        tensors = table("tensors")
        expected = table("expected")
    }

    /// An input as a Float32 tensor (inputs are exactly representable).
    func tensor(_ key: String) -> Tensor {
        guard let t = tensors[key] ?? expected[key] else { preconditionFailure("\(name): no input '\(key)'") }
        return Tensor(shape: t.shape, scalars: t.data.map { Float($0) })
    }

    func ints(_ key: String) -> [Int] {
        (tensors[key] ?? expected[key])!.data.map { Int($0) }
    }

    func param(_ key: String) -> Double { params[key]! }

    /// Compares `actual` with expected `key` at |x - ref| <= rel |ref| + floor * scale.
    func check(_ key: String, _ actual: Tensor?, rel: Double = 1e-5, floor: Double = 1e-6, scale explicitScale: Double? = nil,
               sourceLocation: SourceLocation = #_sourceLocation) {
        guard let ref = expected[key] else {
            Issue.record("\(name): no expected '\(key)'", sourceLocation: sourceLocation)
            return
        }
        guard let actual else {
            Issue.record("\(name): '\(key)' missing (no gradient?)", sourceLocation: sourceLocation)
            return
        }
        #expect(actual.shape == ref.shape, "\(name).\(key): shape \(actual.shape) != \(ref.shape)", sourceLocation: sourceLocation)
        guard actual.count == ref.data.count else { return }
        let scale = explicitScale ?? ref.data.map { Swift.abs($0) }.max() ?? 0
        var worst = 0.0, worstIndex = -1
        for i in 0..<ref.data.count {
            let x = Double(actual.scalars[i]), r = ref.data[i]
            let excess = Swift.abs(x - r) - (rel * Swift.abs(r) + floor * scale)
            if excess > worst { worst = excess; worstIndex = i }
        }
        if worstIndex >= 0 {
            Issue.record("\(name).\(key)[\(worstIndex)]: \(actual.scalars[worstIndex]) vs \(ref.data[worstIndex]) (excess \(worst))",
                         sourceLocation: sourceLocation)
        }
    }

    func checkInts(_ key: String, _ actual: [Int], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual == expected[key]!.data.map { Int($0) }, "\(name).\(key)", sourceLocation: sourceLocation)
    }
}

/// Inputs handed to a case body; remembers which were used so only their gradients are checked.
final class CaseInputs {
    let fixture: Fixture
    var leaves: [String: Tensor] = [:]
    init(_ fixture: Fixture) { self.fixture = fixture }
    subscript(_ key: String) -> Tensor {
        if let t = leaves[key] { return t }
        let t = fixture.tensor(key).requiringGradient()
        leaves[key] = t
        return t
    }
    func ints(_ key: String) -> [Int] { fixture.ints(key) }
    func param(_ key: String) -> Double { fixture.param(key) }
}

/// Runs an "upstream" or "loss" case: computes `out`, the scalar loss, back-propagates and
/// compares outputs and every gradient of a used input.
func runCase(_ name: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: (CaseInputs) -> Tensor) throws {
    let fixture = try Fixture(name)
    let inputs = CaseInputs(fixture)
    let out = body(inputs)
    let loss: Tensor
    if fixture.tensors["upstream"] != nil {
        fixture.check("out", out, sourceLocation: sourceLocation)
        let upstream = fixture.tensor("upstream")
        loss = (out * upstream).sum()
        let lossScale = zip(fixture.expected["out"]!.data, upstream.scalars).reduce(0.0) { $0 + Swift.abs($1.0 * Double($1.1)) }
        fixture.check("loss", loss, scale: lossScale, sourceLocation: sourceLocation)
    } else {
        loss = out
        fixture.check("loss", loss, sourceLocation: sourceLocation)
    }
    loss.backward()
    for (key, leaf) in inputs.leaves where fixture.expected["grad_\(key)"] != nil {
        fixture.check("grad_\(key)", leaf.gradient ?? Tensor.zeros(leaf.shape), sourceLocation: sourceLocation)
    }
}

extension Fixture {
    /// Entry `step` of an expected tensor with a leading step axis.
    func expectedStep(_ key: String, _ step: Int) -> (shape: [Int], data: [Double]) {
        let e = expected[key]!
        let inner = Array(e.shape.dropFirst())
        let n = inner.reduce(1, *)
        return (inner, Array(e.data[(step * n)..<((step + 1) * n)]))
    }

    /// A copy of this fixture whose `expected[key]` is step `step` of `key` (for `check`).
    func atStep(_ step: Int, keys: [String]) -> Fixture {
        var copy = self
        var table = expected
        for k in keys where expected[k] != nil { table[k] = expectedStep(k, step) }
        copy = Fixture(name: "\(name)[step \(step + 1)]", params: params, tensors: tensors, expected: table)
        return copy
    }

    /// Input `key` at step `step` of a tensor with a leading step axis.
    func inputStep(_ key: String, _ step: Int) -> Tensor {
        let t = tensors[key]!
        let inner = Array(t.shape.dropFirst())
        let n = inner.reduce(1, *)
        return Tensor(shape: inner, scalars: t.data[(step * n)..<((step + 1) * n)].map { Float($0) })
    }

    init(name: String, params: [String: Double], tensors: [String: (shape: [Int], data: [Double])],
         expected: [String: (shape: [Int], data: [Double])]) {
        self.name = name
        self.params = params
        self.tensors = tensors
        self.expected = expected
    }
}

/// Just enough JSON for the fixture files, with numbers parsed by `Double(String)` (exact).
struct MiniJSON {
    enum Value { case object([String: Value]), array([Value]), number(Double), string(String), other }
    enum Failure: Error { case syntax(Int) }
    let bytes: [UInt8]
    var i = 0
    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func skip() { while i < bytes.count, [9, 10, 13, 32].contains(bytes[i]) { i += 1 } }

    mutating func parse() throws -> Value {
        skip()
        guard i < bytes.count else { throw Failure.syntax(i) }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var result: [String: Value] = [:]
            skip()
            if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(result) }
            while true {
                skip()
                guard case .string(let key) = try parse() else { throw Failure.syntax(i) }
                skip()
                guard bytes[i] == UInt8(ascii: ":") else { throw Failure.syntax(i) }
                i += 1
                result[key] = try parse()
                skip()
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                guard bytes[i] == UInt8(ascii: "}") else { throw Failure.syntax(i) }
                i += 1
                return .object(result)
            }
        case UInt8(ascii: "["):
            i += 1
            var result: [Value] = []
            skip()
            if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(result) }
            while true {
                result.append(try parse())
                skip()
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                guard bytes[i] == UInt8(ascii: "]") else { throw Failure.syntax(i) }
                i += 1
                return .array(result)
            }
        case UInt8(ascii: "\""):
            i += 1
            let start = i
            while bytes[i] != UInt8(ascii: "\"") { if bytes[i] == UInt8(ascii: "\\") { i += 1 }; i += 1 }
            defer { i += 1 }
            return .string(String(decoding: bytes[start..<i], as: UTF8.self))
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            while i < bytes.count, (97...122).contains(bytes[i]) { i += 1 }
            return .other
        default:
            let start = i
            while i < bytes.count, !",]} \n\r\t".utf8.contains(bytes[i]) { i += 1 }
            guard let x = Double(String(decoding: bytes[start..<i], as: UTF8.self)) else { throw Failure.syntax(start) }
            return .number(x)
        }
    }
}
