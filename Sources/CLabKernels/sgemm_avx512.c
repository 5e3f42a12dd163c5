/* A small-matrix sgemm for AVX-512 (see lab_kernels.h).

   Why not OpenBLAS for these shapes: a DQN step multiplies 64-row batches by 256x256
   weights. OpenBLAS packs both operands for every call and its kernel is tuned for
   large matrices; at this size it reaches about 60% of the core's FMA peak. Here the
   C tile (up to 14 rows x 32 columns) stays in 28 zmm registers for the whole k loop,
   op(B) is read in place when its rows are short (or packed into a k x 32 panel, by
   16x16 register transposes when B is transposed), and op(A) is broadcast straight from
   memory, so nothing else is copied.

   Layout of the work: for each 32-column panel of C, the rows are split into nearly
   equal blocks of at most 14; each block runs the register kernel over the full k. */

#include "lab_kernels.h"
#include "scratch.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define RLLAB_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,fma")))
#define KERNEL_INLINE RLLAB_AVX512 __attribute__((always_inline)) static inline

enum { VECTORS = 2, PANEL = 16 * VECTORS, MAX_ROWS = 14 };

/* Lane masks for a panel `width` columns wide (0 to PANEL). */
static inline void widthMasks(int width, __mmask16 masks[VECTORS]) {
    for (int v = 0; v < VECTORS; v++) {
        int w = width - 16 * v;
        masks[v] = (__mmask16)(w >= 16 ? 0xFFFF : w <= 0 ? 0 : (1u << w) - 1);
    }
}

/* C[rows, 0:width] (+)= sum over k of A(r, k) * P[k, 0:width], A(r, k) = a[r * rowStride
   + k * kStride], P[k, :] = p + k * panelStride; the masks select the panel's width. */
KERNEL_INLINE void tile(const int rows, long k, const float *a, ptrdiff_t rowStride, ptrdiff_t kStride,
                        const float *p, ptrdiff_t panelStride, float *c, ptrdiff_t ldc,
                        const __mmask16 *masks, int accumulate) {
    __m512 acc[MAX_ROWS][VECTORS];
    _Pragma("clang loop unroll(full)") for (int r = 0; r < rows; r++)
        _Pragma("clang loop unroll(full)") for (int v = 0; v < VECTORS; v++) acc[r][v] = _mm512_setzero_ps();
    for (long kk = 0; kk < k; kk++) {
        __m512 b[VECTORS];
        _Pragma("clang loop unroll(full)") for (int v = 0; v < VECTORS; v++)
            b[v] = _mm512_maskz_loadu_ps(masks[v], p + kk * panelStride + 16 * v);
        const float *ak = a + kk * kStride;
        _Pragma("clang loop unroll(full)") for (int r = 0; r < rows; r++) {
            __m512 ar = _mm512_set1_ps(ak[r * rowStride]);
            _Pragma("clang loop unroll(full)") for (int v = 0; v < VECTORS; v++)
                acc[r][v] = _mm512_fmadd_ps(ar, b[v], acc[r][v]);
        }
    }
    _Pragma("clang loop unroll(full)") for (int r = 0; r < rows; r++) {
        float *cr = c + r * ldc;
        _Pragma("clang loop unroll(full)") for (int v = 0; v < VECTORS; v++) {
            if (accumulate) acc[r][v] = _mm512_add_ps(_mm512_maskz_loadu_ps(masks[v], cr + 16 * v), acc[r][v]);
            _mm512_mask_storeu_ps(cr + 16 * v, masks[v], acc[r][v]);
        }
    }
}

#define TILE_CASE(R) case R: tile(R, k, a, rowStride, kStride, p, panelStride, c, ldc, masks, accumulate); break;
RLLAB_AVX512 __attribute__((noinline))
static void tileOfRows(int rows, long k, const float *a, ptrdiff_t rowStride, ptrdiff_t kStride,
                       const float *p, ptrdiff_t panelStride, float *c, ptrdiff_t ldc,
                       const __mmask16 *masks, int accumulate) {
    switch (rows) {
        TILE_CASE(1) TILE_CASE(2) TILE_CASE(3) TILE_CASE(4) TILE_CASE(5) TILE_CASE(6) TILE_CASE(7)
        TILE_CASE(8) TILE_CASE(9) TILE_CASE(10) TILE_CASE(11) TILE_CASE(12) TILE_CASE(13) TILE_CASE(14)
        default: break;
    }
}

