#ifndef RLLAB_CGSL_SHIM_H
#define RLLAB_CGSL_SHIM_H

#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cblas.h>

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

#endif
