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
    /* Measured against OpenBLAS 0.3.21 (SkylakeX kernels) on a Sapphire Rapids-class
       core: faster or equal for the hidden layers of DQN and MLP-GAN networks. Thin
       products (a network's input or output layer, a single row) waste most of a
       14 x 32 register tile, and a transposed B is packed whole to be used by few rows:
       OpenBLAS's small-matrix kernels are 1.2-6x faster there. Large products need the
       cache blocking this kernel does not do. */
    if (m < 16 || n < 32 || k < 16) return 0;
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
    for (long i = 0; i < m; i++) {
        for (long j = 0; j < n; j++) {
            float sum = 0;
            for (long kk = 0; kk < k; kk++) {
                float x = transposeA ? a[kk * lda + i] : a[i * lda + kk];
                float y = transposeB ? b[j * ldb + kk] : b[kk * ldb + j];
                sum = fmaf(x, y, sum);
            }
            c[i * ldc + j] = beta == 1 ? c[i * ldc + j] + sum : sum;
        }
    }
    return 1;
}
