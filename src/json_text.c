/* json_text.c: JSON text written without building a tree first. */
#include "json_text.h"

#include "ascii.h"

#include <stdint.h>
#include <string.h>

/* The escape of a byte below 0x20, '"' or '\\'; NULL for bytes written as they are. */
static const char *
escape_of(unsigned char c)
{
    static const char *const control[0x20] = {
        "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
        "\\b",     "\\t",     "\\n",     "\\u000b", "\\f",     "\\r",     "\\u000e", "\\u000f",
        "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
        "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
    };

    if (c < 0x20)
        return control[c];
    if (c == '"')
        return "\\\"";
    if (c == '\\')
        return "\\\\";
    return NULL;
}

bool
json_text_string(struct buf *b, const char *s, size_t len)
{
    size_t start = 0; /* the first byte not yet appended */

    if (!buf_append_char(b, '"'))
        return false;
    for (size_t i = 0; i < len; i++) {
        const char *escape = escape_of((unsigned char)s[i]);
        if (escape == NULL)
            continue;
        if (!buf_append(b, s + start, i - start) || !buf_append_str(b, escape))
            return false;
        start = i + 1;
    }
    return buf_append(b, s + start, len - start) && buf_append_char(b, '"');
}

/* Appends a decimal integer. */
static bool
append_int(struct buf *b, int32_t value)
{
    char digits[ASCII_DECIMAL_MAX];
    char *end = digits + sizeof(digits);
    char *first = ascii_decimal(end, value < 0 ? 0u - (uint32_t)value : (uint32_t)value);

    return (value >= 0 || buf_append_char(b, '-')) && buf_append(b, first, (size_t)(end - first));
}

bool
json_text_note(struct buf *b, const struct note *note)
{
    return buf_append_str(b, "{\"title\":") &&
           json_text_string(b, note->title, strlen(note->title)) &&
           buf_append_str(b, ",\"description\":") &&
           json_text_string(b, note->description, strlen(note->description)) &&
           buf_append_str(b, ",\"id\":") && append_int(b, note->id) && buf_append_char(b, '}');
}
