/*
 * fake_store.h: an in-memory store for unit tests, the C counterpart of the tutorial's
 * monkeypatched crud module. It counts calls, so tests can show the database was not touched.
 */
#ifndef NOTES_FAKE_STORE_H
#define NOTES_FAKE_STORE_H

#include "store.h"

/* Enough notes of 50 characters for a list larger than the 32 KiB the worker sends at once. */
#define FAKE_STORE_CAPACITY 320

#define FAKE_STORE_USERS 8
#define FAKE_STORE_TOKENS 32

struct fake_store {
    struct note notes[FAKE_STORE_CAPACITY];
    int32_t owners[FAKE_STORE_CAPACITY]; /* the user id of each note; 0 = none (auth was off) */
    int count;
    struct {
        struct user user;
        char hash[STORE_PASSWORD_HASH_MAX];
    } users[FAKE_STORE_USERS];
    int user_count;
    struct {
        struct token_hash hash;
        int32_t user_id;
        long ttl_s;
        bool revoked;
        bool expired; /* set by a test to play the passing of time */
    } tokens[FAKE_STORE_TOKENS];
    int token_count;
    int32_t next_id;
    int64_t next_version;         /* every change takes the next one, as sql/003's sequence */
    bool unavailable;             /* every call answers STORE_UNAVAILABLE (a database outage) */
    int calls;                    /* how many store calls were made */
    struct list_query last_query; /* what the last list asked for (search not kept) */
};

/* An empty store whose first note gets id 1. */
void fake_store_init(struct fake_store *fake);

/* Adds a note directly, as if created earlier; returns its id. */
int32_t fake_store_add(struct fake_store *fake, const char *title, const char *description);

/* Whether the store holds this token hash (tests look for a token they were given). */
int fake_store_token_index(const struct fake_store *fake, const struct token_hash *hash);

struct store fake_store_store(struct fake_store *fake);

#endif
