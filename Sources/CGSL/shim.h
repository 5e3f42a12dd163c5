#ifndef RLLAB_CGSL_SHIM_H
#define RLLAB_CGSL_SHIM_H

#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

/* Swift 6 rejects direct references to GSL's mutable global generator-type
   pointers (they are not concurrency-safe globals), so reach them through
   functions. `gsl_rng_types_setup` lists every generator GSL knows by name. */
static inline const gsl_rng_type *const *rllab_gsl_rng_types(void) {
    return gsl_rng_types_setup();
}

static inline const gsl_rng_type *rllab_gsl_rng_mt19937(void) {
    return gsl_rng_mt19937;
}

/* GSL's default error handler calls abort(); RLLab validates arguments in
   Swift and wants error codes, never a dead process. */
static inline void rllab_gsl_disable_abort(void) {
    gsl_set_error_handler_off();
}

/* glibc's sincos (a GNU extension, hence the declaration): the same two results
   as sin and cos, bit for bit (they share glibc's code paths), in one call. */
extern void sincos(double x, double *sine, double *cosine);
static inline void rllab_sincos(double x, double *sine, double *cosine) {
    sincos(x, sine, cosine);
}

/* The spin-wait hint (`pause` on x86): a polling loop yields the core's
   pipeline and saves power while it waits. */
static inline void rllab_cpu_relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
}

/* CPU features decide which OpenBLAS kernel set is safe to select: a kernel
   the CPU lacks dies on an illegal instruction. */
static inline int rllab_cpu_supports_avx512(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#else
    return 0;
#endif
}

static inline int rllab_cpu_supports_avx2(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

static inline int rllab_cpu_supports_avx(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx");
#else
    return 0;
#endif
}


/* Subnormal floats cost ~100 cycles per operation on x86. Optimizer state that decays
   towards zero (Adam moments of dead units) lands there; these let a kernel run with
   flush-to-zero / denormals-are-zero and restore the caller's mode afterwards. */
#if defined(__x86_64__)
#include <xmmintrin.h>
static inline unsigned int rllab_enter_flush_to_zero(void) {
    unsigned int old = _mm_getcsr();
    _mm_setcsr(old | 0x8040); /* FTZ (bit 15) | DAZ (bit 6) */
    return old;
}
static inline void rllab_restore_float_mode(unsigned int old) { _mm_setcsr(old); }
#else
static inline unsigned int rllab_enter_flush_to_zero(void) { return 0; }
static inline void rllab_restore_float_mode(unsigned int old) { (void)old; }
#endif


/* Adam's element-wise update with AVX-512, for CPUs that have it (the package builds for
   baseline x86-64, where Swift's SIMD types only reach 4-wide SSE). The same IEEE
   operations in the same order as the scalar Swift loop (no fused multiply-add), so
   results are identical; returns how many leading elements it updated (a multiple of 16). */
#if defined(__x86_64__)
#include <immintrin.h>
__attribute__((target("avx512f")))
static inline long rllab_adam_update_avx512(float *w, float *m, float *v, const float *g, long n,
                                            float weight, int lowWeight, float b2, float oneMinusB2,
                                            float bias2Sqrt, float eps, float negStep) {
#pragma clang fp contract(off)
    const __m512 vWeight = _mm512_set1_ps(weight), vOneMinusWeight = _mm512_set1_ps(1.0f - weight);
    const __m512 vB2 = _mm512_set1_ps(b2), vOneMinusB2 = _mm512_set1_ps(oneMinusB2);
    const __m512 vBias2 = _mm512_set1_ps(bias2Sqrt), vEps = _mm512_set1_ps(eps), vStep = _mm512_set1_ps(negStep);
    long j = 0;
    for (; j + 16 <= n; j += 16) {
        __m512 gj = _mm512_loadu_ps(g + j), mj = _mm512_loadu_ps(m + j), vj = _mm512_loadu_ps(v + j), wj = _mm512_loadu_ps(w + j);
        __m512 diff = _mm512_sub_ps(gj, mj);
        mj = lowWeight ? _mm512_add_ps(mj, _mm512_mul_ps(vWeight, diff)) : _mm512_sub_ps(gj, _mm512_mul_ps(diff, vOneMinusWeight));
        vj = _mm512_add_ps(_mm512_mul_ps(vj, vB2), _mm512_mul_ps(_mm512_mul_ps(vOneMinusB2, gj), gj));
        __m512 denom = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vj), vBias2), vEps);
        _mm512_storeu_ps(m + j, mj);
        _mm512_storeu_ps(v + j, vj);
        _mm512_storeu_ps(w + j, _mm512_add_ps(wj, _mm512_mul_ps(vStep, _mm512_div_ps(mj, denom))));
    }
    return j;
}

