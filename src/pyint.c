/* pyint.c: an integer from text, the way Python's int(str) reads it. */
#include "pyint.h"

#include <string.h>

/*
 * The code points of Unicode's decimal digit zeros beyond ASCII; each starts a run of ten
 * (Python 3.11's unicodedata.decimal, generated with it).
 */
static const unsigned long digit_zeros[] = {
    0x660,   0x6F0,   0x7C0,   0x966,   0x9E6,   0xA66,   0xAE6,   0xB66,   0xBE6,   0xC66,
    0xCE6,   0xD66,   0xDE6,   0xE50,   0xED0,   0xF20,   0x1040,  0x1090,  0x17E0,  0x1810,
    0x1946,  0x19D0,  0x1A80,  0x1A90,  0x1B50,  0x1BB0,  0x1C40,  0x1C50,  0xA620,  0xA8D0,
    0xA900,  0xA9D0,  0xA9F0,  0xAA50,  0xABF0,  0xFF10,  0x104A0, 0x10D30, 0x11066, 0x110F0,
    0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950,
    0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC,
    0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0};

/* Unicode whitespace beyond ASCII that str.isspace() accepts. */
static const unsigned long spaces[] = {
    0x85,   0xA0,   0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
    0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
};

/* Decodes one UTF-8 sequence (input already valid or not: invalid bytes give 0xFFFFFFFF). */
static unsigned long
decode(const unsigned char *s, size_t len, size_t *used)
{
    unsigned char b = s[0];
    size_t n = b < 0x80             ? 1
               : (b & 0xE0) == 0xC0 ? 2
               : (b & 0xF0) == 0xE0 ? 3
               : (b & 0xF8) == 0xF0 ? 4
                                    : 0;
    unsigned long cp;

    if (n == 0 || n > len) {
        *used = 1;
        return 0xFFFFFFFFUL;
    }
    cp = n == 1 ? b : n == 2 ? (b & 0x1FUL) : n == 3 ? (b & 0x0FUL) : (b & 0x07UL);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *used = 1;
            return 0xFFFFFFFFUL;
        }
        cp = (cp << 6) | (s[i] & 0x3FUL);
    }
    *used = n;
    return cp;
}

/* The ASCII character Python's int() sees for code point cp: a digit, ' ', or 0 for others. */
static char
translate(unsigned long cp)
{
    if (cp < 0x80) {
        if (cp >= 0x1C && cp <= 0x1F)
            return ' ';
        return (char)cp;
    }
    for (size_t i = 0; i < sizeof(spaces) / sizeof(spaces[0]); i++) {
        if (spaces[i] == cp)
            return ' ';
    }
    for (size_t i = 0; i < sizeof(digit_zeros) / sizeof(digit_zeros[0]); i++) {
        if (cp >= digit_zeros[i] && cp < digit_zeros[i] + 10)
            return (char)('0' + (cp - digit_zeros[i]));
    }
    return 0;
}

static bool
is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

bool
pyint_parse(const char *text, size_t len, long long limit, struct pyint *out)
{
    char ascii[PYINT_MAX_STRING + 1];
    size_t n = 0;

    memset(out, 0, sizeof(*out));
    if (len > PYINT_MAX_STRING)
        return false;
    for (size_t i = 0; i < len;) {
        size_t used;
        char c = translate(decode((const unsigned char *)text + i, len - i, &used));
        if (c == 0)
            return false;
        ascii[n++] = c;
        i += used;
    }

    size_t i = 0, end = n;
    bool digit_seen = false, last_underscore = false;
    while (i < end && is_space(ascii[i]))
        i++;
    while (end > i && is_space(ascii[end - 1]))
        end--;
    if (i < end && (ascii[i] == '+' || ascii[i] == '-')) {
        out->negative = ascii[i] == '-';
        i++;
    }
    for (; i < end; i++) {
        char c = ascii[i];
        if (c == '_') {
            if (!digit_seen || last_underscore)
                return false;
            last_underscore = true;
            continue;
        }
        if (c < '0' || c > '9')
            return false;
        digit_seen = true;
        last_underscore = false;
        if (!out->big) {
            out->value = out->value * 10 + (c - '0');
            if (out->value > limit)
                out->big = true;
        }
    }
    if (!digit_seen || last_underscore)
        return false;
    out->zero = !out->big && out->value == 0;
    if (out->big)
        out->value = 0;
    return true;
}
