#ifndef RLLAB_CFUZZDRIVER_H
#define RLLAB_CFUZZDRIVER_H

#include <stddef.h>
#include <stdint.h>

/* Runs libFuzzer (its LLVMFuzzerRunDriver) on `test` with the command line's options and
   corpus folders. SwiftPM gives an executable target its own entry point, so the fuzz
   targets start libFuzzer from their main.swift instead of using libFuzzer's main. */
int rllab_fuzz_run(int argc, char **argv, int (*test)(const uint8_t *data, size_t size));

#endif
