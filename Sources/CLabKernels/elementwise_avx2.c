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

/* |x| capped at 20, 0 in NaN lanes (`nan` marks them): the argument both formulas take. */
TANH_INLINE __m256 tanhArgument(__m256 v, __m256 nan) {
    const __m256 signMask = _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000u));
    return _mm256_andnot_ps(nan, _mm256_min_ps(_mm256_andnot_ps(signMask, v), _mm256_set1_ps(20.0f)));
}

/* The magnitude with the sign of x put back (also for -0), then NaN passed through. */
TANH_INLINE __m256 tanhSigned(__m256 magnitude, __m256 v, __m256 nan) {
    const __m256 signMask = _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000u));
    return _mm256_blendv_ps(_mm256_or_ps(magnitude, _mm256_and_ps(v, signMask)), v, nan);
}

/* tanh(a) of one register, `small` marking the lanes below 0.55: only the formula its
   lanes take, or both blended. */
TANH_INLINE __m256 tanhMagnitude(__m256 a, __m256 small) {
    int smallLanes = _mm256_movemask_ps(small);
    if (smallLanes == 0xFF) return tanhSmall(a);
    if (smallLanes == 0) return tanhLarge(a);
    return _mm256_blendv_ps(tanhLarge(a), tanhSmall(a), small);
}

/* tanh of n floats with AVX2. Returns how many leading elements it wrote (a multiple of
   8).

   A group computes only the formula its lanes take, and both (then blended) only when
   its lanes straddle 0.55: a network's pre-activations come in runs (in SB3's PPO
   networks on CartPole-v1, the same 64-64 tanh shape, 42% of 8-lane groups lie all below
   0.55 and 48% all above), and the small formula alone costs a third of both. Each lane
   gets the formula the blend would have chosen, computed by the same operations, so the
   results are those of computing both.

   Groups are four registers (32 floats) where they can be: each formula is one long
   dependent chain (the large one about 70 cycles deep, through a division), and one
   register at a time kept too few chains in flight to fill the floating-point units; four
   side by side ran floats all above 0.55 about 20% faster (all below: 10%). Four registers
   whose lanes do not all take one formula take them register by register as above. */
__attribute__((target("avx2,fma")))
long rllab_tanh_avx2(const float *x, float *out, long n) {
#pragma clang fp contract(off)
    const __m256 edge = _mm256_set1_ps(0.55f);
    long j = 0;
    for (; j + 32 <= n; j += 32) {
        /* Written out register by register: as arrays, clang kept them in memory. */
        __m256 v0 = _mm256_loadu_ps(x + j), v1 = _mm256_loadu_ps(x + j + 8);
        __m256 v2 = _mm256_loadu_ps(x + j + 16), v3 = _mm256_loadu_ps(x + j + 24);
        __m256 a0 = tanhArgument(v0, _mm256_cmp_ps(v0, v0, _CMP_UNORD_Q)), a1 = tanhArgument(v1, _mm256_cmp_ps(v1, v1, _CMP_UNORD_Q));
        __m256 a2 = tanhArgument(v2, _mm256_cmp_ps(v2, v2, _CMP_UNORD_Q)), a3 = tanhArgument(v3, _mm256_cmp_ps(v3, v3, _CMP_UNORD_Q));
        __m256 s0 = _mm256_cmp_ps(a0, edge, _CMP_LT_OQ), s1 = _mm256_cmp_ps(a1, edge, _CMP_LT_OQ);
        __m256 s2 = _mm256_cmp_ps(a2, edge, _CMP_LT_OQ), s3 = _mm256_cmp_ps(a3, edge, _CMP_LT_OQ);
        int anySmall = _mm256_movemask_ps(_mm256_or_ps(_mm256_or_ps(s0, s1), _mm256_or_ps(s2, s3)));
        int allSmall = _mm256_movemask_ps(_mm256_and_ps(_mm256_and_ps(s0, s1), _mm256_and_ps(s2, s3)));
        __m256 m0, m1, m2, m3;
        if (allSmall == 0xFF) {
            m0 = tanhSmall(a0); m1 = tanhSmall(a1); m2 = tanhSmall(a2); m3 = tanhSmall(a3);
        } else if (anySmall == 0) {
            m0 = tanhLarge(a0); m1 = tanhLarge(a1); m2 = tanhLarge(a2); m3 = tanhLarge(a3);
        } else {
            m0 = tanhMagnitude(a0, s0); m1 = tanhMagnitude(a1, s1); m2 = tanhMagnitude(a2, s2); m3 = tanhMagnitude(a3, s3);
        }
        _mm256_storeu_ps(out + j, tanhSigned(m0, v0, _mm256_cmp_ps(v0, v0, _CMP_UNORD_Q)));
        _mm256_storeu_ps(out + j + 8, tanhSigned(m1, v1, _mm256_cmp_ps(v1, v1, _CMP_UNORD_Q)));
        _mm256_storeu_ps(out + j + 16, tanhSigned(m2, v2, _mm256_cmp_ps(v2, v2, _CMP_UNORD_Q)));
        _mm256_storeu_ps(out + j + 24, tanhSigned(m3, v3, _mm256_cmp_ps(v3, v3, _CMP_UNORD_Q)));
    }
    for (; j + 8 <= n; j += 8) {
        __m256 v = _mm256_loadu_ps(x + j);
        __m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
        __m256 a = tanhArgument(v, nan);
        _mm256_storeu_ps(out + j, tanhSigned(tanhMagnitude(a, _mm256_cmp_ps(a, edge, _CMP_LT_OQ)), v, nan));
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
