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

void rllab_mt19937_polar_points(void *state, double *points, long n) {
    rllab_mt_state *s = (rllab_mt_state *)state;
    for (long i = 0; i < n; i++) polarPoint(s, points + 2 * i, points + 2 * i + 1);
}

void rllab_polar_gaussian_floats(const double *points, double mean, double sigma, float *out, long n) {
    for (long i = 0; i < n; i++) out[i] = (float)(mean + polarTransform(sigma, points[2 * i], points[2 * i + 1]));
}

long rllab_mt19937_state_size(void) { return (long)sizeof(rllab_mt_state); }
