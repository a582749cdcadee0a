/* etag.c: entity-tags of notes and the conditional request headers. */
#include "etag.h"

#include "ascii.h"

#include <string.h>

void
etag_format(int64_t version, char out[ETAG_TEXT_MAX])
{
    char digits[ASCII_DECIMAL_MAX];
    char *end = digits + sizeof(digits);
    char *first = ascii_decimal(end, (size_t)(version < 0 ? 0 : version));
    size_t n = (size_t)(end - first);

    out[0] = '"';
    memcpy(out + 1, first, n);
    out[n + 1] = '"';
    out[n + 2] = '\0';
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t';
}

/*
 * Reads one entity-tag at *p (after optional spaces); sets *version when it is one of ours
 * ("digits", or W/"digits" with weak allowed). Leaves *p after the tag. False at a malformed
 * member, which is then skipped up to the next comma.
 */
static bool
read_tag(const char **p, enum etag_compare how, int64_t *version, bool *ours)
{
    const char *s = *p;
    bool weak = false;

    *ours = false;
    if (s[0] == 'W' && s[1] == '/') {
        weak = true;
        s += 2;
    }
    if (*s != '"')
        return false;
    s++;
    const char *start = s;
    while (*s != '\0' && *s != '"')
        s++;
    if (*s != '"')
        return false;
    size_t len = (size_t)(s - start);
    *p = s + 1;
    if (len == 0 || len > 18 || (weak && how == ETAG_STRONG))
        return true; /* well formed, but not a tag of ours (or weak under strong comparison) */
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!ascii_is_digit(start[i]))
            return true;
        v = v * 10 + (start[i] - '0');
    }
    *version = v;
    *ours = true;
    return true;
}

void
etag_parse_list(const char *header, enum etag_compare how, struct version_set *out)
{
    const char *p = header;

    out->any = false;
    out->n = 0;
    if (header == NULL) {
        out->any = true;
        return;
    }
    while (is_space(*p))
        p++;
    if (p[0] == '*') {
        const char *rest = p + 1;
        while (is_space(*rest))
            rest++;
        if (*rest == '\0') {
            out->any = true;
            return;
        }
    }
    while (*p != '\0') {
        int64_t version;
        bool ours;

        while (is_space(*p) || *p == ',')
            p++;
        if (*p == '\0')
            break;
        if (read_tag(&p, how, &version, &ours) && ours && out->n < NOTE_VERSIONS_MAX)
            out->versions[out->n++] = version;
        while (*p != '\0' && *p != ',')
            p++; /* the rest of a malformed member */
    }
}

bool
etag_set_contains(const struct version_set *set, int64_t version)
{
    if (set->any)
        return true;
    for (size_t i = 0; i < set->n; i++) {
        if (set->versions[i] == version)
            return true;
    }
    return false;
}
