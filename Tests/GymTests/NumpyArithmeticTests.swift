import Foundation
import LabCore
import Testing
@testable import Gym

/// The numpy-exact arithmetic helpers against the C library they stand for.
@Suite struct NumpyArithmeticTests {
    /// `numpySquare` is glibc's `pow(x, 2)` on every argument: its fast path (the product,
    /// when the exact square is far from a rounding boundary) and its fallback.
    @Test func numpySquareIsTheLibraryPow() throws {
        let random = try RandomSource(seed: 7)
        var arguments: [Double] = [0, -0.0, 1, -1, 0.5, 3, .infinity, -.infinity, .nan, .ulpOfOne, .leastNonzeroMagnitude,
                                   .leastNormalMagnitude, .greatestFiniteMagnitude, 0x1p-480, 0x1p-481, 0x1p511, 0x1p512,
                                   1.4916681462400413e-154, 1.3407807929942596e154]
        for scale in [1e-160, 1e-3, 1, 12.566370614359172, 28.274333882308138, 1e5, 1e150] {
            for _ in 0..<40_000 { arguments.append(random.uniform(-scale, scale)) }
        }
        var differ = 0, productDiffers = 0
        for x in arguments {
            let expected = rllab_libm_pow_reference(x)
            let got = numpySquare(x)
            if got.bitPattern != expected.bitPattern && !(got.isNaN && expected.isNaN) { differ += 1 }
            if (x * x).bitPattern != expected.bitPattern && !expected.isNaN { productDiffers += 1 }
        }
        #expect(differ == 0)
        // The product alone is not enough: glibc's pow differs from it on some arguments.
        #expect(productDiffers > 0)
    }

    /// The float32 sine and cosine keep numpy's algorithm on both sides of its SIMD range.
    @Test func float32TrigonometryHasNumpysRanges() {
        #expect(numpyFloat32Cos(0) == 1 && numpyFloat32Sin(0) == 0)
        #expect(numpyFloat32Cos(.nan).isNaN && numpyFloat32Sin(.infinity).isNaN)
        // Beyond 71476.0625 (cosine) and 117435.992 (sine) numpy calls the C library.
        #expect(numpyFloat32Cos(80000) == cosf(80000) && numpyFloat32Sin(120000) == sinf(120000))
        // Within, its polynomial, which is not always the rounded cosine.
        let differs = stride(from: Float(0.001), to: 4, by: 0.001).contains { numpyFloat32Cos($0) != cosf($0) }
        #expect(differs)
    }
}

/// glibc's `pow(x, 2)` through the C helper (the reference `numpySquare` must equal).
private func rllab_libm_pow_reference(_ x: Double) -> Double {
    libmPow(x, 2)
}
