#include "cartpole_kernel.h"

#if defined(__x86_64__)
#include <immintrin.h>

static int hasAVX512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
        && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
}

/* 8 flags as a mask, and back. */
__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))
static inline __mmask8 loadFlags(const bool *flags) {
    return _mm_test_epi8_mask(_mm_loadl_epi64((const __m128i *)flags), _mm_set1_epi8(1));
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))
static inline void storeFlags(bool *flags, __mmask8 mask) {
    _mm_storel_epi64((__m128i *)flags, _mm_maskz_set1_epi8(mask, 1));
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))
static long stepAVX512(const RLLabCartPoleConstants *c, long n,
                       const double *sines, const double *cosines, const long *actions,
                       double *x, double *xDot, double *theta, double *thetaDot,
                       long *elapsed, bool *autoreset,
                       double *rewards, bool *terminations, bool *truncations, float *observations) {
#pragma clang fp contract(off)
    const __m512d gravity = _mm512_set1_pd(c->gravity), massPole = _mm512_set1_pd(c->massPole);
    const __m512d totalMass = _mm512_set1_pd(c->totalMass), length = _mm512_set1_pd(c->length);
    const __m512d poleMassLength = _mm512_set1_pd(c->poleMassLength), tau = _mm512_set1_pd(c->tau);
    const __m512d force = _mm512_set1_pd(c->forceMagnitude), minusForce = _mm512_set1_pd(-c->forceMagnitude);
    const __m512d fourThirds = _mm512_set1_pd(4.0 / 3.0);
    const __m512d xHigh = _mm512_set1_pd(c->xThreshold), xLow = _mm512_set1_pd(-c->xThreshold);
    const __m512d thHigh = _mm512_set1_pd(c->thetaThresholdRadians), thLow = _mm512_set1_pd(-c->thetaThresholdRadians);
    const __m512d alive = _mm512_set1_pd(c->rewardAlive), terminal = _mm512_set1_pd(c->rewardTerminal);
    const __m512i one = _mm512_set1_epi64(1), limit = _mm512_set1_epi64(c->limit);
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __mmask8 resetting = loadFlags(autoreset + i);
        __mmask8 stepping = (__mmask8)~resetting;
        __mmask8 right = _mm512_cmpeq_epi64_mask(_mm512_loadu_si512(actions + i), one);
        __m512d s = _mm512_loadu_pd(sines + i), co = _mm512_loadu_pd(cosines + i);
        __m512d px = _mm512_loadu_pd(x + i), pxd = _mm512_loadu_pd(xDot + i);
        __m512d pth = _mm512_loadu_pd(theta + i), pthd = _mm512_loadu_pd(thetaDot + i);
        __m512d f = _mm512_mask_mov_pd(minusForce, right, force);
        /* temp = (force + poleMassLength * (thetaDot * thetaDot) * sin) / totalMass */
        __m512d temp = _mm512_div_pd(_mm512_add_pd(f, _mm512_mul_pd(_mm512_mul_pd(poleMassLength, _mm512_mul_pd(pthd, pthd)), s)), totalMass);
        /* thetaacc = (gravity * sin - cos * temp) / (length * (4/3 - massPole * (cos * cos) / totalMass)) */
        __m512d denominator = _mm512_mul_pd(length, _mm512_sub_pd(fourThirds, _mm512_div_pd(_mm512_mul_pd(massPole, _mm512_mul_pd(co, co)), totalMass)));
        __m512d thetaacc = _mm512_div_pd(_mm512_sub_pd(_mm512_mul_pd(gravity, s), _mm512_mul_pd(co, temp)), denominator);
        /* xacc = temp - poleMassLength * thetaacc * cos / totalMass */
        __m512d xacc = _mm512_sub_pd(temp, _mm512_div_pd(_mm512_mul_pd(_mm512_mul_pd(poleMassLength, thetaacc), co), totalMass));
        __m512d nx = _mm512_add_pd(px, _mm512_mul_pd(tau, pxd));
        __m512d nxd = _mm512_add_pd(pxd, _mm512_mul_pd(tau, xacc));
        __m512d nth = _mm512_add_pd(pth, _mm512_mul_pd(tau, pthd));
        __m512d nthd = _mm512_add_pd(pthd, _mm512_mul_pd(tau, thetaacc));
        __mmask8 failed = _mm512_cmp_pd_mask(nx, xLow, _CMP_LT_OQ) | _mm512_cmp_pd_mask(nx, xHigh, _CMP_GT_OQ)
            | _mm512_cmp_pd_mask(nth, thLow, _CMP_LT_OQ) | _mm512_cmp_pd_mask(nth, thHigh, _CMP_GT_OQ);
        __m512i steps = _mm512_add_epi64(_mm512_loadu_si512(elapsed + i), one);
        __mmask8 terminated = failed & stepping;
        __mmask8 truncated = _mm512_cmpge_epi64_mask(steps, limit) & stepping;
        /* A resetting copy keeps the state its reset drew. */
        nx = _mm512_mask_mov_pd(px, stepping, nx);
        nxd = _mm512_mask_mov_pd(pxd, stepping, nxd);
        nth = _mm512_mask_mov_pd(pth, stepping, nth);
        nthd = _mm512_mask_mov_pd(pthd, stepping, nthd);
        _mm512_storeu_pd(x + i, nx);
        _mm512_storeu_pd(xDot + i, nxd);
        _mm512_storeu_pd(theta + i, nth);
        _mm512_storeu_pd(thetaDot + i, nthd);
        _mm512_mask_storeu_epi64(elapsed + i, stepping, steps);
        __m512d reward = _mm512_mask_mov_pd(alive, terminated, terminal);
        _mm512_storeu_pd(rewards + i, _mm512_maskz_mov_pd(stepping, reward));
        storeFlags(terminations + i, terminated);
        storeFlags(truncations + i, truncated);
        storeFlags(autoreset + i, terminated | truncated);
        /* Observations: float32 of the state, interleaved x, x_dot, theta, theta_dot per copy. */
        __m256 fx = _mm512_cvtpd_ps(nx), fxd = _mm512_cvtpd_ps(nxd), fth = _mm512_cvtpd_ps(nth), fthd = _mm512_cvtpd_ps(nthd);
        __m256 t0 = _mm256_unpacklo_ps(fx, fxd), t1 = _mm256_unpackhi_ps(fx, fxd);
        __m256 t2 = _mm256_unpacklo_ps(fth, fthd), t3 = _mm256_unpackhi_ps(fth, fthd);
        __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
        __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
        float *o = observations + 4 * i;
        _mm256_storeu_ps(o, _mm256_permute2f128_ps(u0, u1, 0x20));
        _mm256_storeu_ps(o + 8, _mm256_permute2f128_ps(u2, u3, 0x20));
        _mm256_storeu_ps(o + 16, _mm256_permute2f128_ps(u0, u1, 0x31));
        _mm256_storeu_ps(o + 24, _mm256_permute2f128_ps(u2, u3, 0x31));
    }
    return i;
}

