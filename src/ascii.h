/* ascii.h: the ASCII character classes the parsers share, and decimal digits for the writers. */
#ifndef NOTES_ASCII_H
#define NOTES_ASCII_H

#include <stdbool.h>
#include <stdint.h>

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

/* Room for the decimal digits of any uint64_t. */
#define ASCII_DECIMAL_MAX 20

/*
 * Writes the decimal digits of n so that they end just before end (which has at least
 * ASCII_DECIMAL_MAX bytes before it), and returns where they start.
 */
static inline char *
ascii_decimal(char *end, uint64_t n)
{
    char *at = end;

    do {
        *--at = (char)('0' + n % 10);
        n /= 10;
    } while (n != 0);
    return at;
}

#endif
