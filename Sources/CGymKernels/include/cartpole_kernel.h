#ifndef RLLAB_CARTPOLE_KERNEL_H
#define RLLAB_CARTPOLE_KERNEL_H

#include <stdbool.h>

/* CartPole's physics constants, passed in from Swift so they live in one place. */
typedef struct {
    double gravity, massPole, totalMass, length, poleMassLength, forceMagnitude, tau;
    double xThreshold, thetaThresholdRadians, rewardAlive, rewardTerminal;
    long limit;
} RLLabCartPoleConstants;

/* The arithmetic pass of Gym's CartPoleVector step for copies [0, n), with the widest
   vectors of `level` (LabCore's InstructionSet: 2 AVX-512, 8 copies at a time; 1 AVX2,
   4 at a time; 0 none) that this CPU also has: the same IEEE double operations in the
   same order as the Swift `CartPole.eulerStep` (no fused multiply-add), so every bit
   matches the scalar path. sin/cos of theta are given. Returns how many leading copies
   it stepped (a multiple of the lane count); 0 without vectors (the caller's Swift loop
   does the rest). */
long rllab_cartpole_step_vector(int level, const RLLabCartPoleConstants *c, long n,
                                const double *sines, const double *cosines, const long *actions,
                                double *x, double *xDot, double *theta, double *thetaDot,
                                long *elapsed, bool *autoreset,
                                double *rewards, bool *terminations, bool *truncations, float *observations);

#endif
