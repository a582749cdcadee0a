/*
 * etag.h: a note's strong entity-tag (RFC 9110 §8.8.3) made from its version, and the
 * If-Match / If-None-Match lists read into the versions they name (§13.1.1, §13.1.2).
 */
#ifndef NOTES_ETAG_H
#define NOTES_ETAG_H

#include "note.h"

#include <stdbool.h>
#include <stdint.h>

/* '"' + at most 20 digits + '"' + NUL */
#define ETAG_TEXT_MAX 24

/* Writes version's entity-tag, e.g. "\"42\"" (quotes included). */
void etag_format(int64_t version, char out[ETAG_TEXT_MAX]);

enum etag_compare {
    ETAG_STRONG, /* If-Match: a weak tag (W/"…") never matches */
    ETAG_WEAK,   /* If-None-Match: W/"42" matches "42" */
};

/*
 * Reads a header value into the versions it accepts: NULL (absent) or "*" accept any version;
 * otherwise the comma-separated entity-tags that are ours. Tags that are not ours (another
 * form, malformed text) and tags beyond NOTE_VERSIONS_MAX match nothing.
 */
void etag_parse_list(const char *header, enum etag_compare how, struct version_set *out);

/* Whether version is in set. */
bool etag_set_contains(const struct version_set *set, int64_t version);

#endif
