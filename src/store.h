/*
 * store.h: where notes are kept, as a table of operations (the tutorial's crud module).
 * store_pg.c implements it with libpq; the unit tests swap in an in-memory fake.
 */
#ifndef NOTES_STORE_H
#define NOTES_STORE_H

#include "note.h"

#include <stdbool.h>

enum store_result {
    STORE_OK,          /* done; the output note is filled */
    STORE_NOT_FOUND,   /* no note has that id */
    STORE_UNAVAILABLE, /* the database cannot be reached or is not ready: answer 503 */
};

/* Called once per listed note, in id order; returns false to stop the listing early. */
typedef bool (*store_row_fn)(void *arg, const struct note *note);

struct store_ops {
    /* Inserts in->title and in->description; out receives the stored note with its id. */
    enum store_result (*create)(void *impl, const struct note *in, struct note *out);
    enum store_result (*get)(void *impl, int32_t id, struct note *out);
    /* Streams notes ordered by id; limit < 0 means all. A stop by on_row is still STORE_OK. */
    enum store_result (*list)(void *impl, long long limit, long long offset, store_row_fn on_row,
                              void *arg);
    /* Replaces title and description of note id; out receives the note as stored. */
    enum store_result (*update)(void *impl, int32_t id, const struct note *in, struct note *out);
    /* Deletes note id; out receives the note as it was. */
    enum store_result (*remove)(void *impl, int32_t id, struct note *out);
};

struct store {
    const struct store_ops *ops;
    void *impl;
};

#endif
