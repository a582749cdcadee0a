/*
 * fuzz_check.h: what the fuzz targets share: the libFuzzer entry point's prototype and an
 * invariant check that aborts with a message, so libFuzzer (or the replay driver under
 * `make check`) stops on the input that broke it.
 */
#ifndef NOTES_FUZZ_CHECK_H
#define NOTES_FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant broken: %s\n  ", __FILE__, __LINE__, #cond);       \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
