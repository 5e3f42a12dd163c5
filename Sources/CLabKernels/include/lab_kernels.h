#ifndef RLLAB_LAB_KERNELS_H
#define RLLAB_LAB_KERNELS_H

/* Single-precision matrix products for the small shapes of DQN- and GAN-sized networks,
   with AVX-512:

       C[m, n] = op(A)[m, k] · op(B)[k, n]            (beta == 0)
       C[m, n] = op(A)[m, k] · op(B)[k, n] + C         (beta == 1)

   row-major, op transposing when asked, as cblas_sgemm(CblasRowMajor, ...) with
   alpha = 1. Each element of C is one sequential fused multiply-add chain over k (then
   plus C when beta == 1), so a result depends only on the operands: computing a block
   of C's columns alone (b and c offset to that block) gives the same bits, which is how
   callers split a product across threads. */

/* 1 when rllab_sgemm_avx512 runs on this CPU and is the faster choice for this shape
   and beta; 0 when the caller should use BLAS. */
int rllab_sgemm_small_suits(int transposeA, int transposeB, long m, long n, long k, float beta);

/* The product. Returns 1 when it computed C; 0, with C untouched, when the CPU lacks
   AVX-512, beta is neither 0 nor 1, a dimension is not positive, or the panel buffer
   cannot be allocated. */
int rllab_sgemm_avx512(int transposeA, int transposeB, long m, long n, long k,
                       const float *a, long lda, const float *b, long ldb,
                       float beta, float *c, long ldc);

#endif
