/* Element-wise kernels with AVX2 for LabCore (see lab_kernels.h): tanh and Adam's update,
   each the same IEEE operations in the same order as LabCore's portable Swift loop (and,
   for Adam, CGSL's AVX-512 kernel), so every path gives the same bits. They live in a C
   file (not a header Swift imports) so that they are compiled once, with the target
   attributes below. */

#include "lab_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

/* tanh's two formulas with AVX2 and FMA, in single precision: exactly the operations of
   LabCore's Swift `tanhElement` (Tanh.swift), lane for lane, with fused multiply-adds
   where it has them (an FMA is rounded once on every path, in hardware or in the C
   library). Contraction is off, so no other operation is fused. `a` is |x| capped at 20
   (0 in NaN lanes). */
#define TANH_INLINE __attribute__((target("avx2,fma"), always_inline)) static inline

/* a + a u P(u), u = a^2: tanh(a) for a < 0.55. */
TANH_INLINE __m256 tanhSmall(__m256 a) {
#pragma clang fp contract(off)
    __m256 u = _mm256_mul_ps(a, a);
    __m256 p = _mm256_set1_ps(-0.006282980088144541f);
    p = _mm256_fmadd_ps(p, u, _mm256_set1_ps(0.02107815630733967f));
    p = _mm256_fmadd_ps(p, u, _mm256_set1_ps(-0.05385396629571915f));
    p = _mm256_fmadd_ps(p, u, _mm256_set1_ps(0.13332602381706238f));
    p = _mm256_fmadd_ps(p, u, _mm256_set1_ps(-0.33333319425582886f));
    return _mm256_fmadd_ps(_mm256_mul_ps(a, u), p, a);
}

/* 1 - 2 / (exp(2a) + 1), exp(2a) = 2^k exp(r) with exp(r) - 1 = r + r^2 Q(r): tanh(a) for
   a >= 0.55. */
TANH_INLINE __m256 tanhLarge(__m256 a) {
#pragma clang fp contract(off)
    const __m256 magic = _mm256_set1_ps(12582912.0f); /* 1.5 * 2^23: rounds to an integer */
    __m256 y = _mm256_mul_ps(_mm256_set1_ps(2.0f), a);
    __m256 shifted = _mm256_fmadd_ps(y, _mm256_set1_ps(1.4426950216293335f), magic);
    __m256 k = _mm256_sub_ps(shifted, magic);
    __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693145751953125f), y);
    r = _mm256_fnmadd_ps(k, _mm256_set1_ps(1.428606765330187e-06f), r);
    __m256 q = _mm256_set1_ps(0.00019841270113829523f);
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(0.0013888889225199819f));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(0.008333333767950535f));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(0.0416666679084301f));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(0.1666666716337204f));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(0.5f));
    __m256 expm1 = _mm256_fmadd_ps(_mm256_mul_ps(r, r), q, r);
    /* 2^k from its exponent bits (k is between 0 and 58 here). */
    __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(_mm256_castps_si256(shifted), _mm256_castps_si256(magic)),
                                                      _mm256_set1_epi32(127)), 23);
    __m256 scale = _mm256_castsi256_ps(bits);
    __m256 e = _mm256_fmadd_ps(scale, expm1, scale);
    return _mm256_sub_ps(_mm256_set1_ps(1.0f), _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
}

/* tanh of n floats with AVX2, 8 at a time. Returns how many leading elements it wrote (a
   multiple of 8).

   A group computes only the formula its lanes take, and both (then blended) only when
   its lanes straddle 0.55: a network's pre-activations come in runs (in SB3's PPO
   networks on CartPole-v1, the same 64-64 tanh shape, 42% of 8-lane groups lie all below
   0.55 and 48% all above), and the small formula alone costs a third of both. Each lane
   gets the formula the blend would have chosen, computed by the same operations, so the
   results are those of computing both. */
