/* The small-matrix sgemm for AVX2 + FMA (see lab_kernels.h): the same result as the
   AVX-512 kernel in sgemm_avx512.c, element for element, on CPUs without AVX-512.

   Each element of C is the sequential fused multiply-add chain over k starting from 0,
   then plus C when beta == 1, exactly as the AVX-512 kernel computes it; only the tiling
   differs (16 ymm registers instead of 32 zmm), and tiling decides which elements are
   computed together, never how one is. So the two kernels, and the portable loop in
   sgemm_small.c, give the same bits.

   Layout of the work: for each 16-column panel of C, op(B)'s panel is packed into a
   k x 16 buffer (zero beyond the last column), then the rows are split into nearly equal
   blocks of at most 6; each block keeps its 6 x 16 tile of C in 12 registers over the
   whole k loop and broadcasts op(A) straight from memory. A last panel of at most 8
   columns (all of a narrow C: a policy head's 2 outputs, a value head's 1, a weight
   gradient of 4 inputs) is 8 wide instead, in blocks of at most 12 rows: half the wasted
   lanes of a 16-wide panel, and as many registers in use. A C of at most 4 columns and
   many rows is computed transposed instead (see narrowByTransposing), so that the rows
   fill the lanes. */

#include "lab_kernels.h"
#include "scratch.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define RLLAB_AVX2 __attribute__((target("avx2,fma")))
#define KERNEL_INLINE RLLAB_AVX2 __attribute__((always_inline)) static inline

enum { PANEL = 16, MAX_ROWS = 6, NARROW = 8, NARROW_ROWS = 12 };

/* Stores one row's two sums over a whole panel at cr: bias + chain (the addition beta == 1
   does on a C filled with the bias), C + chain when accumulating, else the chain. */
KERNEL_INLINE void storePanelRow(float *cr, __m256 sum[2], int accumulate, const float *bias) {
    if (bias) {
        sum[0] = _mm256_add_ps(_mm256_loadu_ps(bias), sum[0]);
        sum[1] = _mm256_add_ps(_mm256_loadu_ps(bias + 8), sum[1]);
    } else if (accumulate) {
        sum[0] = _mm256_add_ps(_mm256_loadu_ps(cr), sum[0]);
        sum[1] = _mm256_add_ps(_mm256_loadu_ps(cr + 8), sum[1]);
    }
    _mm256_storeu_ps(cr, sum[0]);
    _mm256_storeu_ps(cr + 8, sum[1]);
}

/* C[rows, 0:width] (+)= sum over k of A(r, k) * P[k, 0:16], A(r, k) = a[r * rowStride +
   k * kStride], P[k, :] = p + k * panelStride (a packed panel, or op(B) itself). */