/* Transposes the 16x16 block r[0..15] (row i in r[i]) in registers. */
KERNEL_INLINE void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        __m512d x0 = _mm512_castps_pd(t[4 * i]), x1 = _mm512_castps_pd(t[4 * i + 1]);
        __m512d x2 = _mm512_castps_pd(t[4 * i + 2]), x3 = _mm512_castps_pd(t[4 * i + 3]);
        r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(x0, x2));
        r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(x0, x2));
        r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(x1, x3));
        r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(x1, x3));
    }
    /* r[4g + e] now holds, in 128-bit lane L, element 4L + e of rows 4g..4g+3. */
    for (int e = 0; e < 4; e++) {
        __m512 u0 = _mm512_shuffle_f32x4(r[e], r[4 + e], 0x88), u1 = _mm512_shuffle_f32x4(r[e], r[4 + e], 0xdd);
        __m512 u2 = _mm512_shuffle_f32x4(r[8 + e], r[12 + e], 0x88), u3 = _mm512_shuffle_f32x4(r[8 + e], r[12 + e], 0xdd);
        t[e] = _mm512_shuffle_f32x4(u0, u2, 0x88);
        t[8 + e] = _mm512_shuffle_f32x4(u0, u2, 0xdd);
        t[4 + e] = _mm512_shuffle_f32x4(u1, u3, 0x88);
        t[12 + e] = _mm512_shuffle_f32x4(u1, u3, 0xdd);
    }
    for (int i = 0; i < 16; i++) r[i] = t[i];
}

/* panel[kk * PANEL + j] = src[j * ld + kk] for j < width (zero beyond), kk < k. */
RLLAB_AVX512 static void packTransposed(const float *src, ptrdiff_t ld, int width, long k, float *panel) {
    for (long k0 = 0; k0 < k; k0 += 16) {
        int depth = k - k0 < 16 ? (int)(k - k0) : 16;
        __mmask16 kMask = (__mmask16)(depth == 16 ? 0xFFFF : (1u << depth) - 1);
        for (int h = 0; h < VECTORS; h++) {
            __m512 r[16];
            for (int j = 0; j < 16; j++)
                r[j] = h * 16 + j < width ? _mm512_maskz_loadu_ps(kMask, src + (size_t)(h * 16 + j) * ld + k0) : _mm512_setzero_ps();
            transpose16(r);
            for (int t = 0; t < depth; t++) _mm512_storeu_ps(panel + (size_t)(k0 + t) * PANEL + h * 16, r[t]);
        }
    }
}

/* panel[kk * PANEL + j] = src[kk * ld + j] for j < width (masked), kk < k. */
RLLAB_AVX512 static void packRows(const float *src, ptrdiff_t ld, const __mmask16 *masks, long k, float *panel) {
    for (long kk = 0; kk < k; kk++)
        for (int v = 0; v < VECTORS; v++)
            _mm512_storeu_ps(panel + (size_t)kk * PANEL + 16 * v, _mm512_maskz_loadu_ps(masks[v], src + (size_t)kk * ld + 16 * v));
}

/* A panel buffer per thread, grown on demand and kept: the kernel never allocates in
   steady state. */
static _Thread_local rllab_scratch panelStore, transposeStore;

static float *panelOf(long k) { return rllab_scratch_floats(&panelStore, k * PANEL); }

/* C^T scratch for productByRowsOfB, per thread like the panel. */
static float *transposeScratch(long count) { return rllab_scratch_floats(&transposeStore, count); }

/* C[i, j] = t[j * m + i] (+ C[i, j] when accumulate) for i < m, j < n, by 16x16 blocks. */
RLLAB_AVX512 static void storeTransposed(const float *t, long m, long n, float *c, long ldc, int accumulate) {
    for (long j0 = 0; j0 < n; j0 += 16) {
        int rowsOfT = n - j0 < 16 ? (int)(n - j0) : 16;
        __mmask16 jMask = (__mmask16)(rowsOfT == 16 ? 0xFFFF : (1u << rowsOfT) - 1);
        for (long i0 = 0; i0 < m; i0 += 16) {
            int columnsOfT = m - i0 < 16 ? (int)(m - i0) : 16;
            __mmask16 iMask = (__mmask16)(columnsOfT == 16 ? 0xFFFF : (1u << columnsOfT) - 1);
            __m512 r[16];
            for (int q = 0; q < 16; q++)
                r[q] = q < rowsOfT ? _mm512_maskz_loadu_ps(iMask, t + (j0 + q) * m + i0) : _mm512_setzero_ps();
            transpose16(r);
            for (int q = 0; q < columnsOfT; q++) {
                float *cr = c + (i0 + q) * ldc + j0;
                __m512 value = accumulate ? _mm512_add_ps(_mm512_maskz_loadu_ps(jMask, cr), r[q]) : r[q];
                _mm512_mask_storeu_ps(cr, jMask, value);
            }
        }
    }
}

