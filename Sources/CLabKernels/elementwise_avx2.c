/* Element-wise kernels with AVX2 for LabCore (see lab_kernels.h): tanh and Adam's update,
   each the same IEEE operations in the same order as LabCore's portable Swift loop and
   CGSL's AVX-512 kernels, so every path gives the same bits. They live in a C file
   (not a header Swift imports) so that clang's loop unrolling interleaves the groups. */

#include "lab_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

/* tanh of 4 x `groups` floats with AVX2, 4 lanes per group in double precision: exactly
   the operations of rllab_tanh_avx512 above, lane for lane (and so of LabCore's Swift
   `tanhDouble`), with AVX2's compare-and-blend in place of AVX-512's masks. No fused
   multiply-add (the target does not enable FMA, and contraction is off), so results are
   identical on every path. The polynomials are long chains of dependent operations;
   stepping several groups through them together keeps the core's pipelines full (about
   twice as fast as one group at a time), without changing any group's operations. */
__attribute__((target("avx2"), always_inline))
static inline void rllab_tanh_avx2_groups(const float *x, float *out, const int groups) {
#pragma clang fp contract(off)
    const __m256d magic = _mm256_set1_pd(6755399441055744.0);
    const __m256i magicBits = _mm256_set1_epi64x(0x4338000000000000LL);
    const __m256d signMask = _mm256_castsi256_pd(_mm256_set1_epi64x((long long)0x8000000000000000ULL));
    const double smallPoly[11] = {
        9.691537956929451e-05, -0.00023912911424355248, 0.000590027440945586, -0.0014558343870513183,
        0.003592128036572481, -0.008863235529902197, 0.021869488536155203, -0.05396825396825397,
        0.13333333333333333, -0.3333333333333333, 1.0};
    const double expCoefficients[14] = {
        1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0,
        1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0};
    __m256d d[4], a[4], u[4], p[4], shifted[4], r[4], e[4];
    _Pragma("clang loop unroll(full)") for (int g = 0; g < groups; g++) {
        d[g] = _mm256_cvtps_pd(_mm_loadu_ps(x + 4 * g));
        __m256d nan = _mm256_cmp_pd(d[g], d[g], _CMP_UNORD_Q);
        /* |d| by clearing the sign bit (what _mm512_abs_pd does), capped at 20; NaN lanes 0. */
        a[g] = _mm256_andnot_pd(nan, _mm256_min_pd(_mm256_andnot_pd(signMask, d[g]), _mm256_set1_pd(20.0)));
        u[g] = _mm256_mul_pd(a[g], a[g]);
        p[g] = _mm256_set1_pd(smallPoly[0]);
        __m256d y = _mm256_mul_pd(_mm256_set1_pd(2.0), a[g]);
        shifted[g] = _mm256_add_pd(_mm256_mul_pd(y, _mm256_set1_pd(1.4426950408889634)), magic);
        __m256d k = _mm256_sub_pd(shifted[g], magic);
        r[g] = _mm256_sub_pd(_mm256_sub_pd(y, _mm256_mul_pd(k, _mm256_set1_pd(0.6931471803691238))),
                             _mm256_mul_pd(k, _mm256_set1_pd(1.9082149292705877e-10)));
        e[g] = _mm256_set1_pd(expCoefficients[0]);
    }
    for (int c = 1; c < 14; c++) {
        _Pragma("clang loop unroll(full)") for (int g = 0; g < groups; g++) {
            e[g] = _mm256_add_pd(_mm256_mul_pd(e[g], r[g]), _mm256_set1_pd(expCoefficients[c]));
            if (c < 11) p[g] = _mm256_add_pd(_mm256_mul_pd(p[g], u[g]), _mm256_set1_pd(smallPoly[c]));
        }
    }
    _Pragma("clang loop unroll(full)") for (int g = 0; g < groups; g++) {
        __m256d small = _mm256_mul_pd(a[g], p[g]);
        __m256i bits = _mm256_slli_epi64(_mm256_add_epi64(_mm256_sub_epi64(_mm256_castpd_si256(shifted[g]), magicBits),
                                                          _mm256_set1_epi64x(1023)), 52);
        __m256d scale = _mm256_castsi256_pd(bits);
        __m256d large = _mm256_sub_pd(_mm256_set1_pd(1.0),
                                      _mm256_div_pd(_mm256_set1_pd(2.0), _mm256_add_pd(_mm256_mul_pd(e[g], scale), _mm256_set1_pd(1.0))));
        __m256d isSmall = _mm256_cmp_pd(a[g], _mm256_set1_pd(0.5), _CMP_LT_OQ);
        __m256d magnitude = _mm256_blendv_pd(large, small, isSmall);
        /* The sign of d (also for -0), then NaN passes through. */
        __m256d result = _mm256_or_pd(magnitude, _mm256_and_pd(d[g], signMask));
        result = _mm256_blendv_pd(result, d[g], _mm256_cmp_pd(d[g], d[g], _CMP_UNORD_Q));
        _mm_storeu_ps(out + 4 * g, _mm256_cvtpd_ps(result));
    }
}

/* tanh of n floats with AVX2 (rllab_tanh_avx2_groups), 16 at a time, then 4 at a time.
   Returns how many leading elements it wrote (a multiple of 4). */
__attribute__((target("avx2")))
long rllab_tanh_avx2(const float *x, float *out, long n) {
    long j = 0;
    for (; j + 16 <= n; j += 16) rllab_tanh_avx2_groups(x + j, out + j, 4);
    for (; j + 4 <= n; j += 4) rllab_tanh_avx2_groups(x + j, out + j, 1);
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
