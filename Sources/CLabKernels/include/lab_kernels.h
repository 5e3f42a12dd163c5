#ifndef RLLAB_LAB_KERNELS_H
#define RLLAB_LAB_KERNELS_H

/* Single-precision matrix products for the small shapes of DQN-, PPO- and GAN-sized
   networks (every layer, thin ones included):

       C[m, n] = op(A)[m, k] · op(B)[k, n]            (beta == 0)
       C[m, n] = op(A)[m, k] · op(B)[k, n] + C         (beta == 1)

   row-major, op transposing when asked, as cblas_sgemm(CblasRowMajor, ...) with
   alpha = 1. Each element of C is one sequential fused multiply-add chain over k starting
   from 0 (then plus C when beta == 1), so a result depends only on the operands: every
   kernel below (AVX-512, AVX2, portable) gives the same bits, and computing a block of C's
   columns alone (b and c offset to that block) gives the same bits, which is how callers
   split a product across threads. */

/* 1 when the small-matrix kernels are the faster choice for this shape and beta on this
   CPU (the shape decides, not which kernel will run); 0 when the caller should use BLAS. */
int rllab_sgemm_small_suits(int transposeA, int transposeB, long m, long n, long k, float beta);

/* The product with AVX-512. Returns 1 when it computed C; 0, with C untouched, when the
   CPU lacks AVX-512, beta is neither 0 nor 1, a dimension is not positive, or the panel
   buffer cannot be allocated. */
int rllab_sgemm_avx512(int transposeA, int transposeB, long m, long n, long k,
                       const float *a, long lda, const float *b, long ldb,
                       float beta, float *c, long ldc);

/* The product with AVX2 and FMA; returns as rllab_sgemm_avx512 (0 without AVX2 and FMA). */
int rllab_sgemm_avx2(int transposeA, int transposeB, long m, long n, long k,
                     const float *a, long lda, const float *b, long ldb,
                     float beta, float *c, long ldc);

/* C = op(A) · op(B) + bias, the bias (n numbers) added to each row's chains: the same
   bits as rllab_sgemm_avx2 with beta == 1 on a C whose rows hold the bias, without
   filling C first. Returns as rllab_sgemm_avx2. */
int rllab_sgemm_avx2_bias(int transposeA, int transposeB, long m, long n, long k,
                          const float *a, long lda, const float *b, long ldb,
                          const float *bias, float *c, long ldc);

/* The product as plain C loops with fmaf, on any CPU (slow: the definition, for tests and
   CPUs without vector kernels); returns 0 only for beta neither 0 nor 1 or an empty shape. */
int rllab_sgemm_portable(int transposeA, int transposeB, long m, long n, long k,
                         const float *a, long lda, const float *b, long ldb,
                         float beta, float *c, long ldc);

/* tanh of n floats with AVX2 and FMA, exactly as LabCore's portable `tanhElement` per
   element (see Tanh.swift). Returns how many leading elements it wrote (a multiple of 8;
   0 off x86-64; the caller checks for AVX2 and FMA). */
long rllab_tanh_avx2(const float *x, float *out, long n);

/* g (1 - y^2) (tanh's backward from its output y) for n floats with AVX2, unfused, exactly
   as LabCore's portable loop (see Tanh.swift). Returns how many leading elements it wrote
   (a multiple of 8; 0 off x86-64; the caller checks for AVX2). */
long rllab_tanh_backward_avx2(const float *g, const float *y, float *out, long n);

/* Adam's element-wise update with AVX2, exactly as LabCore's portable loop (see
   Optimizer.swift). Returns how many leading elements it updated (a multiple of 8; 0 off
   x86-64; the caller checks for AVX2). */
long rllab_adam_update_avx2(float *w, float *m, float *v, const float *g, long n, float weight, int lowWeight, float b2,
                            float oneMinusB2, float bias2Sqrt, float eps, float negStep);

/* Draws from a GSL mt19937 generator's state block (gsl_rng_state of a generator whose
   type is gsl_rng_mt19937 and whose gsl_rng_size is rllab_mt19937_state_size()): the n
   numbers that n calls of gsl_rng_uniform (rllab_mt19937_uniform) or of
   gsl_ran_gaussian(r, sigma) (rllab_mt19937_gaussian) would return, bit for bit, and the
   state those calls would leave (see random_mt19937.c). */
void rllab_mt19937_uniform(void *state, double *out, long n);
void rllab_mt19937_gaussian(void *state, double sigma, double *out, long n);
/* gsl_ran_gaussian in two steps, so that the second can be split over threads: the n
   accepted points (y, r2) of its polar method, drawn in order from the state (pairs in
   points[2i], points[2i + 1]), then (float)(mean + sigma * y * sqrt(-2 log r2 / r2)) of
   each, GSL's transform: together the floats of mean + gsl_ran_gaussian(r, sigma). */
void rllab_mt19937_polar_points(void *state, double *points, long n);
void rllab_polar_gaussian_floats(const double *points, double mean, double sigma, float *out, long n);
/* A dropout mask from the state: out[i] = 0 when the i-th of n gsl_rng_uniform numbers is
   below rate, else keep (the mask that drops each element with probability rate and scales
   the kept ones), leaving the state as those n calls would. */
void rllab_mt19937_dropout_mask(void *state, double rate, float keep, float *out, long n);
/* The size of the state block these functions expect (GSL's mt19937 state). */
long rllab_mt19937_state_size(void);

#endif
