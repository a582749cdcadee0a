/* request.c: query string parsing for a request. */
#include "request.h"

#include "ascii.h"

#include <string.h>

/* Appends s[0..n) to out, decoding %XX and '+' as in application/x-www-form-urlencoded. */
static bool
append_decoded(struct buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%' && i + 2 < n && ascii_hex_value(s[i + 1]) >= 0 &&
                   ascii_hex_value(s[i + 2]) >= 0) {
            c = (char)(ascii_hex_value(s[i + 1]) * 16 + ascii_hex_value(s[i + 2]));
            i += 2;
        }
        if (!buf_append_char(out, c))
            return false;
    }
    return true;
}

/* Whether s[0..n), decoded as append_decoded does, is name (Starlette decodes keys too). */
static bool
key_matches(const char *s, size_t n, const char *name)
{
    size_t at = 0;

    for (size_t i = 0; i < n; i++, at++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%' && i + 2 < n && ascii_hex_value(s[i + 1]) >= 0 &&
                   ascii_hex_value(s[i + 2]) >= 0) {
            c = (char)(ascii_hex_value(s[i + 1]) * 16 + ascii_hex_value(s[i + 2]));
            i += 2;
        }
        if (name[at] == '\0' || name[at] != c)
            return false;
    }
    return name[at] == '\0';
}

bool
request_query_param(const struct request *req, const char *name, struct buf *value)
{
    const char *p = req->query;
    size_t name_len = strlen(name);
    bool found = false;

    while (p != NULL && *p != '\0') {
        const char *end = strchr(p, '&');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t key_len = eq != NULL ? (size_t)(eq - p) : len;

        if (key_len >= name_len && key_matches(p, key_len, name)) {
            buf_reset(value);
            if (eq != NULL && !append_decoded(value, eq + 1, len - key_len - 1))
                return false;
            found = true;
        }
        p = end != NULL ? end + 1 : NULL;
    }
    return found;
}
