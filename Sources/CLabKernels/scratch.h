/* Per-thread scratch buffers for the sgemm kernels (internal to CLabKernels). */
#ifndef RLLAB_SCRATCH_H
#define RLLAB_SCRATCH_H

#include <stdlib.h>

/* A buffer that grows to the largest request and is kept, one per thread and use: the
   kernels allocate nothing in steady state. */
typedef struct {
    float *buffer;
    long capacity;
} rllab_scratch;

/* At least `count` floats, 64-byte aligned (the size rounded up to 16 floats, as
   aligned_alloc requires), or NULL when memory is exhausted. */
static inline float *rllab_scratch_floats(rllab_scratch *s, long count) {
    if (s->capacity < count) {
        free(s->buffer);
        s->buffer = aligned_alloc(64, (size_t)((count + 15) / 16 * 16) * sizeof(float));
        s->capacity = s->buffer ? count : 0;
    }
    return s->buffer;
}

#endif
