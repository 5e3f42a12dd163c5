/// The buffer behind a ``Tensor``: a fixed-size, manually managed run of `Float`s.
///
/// A class so that tensors share it cheaply and copy it only on write (COW); raw memory
/// (not `[Float]`) so kernels run on plain pointers without bounds or uniqueness checks.
public final class TensorStorage {
    /// Number of elements.
    public let count: Int
    /// The elements, row-major.
    public let base: UnsafeMutablePointer<Float>

    init(count: Int) {
        self.count = count
        base = .allocate(capacity: Swift.max(count, 1))
    }

    convenience init(repeating value: Float, count: Int) {
        self.init(count: count)
        base.initialize(repeating: value, count: count)
    }

    func copy() -> TensorStorage {
        let other = TensorStorage(count: count)
        other.base.initialize(from: base, count: count)
        return other
    }

    deinit { base.deallocate() }
}

/// Errors for tensors built from user-supplied shapes and data.
public enum TensorError: Error, CustomStringConvertible, Equatable {
    /// The data does not fill the shape.
    case shapeMismatch(String)

    public var description: String {
        switch self {
        case .shapeMismatch(let message): return message
        }
    }
}

/// An n-dimensional array of `Float`, contiguous and row-major (the last index varies
/// fastest), with value semantics.
///
/// Copies share storage until one of them is written (copy-on-write). A tensor that
/// depends on a trainable ``Parameter`` or on a tensor marked with
/// ``requiringGradient()`` carries a node of the autodiff graph; ``backward()`` on a
/// scalar result fills the gradients of those leaves.
///
/// ```swift
/// let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
/// let y = (x * 2 + 1).sum(axis: 1)      // [2]
/// ```
public struct Tensor {
    /// The size of each dimension; `[]` for a scalar.
    public internal(set) var shape: [Int]
    @usableFromInline var storage: TensorStorage
    /// The autodiff node that produced this tensor, if it is being differentiated.
    var node: TapeNode?

    init(shape: [Int], storage: TensorStorage, node: TapeNode? = nil) {
        self.shape = shape
        self.storage = storage
        self.node = node
    }

    /// A tensor of the given shape whose elements are not initialised (kernels fill it).
    init(uninitializedShape shape: [Int]) {
        self.shape = shape
        self.storage = TensorStorage(count: Tensor.elementCount(shape))
    }

    /// A tensor filled with `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.shape = shape
        self.storage = TensorStorage(repeating: value, count: Tensor.elementCount(shape))
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }
    /// A tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }
    /// A tensor filled with `value`.
    public static func filled(_ shape: [Int], with value: Float) -> Tensor { Tensor(repeating: value, shape: shape) }

    /// A rank-0 tensor.
    public init(_ scalar: Float) {
        self.init(repeating: scalar, shape: [])
    }

    /// A rank-1 tensor holding `scalars`.
    public init(_ scalars: [Float]) {
        self.init(shape: [scalars.count], scalars: scalars)
    }

    /// A tensor with the given shape and row-major elements.
    ///
    /// The count must match the shape (a programming error otherwise); for data from
    /// users or files use ``init(validatingShape:scalars:)``.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 } && Tensor.elementCount(shape) == scalars.count,
                     "Tensor: \(scalars.count) scalars do not fill shape \(shape)")
        self.shape = shape
        self.storage = TensorStorage(count: scalars.count)
        scalars.withUnsafeBufferPointer { storage.base.initialize(from: $0.baseAddress!, count: scalars.count) }
    }

    /// A tensor with the given shape and row-major elements, checking that they match.
    ///
    /// - Throws: ``TensorError/shapeMismatch(_:)`` when the count does not fill the shape.
    public init(validatingShape shape: [Int], scalars: [Float]) throws {
        guard shape.allSatisfy({ $0 >= 0 }), Tensor.elementCount(shape) == scalars.count else {
            throw TensorError.shapeMismatch("\(scalars.count) values do not fill shape \(shape)")
        }
        self.init(shape: shape, scalars: scalars)
    }

    /// A tensor of the given shape from 2-D nested arrays (rows of equal length).
    public init(_ rows: [[Float]]) {
        let columns = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == columns }, "Tensor: rows of unequal length")
        self.init(shape: [rows.count, columns], scalars: rows.flatMap { $0 })
    }

    /// Elements drawn uniformly from [`low`, `high`).
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, source: RandomSource) -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        let p = t.storage.base
        // The numbers `source.uniform(low, high)` gives one by one, drawn in batches.
        let lo = Double(low), width = Double(high) - Double(low)
        source.inBatches(t.count) { offset, u in
            for i in 0..<u.count { p[offset + i] = Float(lo + width * u[i]) }
        }
        return t
    }

    /// Elements drawn from a normal distribution.
    public static func normal(_ shape: [Int], mean: Float = 0, standardDeviation: Float = 1, source: RandomSource) -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        let p = t.storage.base
        // The numbers `source.gaussian(mean:standardDeviation:)` gives one by one.
        source.gaussianFloats(p, count: t.count, mean: Double(mean), standardDeviation: Double(standardDeviation))
        return t
    }

    // MARK: Inspection

    /// Number of elements.
    @inlinable public var count: Int { storage.count }
    /// Number of dimensions.
    public var rank: Int { shape.count }
    /// The elements in row-major order.
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: storage.base, count: count)) }
    /// The single element of a one-element tensor (PyTorch's `item()`).
    public var scalar: Float {
        precondition(count == 1, "scalar: tensor of shape \(shape) has \(count) elements")
        return storage.base[0]
    }

    /// The element at a row-major flat index.
    public subscript(flat index: Int) -> Float {
        get { precondition(index >= 0 && index < count); return storage.base[index] }
        set { precondition(index >= 0 && index < count); makeUnique(); storage.base[index] = newValue }
    }

    /// The element at a multi-dimensional index.
    public subscript(_ indices: Int...) -> Float {
        get { storage.base[flatIndex(indices)] }
        set { let i = flatIndex(indices); makeUnique(); storage.base[i] = newValue }
    }

    func flatIndex(_ indices: [Int]) -> Int {
        precondition(indices.count == shape.count, "index \(indices) does not match shape \(shape)")
        var flat = 0
        for (i, dim) in shape.enumerated() {
            precondition(indices[i] >= 0 && indices[i] < dim, "index \(indices) out of range for shape \(shape)")
            flat = flat * dim + indices[i]
        }
        return flat
    }

    /// Calls `body` with the elements (read-only).
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.base, count: storage.count))
    }

    /// Calls `body` with the elements for writing, copying the storage first if shared.
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.base, count: storage.count))
    }

    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// The same values with no autodiff history (PyTorch's `detach()`).
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

    /// Whether this tensor takes part in differentiation.
    public var requiresGradient: Bool { node != nil }

    static func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// Row-major strides of `shape`.
    static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var s = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) { strides[i] = s; s *= shape[i] }
        return strides
    }

    /// Normalises a possibly negative axis.
    func axisIndex(_ axis: Int) -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < rank, "axis \(axis) out of range for shape \(shape)")
        return a
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(16).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(count > 16 ? ", ..." : "")])"
    }
}
