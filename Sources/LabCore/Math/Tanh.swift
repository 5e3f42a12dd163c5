import CGSL
import CLabKernels

/// tanh of `count` floats from `x` into `out`, without calling the C library.
///
/// glibc's `tanhf` costs about 16 ns a call and was the largest cost outside sgemm in a
/// GAN iteration; a double-precision kernel that replaced it was still 27% of PPO's
/// CartPole-v1 training. This kernel computes in single precision with fused
/// multiply-adds (each rounded once, on every path) and has no branches or calls, so it
/// runs 8 lanes at a time:
/// - |x| < 0.55: `x + x u P(u)`, `u = x²`, `P` a degree-4 near-minimax fit (relative
///   error about 1e-9 before rounding);
/// - otherwise `1 - 2 / (exp(2|x|) + 1)`, with `exp` by range reduction to
///   |r| <= ln(2)/2 and `exp(r) - 1 = r + r² Q(r)`, `Q` Taylor's to r⁷ (its coefficients rounded to float); |x| is capped at
///   20, where tanh rounds to 1.
///
/// Every finite float's result is within one ulp of the correctly rounded tanh (checked
/// over all 2³² inputs against the C library's double tanh rounded to float: 6.6 million
/// of the 4.28 billion finite floats, 0.15%, differ by that ulp); signs, zeros,
/// infinities and NaN are kept.
///
/// On CPUs with AVX2 and FMA (AVX-512 ones included) `rllab_tanh_avx2` does the same
/// operations 8 lanes at a time, so results are identical on every path
/// (``CPUFeatures/force(_:)`` runs each in the tests).
@inline(__always)
func tanhKernel(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
    // Each element is computed alone (the vector lanes equal the scalar loop), so pieces
    // on several threads give the same bits.
    ComputeThreads.forEachPiece(count: count) { r in
        let done: Int
        switch CPUFeatures.level {
        case .avx512, .avx2: done = rllab_tanh_avx2(x + r.lowerBound, out + r.lowerBound, r.count)
        case .portable: done = 0
        }
        for i in (r.lowerBound + done)..<r.upperBound {
            out[i] = tanhElement(x[i])
        }
    }
}

/// One element of ``tanhKernel(_:_:count:)``. `c.addingProduct(a, b)` is the fused
/// `a * b + c` (`_mm256_fmadd_ps(a, b, c)` in the vector kernel).
@inline(__always)
func tanhElement(_ x: Float) -> Float {
    let nan = x.isNaN
    let a: Float = nan ? 0 : Swift.min(Swift.abs(x), 20)
    // Small |x|: x + x u P(u), Horner form.
    let u = a * a
    var p: Float = -0.006282980088144541
    p = Float(0.02107815630733967).addingProduct(p, u)
    p = Float(-0.05385396629571915).addingProduct(p, u)
    p = Float(0.13332602381706238).addingProduct(p, u)
    p = Float(-0.33333319425582886).addingProduct(p, u)
    let small = a.addingProduct(a * u, p)
    // Larger |x|: exp(2a) = 2^k exp(r), r = 2a - k ln 2 with ln 2 split for accuracy.
    let y = 2 * a
    // Round y / ln 2 to an integer k by the 1.5 * 2^23 trick (plain arithmetic, so the
    // loop vectorizes); k then sits in the low bits of `shifted`.
    let magic: Float = 12582912
    let shifted = magic.addingProduct(y, 1.4426950216293335)
    let k = shifted - magic
    var r = y.addingProduct(-k, 0.693145751953125)
    r = r.addingProduct(-k, 1.428606765330187e-06)
    var q: Float = 0.00019841270113829523
    q = Float(0.0013888889225199819).addingProduct(q, r)
    q = Float(0.008333333767950535).addingProduct(q, r)
    q = Float(0.0416666679084301).addingProduct(q, r)
    q = Float(0.1666666716337204).addingProduct(q, r)
    q = Float(0.5).addingProduct(q, r)
    let expm1 = r.addingProduct(r * r, q)
    // 2^k from its exponent bits (k is between 0 and 58 here).
    let scale = Float(bitPattern: (shifted.bitPattern &- magic.bitPattern &+ 127) &<< 23)
    let e = scale.addingProduct(scale, expm1)
    let large = 1 - 2 / (e + 1)
    let magnitude = a < 0.55 ? small : large
    let signed = x.sign == .minus ? -magnitude : magnitude
    return nan ? x : signed
}

/// `g (1 - y²)` for `count` elements: the gradient through tanh from its output `y`
/// (the tape's tanh backward). One multiplication, one subtraction and one
/// multiplication per element, each rounded (never fused), so the AVX2 lanes
/// (`rllab_tanh_backward_avx2`) and the portable loop give the same bits.
@inline(__always)
func tanhBackwardKernel(_ g: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
    ComputeThreads.forEachPiece(count: count) { r in
        let done: Int
        switch CPUFeatures.level {
        case .avx512, .avx2: done = rllab_tanh_backward_avx2(g + r.lowerBound, y + r.lowerBound, out + r.lowerBound, r.count)
        case .portable: done = 0
        }
        for i in (r.lowerBound + done)..<r.upperBound {
            out[i] = g[i] * (1 - y[i] * y[i])
        }
    }
}
