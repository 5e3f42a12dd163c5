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
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        params = (object["params"] as? [String: Any] ?? [:]).mapValues { ($0 as! NSNumber).doubleValue }
        func table(_ key: String) -> [String: (shape: [Int], data: [Double])] {
            var result: [String: (shape: [Int], data: [Double])] = [:]
            for (k, v) in object[key] as? [String: Any] ?? [:] {
                let entry = v as! [String: Any]
                let shape = (entry["shape"] as! [Any]).map { ($0 as! NSNumber).intValue }
                let data = (entry["data"] as! [Any]).map { ($0 as! NSNumber).doubleValue }
                result[k] = (shape, data)
            }
            return result
        }
        tensors = table("tensors")
        expected = table("expected")
    }

    /// An input as a Float32 tensor (inputs are exactly representable).
    func tensor(_ key: String) -> Tensor {
        let t = tensors[key]!
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
