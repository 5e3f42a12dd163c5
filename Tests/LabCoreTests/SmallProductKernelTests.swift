import CLabKernels
import Testing
@testable import LabCore

/// The small-matrix kernels behind `BLAS.sgemm` (CLabKernels): every element of C must be
/// exactly the sequential fused multiply-add chain over k, in every kernel this CPU can
/// run (AVX-512, AVX2, and the portable loop everywhere), on every path (direct, packed
/// rows, transposed panels, transposed batch), for every edge of the register tiles, with
/// C's padding untouched; and blocks of C computed alone must give the same bits, which is
/// what lets products split across threads. Equal to the definition means equal to each
/// other: the CPU model changes no bit of a product.
@Suite
struct SmallProductKernelTests {
    typealias Kernel = @convention(c) (Int32, Int32, Int, Int, Int, UnsafePointer<Float>?, Int, UnsafePointer<Float>?, Int,
                                       Float, UnsafeMutablePointer<Float>?, Int) -> Int32

    /// The kernels of the instruction sets this CPU has.
    static var kernels: [(name: String, kernel: Kernel)] {
        var kernels: [(String, Kernel)] = [("portable", rllab_sgemm_portable)]
        if CPUFeatures.detected >= .avx2 { kernels.append(("avx2", rllab_sgemm_avx2)) }
        if CPUFeatures.detected >= .avx512 { kernels.append(("avx512", rllab_sgemm_avx512)) }
        return kernels
    }

    /// op(A)[m, k], op(B)[k, n] stored with padded leading dimensions, and C[m, n] with
    /// padding, filled with seeded values.
    struct Operands {
        let ta: Bool, tb: Bool, m: Int, n: Int, k: Int
        let lda: Int, ldb: Int, ldc: Int
        var a: [Float], b: [Float], c: [Float]

        init(ta: Bool, tb: Bool, m: Int, n: Int, k: Int, seed: UInt64) throws {
            self.ta = ta; self.tb = tb; self.m = m; self.n = n; self.k = k
            lda = (ta ? m : k) + 3
            ldb = (tb ? k : n) + (n > 200 ? 0 : 5)  // also the unpadded 256-wide case
            ldc = n + 2
            let source = try RandomSource(seed: seed)
            a = (0..<((ta ? k : m) * lda)).map { _ in Float(source.uniform(-1, 1)) }
            b = (0..<((tb ? n : k) * ldb)).map { _ in Float(source.uniform(-1, 1)) }
            c = (0..<(m * ldc)).map { _ in Float(source.uniform(-1, 1)) }
        }

        func opA(_ i: Int, _ p: Int) -> Float { ta ? a[p * lda + i] : a[i * lda + p] }
        func opB(_ p: Int, _ j: Int) -> Float { tb ? b[j * ldb + p] : b[p * ldb + j] }

        /// The documented result: one fused multiply-add chain per element, then `+ C`.
        func reference(beta: Float) -> [Float] {
            var out = c
            for i in 0..<m {
                for j in 0..<n {
                    var sum: Float = 0
                    for p in 0..<k { sum = sum.addingProduct(opA(i, p), opB(p, j)) }
                    out[i * ldc + j] = beta == 1 ? c[i * ldc + j] + sum : sum
                }
            }
            return out
        }

