/* note.h: a note, the one record of the API, and its limits. */
#ifndef NOTES_NOTE_H
#define NOTES_NOTE_H

#include <stdint.h>

/* Titles and descriptions hold 3 to 50 characters (code points, as Python counts them). */
#define NOTE_TEXT_MIN_CHARS 3
#define NOTE_TEXT_MAX_CHARS 50
/* 50 code points take at most 200 bytes of UTF-8. */
#define NOTE_TEXT_MAX_BYTES (4 * NOTE_TEXT_MAX_CHARS)

/* Ids are the table's 32-bit serial: 1 .. INT32_MAX. */
#define NOTE_ID_MAX INT32_MAX

struct note {
    int32_t id; /* 0 until the store assigns one */
    char title[NOTE_TEXT_MAX_BYTES + 1];
    char description[NOTE_TEXT_MAX_BYTES + 1];
};

#endif
