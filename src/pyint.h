/* pyint.h: reads an integer from text the way Python's int(str) does. */
#ifndef NOTES_PYINT_H
#define NOTES_PYINT_H

#include <stdbool.h>
#include <stddef.h>

/* pydantic refuses integer strings longer than this (CPython's int/str digit limit). */
#define PYINT_MAX_STRING 4300

struct pyint {
    bool negative;
    bool zero;
    bool big;        /* beyond limit (the value is then not kept) */
    long long value; /* the magnitude, when not big */
};

/*
 * Parses UTF-8 text as int() does: surrounding whitespace (Unicode's too), a sign, decimal
 * digits of any script, single underscores between digits. Magnitudes above limit set big.
 * Returns false when Python would raise ValueError.
 */
bool pyint_parse(const char *text, size_t len, long long limit, struct pyint *out);

#endif
