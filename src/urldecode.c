/* urldecode.c: '+' and %XX decoding for query strings and form bodies. */
#include "urldecode.h"

#include "ascii.h"

/* Decodes the character at s[*i] (s has n bytes) and moves *i past what it consumed. */
static char
decode_at(const char *s, size_t n, size_t *i)
{
    char c = s[*i];

    if (c == '+')
        c = ' ';
    else if (c == '%' && *i + 2 < n && ascii_hex_value(s[*i + 1]) >= 0 &&
             ascii_hex_value(s[*i + 2]) >= 0) {
        c = (char)(ascii_hex_value(s[*i + 1]) * 16 + ascii_hex_value(s[*i + 2]));
        *i += 2;
    }
    (*i)++;
    return c;
}

bool
urldecode_append(struct buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n;)
        if (!buf_append_char(out, decode_at(s, n, &i)))
            return false;
    return true;
}

bool
urldecode_equals(const char *s, size_t n, const char *name)
{
    size_t at = 0;

    for (size_t i = 0; i < n; at++)
        if (name[at] == '\0' || name[at] != decode_at(s, n, &i))
            return false;
    return name[at] == '\0';
}