/* C = A · Bᵀ for a batch of m rows (m a multiple of 32 or close) and wider n, computed as
   Cᵀ = B · Aᵀ: the m x k batch is packed transposed instead of the n x k weights, and Cᵀ
   is transposed into C at the end. Every element is the same fused multiply-add chain
   in the same order as the direct path, so the results are identical. */
RLLAB_AVX512 static int productByRowsOfB(int transposeA, long m, long n, long k, const float *a, long lda,
                                         const float *b, long ldb, int accumulate, float *c, long ldc) {
    long panels = (m + PANEL - 1) / PANEL;
    float *packed = panelOf(k * panels);
    float *t = transposeScratch(n * m);
    if (!packed || !t) return 0;
    for (long panel = 0; panel < panels; panel++) {
        long i = panel * PANEL;
        int width = m - i < PANEL ? (int)(m - i) : PANEL;
        if (transposeA) {  /* A is stored k x m: its rows already run along the batch */
            __mmask16 masks[VECTORS];
            widthMasks(width, masks);
            packRows(a + i, lda, masks, k, packed + panel * k * PANEL);
        } else {
            packTransposed(a + i * lda, lda, width, k, packed + panel * k * PANEL);
        }
    }
    long blocks = (n + MAX_ROWS - 1) / MAX_ROWS;
    for (long panel = 0; panel < panels; panel++) {
        long i = panel * PANEL;
        int width = m - i < PANEL ? (int)(m - i) : PANEL;
        __mmask16 masks[VECTORS];
        widthMasks(width, masks);
        long j = 0;
        for (long block = 0; block < blocks; block++) {
            long left = blocks - block, rows = (n - j + left - 1) / left;
            tileOfRows((int)rows, k, b + j * ldb, ldb, 1, packed + panel * k * PANEL, PANEL, t + j * m + i, m, masks, 0);
            j += rows;
        }
    }
    storeTransposed(t, m, n, c, ldc, accumulate);
    return 1;
}

static int hasAVX512(void) {
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
            && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    }
    return known;
}

RLLAB_AVX512 int rllab_sgemm_avx512(int transposeA, int transposeB, long m, long n, long k,
                                    const float *a, long lda, const float *b, long ldb,
                                    float beta, float *c, long ldc) {
    if (!hasAVX512() || (beta != 0 && beta != 1) || m <= 0 || n <= 0 || k <= 0) return 0;
    /* A batch of rows times transposed weights: transposing the batch and the result
       moves less data than transposing the weights when the batch is the narrower side
       and fills whole 32-wide panels. */
    if (transposeB && m < n && m % PANEL == 0 && m <= 256) return productByRowsOfB(transposeA, m, n, k, a, lda, b, ldb, beta == 1, c, ldc);
    /* Rows of op(B) further apart than 1 KiB fall into few L1 sets when read in place
       (a 4 KiB stride maps every row to the same set), so such panels are packed. */
    int packRowsOfB = !transposeB && ldb > 256;
    float *panel = NULL;
    if (transposeB || packRowsOfB) {
        panel = panelOf(k);
        if (!panel) return 0;
    }
    ptrdiff_t rowStride = transposeA ? 1 : lda, kStride = transposeA ? lda : 1;
    long blocks = (m + MAX_ROWS - 1) / MAX_ROWS;
    for (long j = 0; j < n; j += PANEL) {
        int width = n - j < PANEL ? (int)(n - j) : PANEL;
        __mmask16 masks[VECTORS];
        widthMasks(width, masks);
        const float *p;
        ptrdiff_t panelStride;
        if (transposeB) {
            packTransposed(b + (size_t)j * ldb, ldb, width, k, panel);
            p = panel;
            panelStride = PANEL;
        } else if (packRowsOfB) {
            packRows(b + j, ldb, masks, k, panel);
            p = panel;
            panelStride = PANEL;
        } else {
            p = b + j;
            panelStride = ldb;
        }
        long i = 0;
        for (long block = 0; block < blocks; block++) {
            long left = blocks - block, rows = (m - i + left - 1) / left;
            tileOfRows((int)rows, k, a + i * rowStride, rowStride, kStride, p, panelStride,
                       c + i * ldc + j, ldc, masks, beta == 1);
            i += rows;
        }
    }
    return 1;
}

#else

int rllab_sgemm_avx512(int transposeA, int transposeB, long m, long n, long k,
                       const float *a, long lda, const float *b, long ldb,
                       float beta, float *c, long ldc) {
    return 0;
}

#endif
