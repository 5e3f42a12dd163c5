#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One recorded tensor-level operation: what was computed, from which nodes, and the
/// values its derivative needs.
///
/// Every differentiable operation that has at least one input on the tape appends one
/// node. Nodes point back to their inputs, so the graph reachable from a result *is* the
/// tape of everything it depends on; ``Tensor/backward()`` replays it in reverse
/// creation (topological) order. Operations on tensors with no history record nothing,
/// which is why inference and target networks cost no autodiff overhead.
final class TapeNode {
    var op: Op
    let a: TapeNode?
    let b: TapeNode?
    /// Extra inputs (only `concat` has more than two).
    let rest: [TapeNode?]
    /// The accumulated gradient of the loss with respect to this node's value.
    var grad: Tensor?
    /// Shape of the value this node produced (gradients come in this shape).
    let shape: [Int]
    /// Bookkeeping for the topological sort in `backward`.
    var visitMark: UInt32 = 0
    /// Bookkeeping for ``Tensor/backward(splittingBetween:and:)``: which of its two
    /// parameter sets this node leads to (bit 0 the first, bit 1 the second).
    var side: UInt8 = 0

    init(_ op: Op, shape: [Int], a: TapeNode?, b: TapeNode? = nil, rest: [TapeNode?] = []) {
        self.op = op
        self.shape = shape
        self.a = a
        self.b = b
        self.rest = rest
    }

    /// A leaf: a tensor whose gradient the user wants (a parameter or a marked input).
    convenience init(leafShape: [Int]) { self.init(.leaf, shape: leafShape, a: nil) }

    var isLeaf: Bool { if case .leaf = op { return true } else { return false } }
    var inputCount: Int { 2 + rest.count }
    func input(_ i: Int) -> TapeNode? { i == 0 ? a : i == 1 ? b : rest[i - 2] }

    /// Adds `g` into this node's gradient (gradients of a value used twice add up).
    func accumulate(_ g: Tensor) {
        if grad == nil {
            grad = g.detached()
        } else {
            grad!.addInPlace(g)
        }
    }
}

/// Whether operations record onto the tape, per thread (PyTorch's grad mode).
enum GradMode {
    // A pthread key, not a global flag: independent runs train on several threads at once.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    @inline(__always)
    static var isEnabled: Bool { pthread_getspecific(key) == nil }

    static func set(enabled: Bool) -> UnsafeMutableRawPointer? {
        let old = pthread_getspecific(key)
        pthread_setspecific(key, enabled ? nil : UnsafeRawPointer(bitPattern: 1))
        return old
    }

    static func restore(_ old: UnsafeMutableRawPointer?) { pthread_setspecific(key, old) }
}

/// Runs `body` without recording operations for differentiation (PyTorch's
/// `torch.no_grad()`): for inference, target networks and metrics.
public func withoutGradient<T>(_ body: () throws -> T) rethrows -> T {
    let old = GradMode.set(enabled: false)
    defer { GradMode.restore(old) }
    return try body()
}

/// Whether operations on this thread currently record for differentiation.
public var isGradientRecordingEnabled: Bool { GradMode.isEnabled }

extension Tensor {
    /// Records `op` for the result of an operation whose inputs are `x` (and `y`), when
    /// any of them is on the tape and recording is enabled.
    @inline(__always)
    static func record(_ op: @autoclosure () -> Op, shape: [Int], _ x: Tensor, _ y: Tensor? = nil) -> TapeNode? {
        let na = x.node, nb = y?.node
        guard na != nil || nb != nil, GradMode.isEnabled else { return nil }
        return TapeNode(op(), shape: shape, a: na, b: nb)
    }

