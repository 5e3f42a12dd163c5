/* Element-wise kernels with AVX2 for LabCore (see lab_kernels.h): tanh and Adam's update,
   each the same IEEE operations in the same order as LabCore's portable Swift loop (and,
   for Adam, CGSL's AVX-512 kernel), so every path gives the same bits. They live in a C
   file (not a header Swift imports) so that clang's loop unrolling interleaves the groups. */

#include "lab_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

/* tanh of 8 x `groups` floats with AVX2 and FMA, in single precision: exactly the
   operations of LabCore's Swift `tanhElement` (Tanh.swift), lane for lane, with fused
   multiply-adds where it has them (an FMA is rounded once on every path, in hardware or
   in the C library) and compare-and-blend where it chooses. Contraction is off, so no
   other operation is fused. Stepping several groups through the polynomials together
   keeps the core's pipelines full without changing any group's operations. */
__attribute__((target("avx2,fma"), always_inline))
static inline void rllab_tanh_avx2_groups(const float *x, float *out, const int groups) {
#pragma clang fp contract(off)
    const __m256 signMask = _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000u));
    const __m256 magic = _mm256_set1_ps(12582912.0f); /* 1.5 * 2^23: rounds to an integer */
    /* tanh(a) = a + a u P(u), u = a^2, for a < 0.55; exp(r) - 1 = r + r^2 Q(r). */
    const float smallPoly[5] = {-0.006282980088144541f, 0.02107815630733967f, -0.05385396629571915f,
                                0.13332602381706238f, -0.33333319425582886f};
    const float expPoly[6] = {0.00019841270113829523f, 0.0013888889225199819f, 0.008333333767950535f,
                               0.0416666679084301f, 0.1666666716337204f, 0.5f};
    __m256 v[4], a[4], u[4], p[4], shifted[4], r[4], q[4];
    _Pragma("clang loop unroll(full)") for (int g = 0; g < groups; g++) {
        v[g] = _mm256_loadu_ps(x + 8 * g);
        __m256 nan = _mm256_cmp_ps(v[g], v[g], _CMP_UNORD_Q);
        /* |x| by clearing the sign bit, capped at 20; NaN lanes 0. */
        a[g] = _mm256_andnot_ps(nan, _mm256_min_ps(_mm256_andnot_ps(signMask, v[g]), _mm256_set1_ps(20.0f)));
        u[g] = _mm256_mul_ps(a[g], a[g]);
        __m256 y = _mm256_mul_ps(_mm256_set1_ps(2.0f), a[g]);
        shifted[g] = _mm256_fmadd_ps(y, _mm256_set1_ps(1.4426950216293335f), magic);
        __m256 k = _mm256_sub_ps(shifted[g], magic);
        r[g] = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693145751953125f), y);
        r[g] = _mm256_fnmadd_ps(k, _mm256_set1_ps(1.428606765330187e-06f), r[g]);
        p[g] = _mm256_set1_ps(smallPoly[0]);
        q[g] = _mm256_set1_ps(expPoly[0]);
    }
    for (int c = 1; c < 6; c++) {
        _Pragma("clang loop unroll(full)") for (int g = 0; g < groups; g++) {
            q[g] = _mm256_fmadd_ps(q[g], r[g], _mm256_set1_ps(expPoly[c]));
            if (c < 5) p[g] = _mm256_fmadd_ps(p[g], u[g], _mm256_set1_ps(smallPoly[c]));
        }
    }
    _Pragma("clang loop unroll(full)") for (int g = 0; g < groups; g++) {
        __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(a[g], u[g]), p[g], a[g]);
        __m256 expm1 = _mm256_fmadd_ps(_mm256_mul_ps(r[g], r[g]), q[g], r[g]);
        /* 2^k from its exponent bits (k is between 0 and 58 here). */
        __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(_mm256_castps_si256(shifted[g]), _mm256_castps_si256(magic)),
                                                          _mm256_set1_epi32(127)), 23);
        __m256 scale = _mm256_castsi256_ps(bits);
        __m256 e = _mm256_fmadd_ps(scale, expm1, scale);
        __m256 large = _mm256_sub_ps(_mm256_set1_ps(1.0f), _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
        __m256 magnitude = _mm256_blendv_ps(large, small, _mm256_cmp_ps(a[g], _mm256_set1_ps(0.55f), _CMP_LT_OQ));
        /* The sign of x (also for -0), then NaN passes through. */
        __m256 result = _mm256_or_ps(magnitude, _mm256_and_ps(v[g], signMask));
        result = _mm256_blendv_ps(result, v[g], _mm256_cmp_ps(v[g], v[g], _CMP_UNORD_Q));
        _mm256_storeu_ps(out + 8 * g, result);
    }
}

/* tanh of n floats with AVX2 (rllab_tanh_avx2_groups), 32 at a time, then 8 at a time.
   Returns how many leading elements it wrote (a multiple of 8). */
__attribute__((target("avx2,fma")))
long rllab_tanh_avx2(const float *x, float *out, long n) {
    long j = 0;
    for (; j + 32 <= n; j += 32) rllab_tanh_avx2_groups(x + j, out + j, 4);
    for (; j + 8 <= n; j += 8) rllab_tanh_avx2_groups(x + j, out + j, 1);
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
long rllab_adam_update_avx2(float *w, float *m, float *v, const float *g, long n, float weight, int lowWeight, float b2,
                            float oneMinusB2, float bias2Sqrt, float eps, float negStep) {
    return 0;
}

#endif
