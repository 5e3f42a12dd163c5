import CGSL
import CLabKernels

/// tanh of `count` floats from `x` into `out`, without calling the C library.
///
/// glibc's `tanhf` costs about 16 ns a call and was the largest cost outside sgemm in a
/// GAN iteration. This kernel computes in double precision and rounds once, so each
/// result is within one float ulp of the exact value (the C library's is too), and has no
/// branches or calls, so the loop vectorizes:
/// - |x| < 0.5: the odd Taylor series of tanh to x^21 (truncation error below 1e-11);
/// - otherwise `1 - 2 / (exp(2|x|) + 1)`, with `exp` by range reduction to
///   |r| <= ln(2)/2 and a degree-13 polynomial; |x| is capped at 20, where tanh rounds to 1.
///
/// On CPUs with AVX-512 `rllab_tanh_avx512` (in CGSL's shim) does the same operations
/// 8 lanes at a time, with AVX2 `rllab_tanh_avx2` 4 at a time, so results are identical
/// on every path (``CPUFeatures/force(_:)`` runs each in the tests).
@inline(__always)
func tanhKernel(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
    // Each element is computed alone (the vector lanes equal the scalar loop), so pieces
    // on several threads give the same bits.
    ComputeThreads.forEachPiece(count: count) { r in
        let done: Int
        switch CPUFeatures.level {
        case .avx512: done = rllab_tanh_avx512(x + r.lowerBound, out + r.lowerBound, r.count)
        case .avx2: done = rllab_tanh_avx2(x + r.lowerBound, out + r.lowerBound, r.count)
        case .portable: done = 0
        }
        for i in (r.lowerBound + done)..<r.upperBound {
            out[i] = tanhDouble(Double(x[i]))
        }
    }
}

/// One element of ``tanhKernel(_:_:count:)``.
@inline(__always)
func tanhDouble(_ d: Double) -> Float {
    let nan = d.isNaN
    let a = nan ? 0 : Swift.min(Swift.abs(d), 20)
    // Small |x|: x * (1 + c1 u + c2 u^2 + ...), u = x^2, Horner form.
    let u = a * a
    var p = 9.691537956929451e-05
    p = p * u - 0.00023912911424355248
    p = p * u + 0.000590027440945586
    p = p * u - 0.0014558343870513183
    p = p * u + 0.003592128036572481
    p = p * u - 0.008863235529902197
    p = p * u + 0.021869488536155203
    p = p * u - 0.05396825396825397
    p = p * u + 0.13333333333333333
    p = p * u - 0.3333333333333333
    p = p * u + 1.0
    let small = a * p
    // Larger |x|: exp(2a) = 2^k exp(r), r = 2a - k ln 2 with ln 2 split for accuracy.
    let y = 2 * a
    // Round y / ln 2 to an integer k by the 1.5 * 2^52 trick (plain adds, so the loop
    // vectorizes); k then sits in the low bits of `shifted`.
    let magic = 6755399441055744.0
    let shifted = y * 1.4426950408889634 + magic
    let k = shifted - magic
    let r = (y - k * 0.6931471803691238) - k * 1.9082149292705877e-10
    var e = 1.0 / 6227020800.0
    e = e * r + 1.0 / 479001600.0
    e = e * r + 1.0 / 39916800.0
    e = e * r + 1.0 / 3628800.0
    e = e * r + 1.0 / 362880.0
    e = e * r + 1.0 / 40320.0
    e = e * r + 1.0 / 5040.0
    e = e * r + 1.0 / 720.0
    e = e * r + 1.0 / 120.0
    e = e * r + 1.0 / 24.0
    e = e * r + 1.0 / 6.0
    e = e * r + 0.5
    e = e * r + 1.0
    e = e * r + 1.0
    // 2^k from its exponent bits (k is between 0 and 58 here).
    let scale = Double(bitPattern: (shifted.bitPattern &- magic.bitPattern &+ 1023) &<< 52)
    let large = 1 - 2 / (e * scale + 1)
    let magnitude = a < 0.5 ? small : large
    let signed = d.sign == .minus ? -magnitude : magnitude
    return nan ? Float(d) : Float(signed)
}
