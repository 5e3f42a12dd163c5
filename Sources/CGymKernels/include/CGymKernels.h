#ifndef RLLAB_CGYMKERNELS_H
#define RLLAB_CGYMKERNELS_H

/* The module's umbrella header: every header of the module is listed here, so that a
   header added later changes this file and rebuilds the clang module (a new file in an
   umbrella directory does not). */
#include "cartpole_kernel.h"
#include "libm_calls.h"

#endif
