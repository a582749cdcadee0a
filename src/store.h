/*
 * store.h: where notes are kept, as a table of operations (the tutorial's crud module).
 * store_pg.c implements it with libpq; the unit tests swap in an in-memory fake.
 */
#ifndef NOTES_STORE_H
#define NOTES_STORE_H

#include "note.h"
#include "token.h"

#include <stdbool.h>

enum store_result {
    STORE_OK,                  /* done; the output note is filled */
    STORE_NOT_FOUND,           /* no note has that id */
    STORE_UNAVAILABLE,         /* the database cannot be reached or is not ready: answer 503 */
    STORE_PRECONDITION_FAILED, /* the note exists at another version: nothing changed (412) */
    STORE_UNAUTHORIZED,        /* no valid token (unknown, expired or revoked): answer 401 */
    STORE_CONFLICT,            /* the username is taken: answer 409 */
};

/* The orders of GET /notes/?sort=: by id, title or creation time, each way (ties by id). */
enum list_order {
    LIST_BY_ID,
    LIST_BY_ID_DESC,
    LIST_BY_TITLE,
    LIST_BY_TITLE_DESC,
    LIST_BY_CREATED,
    LIST_BY_CREATED_DESC,
    LIST_ORDER__MAX,
};

/* Which notes a list wants. */
struct list_query {
    long long limit;    /* at most this many; < 0 means all */
    long long offset;   /* skip this many (after the keyset position) */
    int32_t after;      /* > 0: only notes after this one in the order (keyset paging) */
    const char *search; /* non-NULL: only notes whose title or description contains it,
                           compared case-insensitively (Unicode lower case) */
    enum list_order order;
};

/* A change to a note: the fields to set, NULL for those kept (PUT sets both, PATCH some). */
struct note_change {
    const char *title;
    const char *description;
};

/* Usernames are 3 to 50 characters, like note texts. */
struct user {
    int32_t id;
    char username[NOTE_TEXT_MAX_BYTES + 1];
};

/* The longest stored password hash (an argon2id PHC string). */
#define STORE_PASSWORD_HASH_MAX 160

/* Called once per listed note, in the list's order; returns false to stop the listing early. */
typedef bool (*store_row_fn)(void *arg, const struct note *note);

struct store_ops {
    /* Inserts in->title and in->description; out receives the stored note with its id. */
    enum store_result (*create)(void *impl, const struct note *in, struct note *out);
    enum store_result (*get)(void *impl, int32_t id, struct note *out);
    /* Streams the notes q asks for, in its order. A stop by on_row is still STORE_OK. */
    enum store_result (*list)(void *impl, const struct list_query *q, store_row_fn on_row,
                              void *arg);
    /* How many notes match q's search (its paging ignored). */
    enum store_result (*count)(void *impl, const struct list_query *q, long long *total);
    /*
     * Applies change to note id if its version is in if_match, in one step (no other write can
     * come between the check and the change); out receives the note as stored. A note at
     * another version is STORE_PRECONDITION_FAILED, a missing one STORE_NOT_FOUND.
     */
    enum store_result (*update)(void *impl, int32_t id, const struct note_change *change,
                                const struct version_set *if_match, struct note *out);
    /* Deletes note id if its version is in if_match (as update); out receives it as it was. */
    enum store_result (*remove)(void *impl, int32_t id, const struct version_set *if_match,
                                struct note *out);

    /*
     * Whether the database answers at the schema this worker needs (GET /ready): STORE_OK, or
     * STORE_UNAVAILABLE with what is wrong in why. May answer from a recent probe.
     */
    enum store_result (*ready)(void *impl, char *why, size_t why_size);

    /*
     * NOTES_AUTH=on. The owned_* operations are the six above limited to the notes of the
     * token's user; each resolves the token in the same statement (no extra round trip) and
     * answers STORE_UNAUTHORIZED when it is not valid, STORE_NOT_FOUND for another user's note.
     */
    enum store_result (*owned_create)(void *impl, const struct token_hash *token,
                                      const struct note *in, struct note *out);
    enum store_result (*owned_get)(void *impl, const struct token_hash *token, int32_t id,
                                   struct note *out);
    enum store_result (*owned_list)(void *impl, const struct token_hash *token,
                                    const struct list_query *q, store_row_fn on_row, void *arg);
    enum store_result (*owned_count)(void *impl, const struct token_hash *token,
                                     const struct list_query *q, long long *total);
    enum store_result (*owned_update)(void *impl, const struct token_hash *token, int32_t id,
                                      const struct note_change *change,
                                      const struct version_set *if_match, struct note *out);
    enum store_result (*owned_remove)(void *impl, const struct token_hash *token, int32_t id,
                                      const struct version_set *if_match, struct note *out);

    /* A new account; STORE_CONFLICT when the username is taken. */
    enum store_result (*user_create)(void *impl, const char *username, const char *password_hash,
                                     struct user *out);
    /* The account and its password hash (hash_size bytes with the NUL); STORE_NOT_FOUND. */
    enum store_result (*user_find)(void *impl, const char *username, struct user *out, char *hash,
                                   size_t hash_size);
    /* Stores the hash of a new token of user_id, valid for ttl_s seconds. */
    enum store_result (*token_create)(void *impl, int32_t user_id, const struct token_hash *token,
                                      long ttl_s);
    /* The user of a valid token; STORE_UNAUTHORIZED otherwise. */
    enum store_result (*token_user)(void *impl, const struct token_hash *token, struct user *out);
    /* Revokes a valid token at once; STORE_UNAUTHORIZED when it was not valid. */
    enum store_result (*token_revoke)(void *impl, const struct token_hash *token);
};

struct store {
    const struct store_ops *ops;
    void *impl;
};

#endif