        /// The kernel's C for rows `rows` and columns `columns` of the product, computed alone.
        func kernel(_ kernel: Kernel, beta: Float, rows: Range<Int>? = nil, columns: Range<Int>? = nil, into out: inout [Float]) -> Int32 {
            let rows = rows ?? 0..<m, columns = columns ?? 0..<n
            return a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    out.withUnsafeMutableBufferPointer { cp in
                        let aStart = ta ? rows.lowerBound : rows.lowerBound * lda
                        let bStart = tb ? columns.lowerBound * ldb : columns.lowerBound
                        return kernel(ta ? 1 : 0, tb ? 1 : 0, rows.count, columns.count, k,
                                                  ap.baseAddress! + aStart, lda, bp.baseAddress! + bStart, ldb, beta,
                                                  cp.baseAddress! + rows.lowerBound * ldc + columns.lowerBound, ldc)
                    }
                }
            }
        }
    }

    /// (m, n, k): tile remainders in every dimension, single rows and columns, the DQN
    /// hidden layer, and batches of whole 32-row panels (the transposed-batch path).
    static let shapes = [(1, 1, 1), (13, 31, 5), (14, 32, 16), (15, 33, 17), (29, 70, 40), (3, 300, 9),
                         (32, 70, 17), (64, 256, 20), (96, 100, 3), (40, 17, 300),
                         (256, 2, 64), (256, 1, 64), (2, 64, 256), (64, 4, 256), (256, 64, 4), (1, 64, 64), (8, 2, 64),
                         // C of at most 4 columns over 32 rows or more (computed transposed with AVX2): partial
                         // panels of its rows, k with and without a remainder of 8.
                         (32, 1, 1), (33, 4, 9), (40, 3, 17), (100, 4, 8), (31, 2, 7), (300, 3, 70),
                         // Untransposed B panels read in place (AVX2): rows a whole number of cache lines
                         // apart that fit in L1 (208 and 256 floats, unpadded), one block of rows over a
                         // long k, and the same B packed when its rows would not fit.
                         (20, 208, 16), (20, 256, 16), (70, 256, 9), (6, 48, 300), (20, 256, 64),
                         // Untransposed B packed (AVX2), k past the 128 rows that fit in L1: 11 whole
                         // panels then a 12-wide one, 4 then an 8-wide one, 6 then 4 columns.
                         (13, 188, 130), (7, 72, 140), (20, 100, 129),
                         // One or two rows over several whole panels side by side (AVX2), with panels and
                         // columns left over.
                         (1, 100, 7), (2, 70, 33), (1, 64, 1), (2, 32, 5),
                         // k of at most 4 over whole panels with the panel in registers (AVX2), rows left
                         // over after blocks of 3 and 4, a partial panel after.
                         (7, 32, 1), (10, 48, 2), (5, 16, 4), (3, 17, 3), (11, 40, 4)]

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func everyElementIsTheSequentialFusedChain(_ flags: (Bool, Bool)) throws {
        for (index, (m, n, k)) in Self.shapes.enumerated() {
            let operands = try Operands(ta: flags.0, tb: flags.1, m: m, n: n, k: k, seed: UInt64(index))
            for beta: Float in [0, 1] {
                let expected = operands.reference(beta: beta)
                for (name, kernel) in Self.kernels {
                    var out = operands.c
                    #expect(operands.kernel(kernel, beta: beta, into: &out) == 1)
                    let wrong = zip(out, expected).filter { $0.0.bitPattern != $0.1.bitPattern }.count
                    #expect(wrong == 0, "\(name): m \(m) n \(n) k \(k) transposes \(flags) beta \(beta): \(wrong) elements differ (padding included)")
                }
            }
        }
    }

    /// The AVX2 kernel with the bias added as it stores C (a dense layer's forward pass):
    /// exactly the chain plus the bias, as beta == 1 on a C whose rows hold the bias, on
    /// every shape and transposition (padding of C untouched).
    @Test(.enabled(if: CPUFeatures.detected >= .avx2, "the AVX2 kernel"),
          arguments: [(false, false), (true, false), (false, true), (true, true)])
    func biasAddedInTheKernelEqualsABiasFilledC(_ flags: (Bool, Bool)) throws {
        for (index, (m, n, k)) in Self.shapes.enumerated() {
            var operands = try Operands(ta: flags.0, tb: flags.1, m: m, n: n, k: k, seed: UInt64(100 + index))
            let source = try RandomSource(seed: UInt64(200 + index))
            let bias = (0..<n).map { _ in Float(source.uniform(-1, 1)) }
            let untouched = operands.c
            for i in 0..<m { for j in 0..<n { operands.c[i * operands.ldc + j] = bias[j] } }
            var expected = operands.reference(beta: 1)
            // Where the bias was not written (C's padding), the kernel must not write either.
            for i in 0..<m { for j in n..<operands.ldc { expected[i * operands.ldc + j] = untouched[i * operands.ldc + j] } }
            var out = untouched
            let done = operands.a.withUnsafeBufferPointer { ap in
                operands.b.withUnsafeBufferPointer { bp in
                    out.withUnsafeMutableBufferPointer { cp in
                        rllab_sgemm_avx2_bias(flags.0 ? 1 : 0, flags.1 ? 1 : 0, m, n, k, ap.baseAddress!, operands.lda,
                                              bp.baseAddress!, operands.ldb, bias, cp.baseAddress!, operands.ldc)
                    }
                }
            }
            #expect(done == 1)
            let wrong = zip(out, expected).filter { $0.0.bitPattern != $0.1.bitPattern }.count
            #expect(wrong == 0, "m \(m) n \(n) k \(k) transposes \(flags): \(wrong) elements differ (padding included)")
        }
    }

    /// Operands from random bit patterns (subnormals, huge values that overflow to
    /// infinity, signed zeros) give the same bits in every kernel.
    @Test func everyKernelAgreesOnExtremeOperands() throws {
        let source = try RandomSource(seed: 17)
        for (m, n, k) in [(16, 32, 16), (29, 70, 40), (64, 64, 64)] {
            var operands = try Operands(ta: false, tb: true, m: m, n: n, k: k, seed: 5)
            func extreme() -> Float {
                // Random bits without NaN payloads (their propagation is not an arithmetic result).
                let x = Float(bitPattern: source.nextUInt32())
                return x.isNaN ? 0 : x
            }
            for i in operands.a.indices where i % 2 == 0 { operands.a[i] = extreme() }
            for i in operands.b.indices where i % 3 == 0 { operands.b[i] = i % 2 == 0 ? Float(bitPattern: source.nextUInt32() & 0x807F_FFFF) : -0.0 }
            for beta: Float in [0, 1] {
                var reference = operands.c
                _ = operands.kernel(rllab_sgemm_portable, beta: beta, into: &reference)
                for (name, kernel) in Self.kernels.dropFirst() {
                    var out = operands.c
                    _ = operands.kernel(kernel, beta: beta, into: &out)
                    let wrong = zip(out, reference).filter { $0.0.bitPattern != $0.1.bitPattern && !($0.0.isNaN && $0.1.isNaN) }.count
                    #expect(wrong == 0, "\(name): m \(m) n \(n) k \(k) beta \(beta): \(wrong) elements differ")
                }
            }
        }
    }

    /// Row blocks and column blocks of C computed by separate calls (as threads do) are
    /// bit-identical to the whole product.
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func blocksComputedAloneMatchTheWholeProduct(_ flags: (Bool, Bool)) throws {
        let operands = try Operands(ta: flags.0, tb: flags.1, m: 64, n: 256, k: 48, seed: 9)
        for (name, kernel) in Self.kernels {
            var whole = operands.c
            _ = operands.kernel(kernel, beta: 1, into: &whole)
            var byColumns = operands.c, byRows = operands.c
            for columns in [0..<128, 128..<256] { _ = operands.kernel(kernel, beta: 1, columns: columns, into: &byColumns) }
            for rows in [0..<32, 32..<64] { _ = operands.kernel(kernel, beta: 1, rows: rows, into: &byRows) }
            #expect(zip(byColumns, whole).filter { $0.0.bitPattern != $0.1.bitPattern }.isEmpty, "\(name)")
            #expect(zip(byRows, whole).filter { $0.0.bitPattern != $0.1.bitPattern }.isEmpty, "\(name)")
        }
    }

    /// Random shapes on the path that packs an untransposed B (k above the 128 rows that
    /// fit in L1, more than one block of rows; the MLP GAN's backward products): every
    /// element is the definition's chain, and the row and column blocks two threads take
    /// (``ComputeThreads/range(part:of:count:alignment:)``, as `BLAS.sgemm` splits), each
    /// computed alone, give the whole product's bits. A panel packed from the wrong
    /// columns, or a block's edge tile, changes elements here.
    @Test func randomShapesOfPackedPanelsMatchTheDefinition() throws {
        let source = try RandomSource(seed: 23)
        for index in 0..<24 {
            let m = 7 + source.uniformIndex(below: 20), n = 17 + source.uniformIndex(below: 200)
            let k = 129 + source.uniformIndex(below: 60), ta = index % 2 == 1
            let operands = try Operands(ta: ta, tb: false, m: m, n: n, k: k, seed: UInt64(100 + index))
            let beta: Float = index % 3 == 0 ? 0 : 1
            let expected = operands.reference(beta: beta)
            for (name, kernel) in Self.kernels {
                var whole = operands.c, byColumns = operands.c, byRows = operands.c
                _ = operands.kernel(kernel, beta: beta, into: &whole)
                for part in 0..<2 {
                    let columns = ComputeThreads.range(part: part, of: 2, count: n, alignment: 32)
                    let rows = ComputeThreads.range(part: part, of: 2, count: m, alignment: 16)
                    if !columns.isEmpty { _ = operands.kernel(kernel, beta: beta, columns: columns, into: &byColumns) }
                    if !rows.isEmpty { _ = operands.kernel(kernel, beta: beta, rows: rows, into: &byRows) }
                }
                for (label, out) in [("whole", whole), ("column blocks", byColumns), ("row blocks", byRows)] {
                    let wrong = zip(out, expected).filter { $0.0.bitPattern != $0.1.bitPattern }.count
                    #expect(wrong == 0, "\(name) \(label): m \(m) n \(n) k \(k) transposeA \(ta) beta \(beta): \(wrong) elements differ")
                }
            }
        }
    }

    /// The tensor path uses the kernels for every layer of small networks, thin ones and
    /// single rows included (a regression that quietly fell back to OpenBLAS would change
    /// these bits, and make runs depend on the CPU model), and leaves large products to
    /// OpenBLAS.
    @Test(.enabled(if: CPUFeatures.detected >= .avx2, "the kernels replace OpenBLAS on CPUs with AVX2 or AVX-512"))
    func smallProductsUseTheKernelsAndLargeOnesDoNot() throws {
        #expect(rllab_sgemm_small_suits(0, 1, 64, 256, 256, 1) == 1)  // DQN forward
        #expect(rllab_sgemm_small_suits(0, 0, 64, 256, 256, 0) == 1)  // input gradient
        #expect(rllab_sgemm_small_suits(1, 0, 256, 256, 64, 0) == 1)  // weight gradient
        #expect(rllab_sgemm_small_suits(0, 1, 100, 1024, 512, 1) == 1)  // MLP-GAN generator
        #expect(rllab_sgemm_small_suits(0, 1, 64, 2, 256, 1) == 1)  // Q-value head
        #expect(rllab_sgemm_small_suits(0, 1, 256, 64, 4, 1) == 1)  // CartPole input layer
        #expect(rllab_sgemm_small_suits(0, 1, 1, 256, 256, 1) == 1)  // acting on one observation
        #expect(rllab_sgemm_small_suits(0, 1, 1024, 1024, 1024, 0) == 0)  // large: cache blocking
        #expect(rllab_sgemm_small_suits(0, 0, 64, 256, 256, 0.5) == 0)

        let operands = try Operands(ta: false, tb: true, m: 64, n: 256, k: 20, seed: 4)
        let x = Tensor(shape: [64, 20], scalars: (0..<64).flatMap { i in (0..<20).map { operands.opA(i, $0) } })
        let w = Tensor(shape: [256, 20], scalars: (0..<256).flatMap { j in (0..<20).map { operands.opB($0, j) } })
        let expected = operands.reference(beta: 0)
        // Whichever kernel the forced instruction set selects.
        for level in InstructionSet.allCases where level <= CPUFeatures.detected {
            let y = withInstructionSet(level) { x.matmul(w, transposeOther: true) }
            let wrong = (0..<64).flatMap { i in (0..<256).map { j in (i, j) } }
                .filter { y[$0.0, $0.1].bitPattern != expected[$0.0 * operands.ldc + $0.1].bitPattern }.count
            #expect(wrong == 0, "\(level)")
        }
    }

    /// The pieces threads take cover the range once, in order, with aligned inner bounds.
    @Test func threadRangesPartitionTheWork() {
        for count in [0, 1, 15, 16, 17, 100, 256, 67_842] {
            for parts in 1...5 {
                let ranges = (0..<parts).map { ComputeThreads.range(part: $0, of: parts, count: count, alignment: 16) }
                #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == count)
                for (left, right) in zip(ranges, ranges.dropFirst()) {
                    #expect(left.upperBound == right.lowerBound && left.upperBound % 16 == 0 || left.upperBound == count)
                }
            }
        }
    }

    /// Element-wise kernels split over threads compute each piece as the whole call does:
    /// tanh (vector lanes and scalar tail) over the pieces threads take equals one call,
    /// bit for bit, at sizes around the lane width and the split threshold.
    @Test func tanhInThreadPiecesEqualsOneCall() throws {
        let source = try RandomSource(seed: 21)
        for count in [7, 16, 33, 1000, ComputeThreads.elementwiseMinimum + 5] {
            let x = (0..<count).map { _ in Float(source.uniform(-12, 12)) }
            var whole = [Float](repeating: 0, count: count), pieces = whole
            x.withUnsafeBufferPointer { xp in
                whole.withUnsafeMutableBufferPointer { tanhKernel(xp.baseAddress!, $0.baseAddress!, count: count) }
                pieces.withUnsafeMutableBufferPointer { out in
                    for parts in 2...3 {
                        for part in 0..<parts {
                            let r = ComputeThreads.range(part: part, of: parts, count: count, alignment: 16)
                            tanhKernel(xp.baseAddress! + r.lowerBound, out.baseAddress! + r.lowerBound, count: r.count)
                        }
                    }
                }
            }
            #expect(zip(whole, pieces).allSatisfy { $0.bitPattern == $1.bitPattern })
        }
    }

    /// A convolution's images split over threads (forward and input gradient, in the
    /// ranges `ComputeThreads.range` gives each thread) compute each image as the whole
    /// batch does: a batch convolved in pieces equals one call, bit for bit, with the
    /// columns saved (training) or not (inference), strided or not, with and without bias.
    @Test func convolutionInImageRangesEqualsOneCall() throws {
        let source = try RandomSource(seed: 21)
        for (stride, padding, withBias) in [(1, Padding.same, true), (2, Padding.same, false), (1, Padding.valid, true)] {
            let n = 7
            let x = Tensor.uniform([n, 3, 9, 9], low: -1, high: 1, source: source)
            let w = Tensor.uniform([4, 3, 3, 3], low: -0.5, high: 0.5, source: source)
            let b = withBias ? Tensor.uniform([4], low: -0.1, high: 0.1, source: source) : nil
            let whole = Tensor.conv2d(x.requiringGradient(), weight: w, bias: b, stride: stride, padding: padding)
            let upstream = Tensor.uniform(whole.shape, low: -1, high: 1, source: source)
            let xWhole = x.requiringGradient()
            (Tensor.conv2d(xWhole, weight: w, bias: b, stride: stride, padding: padding) * upstream).sum().backward()
            let inference = withoutGradient { Tensor.conv2d(x, weight: w, bias: b, stride: stride, padding: padding) }
            #expect(inference.scalars.map(\.bitPattern) == whole.scalars.map(\.bitPattern))
            for parts in 2...3 {
                var outputs: [Float] = [], gradients: [Float] = []
                for part in 0..<parts {
                    let r = ComputeThreads.range(part: part, of: parts, count: n, alignment: 1)
                    guard !r.isEmpty else { continue }
                    let piece = x.slice(axis: 0, r).requiringGradient()
                    let out = Tensor.conv2d(piece, weight: w, bias: b, stride: stride, padding: padding)
                    (out * upstream.slice(axis: 0, r)).sum().backward()
                    outputs += out.scalars
                    gradients += try #require(piece.gradient).scalars
                }
                #expect(outputs.map(\.bitPattern) == whole.scalars.map(\.bitPattern), "forward, \(parts) parts, stride \(stride)")
                #expect(gradients.map(\.bitPattern) == (try #require(xWhole.gradient)).scalars.map(\.bitPattern), "input gradient, \(parts) parts")
            }
        }
    }
}
