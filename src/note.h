/* note.h: a note, the one record of the API, and its limits. */
#ifndef NOTES_NOTE_H
#define NOTES_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Titles and descriptions hold 3 to 50 characters (code points, as Python counts them). */
#define NOTE_TEXT_MIN_CHARS 3
#define NOTE_TEXT_MAX_CHARS 50
/* 50 code points take at most 200 bytes of UTF-8. */
#define NOTE_TEXT_MAX_BYTES (4 * NOTE_TEXT_MAX_CHARS)

/* Ids are the table's 32-bit serial: 1 .. INT32_MAX. */
#define NOTE_ID_MAX INT32_MAX

/* The most entity-tags of one If-Match or If-None-Match header that are looked at. */
#define NOTE_VERSIONS_MAX 16

struct note {
    int32_t id;      /* 0 until the store assigns one */
    int64_t version; /* changes whenever the note changes (sql/003): its ETag */
    char title[NOTE_TEXT_MAX_BYTES + 1];
    char description[NOTE_TEXT_MAX_BYTES + 1];
};

/* The versions a conditional request accepts (If-Match / If-None-Match). */
struct version_set {
    bool any; /* no condition (header absent) or "*": every version matches */
    size_t n; /* versions[0..n) when !any; n == 0 then matches nothing */
    int64_t versions[NOTE_VERSIONS_MAX];
};

#endif