__attribute__((target("avx2,fma")))
long rllab_tanh_avx2(const float *x, float *out, long n) {
#pragma clang fp contract(off)
    const __m256 signMask = _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000u));
    long j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 v = _mm256_loadu_ps(x + j);
        __m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
        /* |x| by clearing the sign bit, capped at 20; NaN lanes 0. */
        __m256 a = _mm256_andnot_ps(nan, _mm256_min_ps(_mm256_andnot_ps(signMask, v), _mm256_set1_ps(20.0f)));
        __m256 small = _mm256_cmp_ps(a, _mm256_set1_ps(0.55f), _CMP_LT_OQ);
        int smallLanes = _mm256_movemask_ps(small);
        __m256 magnitude;
        if (smallLanes == 0xFF) {
            magnitude = tanhSmall(a);
        } else if (smallLanes == 0) {
            magnitude = tanhLarge(a);
        } else {
            magnitude = _mm256_blendv_ps(tanhLarge(a), tanhSmall(a), small);
        }
        /* The sign of x (also for -0), then NaN passes through. */
        __m256 result = _mm256_or_ps(magnitude, _mm256_and_ps(v, signMask));
        result = _mm256_blendv_ps(result, v, nan);
        _mm256_storeu_ps(out + j, result);
    }
    return j;
}

/* g (1 - y^2) for n floats with AVX2, 8 at a time, unfused as LabCore's portable loop
   (Tanh.swift). Returns how many leading elements it wrote (a multiple of 8). */
__attribute__((target("avx2")))
long rllab_tanh_backward_avx2(const float *g, const float *y, float *out, long n) {
#pragma clang fp contract(off)
    const __m256 one = _mm256_set1_ps(1.0f);
    long j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 yj = _mm256_loadu_ps(y + j);
        _mm256_storeu_ps(out + j, _mm256_mul_ps(_mm256_loadu_ps(g + j), _mm256_sub_ps(one, _mm256_mul_ps(yj, yj))));
    }
    return j;
}

/* Adam's element-wise update with AVX2, 8 at a time: exactly the operations of
   rllab_adam_update_avx512 (no fused multiply-add), so results are identical. Returns how
   many leading elements it updated (a multiple of 8). */
__attribute__((target("avx2")))
long rllab_adam_update_avx2(float *w, float *m, float *v, const float *g, long n,
                                          float weight, int lowWeight, float b2, float oneMinusB2,
                                          float bias2Sqrt, float eps, float negStep) {
#pragma clang fp contract(off)
    const __m256 vWeight = _mm256_set1_ps(weight), vOneMinusWeight = _mm256_set1_ps(1.0f - weight);
    const __m256 vB2 = _mm256_set1_ps(b2), vOneMinusB2 = _mm256_set1_ps(oneMinusB2);
    const __m256 vBias2 = _mm256_set1_ps(bias2Sqrt), vEps = _mm256_set1_ps(eps), vStep = _mm256_set1_ps(negStep);
    long j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 gj = _mm256_loadu_ps(g + j), mj = _mm256_loadu_ps(m + j), vj = _mm256_loadu_ps(v + j), wj = _mm256_loadu_ps(w + j);
        __m256 diff = _mm256_sub_ps(gj, mj);
        mj = lowWeight ? _mm256_add_ps(mj, _mm256_mul_ps(vWeight, diff)) : _mm256_sub_ps(gj, _mm256_mul_ps(diff, vOneMinusWeight));
        vj = _mm256_add_ps(_mm256_mul_ps(vj, vB2), _mm256_mul_ps(_mm256_mul_ps(vOneMinusB2, gj), gj));
        __m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vj), vBias2), vEps);
        _mm256_storeu_ps(m + j, mj);
        _mm256_storeu_ps(v + j, vj);
        _mm256_storeu_ps(w + j, _mm256_add_ps(wj, _mm256_mul_ps(vStep, _mm256_div_ps(mj, denom))));
    }
    return j;
}
#else

long rllab_tanh_avx2(const float *x, float *out, long n) { return 0; }
long rllab_tanh_backward_avx2(const float *g, const float *y, float *out, long n) { return 0; }
long rllab_adam_update_avx2(float *w, float *m, float *v, const float *g, long n, float weight, int lowWeight, float b2,
                            float oneMinusB2, float bias2Sqrt, float eps, float negStep) {
    return 0;
}

#endif