static int hasAVX2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}

/* 4 flags (bytes 0 or 1) as a lane mask of 4 x 64 bits, and a lane mask back to 4 flags. */
__attribute__((target("avx2")))
static inline __m256d loadFlagsAVX2(const bool *flags) {
    int bytes;
    __builtin_memcpy(&bytes, flags, 4);
    __m256i wide = _mm256_cvtepu8_epi64(_mm_cvtsi32_si128(bytes));
    return _mm256_castsi256_pd(_mm256_cmpgt_epi64(wide, _mm256_setzero_si256()));
}

__attribute__((target("avx2")))
static inline void storeFlagsAVX2(bool *flags, __m256d mask) {
    /* Bit k of the movemask becomes byte k: multiplying spreads the 4 bits 7 apart, the
       mask keeps each byte's low bit. */
    unsigned bits = (unsigned)_mm256_movemask_pd(mask);
    unsigned bytes = ((bits * 0x00204081u) & 0x01010101u);
    __builtin_memcpy(flags, &bytes, 4);
}

/* The AVX-512 kernel's operations, 4 copies at a time: the same IEEE double operations in
   the same order (no FMA: the target has none, and contraction is off), so the same bits. */
__attribute__((target("avx2")))
static long stepAVX2(const RLLabCartPoleConstants *c, long n,
                     const double *sines, const double *cosines, const long *actions,
                     double *x, double *xDot, double *theta, double *thetaDot,
                     long *elapsed, bool *autoreset,
                     double *rewards, bool *terminations, bool *truncations, float *observations) {
#pragma clang fp contract(off)
    const __m256d gravity = _mm256_set1_pd(c->gravity), massPole = _mm256_set1_pd(c->massPole);
    const __m256d totalMass = _mm256_set1_pd(c->totalMass), length = _mm256_set1_pd(c->length);
    const __m256d poleMassLength = _mm256_set1_pd(c->poleMassLength), tau = _mm256_set1_pd(c->tau);
    const __m256d force = _mm256_set1_pd(c->forceMagnitude), minusForce = _mm256_set1_pd(-c->forceMagnitude);
    const __m256d fourThirds = _mm256_set1_pd(4.0 / 3.0);
    const __m256d xHigh = _mm256_set1_pd(c->xThreshold), xLow = _mm256_set1_pd(-c->xThreshold);
    const __m256d thHigh = _mm256_set1_pd(c->thetaThresholdRadians), thLow = _mm256_set1_pd(-c->thetaThresholdRadians);
    const __m256d alive = _mm256_set1_pd(c->rewardAlive), terminal = _mm256_set1_pd(c->rewardTerminal);
    const __m256i one = _mm256_set1_epi64x(1), limit = _mm256_set1_epi64x(c->limit);
    const __m256d allOnes = _mm256_castsi256_pd(_mm256_set1_epi64x(-1));
    long i = 0;
    for (; i + 4 <= n; i += 4) {
        __m256d resetting = loadFlagsAVX2(autoreset + i);
        __m256d stepping = _mm256_xor_pd(resetting, allOnes);
        __m256d right = _mm256_castsi256_pd(_mm256_cmpeq_epi64(_mm256_loadu_si256((const __m256i *)(actions + i)), one));
        __m256d s = _mm256_loadu_pd(sines + i), co = _mm256_loadu_pd(cosines + i);
        __m256d px = _mm256_loadu_pd(x + i), pxd = _mm256_loadu_pd(xDot + i);
        __m256d pth = _mm256_loadu_pd(theta + i), pthd = _mm256_loadu_pd(thetaDot + i);
        __m256d f = _mm256_blendv_pd(minusForce, force, right);
        /* temp = (force + poleMassLength * (thetaDot * thetaDot) * sin) / totalMass */
        __m256d temp = _mm256_div_pd(_mm256_add_pd(f, _mm256_mul_pd(_mm256_mul_pd(poleMassLength, _mm256_mul_pd(pthd, pthd)), s)), totalMass);
        /* thetaacc = (gravity * sin - cos * temp) / (length * (4/3 - massPole * (cos * cos) / totalMass)) */
        __m256d denominator = _mm256_mul_pd(length, _mm256_sub_pd(fourThirds, _mm256_div_pd(_mm256_mul_pd(massPole, _mm256_mul_pd(co, co)), totalMass)));
        __m256d thetaacc = _mm256_div_pd(_mm256_sub_pd(_mm256_mul_pd(gravity, s), _mm256_mul_pd(co, temp)), denominator);
        /* xacc = temp - poleMassLength * thetaacc * cos / totalMass */
        __m256d xacc = _mm256_sub_pd(temp, _mm256_div_pd(_mm256_mul_pd(_mm256_mul_pd(poleMassLength, thetaacc), co), totalMass));
        __m256d nx = _mm256_add_pd(px, _mm256_mul_pd(tau, pxd));
        __m256d nxd = _mm256_add_pd(pxd, _mm256_mul_pd(tau, xacc));
        __m256d nth = _mm256_add_pd(pth, _mm256_mul_pd(tau, pthd));
        __m256d nthd = _mm256_add_pd(pthd, _mm256_mul_pd(tau, thetaacc));
        __m256d failed = _mm256_or_pd(_mm256_or_pd(_mm256_cmp_pd(nx, xLow, _CMP_LT_OQ), _mm256_cmp_pd(nx, xHigh, _CMP_GT_OQ)),
                                      _mm256_or_pd(_mm256_cmp_pd(nth, thLow, _CMP_LT_OQ), _mm256_cmp_pd(nth, thHigh, _CMP_GT_OQ)));
        __m256i previous = _mm256_loadu_si256((const __m256i *)(elapsed + i));
        __m256i steps = _mm256_add_epi64(previous, one);
        __m256d terminated = _mm256_and_pd(failed, stepping);
        /* steps >= limit, as not (limit > steps) */
        __m256d truncated = _mm256_andnot_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(limit, steps)), stepping);
        /* A resetting copy keeps the state its reset drew. */
        nx = _mm256_blendv_pd(px, nx, stepping);
        nxd = _mm256_blendv_pd(pxd, nxd, stepping);
        nth = _mm256_blendv_pd(pth, nth, stepping);
        nthd = _mm256_blendv_pd(pthd, nthd, stepping);
        _mm256_storeu_pd(x + i, nx);
        _mm256_storeu_pd(xDot + i, nxd);
        _mm256_storeu_pd(theta + i, nth);
        _mm256_storeu_pd(thetaDot + i, nthd);
        _mm256_storeu_si256((__m256i *)(elapsed + i),
                            _mm256_castpd_si256(_mm256_blendv_pd(_mm256_castsi256_pd(previous), _mm256_castsi256_pd(steps), stepping)));
        __m256d reward = _mm256_blendv_pd(alive, terminal, terminated);
        _mm256_storeu_pd(rewards + i, _mm256_and_pd(stepping, reward));
        storeFlagsAVX2(terminations + i, terminated);
        storeFlagsAVX2(truncations + i, truncated);
        storeFlagsAVX2(autoreset + i, _mm256_or_pd(terminated, truncated));
        /* Observations: float32 of the state, interleaved x, x_dot, theta, theta_dot per copy. */
        __m128 r0 = _mm256_cvtpd_ps(nx), r1 = _mm256_cvtpd_ps(nxd), r2 = _mm256_cvtpd_ps(nth), r3 = _mm256_cvtpd_ps(nthd);
        _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
        float *o = observations + 4 * i;
        _mm_storeu_ps(o, r0);
        _mm_storeu_ps(o + 4, r1);
        _mm_storeu_ps(o + 8, r2);
        _mm_storeu_ps(o + 12, r3);
    }
    return i;
}

