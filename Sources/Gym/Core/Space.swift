import Foundation

/// A finite set of integers `{start, start + 1, ..., start + n - 1}`, as Gymnasium's
/// `spaces.Discrete`.
public struct Discrete: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The number of elements (positive).
    public let n: Int
    /// The smallest element.
    public let start: Int

    /// Creates `Discrete(n, start=start)`; `n` must be positive.
    public init(_ n: Int, start: Int = 0) {
        precondition(n > 0, "Discrete(n) needs a positive n, got \(n)")
        self.n = n
        self.start = start
    }

    /// Whether `value` is one of the elements.
    @inlinable public func contains(_ value: Int) -> Bool {
        value >= start && value - start < n
    }

    /// A uniformly chosen element.
    @inlinable public func sample(using random: RandomSource) -> Int {
        start + random.uniformIndex(below: n)
    }

    public var description: String {
        start == 0 ? "Discrete(\(n))" : "Discrete(\(n), start=\(start))"
    }
}

/// A (possibly unbounded) box in float32 space, as Gymnasium's `spaces.Box(dtype=float32)`.
///
/// `low` and `high` are flattened in row-major order; `shape` gives the dimensions.
public struct Box: Equatable, Sendable, CustomStringConvertible {
    /// Lower bounds, one per element (`-infinity` for unbounded).
    public let low: [Float]
    /// Upper bounds, one per element (`+infinity` for unbounded).
    public let high: [Float]
    /// The dimensions; their product is `low.count`.
    public let shape: [Int]

    /// Creates a box from per-element bounds and a shape.
    ///
    /// - Throws: ``EnvironmentError`` when the counts disagree with the shape or a
    ///   lower bound exceeds its upper bound.
    public init(low: [Float], high: [Float], shape: [Int]) throws {
        let count = shape.reduce(1, *)
        guard low.count == count, high.count == count, shape.allSatisfy({ $0 >= 0 }) else {
            throw EnvironmentError(.invalidState, "Box bounds have \(low.count) and \(high.count) elements but shape \(shape) needs \(count)")
        }
        for i in 0..<count where !(low[i] <= high[i]) {
            throw EnvironmentError(.invalidState, "Box bound \(i): low \(low[i]) is not <= high \(high[i])")
        }
        self.low = low
        self.high = high
        self.shape = shape
    }

    /// Creates a one-dimensional box; the bounds must have the same count.
    public init(low: [Float], high: [Float]) {
        precondition(low.count == high.count, "Box bounds must have the same count")
        self.low = low
        self.high = high
        self.shape = [low.count]
    }

    /// Creates a box with the same bounds for every element, e.g. `Box(low: -2, high: 2, shape: [1])`.
    public init(low: Float, high: Float, shape: [Int]) {
        let count = shape.reduce(1, *)
        self.low = Array(repeating: low, count: count)
        self.high = Array(repeating: high, count: count)
        self.shape = shape
    }

    /// The number of elements (the product of `shape`).
    @inlinable public var count: Int { low.count }

    /// Whether `values` has the box's size and every element lies within its bounds
    /// (NaN never does).
    public func contains(_ values: [Float]) -> Bool {
        values.count == low.count && values.indices.allSatisfy { values[$0] >= low[$0] && values[$0] <= high[$0] }
    }

    /// A random element, drawn as Gymnasium does: uniform on bounded coordinates,
    /// normal on unbounded ones, shifted exponential on half-bounded ones.
    public func sample(using random: RandomSource) -> [Float] {
        var values = [Float](repeating: 0, count: low.count)
        sample(using: random, into: &values)
        return values
    }

    /// Draws a random element into `values` (``count`` numbers), as ``sample(using:)``
    /// does, without allocating.
    public func sample(using random: RandomSource, into values: inout [Float]) {
        precondition(values.count == low.count, "Box.sample(into:): \(values.count) numbers, the box has \(low.count)")
        for i in 0..<low.count {
            let lo = Double(low[i]), hi = Double(high[i])
            let value: Double
            switch (lo.isFinite, hi.isFinite) {
            case (true, true): value = random.uniform(lo, hi)
            case (false, false): value = random.gaussian()
            case (true, false): value = lo - log(random.uniformPositive())
            case (false, true): value = hi + log(random.uniformPositive())
            }
            values[i] = min(max(Float(value), low[i]), high[i])
        }
    }

    public var description: String {
        func format(_ values: [Float]) -> String {
            if let first = values.first, values.allSatisfy({ $0 == first }) { return "\(first)" }
            return "[" + values.map { "\($0)" }.joined(separator: " ") + "]"
        }
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        return "Box(\(format(low)), \(format(high)), \(shapeText), float32)"
    }
}

/// An observation or action space: either ``Discrete`` or a float32 ``Box``.
public enum Space: Equatable, Sendable, CustomStringConvertible {
    case discrete(Discrete)
    case box(Box)

    /// Whether this is a discrete space.
    public var isDiscrete: Bool { discrete != nil }

    /// The discrete space, if this is one.
    public var discrete: Discrete? {
        if case .discrete(let d) = self { return d }
        return nil
    }

    /// The box, if this is one.
    public var box: Box? {
        if case .box(let b) = self { return b }
        return nil
    }

    /// The length of a flattened element: 1 for a discrete space (its index), the
    /// number of elements for a box (Gymnasium's `flatdim` one-hot-encodes a
    /// discrete space; RLLab agents that want one-hot use ``discrete`` and `n`).
    public var flatDimension: Int {
        switch self {
        case .discrete: return 1
        case .box(let b): return b.count
        }
    }

    /// A random action in this space.
    public func sample(using random: RandomSource) -> Action {
        switch self {
        case .discrete(let d): return .discrete(d.sample(using: random))
        case .box(let b): return .continuous(b.sample(using: random))
        }
    }

    /// Whether `action` is an element of this space.
    @inlinable public func contains(_ action: Action) -> Bool {
        switch (self, action) {
        case (.discrete(let d), .discrete(let a)): return d.contains(a)
        case (.box(let b), .continuous(let v)): return b.contains(v)
        default: return false
        }
    }

    /// Whether `observation` is an element of this space.
    public func contains(_ observation: Observation) -> Bool {
        switch (self, observation) {
        case (.discrete(let d), .discrete(let o)): return d.contains(o)
        case (.box(let b), .vector(let v)): return b.contains(v)
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .discrete(let d): return d.description
        case .box(let b): return b.description
        }
    }
}
