#ifndef RLLAB_CARTPOLE_KERNEL_H
#define RLLAB_CARTPOLE_KERNEL_H

#include <stdbool.h>

/* CartPole's physics constants, passed in from Swift so they live in one place. */
typedef struct {
    double gravity, massPole, totalMass, length, poleMassLength, forceMagnitude, tau;
    double xThreshold, thetaThresholdRadians, rewardAlive, rewardTerminal;
    long limit;
} RLLabCartPoleConstants;

/* The arithmetic pass of Gym's CartPoleVector step for copies [0, n), 8 at a time with
   AVX-512: the same IEEE double operations in the same order as the Swift
   `CartPole.eulerStep` (no fused multiply-add), so every bit matches the scalar path.
   sin/cos of theta are given. Returns how many leading copies it stepped (a multiple of
   8); 0 when the CPU lacks AVX-512 (the caller's Swift loop does the rest). */
long rllab_cartpole_step_avx512(const RLLabCartPoleConstants *c, long n,
                                const double *sines, const double *cosines, const long *actions,
                                double *x, double *xDot, double *theta, double *thetaDot,
                                long *elapsed, bool *autoreset,
                                double *rewards, bool *terminations, bool *truncations, float *observations);

#endif