long rllab_cartpole_step_vector(int level, const RLLabCartPoleConstants *c, long n,
                                const double *sines, const double *cosines, const long *actions,
                                double *x, double *xDot, double *theta, double *thetaDot,
                                long *elapsed, bool *autoreset,
                                double *rewards, bool *terminations, bool *truncations, float *observations) {
    static int supported512 = -1, supported2 = -1;
    if (supported512 < 0) supported512 = hasAVX512();
    if (supported2 < 0) supported2 = hasAVX2();
    if (level >= 2 && supported512)
        return stepAVX512(c, n, sines, cosines, actions, x, xDot, theta, thetaDot, elapsed, autoreset,
                          rewards, terminations, truncations, observations);
    if (level >= 1 && supported2)
        return stepAVX2(c, n, sines, cosines, actions, x, xDot, theta, thetaDot, elapsed, autoreset,
                        rewards, terminations, truncations, observations);
    return 0;
}

#else
long rllab_cartpole_step_vector(int level, const RLLabCartPoleConstants *c, long n,
                                const double *sines, const double *cosines, const long *actions,
                                double *x, double *xDot, double *theta, double *thetaDot,
                                long *elapsed, bool *autoreset,
                                double *rewards, bool *terminations, bool *truncations, float *observations) {
    return 0;
}
#endif