KERNEL_INLINE void tile(const int rows, long k, const float *a, ptrdiff_t rowStride, ptrdiff_t kStride,
                        const float *p, ptrdiff_t panelStride, float *c, ptrdiff_t ldc, int width, int accumulate,
                        const float *bias) {
    __m256 acc[MAX_ROWS][2];
    _Pragma("clang loop unroll(full)") for (int r = 0; r < rows; r++) {
        acc[r][0] = _mm256_setzero_ps();
        acc[r][1] = _mm256_setzero_ps();
    }
    for (long kk = 0; kk < k; kk++) {
        __m256 b0 = _mm256_loadu_ps(p + kk * panelStride), b1 = _mm256_loadu_ps(p + kk * panelStride + 8);
        const float *ak = a + kk * kStride;
        _Pragma("clang loop unroll(full)") for (int r = 0; r < rows; r++) {
            __m256 ar = _mm256_broadcast_ss(ak + r * rowStride);
            acc[r][0] = _mm256_fmadd_ps(ar, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(ar, b1, acc[r][1]);
        }
    }
    if (width == PANEL) {
        _Pragma("clang loop unroll(full)") for (int r = 0; r < rows; r++) storePanelRow(c + r * ldc, acc[r], accumulate, bias);
        return;
    }
    /* A partial panel: the same additions through a buffer, then only `width` columns. */
    _Pragma("clang loop unroll(full)") for (int r = 0; r < rows; r++) {
        float *cr = c + r * ldc;
        float sums[PANEL] __attribute__((aligned(32)));
        float old[PANEL] __attribute__((aligned(32))) = {0};
        if (bias) memcpy(old, bias, (size_t)width * sizeof(float));
        else if (accumulate) memcpy(old, cr, (size_t)width * sizeof(float));
        __m256 s0 = acc[r][0], s1 = acc[r][1];
        if (accumulate || bias) {
            s0 = _mm256_add_ps(_mm256_load_ps(old), s0);
            s1 = _mm256_add_ps(_mm256_load_ps(old + 8), s1);
        }
        _mm256_store_ps(sums, s0);
        _mm256_store_ps(sums + 8, s1);
        memcpy(cr, sums, (size_t)width * sizeof(float));
    }
}

#define TILE_CASE(R) case R: tile(R, k, a, rowStride, kStride, p, panelStride, c, ldc, width, accumulate, bias); break;
RLLAB_AVX2 __attribute__((noinline))
static void tileOfRows(int rows, long k, const float *a, ptrdiff_t rowStride, ptrdiff_t kStride,
                       const float *p, ptrdiff_t panelStride, float *c, ptrdiff_t ldc, int width, int accumulate,
                       const float *bias) {
    switch (rows) {
        TILE_CASE(1) TILE_CASE(2) TILE_CASE(3) TILE_CASE(4) TILE_CASE(5) TILE_CASE(6)
        default: break;
    }
}

/* The tile of an 8-wide panel: C[rows, 0:width] (+)= sum over k of A(r, k) * P[k, 0:8],
   P[k, :] = p + k * panelStride; the same chain per element as `tile`. */
KERNEL_INLINE void narrowTile(const int rows, long k, const float *a, ptrdiff_t rowStride, ptrdiff_t kStride,
                              const float *p, ptrdiff_t panelStride, float *c, ptrdiff_t ldc, int width, int accumulate,
                              const float *bias) {
    __m256 acc[NARROW_ROWS];
    _Pragma("clang loop unroll(full)") for (int r = 0; r < rows; r++) acc[r] = _mm256_setzero_ps();
    for (long kk = 0; kk < k; kk++) {
        __m256 b0 = _mm256_loadu_ps(p + kk * panelStride);
        const float *ak = a + kk * kStride;
        _Pragma("clang loop unroll(full)") for (int r = 0; r < rows; r++)
            acc[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(ak + r * rowStride), b0, acc[r]);
    }
    _Pragma("clang loop unroll(full)") for (int r = 0; r < rows; r++) {
        float *cr = c + r * ldc;
        if (width == NARROW) {
            if (bias) acc[r] = _mm256_add_ps(_mm256_loadu_ps(bias), acc[r]);
            else if (accumulate) acc[r] = _mm256_add_ps(_mm256_loadu_ps(cr), acc[r]);
            _mm256_storeu_ps(cr, acc[r]);
            continue;
        }
        float sums[NARROW] __attribute__((aligned(32)));
        float old[NARROW] __attribute__((aligned(32))) = {0};
        if (bias) memcpy(old, bias, (size_t)width * sizeof(float));
        else if (accumulate) memcpy(old, cr, (size_t)width * sizeof(float));
        __m256 s0 = acc[r];
        if (accumulate || bias) s0 = _mm256_add_ps(_mm256_load_ps(old), s0);
        _mm256_store_ps(sums, s0);
        memcpy(cr, sums, (size_t)width * sizeof(float));
    }
}

#define NARROW_CASE(R) case R: narrowTile(R, k, a, rowStride, kStride, p, panelStride, c, ldc, width, accumulate, bias); break;
RLLAB_AVX2 __attribute__((noinline))
static void narrowTileOfRows(int rows, long k, const float *a, ptrdiff_t rowStride, ptrdiff_t kStride,
                             const float *p, ptrdiff_t panelStride, float *c, ptrdiff_t ldc, int width, int accumulate,
                             const float *bias) {
    switch (rows) {
        NARROW_CASE(1) NARROW_CASE(2) NARROW_CASE(3) NARROW_CASE(4) NARROW_CASE(5) NARROW_CASE(6)
        NARROW_CASE(7) NARROW_CASE(8) NARROW_CASE(9) NARROW_CASE(10) NARROW_CASE(11) NARROW_CASE(12)
        default: break;
    }
}

/* The tile of one or two rows across several whole panels: C[rows, 0:16 groups]
   (+)= sum over k of A(r, k) * P_g[k, 0:16], P_g[k, :] = p + g * panelOffset + k *
   panelStride; the same chain per element as `tile`. A 16-wide tile of one or two rows
   keeps only two or four chains going, each fused multiply-add waiting for the previous
   one (a policy or value head's product computed transposed, its weight gradient); side
   by side over two or four panels, eight. */
KERNEL_INLINE void wideTile(const int rows, const int groups, long k, const float *a, ptrdiff_t rowStride, ptrdiff_t kStride,
                            const float *p, ptrdiff_t panelOffset, ptrdiff_t panelStride, float *c, ptrdiff_t ldc, int accumulate,
                            const float *bias) {
    __m256 acc[2][8];
    _Pragma("clang loop unroll(full)") for (int r = 0; r < rows; r++)
        _Pragma("clang loop unroll(full)") for (int v = 0; v < 2 * groups; v++) acc[r][v] = _mm256_setzero_ps();
    for (long kk = 0; kk < k; kk++) {
        const float *ak = a + kk * kStride;
        __m256 ar[2];
        _Pragma("clang loop unroll(full)") for (int r = 0; r < rows; r++) ar[r] = _mm256_broadcast_ss(ak + r * rowStride);
        _Pragma("clang loop unroll(full)") for (int g = 0; g < groups; g++) {
            const float *pk = p + g * panelOffset + kk * panelStride;
            __m256 b0 = _mm256_loadu_ps(pk), b1 = _mm256_loadu_ps(pk + 8);
            _Pragma("clang loop unroll(full)") for (int r = 0; r < rows; r++) {
                acc[r][2 * g] = _mm256_fmadd_ps(ar[r], b0, acc[r][2 * g]);
                acc[r][2 * g + 1] = _mm256_fmadd_ps(ar[r], b1, acc[r][2 * g + 1]);
            }
        }
    }
    _Pragma("clang loop unroll(full)") for (int r = 0; r < rows; r++) {
        float *cr = c + r * ldc;
        _Pragma("clang loop unroll(full)") for (int v = 0; v < 2 * groups; v++) {
            if (bias) acc[r][v] = _mm256_add_ps(_mm256_loadu_ps(bias + 8 * v), acc[r][v]);
            else if (accumulate) acc[r][v] = _mm256_add_ps(_mm256_loadu_ps(cr + 8 * v), acc[r][v]);
            _mm256_storeu_ps(cr + 8 * v, acc[r][v]);
        }
    }
}

/* One row over four panels, or two rows over two. */
RLLAB_AVX2 __attribute__((noinline))
static void wideTileOfRows(int rows, long k, const float *a, ptrdiff_t rowStride, ptrdiff_t kStride, const float *p,
                           ptrdiff_t panelOffset, ptrdiff_t panelStride, float *c, ptrdiff_t ldc, int accumulate, const float *bias) {
    if (rows == 1) wideTile(1, 4, k, a, rowStride, kStride, p, panelOffset, panelStride, c, ldc, accumulate, bias);
    else wideTile(2, 2, k, a, rowStride, kStride, p, panelOffset, panelStride, c, ldc, accumulate, bias);
}

/* Rows of C over one whole panel when k is at most 4 (a first layer's 4 inputs, the
   gradient through a head's 1 or 2 outputs): the panel's k x 16 numbers stay in registers
   and the rows go by in blocks of `rows` without a call each; each element is the same
   chain over k as in `tile`, then the same bias or C added. A 6 x 16 tile there spent
   more on its call and its stores than on its few fused multiply-adds. */
KERNEL_INLINE void shortBlock(const int rows, const int k, const float *a, ptrdiff_t rowStride, ptrdiff_t kStride, const __m256 *b,
                              float *c, ptrdiff_t ldc, int accumulate, const float *bias) {
    __m256 acc[4][2];
    _Pragma("clang loop unroll(full)") for (int r = 0; r < rows; r++) {
        acc[r][0] = _mm256_setzero_ps();
        acc[r][1] = _mm256_setzero_ps();
    }
    _Pragma("clang loop unroll(full)") for (int kk = 0; kk < k; kk++) {
        _Pragma("clang loop unroll(full)") for (int r = 0; r < rows; r++) {
            __m256 ar = _mm256_broadcast_ss(a + r * rowStride + kk * kStride);
            acc[r][0] = _mm256_fmadd_ps(ar, b[2 * kk], acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(ar, b[2 * kk + 1], acc[r][1]);
        }
    }
    _Pragma("clang loop unroll(full)") for (int r = 0; r < rows; r++) storePanelRow(c + r * ldc, acc[r], accumulate, bias);
}

/* All m rows over the panel P[k, 0:16] (P[kk, :] = p + kk * panelStride), k <= 4: blocks
   of 4 rows (3 when k is 4, so that the panel's 8 registers and the 6 sums fit in 16). */
KERNEL_INLINE void shortPanelOf(const int k, long m, const float *a, ptrdiff_t rowStride, ptrdiff_t kStride, const float *p,
                                ptrdiff_t panelStride, float *c, ptrdiff_t ldc, int accumulate, const float *bias) {
    __m256 b[8];
    _Pragma("clang loop unroll(full)") for (int kk = 0; kk < k; kk++) {
        b[2 * kk] = _mm256_loadu_ps(p + kk * panelStride);
        b[2 * kk + 1] = _mm256_loadu_ps(p + kk * panelStride + 8);
    }
    const int block = k == 4 ? 3 : 4;
    long i = 0;
    for (; i + block <= m; i += block) shortBlock(block, k, a + i * rowStride, rowStride, kStride, b, c + i * ldc, ldc, accumulate, bias);
    switch (m - i) {
        case 3: shortBlock(3, k, a + i * rowStride, rowStride, kStride, b, c + i * ldc, ldc, accumulate, bias); break;
        case 2: shortBlock(2, k, a + i * rowStride, rowStride, kStride, b, c + i * ldc, ldc, accumulate, bias); break;
        case 1: shortBlock(1, k, a + i * rowStride, rowStride, kStride, b, c + i * ldc, ldc, accumulate, bias); break;
        default: break;
    }
}

#define SHORT_CASE(K) case K: shortPanelOf(K, m, a, rowStride, kStride, p, panelStride, c, ldc, accumulate, bias); break;
RLLAB_AVX2 __attribute__((noinline))
static void shortPanel(int k, long m, const float *a, ptrdiff_t rowStride, ptrdiff_t kStride, const float *p,
                       ptrdiff_t panelStride, float *c, ptrdiff_t ldc, int accumulate, const float *bias) {
    switch (k) {
        SHORT_CASE(1) SHORT_CASE(2) SHORT_CASE(3) SHORT_CASE(4)
        default: break;
    }
}

/* Transposes the 8 x 8 block r[0..7] (row i in r[i]) in registers. */
KERNEL_INLINE void transpose8(__m256 r[8]) {
    __m256 t[8], s[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 2; i++) {
        s[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        s[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        s[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        s[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2f128_ps(s[i], s[i + 4], 0x20);
        r[i + 4] = _mm256_permute2f128_ps(s[i], s[i + 4], 0x31);
    }
}

/* panel[kk * stride + j] = op(B)[kk, j0 + j] for j < width, zero beyond (stride PANEL or
   NARROW, the panel's width). */
RLLAB_AVX2 static void packPanel(int transposeB, const float *b, long ldb, long j0, int width, int stride, long k,
                                 float *panel) {
    if (transposeB) {
        /* op(B)[kk, j] = b[j * ldb + kk]: 8 x 8 blocks transposed in registers (a copy, so
           the same numbers as element by element, at a fraction of the cost; rows of b
           beyond `width` as zeros), then the last k % 8 element by element. */
        long k8 = k & ~7L;
        for (int h = 0; h < stride / 8; h++) {
            for (long k0 = 0; k0 < k8; k0 += 8) {
                __m256 r[8];
                for (int j = 0; j < 8; j++)
                    r[j] = h * 8 + j < width ? _mm256_loadu_ps(b + (size_t)(j0 + h * 8 + j) * ldb + k0) : _mm256_setzero_ps();
                transpose8(r);
                for (int t = 0; t < 8; t++) _mm256_store_ps(panel + (k0 + t) * stride + h * 8, r[t]);
            }
        }
        for (long kk = k8; kk < k; kk++)
            for (int j = 0; j < stride; j++) panel[kk * stride + j] = j < width ? b[(size_t)(j0 + j) * ldb + kk] : 0;
        return;
    }
    for (long kk = 0; kk < k; kk++) {
        const float *row = b + (size_t)kk * ldb + j0;
        float *out = panel + kk * stride;
        if (width == PANEL) {
            _mm256_store_ps(out, _mm256_loadu_ps(row));
            _mm256_store_ps(out + 8, _mm256_loadu_ps(row + 8));
        } else if (width == NARROW) {
            _mm256_store_ps(out, _mm256_loadu_ps(row));
        } else {
            memset(out, 0, (size_t)stride * sizeof(float));
            memcpy(out, row, (size_t)width * sizeof(float));
        }
    }
}

/* Whether k rows of a panel read in place, ldb floats apart, stay in L1 together: rows
   whose stride is not a whole number of 64-byte lines spread over all of its 64 sets (a
   row's 64 bytes may straddle two lines: at most 128 rows, half of L1); otherwise they
   share 64 / gcd(64, lines per row) of the sets (8 ways each on the CPUs this kernel
   targets), and half of those ways are left to A and C. */
static int rowsFitInL1(long ldb, long k) {
    long bytes = ldb * (long)sizeof(float);
    if (bytes % 64 != 0) return k <= 128;
    long lines = bytes / 64, sets = 64;
    while (sets > 1 && lines % 2 == 0) {
        lines /= 2;
        sets /= 2;
    }
    return k <= 4 * sets;
}

/* A panel buffer per thread, grown on demand and kept: no allocation in steady state. */
static _Thread_local rllab_scratch panelStore, transposeStore;

static float *panelOf(long k) { return rllab_scratch_floats(&panelStore, k * PANEL); }

/* The transposed C of narrowByTransposing, per thread like the panel. */
static float *transposeScratch(long count) { return rllab_scratch_floats(&transposeStore, count); }

static int hasAVX2(void) {
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return known;
}

/* A C of at most 4 columns and many rows (a policy head's 2 outputs or a value head's 1
   over a 256-row minibatch, the weight gradient of a 4-input layer), where even an 8-wide
   panel leaves half or more of its lanes idle: Cᵀ = op(B)ᵀ · op(A)ᵀ is computed instead,
   whose 16-wide panels run along C's rows, into a scratch buffer, and then added into (or
   stored to) C. Each element is the same fused multiply-add chain over k in the same
   order (an FMA's two factors commute exactly), and the same final `C + chain`, so the
   result is the same bits as the direct path. A transposed A (a weight gradient's
   gradient rows) is then read in place as the panels. */
enum { NARROW_TRANSPOSED = 4 };

RLLAB_AVX2 int rllab_sgemm_avx2(int transposeA, int transposeB, long m, long n, long k,
                                const float *a, long lda, const float *b, long ldb,
                                float beta, float *c, long ldc);

RLLAB_AVX2 static int narrowByTransposing(int transposeA, int transposeB, long m, long n, long k,
                                          const float *a, long lda, const float *b, long ldb,
                                          float beta, const float *bias, float *c, long ldc) {
    float *t = transposeScratch(n * m);
    if (!t) return 0;
    /* Cᵀ[n, m]: op(B)ᵀ is B read with the other transposition, op(A)ᵀ likewise; with n
       rows it never comes back here. */
    if (!rllab_sgemm_avx2(!transposeB, !transposeA, n, m, k, b, ldb, a, lda, 0, t, m)) return 0;
    for (long i = 0; i < m; i++) {
        float *ci = c + i * ldc;
        if (bias) {
            for (long j = 0; j < n; j++) ci[j] = bias[j] + t[j * m + i];
        } else if (beta == 1) {
            for (long j = 0; j < n; j++) ci[j] = ci[j] + t[j * m + i];
        } else {
            for (long j = 0; j < n; j++) ci[j] = t[j * m + i];
        }
    }
    return 1;
}

/* The product, plus `bias` (n numbers, one per column of C) when not NULL, exactly as
   beta == 1 on a C whose rows were filled with the bias. */
RLLAB_AVX2 static int sgemmAVX2(int transposeA, int transposeB, long m, long n, long k,
                                const float *a, long lda, const float *b, long ldb,
                                float beta, const float *bias, float *c, long ldc) {
    if (!hasAVX2() || (beta != 0 && beta != 1) || m <= 0 || n <= 0 || k <= 0) return 0;
    if (n <= NARROW_TRANSPOSED && m >= 2 * PANEL) return narrowByTransposing(transposeA, transposeB, m, n, k, a, lda, b, ldb, beta, bias, c, ldc);
    ptrdiff_t rowStride = transposeA ? 1 : lda, kStride = transposeA ? lda : 1;
    long j = 0;
    if (m <= 2) {
        /* One or two rows: whole panels side by side (wideTile), four or two at a time,
           read in place from an untransposed B (one block of rows reads them once), else
           packed one after another; the rest as below. */
        int groups = m == 1 ? 4 : 2;
        long span = (long)groups * PANEL;
        float *panels = transposeB && n >= span ? rllab_scratch_floats(&panelStore, groups * k * PANEL) : NULL;
        if (transposeB && n >= span && !panels) return 0;
        for (; j + span <= n; j += span) {
            const float *p = b + j;
            ptrdiff_t panelOffset = PANEL, panelStride = ldb;
            if (transposeB) {
                for (int g = 0; g < groups; g++) packPanel(transposeB, b, ldb, j + g * PANEL, PANEL, PANEL, k, panels + g * k * PANEL);
                p = panels;
                panelOffset = k * PANEL;
                panelStride = PANEL;
            }
            wideTileOfRows((int)m, k, a, rowStride, kStride, p, panelOffset, panelStride, c + j, ldc, beta == 1, bias ? bias + j : NULL);
        }
        if (j == n) return 1;
    }
    float *panel = panelOf(k);
    if (!panel) return 0;
    if (k <= 4) {
        /* Whole panels with the panel in registers (shortPanel); a partial one as below. */
        for (; j + PANEL <= n; j += PANEL) {
            const float *p = panel;
            ptrdiff_t panelStride = PANEL;
            if (transposeB) packPanel(transposeB, b, ldb, j, PANEL, PANEL, k, panel);
            else {
                p = b + j;
                panelStride = ldb;
            }
            shortPanel((int)k, m, a, rowStride, kStride, p, panelStride, c + j, ldc, beta == 1, bias ? bias + j : NULL);
        }
    }
    for (; j < n; j += PANEL) {
        int width = n - j < PANEL ? (int)(n - j) : PANEL;
        int narrow = width <= NARROW;
        int rowLimit = narrow ? NARROW_ROWS : MAX_ROWS;
        long blocks = (m + rowLimit - 1) / rowLimit;
        int stride = narrow ? NARROW : PANEL;
        /* A whole panel of an untransposed B is read in place when that costs nothing:
           when one block of rows reads it (packing would only copy it once more: a weight
           gradient of a policy or value head, a first layer's computed transposed), or
           when its k rows, ldb floats apart, fit in L1 without evicting one another.
           Otherwise it is packed: rows 1024 floats (4 KB) apart fall into one of L1's sets
           and every block of rows would read them from L2 again (on an AMD EPYC Zen 4,
           products with a 1024-wide B ran at 60% of the packed speed). Either way the
           tile reads the same numbers, so the bits are the same. */
        const float *p = panel;
        ptrdiff_t panelStride = stride;
        if (!transposeB && width == stride && (blocks == 1 || rowsFitInL1(ldb, k))) {
            p = b + j;
            panelStride = ldb;
        } else {
            packPanel(transposeB, b, ldb, j, width, stride, k, panel);
        }
        long i = 0;
        for (long block = 0; block < blocks; block++) {
            long left = blocks - block, rows = (m - i + left - 1) / left;
            if (narrow) {
                narrowTileOfRows((int)rows, k, a + i * rowStride, rowStride, kStride, p, panelStride, c + i * ldc + j, ldc, width, beta == 1,
                                 bias ? bias + j : NULL);
            } else {
                tileOfRows((int)rows, k, a + i * rowStride, rowStride, kStride, p, panelStride, c + i * ldc + j, ldc, width, beta == 1,
                           bias ? bias + j : NULL);
            }
            i += rows;
        }
    }
    return 1;
}

RLLAB_AVX2 int rllab_sgemm_avx2(int transposeA, int transposeB, long m, long n, long k,
                                const float *a, long lda, const float *b, long ldb,
                                float beta, float *c, long ldc) {
    return sgemmAVX2(transposeA, transposeB, m, n, k, a, lda, b, ldb, beta, NULL, c, ldc);
}

RLLAB_AVX2 int rllab_sgemm_avx2_bias(int transposeA, int transposeB, long m, long n, long k,
                                     const float *a, long lda, const float *b, long ldb,
                                     const float *bias, float *c, long ldc) {
    return sgemmAVX2(transposeA, transposeB, m, n, k, a, lda, b, ldb, 0, bias, c, ldc);
}

#else

int rllab_sgemm_avx2(int transposeA, int transposeB, long m, long n, long k,
                     const float *a, long lda, const float *b, long ldb,
                     float beta, float *c, long ldc) {
    return 0;
}

int rllab_sgemm_avx2_bias(int transposeA, int transposeB, long m, long n, long k,
                          const float *a, long lda, const float *b, long ldb,
                          const float *bias, float *c, long ldc) {
    return 0;
}

#endif
