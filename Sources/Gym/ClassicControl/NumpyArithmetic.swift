import CGymKernels
import Foundation

// The few places where Gymnasium's classic-control code does not compute what plain
// IEEE arithmetic in Swift would: numpy's scalar power and its float32 sine and cosine.
// Every other operation of those environments is a single IEEE operation on float64 or
// float32, which Swift performs identically (Swift never fuses a multiply and an add).

/// numpy's `np.float64(x) ** y` and Python's `x ** y` for floats: the C library's `pow`.
///
/// glibc's `pow(x, 2)` is not always the correctly rounded `x * x` (about one argument
/// in a thousand differs by one ulp), and LLVM rewrites a literal `pow(x, 2)` into
/// `x * x`; the call goes through a C function the optimizer cannot see into.
@inline(__always)
func libmPow(_ x: Double, _ y: Double) -> Double {
    rllab_libm_pow(x, y)
}

/// numpy's `x ** 2` for a float64 scalar: glibc's `pow(x, 2)`, mostly without the call.
///
/// glibc's `pow` is within 0.54 ulp of the exact value (its documented bound), so before
/// its final rounding it is within 0.04 ulp. When the exact square lies within 7/16 ulp
/// of the rounded product `x * x`, `pow` therefore rounds to that product too; only near
/// a rounding boundary (about one argument in eight) is the C function called. The
/// product's error comes from Dekker's exact product (no fused multiply-add, which is a
/// library call on baseline x86-64). Checked against `pow` on 280,000 arguments.
@inline(__always)
func numpySquare(_ x: Double) -> Double {
    let p = x * x
    // Squares far from underflow and overflow, where the splitting below is exact.
    if p >= 0x1p-900 && p <= 0x1p900 {
        // Veltkamp's split of x into 26 + 27 significant bits, then x*x - p exactly.
        let c = 134_217_729.0 * x
        let high = c - (c - x)
        let low = x - high
        let error = low * low - (((p - high * high) - low * high) - high * low)
        // The smaller of the spacings around p (they differ when p is a power of two).
        if error.magnitude <= 0.4375 * (p - p.nextDown) { return p }
    }
    return rllab_libm_pow(x, 2)
}

/// numpy's `np.float32(x) ** y`: the C library's `powf` (see ``libmPow(_:_:)``).
@inline(__always)
func libmPowf(_ x: Float, _ y: Float) -> Float {
    rllab_libm_powf(x, y)
}

/// numpy's float32 `np.cos`, as numpy 2.x computes it on x86-64 CPUs with FMA
/// (its SIMD loop; Gymnasium's Acrobot observes a float32 state after `reset`).
///
/// It is not the correctly rounded cosine: about one float in six differs by an ulp from
/// `Float(cos(Double(x)))`. The algorithm (a Cody-Waite reduction by π/2 in three fused
/// steps, then degree-8 and degree-9 polynomials, libm beyond 71476.0625) was checked
/// against numpy 2.4.6 on 3.5 million arguments, random bit patterns included.
func numpyFloat32Cos(_ x: Float) -> Float {
    numpyFloat32SineOrCosine(x, cosine: true)
}

/// numpy's float32 `np.sin` (see ``numpyFloat32Cos(_:)``; libm beyond 117435.992).
func numpyFloat32Sin(_ x: Float) -> Float {
    numpyFloat32SineOrCosine(x, cosine: false)
}

private func numpyFloat32SineOrCosine(_ x: Float, cosine: Bool) -> Float {
    if x.isNaN { return .nan }
    let largest: Float = cosine ? 71476.0625 : 117435.992
    guard x.magnitude <= largest else {
        return cosine ? cosf(x) : sinf(x)
    }
    // The nearest quadrant count: x * 2/π rounded to an integer by adding and removing
    // 1.5 * 2^23. numpy's compiler fuses the product with the first addition.
    let magic: Float = 0x1.8p23
    let quadrant = magic.addingProduct(x, 0x1.45f306p-1) - magic
    // x - quadrant * π/2, with π/2 split in three parts.
    var r = x.addingProduct(quadrant, -0x1.921fb0p0)
    r = r.addingProduct(quadrant, -0x1.5110b4p-22)
    r = r.addingProduct(quadrant, -0x1.846988p-48)
    let r2 = r * r
    var c: Float = (-0x1.6c06dcp-10 as Float).addingProduct(0x1.98e616p-16, r2)
    c = (0x1.55553cp-5 as Float).addingProduct(c, r2)
    c = (-0.5 as Float).addingProduct(c, r2)
    c = (1 as Float).addingProduct(c, r2)
    var s: Float = (-0x1.a06bbap-13 as Float).addingProduct(0x1.7d3bbcp-19, r2)
    s = (0x1.11119ap-7 as Float).addingProduct(s, r2)
    s = (-0x1.555556p-3 as Float).addingProduct(s, r2)
    s = s * r2
    s = r.addingProduct(s, r)
    // |quadrant| < 2^17 here, so the conversion is exact.
    let k = Int32(quadrant) &+ (cosine ? 1 : 0)
    let value = k & 1 == 0 ? s : c
    return k & 2 == 2 ? 0 - value : value
}
