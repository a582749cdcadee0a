/* utf8.h: UTF-8 validation and code point counting, the way Python decodes bytes. */
#ifndef NOTES_UTF8_H
#define NOTES_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether s[0..len) is well-formed UTF-8 as Python's strict decoder sees it: no overlong
 * forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF. On failure, *bad_offset
 * (if not NULL) receives the byte offset of the first bad sequence.
 */
bool utf8_validate(const char *s, size_t len, size_t *bad_offset);

/* The number of code points in s[0..len), which must be valid UTF-8 (Python's len()). */
size_t utf8_count(const char *s, size_t len);

/* Appends the UTF-8 encoding of code point cp (<= 0x10FFFF) to out; returns bytes written (1-4). */
size_t utf8_encode(unsigned long cp, char out[4]);

#endif
