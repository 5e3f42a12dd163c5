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

#else
static inline long rllab_adam_update_avx512(float *w, float *m, float *v, const float *g, long n,
                                            float weight, int lowWeight, float b2, float oneMinusB2,
                                            float bias2Sqrt, float eps, float negStep) {
    return 0;
}
#endif

#endif
