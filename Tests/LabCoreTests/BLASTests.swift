import Testing
@testable import LabCore

@Suite struct BLASTests {
    @Test func loadsOpenBLASWithTheKernelForThisCPU() {
        #expect(BLAS.backend == .openBLAS, "sgemm must come from OpenBLAS, not GSL's reference gslcblas")
        let expected = BLAS.coreTypeForThisCPU()
        // OpenBLAS reports the kernel set it actually initialised, in lower case.
        #expect(BLAS.coreName.lowercased() == expected.lowercased(), "core \(BLAS.coreName), CPU suits \(expected)")
        #expect(!["prescott", "generic", "unknown"].contains(BLAS.coreName.lowercased()))
        if rllab_cpu_supports_avx512_for_tests() { #expect(BLAS.coreName.lowercased() == "skylakex") }
        #expect(BLAS.threads >= 1)
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func sgemmMatchesNaiveProduct(_ flags: (Bool, Bool)) throws {
        let (ta, tb) = flags
        let source = try RandomSource(seed: 3)
        let m = 37, n = 29, k = 53
        let a = Tensor.uniform(ta ? [k, m] : [m, k], low: -1, high: 1, source: source)
        let b = Tensor.uniform(tb ? [n, k] : [k, n], low: -1, high: 1, source: source)
        let c = a.matmul(b, transposeSelf: ta, transposeOther: tb)
        #expect(c.shape == [m, n])
        for i in 0..<m {
            for j in 0..<n {
                var s: Double = 0
                for p in 0..<k {
                    let x = ta ? a[p, i] : a[i, p]
                    let y = tb ? b[j, p] : b[p, j]
                    s += Double(x) * Double(y)
                }
                #expect(Swift.abs(Double(c[i, j]) - s) < 1e-4)
            }
        }
    }
}

import CGSL
func rllab_cpu_supports_avx512_for_tests() -> Bool { rllab_cpu_supports_avx512() != 0 }
