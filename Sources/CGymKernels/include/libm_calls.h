#ifndef RLLAB_LIBM_CALLS_H
#define RLLAB_LIBM_CALLS_H

/* The C library's pow and powf, called as numpy calls them for a scalar `x ** y`.
   They live in their own translation unit so that no optimizer sees a constant
   exponent: LLVM rewrites pow(x, 2.0) as x * x, which is correctly rounded, while
   glibc's pow is not always (numpy's np.float64(x) ** 2 is glibc's answer). */
double rllab_libm_pow(double x, double y);
float rllab_libm_powf(float x, float y);

#endif