/* tanh of n floats with AVX-512, 8 at a time in double precision: the same IEEE
   operations in the same order as LabCore's Swift `tanhDouble` (no fused multiply-add),
   so results are identical. Returns how many leading elements it wrote (a multiple of 8). */
__attribute__((target("avx512f,avx512dq")))
static inline long rllab_tanh_avx512(const float *x, float *out, long n) {
#pragma clang fp contract(off)
    const __m512d magic = _mm512_set1_pd(6755399441055744.0);
    const __m512i magicBits = _mm512_set1_epi64(0x4338000000000000LL);
    const __m512d smallPoly[11] = {
        _mm512_set1_pd(9.691537956929451e-05), _mm512_set1_pd(-0.00023912911424355248),
        _mm512_set1_pd(0.000590027440945586), _mm512_set1_pd(-0.0014558343870513183),
        _mm512_set1_pd(0.003592128036572481), _mm512_set1_pd(-0.008863235529902197),
        _mm512_set1_pd(0.021869488536155203), _mm512_set1_pd(-0.05396825396825397),
        _mm512_set1_pd(0.13333333333333333), _mm512_set1_pd(-0.3333333333333333), _mm512_set1_pd(1.0)};
    const double expCoefficients[14] = {
        1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0,
        1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0};
    long j = 0;
    for (; j + 8 <= n; j += 8) {
        __m512d d = _mm512_cvtps_pd(_mm256_loadu_ps(x + j));
        __mmask8 nan = _mm512_cmp_pd_mask(d, d, _CMP_UNORD_Q);
        __m512d a = _mm512_min_pd(_mm512_abs_pd(d), _mm512_set1_pd(20.0));
        a = _mm512_mask_mov_pd(a, nan, _mm512_setzero_pd());
        __m512d u = _mm512_mul_pd(a, a);
        __m512d p = smallPoly[0];
        for (int c = 1; c < 11; c++) p = _mm512_add_pd(_mm512_mul_pd(p, u), smallPoly[c]);
        __m512d small = _mm512_mul_pd(a, p);
        __m512d y = _mm512_mul_pd(_mm512_set1_pd(2.0), a);
        __m512d shifted = _mm512_add_pd(_mm512_mul_pd(y, _mm512_set1_pd(1.4426950408889634)), magic);
        __m512d k = _mm512_sub_pd(shifted, magic);
        __m512d r = _mm512_sub_pd(_mm512_sub_pd(y, _mm512_mul_pd(k, _mm512_set1_pd(0.6931471803691238))),
                                  _mm512_mul_pd(k, _mm512_set1_pd(1.9082149292705877e-10)));
        __m512d e = _mm512_set1_pd(expCoefficients[0]);
        for (int c = 1; c < 14; c++) e = _mm512_add_pd(_mm512_mul_pd(e, r), _mm512_set1_pd(expCoefficients[c]));
        __m512i bits = _mm512_slli_epi64(_mm512_add_epi64(_mm512_sub_epi64(_mm512_castpd_si512(shifted), magicBits),
                                                          _mm512_set1_epi64(1023)), 52);
        __m512d scale = _mm512_castsi512_pd(bits);
        __m512d large = _mm512_sub_pd(_mm512_set1_pd(1.0),
                                      _mm512_div_pd(_mm512_set1_pd(2.0), _mm512_add_pd(_mm512_mul_pd(e, scale), _mm512_set1_pd(1.0))));
        __mmask8 isSmall = _mm512_cmp_pd_mask(a, _mm512_set1_pd(0.5), _CMP_LT_OQ);
        __m512d magnitude = _mm512_mask_mov_pd(large, isSmall, small);
        /* The sign of d (also for -0), then NaN passes through. */
        __m512d signBit = _mm512_and_pd(d, _mm512_castsi512_pd(_mm512_set1_epi64((long long)0x8000000000000000ULL)));
        __m512d result = _mm512_or_pd(magnitude, signBit);
        result = _mm512_mask_mov_pd(result, nan, d);
        _mm256_storeu_ps(out + j, _mm512_cvtpd_ps(result));
    }
    return j;
}
#else
static inline long rllab_tanh_avx512(const float *x, float *out, long n) { return 0; }
static inline long rllab_adam_update_avx512(float *w, float *m, float *v, const float *g, long n,
                                            float weight, int lowWeight, float b2, float oneMinusB2,
                                            float bias2Sqrt, float eps, float negStep) {
    return 0;
}
#endif

#endif
