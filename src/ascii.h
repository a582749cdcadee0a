/* ascii.h: the ASCII character classes the parsers share. */
#ifndef NOTES_ASCII_H
#define NOTES_ASCII_H

#include <stdbool.h>

static inline bool
ascii_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The value of a hex digit, or -1 for any other character. */
static inline int
ascii_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
