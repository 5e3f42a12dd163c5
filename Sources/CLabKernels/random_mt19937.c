/* Many draws at once from a GSL mt19937 generator's own state (see lab_kernels.h): the
   numbers gsl_rng_uniform, gsl_rng_uniform_pos and gsl_ran_gaussian return, in the same
   order, leaving the state as they would, without a library call (and an indirect call
   through the generator type) per number. Dropout masks and noise batches draw hundreds
   of thousands of numbers per GAN iteration, one at a time on one thread.

   The state block is GSL's mt19937 state: 624 words held in unsigned longs (each below
   2^32) and the index of the next word. Callers pass it only when the generator is
   GSL's mt19937 and its state block has this size; LabCore's tests compare every
   function against GSL's own calls, across refills of the 624 words. */

#include "lab_kernels.h"

#include <math.h>
#include <stdint.h>

/* The arithmetic must be GSL's own, operation by operation (no fused multiply-adds). */
#pragma STDC FP_CONTRACT OFF

enum { MT_N = 624, MT_M = 397 };

typedef struct {
    unsigned long mt[MT_N];
    int mti;
} rllab_mt_state;

/* The next 624 words (Matsumoto and Nishimura's recurrence). */
static void refill(rllab_mt_state *s) {
    unsigned long *mt = s->mt;
    const unsigned long upper = 0x80000000UL, lower = 0x7fffffffUL, magic = 0x9908b0dfUL;
    int k = 0;
    for (; k < MT_N - MT_M; k++) {
        unsigned long y = (mt[k] & upper) | (mt[k + 1] & lower);
        mt[k] = mt[k + MT_M] ^ (y >> 1) ^ ((y & 1) ? magic : 0);
    }
    for (; k < MT_N - 1; k++) {
        unsigned long y = (mt[k] & upper) | (mt[k + 1] & lower);
        mt[k] = mt[k + MT_M - MT_N] ^ (y >> 1) ^ ((y & 1) ? magic : 0);
    }
    unsigned long y = (mt[MT_N - 1] & upper) | (mt[0] & lower);
    mt[MT_N - 1] = mt[MT_M - 1] ^ (y >> 1) ^ ((y & 1) ? magic : 0);
    s->mti = 0;
}

/* The next 32-bit output (tempered word). */
static inline unsigned long next32(rllab_mt_state *s) {
    if (s->mti >= MT_N) refill(s);
    unsigned long k = s->mt[s->mti++];
    k ^= k >> 11;
    k ^= (k << 7) & 0x9d2c5680UL;
    k ^= (k << 15) & 0xefc60000UL;
    k ^= k >> 18;
    return k;
}

/* gsl_rng_uniform: [0, 1). */
static inline double uniform(rllab_mt_state *s) { return (double)next32(s) / 4294967296.0; }

/* gsl_rng_uniform_pos: (0, 1), zeros drawn again. */
static inline double uniformPositive(rllab_mt_state *s) {
    double x;
    do { x = uniform(s); } while (x == 0);
    return x;
}

void rllab_mt19937_uniform(void *state, double *out, long n) {
    rllab_mt_state *s = (rllab_mt_state *)state;
    for (long i = 0; i < n; i++) out[i] = uniform(s);
}

/* The accepted point of the polar method: a point in the square (-1, 1)^2, kept when
   inside the unit circle (and not the centre), drawn as gsl_ran_gaussian draws it. */
static inline void polarPoint(rllab_mt_state *s, double *yOut, double *r2Out) {
    double x, y, r2;
    do {
        x = -1 + 2 * uniformPositive(s);
        y = -1 + 2 * uniformPositive(s);
        r2 = x * x + y * y;
    } while (r2 > 1.0 || r2 == 0);
    *yOut = y;
    *r2Out = r2;
}

/* gsl_ran_gaussian's Box-Muller transform of an accepted point. */
static inline double polarTransform(double sigma, double y, double r2) { return sigma * y * sqrt(-2.0 * log(r2) / r2); }

void rllab_mt19937_gaussian(void *state, double sigma, double *out, long n) {
    rllab_mt_state *s = (rllab_mt_state *)state;
    for (long i = 0; i < n; i++) {
        double y, r2;
        polarPoint(s, &y, &r2);
        out[i] = polarTransform(sigma, y, r2);
    }
}

/* The tempered outputs of words mt[0..count): what next32 returns for each, in 32-bit
   arithmetic (the masks keep every result below 2^32), in a loop the compiler vectorizes. */
static inline void temperWords(const unsigned long *mt, uint32_t *out, int count) {
    for (int i = 0; i < count; i++) {
        uint32_t k = (uint32_t)mt[i];
        k ^= k >> 11;
        k ^= (k << 7) & 0x9d2c5680u;
        k ^= (k << 15) & 0xefc60000u;
        k ^= k >> 18;
        out[i] = k;
    }
}

/* The polar method's candidate from two nonzero words, as polarPoint computes it; returns
   whether it is accepted (inside the unit circle, not the centre). */
static inline int polarCandidate(uint32_t first, uint32_t second, double *y, double *r2) {
    double x = -1 + 2 * ((double)first / 4294967296.0);
    *y = -1 + 2 * ((double)second / 4294967296.0);
    *r2 = x * x + *y * *y;
    return !(*r2 > 1.0 || *r2 == 0);
}

