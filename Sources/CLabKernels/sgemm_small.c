/* Which products the small-matrix kernels take, and their portable form (see
   lab_kernels.h). */

#include "lab_kernels.h"

#include <math.h>

int rllab_sgemm_small_suits(int transposeA, int transposeB, long m, long n, long k, float beta) {
    (void)transposeA;
    (void)transposeB;
    /* The decision depends on the shape alone, never on which vector kernel will run, so
       a CPU with AVX2 computes the same products with the kernel as one with AVX-512 and
       gets the same bits. Without either (old x86 CPUs) OpenBLAS is faster than the
       portable loop. */
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) return 0;
#endif
    if ((beta != 0 && beta != 1) || m <= 0 || n <= 0 || k <= 0) return 0;
    /* Every product of the networks RL agents train and act with, thin ones included (an
       input layer of 4 numbers, a value head of 1, acting on a single row): then no bit
       of an agent's run depends on which kernels OpenBLAS picks for the CPU, and the
       per-call packing OpenBLAS does costs more than these products themselves (on an
       AMD EPYC with AVX2, PPO's CartPole-v1 networks spent more time in OpenBLAS's
       packing than in its arithmetic). Large products need the cache blocking these
       kernels do not do. */
    if (m * n * k > (1L << 27) || k > 4096) return 0;
    return 1;
}

/* The definition the vector kernels implement: one fused multiply-add chain per element
   (fmaf is exact-then-rounded-once on every platform, in hardware or not), in k order
   from 0, then plus C. */
int rllab_sgemm_portable(int transposeA, int transposeB, long m, long n, long k,
                         const float *a, long lda, const float *b, long ldb,
                         float beta, float *c, long ldc) {
    if ((beta != 0 && beta != 1) || m <= 0 || n <= 0 || k <= 0) return 0;
    /* Columns in blocks, k outside the columns: each element's chain still runs over k in
       order, and a compiler can vectorize over the block's columns. */
    enum { BLOCK = 64 };
    float sums[BLOCK];
    for (long i = 0; i < m; i++) {
        for (long j0 = 0; j0 < n; j0 += BLOCK) {
            long width = n - j0 < BLOCK ? n - j0 : BLOCK;
            for (long j = 0; j < width; j++) sums[j] = 0;
            for (long kk = 0; kk < k; kk++) {
                float x = transposeA ? a[kk * lda + i] : a[i * lda + kk];
                for (long j = 0; j < width; j++) {
                    float y = transposeB ? b[(j0 + j) * ldb + kk] : b[kk * ldb + j0 + j];
                    sums[j] = fmaf(x, y, sums[j]);
                }
            }
            for (long j = 0; j < width; j++) c[i * ldc + j0 + j] = beta == 1 ? c[i * ldc + j0 + j] + sums[j] : sums[j];
        }
    }
    return 1;
}