    /// `value`, computed by the caller from `x` and `y`, recorded as one operation whose
    /// input gradients `backward` computes from the output gradient (PyTorch's
    /// `autograd.Function`): a composite of many small operations (a loss) then costs one
    /// tape node instead of one per operation.
    ///
    /// `backward` returns the gradients with respect to `x` and `y` (their shapes), or nil
    /// for an input that gets none; it runs once, in ``backward(seed:)``.
    public static func recordingFunction(_ value: Tensor, of x: Tensor, _ y: Tensor,
                                         backward: @escaping (_ gradient: Tensor) -> (Tensor?, Tensor?)) -> Tensor {
        var out = value.detached()
        out.node = record(.function(backward: backward), shape: value.shape, x, y)
        return out
    }

    /// This tensor as a leaf whose gradient ``backward()`` will compute (PyTorch's
    /// `requires_grad_()`). Read the result with ``gradient``.
    public func requiringGradient() -> Tensor {
        Tensor(shape: shape, storage: storage, node: TapeNode(leafShape: shape))
    }

    /// The gradient accumulated into this leaf by ``backward()``, if any.
    public var gradient: Tensor? { node?.grad }

    /// Back-propagates from this scalar (PyTorch's `loss.backward()`): adds d self / d leaf
    /// into the gradient of every leaf it depends on.
    public func backward() {
        precondition(count == 1, "backward() needs a scalar; use backward(seed:) for a tensor of shape \(shape)")
        backward(seed: Tensor(repeating: 1, shape: shape))
    }

    /// Back-propagates with `seed` as the gradient of this tensor (a vector-Jacobian product).
    ///
    /// Intermediate gradients and saved values are released afterwards (PyTorch's default
    /// `retain_graph=False`), so a graph can be back-propagated once.
    public func backward(seed: Tensor) {
        precondition(seed.shape == shape, "backward(seed:): seed shape \(seed.shape) != \(shape)")
        guard let root = node else { return }
        let order = Tensor.topologicalOrder(from: root)
        root.accumulate(seed)
        Tensor.propagate(order, from: order.count - 1, through: 0)
    }

    /// Propagates the gradients of `order[from]`, `order[from - 1]`, ... `order[through]`
    /// (reverse topological order), those of `side` only when it is given.
    private static func propagate(_ order: [TapeNode], from: Int, through: Int, side: UInt8? = nil) {
        var i = from
        while i >= through {
            let current = order[i]
            i -= 1
            if let side, current.side != side { continue }
            guard var g = current.grad else { continue }
            if current.isLeaf { continue }
            // Taken out of the node first, so that an operation may reuse its storage.
            current.grad = nil
            Tensor.propagate(current, &g)
            // Drop saved values now (PyTorch's retain_graph=False): they may share storage
            // with parameters, which the optimizer is about to update in place.
            current.op = .released
        }
    }

    /// ``backward()`` with the work split over two threads (``runConcurrently(_:_:)``)
    /// where the graph falls apart into a part that leads only to `first`'s parameters and
    /// one that leads only to `second`'s, such as the separate policy and value networks
    /// under an actor-critic loss: the same operations on the same numbers in the same
    /// order for every node, so the same bits as ``backward()``.
    ///
    /// The nodes that lead to both sets (or to any other leaf), the loss's top, are
    /// back-propagated first, on this thread; then each part on its own thread, each in
    /// the order ``backward()`` visits its nodes. A node's gradient adds up its users'
    /// contributions in that order too, because every user of a node of one part is of
    /// that part or of the top. The split is used only when the top comes entirely
    /// before both parts in ``backward()``'s order (it does for a loss built on the two
    /// networks' outputs); otherwise, or with one compute thread, this is ``backward()``.
    public func backward(splittingBetween first: [Parameter], and second: [Parameter]) {
        precondition(count == 1, "backward() needs a scalar; use backward(seed:) for a tensor of shape \(shape)")
        guard let root = node else { return }
        guard runsConcurrently else { return backward() }
        let order = Tensor.topologicalOrder(from: root)
        root.accumulate(Tensor(repeating: 1, shape: shape))
        // Sides: 1 leads only to `first`, 2 only to `second`, 3 to both or to another leaf.
        for p in first { p.leaf.side = 1 }
        for p in second { p.leaf.side |= 2 }
        var top = order.count
        var firstCount = 0, secondCount = 0
        for n in order {
            if n.isLeaf {
                if n.side == 0 { n.side = 3 }
            } else {
                var side: UInt8 = 0
                for k in 0..<n.inputCount { if let input = n.input(k) { side |= input.side } }
                n.side = side == 0 ? 3 : side
            }
            if n.side == 1 { firstCount += 1 } else if n.side == 2 { secondCount += 1 }
        }
        // The top must be a prefix of the reverse order: find its end, check nothing follows.
        while top > 0 && order[top - 1].side == 3 { top -= 1 }
        if firstCount > 0 && secondCount > 0 && !order[..<top].contains(where: { $0.side == 3 && !$0.isLeaf }) {
            Tensor.propagate(order, from: order.count - 1, through: top)
            runConcurrently({ Tensor.propagate(order, from: top - 1, through: 0, side: 1) },
                            { Tensor.propagate(order, from: top - 1, through: 0, side: 2) })
        } else {
            Tensor.propagate(order, from: order.count - 1, through: 0)
        }
        for n in order { n.side = 0 }
        for p in first + second { p.leaf.side = 0 }
    }