/* The same points as polarPoint one by one, block by block: the rest of the 624 words is
   tempered at once, every pair's candidate computed in a vector loop, then the accepted
   ones kept without a branch on acceptance (a candidate is always written at the next
   free slot and kept by advancing the count), a branch the one-by-one loop mispredicts on
   about one point in five. A zero word (uniformPositive draws again) shifts the pairing;
   a block holding one takes the one-by-one rule. Three times faster than one by one. */
__attribute__((always_inline)) static inline void polarPointsBlockwise(rllab_mt_state *s, double *points, long n) {
    uint32_t words[MT_N];
    double ys[MT_N / 2], r2s[MT_N / 2];
    long produced = 0;
    uint32_t pending = 0; /* the first word of a pair that straddles two blocks, or 0 */
    while (produced < n) {
        if (s->mti >= MT_N) refill(s);
        int from = s->mti, count = MT_N - from, i = 0;
        temperWords(s->mt + from, words, count);
        int anyZero = 0;
        for (int j = 0; j < count; j++) anyZero |= words[j] == 0;
        if (anyZero) {
            for (; i < count && produced < n; i++) {
                if (words[i] == 0) continue;
                if (pending == 0) { pending = words[i]; continue; }
                double *p = points + 2 * produced;
                produced += polarCandidate(pending, words[i], p, p + 1);
                pending = 0;
            }
            s->mti = from + i;
            continue;
        }
        if (pending != 0) {
            double *p = points + 2 * produced;
            produced += polarCandidate(pending, words[0], p, p + 1);
            pending = 0;
            i = 1;
        }
        int pairs = (count - i) / 2;
        const uint32_t *w = words + i;
        for (int j = 0; j < pairs; j++) {
            double x = -1 + 2 * ((double)w[2 * j] / 4294967296.0), y = -1 + 2 * ((double)w[2 * j + 1] / 4294967296.0);
            ys[j] = y;
            r2s[j] = x * x + y * y;
        }
        /* produced < n holds at every write: the loop stops as the n-th point is kept. */
        int j = 0;
        for (; j < pairs && produced < n; j++) {
            double *p = points + 2 * produced;
            p[0] = ys[j];
            p[1] = r2s[j];
            produced += !(r2s[j] > 1.0 || r2s[j] == 0);
        }
        i += 2 * j;
        if (produced < n && i < count) pending = words[i++];
        s->mti = from + i;
    }
}

/* The dropout mask (see lab_kernels.h), block by block. */
__attribute__((always_inline)) static inline void dropoutMaskBlockwise(rllab_mt_state *s, double rate, float keep, float *out, long n) {
    /* uniform = w / 2^32 < rate exactly when the whole number w < rate * 2^32 (scaling by
       a power of two is exact), that is when w < ceil(rate * 2^32), at most 2^32. */
    uint64_t limit = (uint64_t)ceil(rate * 4294967296.0);
    uint32_t words[MT_N];
    long done = 0;
    while (done < n) {
        if (s->mti >= MT_N) refill(s);
        int from = s->mti, count = MT_N - from;
        if (count > n - done) count = (int)(n - done);
        temperWords(s->mt + from, words, count);
        float *o = out + done;
        if (limit > 0xffffffffu) {
            for (int j = 0; j < count; j++) o[j] = 0;
        } else {
            uint32_t below = (uint32_t)limit;
            for (int j = 0; j < count; j++) o[j] = words[j] < below ? 0.0f : keep;
        }
        s->mti = from + count;
        done += count;
    }
}

/* The same code compiled for AVX2 too (integer lanes twice as wide; no fused operations,
   contraction is off), chosen at run time: another third off the points' time. */
__attribute__((target("avx2"))) static void polarPointsAVX2(rllab_mt_state *s, double *points, long n) {
    polarPointsBlockwise(s, points, n);
}
__attribute__((target("avx2"))) static void dropoutMaskAVX2(rllab_mt_state *s, double rate, float keep, float *out, long n) {
    dropoutMaskBlockwise(s, rate, keep, out, n);
}

static int hasAVX2(void) {
    static int known = -1;
    if (known < 0) known = __builtin_cpu_supports("avx2");
    return known;
}

void rllab_mt19937_polar_points(void *state, double *points, long n) {
    if (hasAVX2()) polarPointsAVX2((rllab_mt_state *)state, points, n);
    else polarPointsBlockwise((rllab_mt_state *)state, points, n);
}

void rllab_mt19937_dropout_mask(void *state, double rate, float keep, float *out, long n) {
    if (hasAVX2()) dropoutMaskAVX2((rllab_mt_state *)state, rate, keep, out, n);
    else dropoutMaskBlockwise((rllab_mt_state *)state, rate, keep, out, n);
}

void rllab_polar_gaussian_floats(const double *points, double mean, double sigma, float *out, long n) {
    for (long i = 0; i < n; i++) out[i] = (float)(mean + polarTransform(sigma, points[2 * i], points[2 * i + 1]));
}

long rllab_mt19937_state_size(void) { return (long)sizeof(rllab_mt_state); }
