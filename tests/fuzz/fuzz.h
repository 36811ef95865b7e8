/*
 * Shared by the fuzz targets (tests/fuzz/fuzz_*.c).  Each target defines
 * LLVMFuzzerTestOneInput(); built with -DSL_FUZZ=ON it links libFuzzer's
 * main, and in every build it links replay.c, which feeds each file of its
 * corpus through the same function (the ctest tests fuzz_replay_*).
 *
 * A target checks more than "no crash": FZ_CHECK states a property of the
 * code under test (a loaded scenario writes back and reloads to the same
 * bytes, an error names file:line:col...).  A broken property aborts, which
 * libFuzzer reports as a crash and keeps as an input to reproduce it.
 */
#ifndef SL_FUZZ_H
#define SL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FZ_CHECK(expr, ...)                                                         \
    do {                                                                            \
        if (!(expr)) {                                                              \
            fprintf(stderr, "fuzz: property broken: %s (%s:%d)\n  ", #expr,        \
                    __FILE__, __LINE__);                                            \
            fprintf(stderr, __VA_ARGS__);                                           \
            fputc('\n', stderr);                                                    \
            abort();                                                                \
        }                                                                           \
    } while (0)

#endif