    /// Every node reachable from `root`, inputs before the nodes that use them.
    static func topologicalOrder(from root: TapeNode) -> [TapeNode] {
        var order: [TapeNode] = []
        order.reserveCapacity(32)
        // Iterative post-order DFS; marks are cleared again below so the next call
        // (possibly from another root sharing nodes) starts clean.
        let mark: UInt32 = 1
        var stack: [(TapeNode, Int)] = [(root, 0)]
        root.visitMark = mark
        while let (current, next) = stack.last {
            let inputs = current.inputCount
            if next < inputs {
                stack[stack.count - 1].1 = next + 1
                if let child = current.input(next), child.visitMark != mark {
                    child.visitMark = mark
                    stack.append((child, 0))
                }
            } else {
                stack.removeLast()
                order.append(current)
            }
        }
        for n in order { n.visitMark = 0 }
        return order
    }
}

/// A trainable tensor owned by a layer (PyTorch's `nn.Parameter`).
///
/// Layers compute with ``tensor``, which records onto the tape while the parameter is
/// trainable; ``backward()`` adds into ``grad``; optimizers update ``value`` in place.
/// Set ``isTrainable`` to `false` to freeze it (no gradient is computed for it).
public final class Parameter {
    /// A name for checkpoints (`weight`, `bias`; containers prefix it with their path).
    public var name: String
    /// The current values (not recorded; write to it freely).
    ///
    /// Keep the shape: layers and optimizers rely on it. (No observer checks it, because
    /// an observer would force a copy of the storage on every in-place update.)
    public var value: Tensor
    /// Whether gradients are computed for this parameter.
    public var isTrainable: Bool = true
    let leaf: TapeNode

    /// Creates a parameter holding `value`.
    public init(_ value: Tensor, name: String = "") {
        self.value = value.detached()
        self.name = name
        self.leaf = TapeNode(leafShape: value.shape)
    }

    /// The value as a tensor that records onto the tape when trainable.
    public var tensor: Tensor {
        Tensor(shape: value.shape, storage: value.storage, node: isTrainable ? leaf : nil)
    }

    /// The shape of the value.
    public var shape: [Int] { value.shape }

    /// The accumulated gradient (`nil` until a backward pass reaches this parameter).
    public var grad: Tensor? {
        get { leaf.grad }
        set {
            precondition(newValue == nil || newValue!.shape == value.shape, "Parameter \(name): gradient shape mismatch")
            leaf.grad = newValue
        }
    }

    /// Forgets the accumulated gradient (PyTorch's `zero_grad(set_to_none=True)`).
    public func zeroGrad() { leaf.grad = nil }
}

extension Array where Element == Parameter {
    /// Clears every parameter's gradient.
    public func zeroGrad() { for p in self { p.zeroGrad() } }
}
