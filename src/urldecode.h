/*
 * urldecode.h: application/x-www-form-urlencoded decoding, as Starlette does it for query
 * strings and form bodies: '+' is a space, %XX a byte, a '%' without two hex digits stays.
 */
#ifndef NOTES_URLDECODE_H
#define NOTES_URLDECODE_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

/* Appends s[0..n), decoded, to out; false when memory ran out. */
bool urldecode_append(struct buf *out, const char *s, size_t n);

/* Whether s[0..n), decoded, is the NUL-terminated text name (no allocation). */
bool urldecode_equals(const char *s, size_t n, const char *name);

#endif
