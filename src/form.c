/* form.c: application/x-www-form-urlencoded fields. */
#include "form.h"

#include "urldecode.h"

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

bool
form_field(const char *body, size_t len, const char *name, struct buf *value, bool *no_memory)
{
    size_t at = 0;
    bool found = false;

    *no_memory = false;
    while (body != NULL && at < len) {
        const char *field = body + at;
        const char *amp = memchr(field, '&', len - at);
        size_t field_len = amp != NULL ? (size_t)(amp - field) : len - at;
        const char *eq = memchr(field, '=', field_len);
        size_t name_len = eq != NULL ? (size_t)(eq - field) : field_len;

        if (field_len > 0 && urldecode_equals(field, name_len, name)) {
            buf_reset(value);
            if (eq != NULL && !urldecode_append(value, eq + 1, field_len - name_len - 1)) {
                *no_memory = true;
                break;
            }
            found = value->len > 0; /* FastAPI takes an empty form value as missing */
        }
        at += field_len + 1;
    }
    return found && !*no_memory;
}
