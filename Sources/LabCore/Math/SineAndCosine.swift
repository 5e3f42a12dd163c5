import CGSL

/// `(sin(x), cos(x))` from one call of the C library's `sincos`.
///
/// With glibc the two values are bit-identical to separate `sin` and `cos` calls (the
/// functions share one implementation; `GymTests` checks it on this machine), so
/// environments that must match Gymnasium's `math.sin`/`math.cos` bit for bit may use it,
/// and save the second argument reduction.
@inlinable @inline(__always)
public func sineAndCosine(_ x: Double) -> (sin: Double, cos: Double) {
    var s = 0.0, c = 0.0
    rllab_sincos(x, &s, &c)
    return (s, c)
}

/// ``sineAndCosine(_:)`` writing through pointers, for kernels that fill buffers.
@inlinable @inline(__always)
public func sineAndCosine(_ x: Double, sine: UnsafeMutablePointer<Double>, cosine: UnsafeMutablePointer<Double>) {
    rllab_sincos(x, sine, cosine)
}
