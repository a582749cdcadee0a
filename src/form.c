/* form.c: application/x-www-form-urlencoded fields. */
#include "form.h"

#include "ascii.h"

#include <string.h>
#include <strings.h>

bool
form_is_urlencoded(const char *content_type)
{
    static const char type[] = "application/x-www-form-urlencoded";
    size_t n = sizeof(type) - 1;

    if (content_type == NULL || strncasecmp(content_type, type, n) != 0)
        return false;
    return content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ';
}

/* Appends s[0..n) to out, decoding '+' and %XX (a '%' not followed by two hex digits stays). */
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

/* Whether the encoded name s[0..n) decodes to name. */
static bool
name_is(const char *s, size_t n, const char *name, struct buf *scratch, bool *no_memory)
{
    buf_reset(scratch);
    if (!append_decoded(scratch, s, n)) {
        *no_memory = true;
        return false;
    }
    return scratch->len == strlen(name) && memcmp(scratch->data, name, scratch->len) == 0;
}

bool
form_field(const char *body, size_t len, const char *name, struct buf *value, bool *no_memory)
{
    struct buf scratch = BUF_INIT;
    size_t at = 0;
    bool found = false;

    *no_memory = false;
    while (body != NULL && at < len) {
        const char *field = body + at;
        const char *amp = memchr(field, '&', len - at);
        size_t field_len = amp != NULL ? (size_t)(amp - field) : len - at;
        const char *eq = memchr(field, '=', field_len);
        size_t name_len = eq != NULL ? (size_t)(eq - field) : field_len;

        if (field_len > 0 && name_is(field, name_len, name, &scratch, no_memory)) {
            buf_reset(value);
            if (eq != NULL && !append_decoded(value, eq + 1, field_len - name_len - 1)) {
                *no_memory = true;
                break;
            }
            found = value->len > 0; /* FastAPI takes an empty form value as missing */
        }
        if (*no_memory)
            break;
        at += field_len + 1;
    }
    buf_free(&scratch);
    return found && !*no_memory;
}
