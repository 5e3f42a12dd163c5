#include <math.h>

#include "libm_calls.h"

double rllab_libm_pow(double x, double y) { return pow(x, y); }

float rllab_libm_powf(float x, float y) { return powf(x, y); }
