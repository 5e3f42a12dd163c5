import CGSL

/// What this CPU can run, checked once: kernels with wider instructions are chosen at run
/// time (the package builds for baseline x86-64), and each produces the same bits as the
/// portable loop it replaces.
enum CPUFeatures {
    /// AVX-512 F, BW, DQ and VL.
    static let hasAVX512 = rllab_cpu_supports_avx512() != 0
}
