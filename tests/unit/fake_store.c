/* fake_store.c: an in-memory store for unit tests. */
#include "fake_store.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
fake_store_init(struct fake_store *fake)
{
    memset(fake, 0, sizeof(*fake));
    fake->next_id = 1;
    fake->next_version = 100;
}

int32_t
fake_store_add(struct fake_store *fake, const char *title, const char *description)
{
    struct note *n = &fake->notes[fake->count++];

    fake->owners[fake->count - 1] = 0;
    n->id = fake->next_id++;
    n->version = fake->next_version++;
    snprintf(n->title, sizeof(n->title), "%s", title);
    snprintf(n->description, sizeof(n->description), "%s", description);
    return n->id;
}

static struct note *
find(struct fake_store *fake, int32_t id)
{
    for (int i = 0; i < fake->count; i++) {
        if (fake->notes[i].id == id)
            return &fake->notes[i];
    }
    return NULL;
}

static enum store_result
fake_create(void *impl, const struct note *in, struct note *out)
{
    struct fake_store *fake = impl;

    fake->calls++;
    if (fake->unavailable || fake->count == FAKE_STORE_CAPACITY)
        return STORE_UNAVAILABLE;
    int32_t id = fake_store_add(fake, in->title, in->description);
    *out = *find(fake, id);
    return STORE_OK;
}

static enum store_result
fake_get(void *impl, int32_t id, struct note *out)
{
    struct fake_store *fake = impl;

    fake->calls++;
    if (fake->unavailable)
        return STORE_UNAVAILABLE;
    struct note *n = find(fake, id);
    if (n == NULL)
        return STORE_NOT_FOUND;
    *out = *n;
    return STORE_OK;
}

/* Whether n comes before m in order (ties by id, as the database's orders). */
static int
compare_in(enum list_order order, const struct note *n, const struct note *m)
{
    int c = 0;

    switch (order) {
    case LIST_BY_TITLE:
    case LIST_BY_TITLE_DESC:
        c = strcmp(n->title, m->title);
        break;
    default:
        break; /* ids: creation order too, in the fake */
    }
    if (c == 0)
        c = n->id < m->id ? -1 : n->id > m->id;
    bool desc =
        order == LIST_BY_ID_DESC || order == LIST_BY_TITLE_DESC || order == LIST_BY_CREATED_DESC;
    return desc ? -c : c;
}

static enum list_order sort_order;

static int
compare_notes(const void *a, const void *b)
{
    return compare_in(sort_order, *(const struct note *const *)a, *(const struct note *const *)b);
}

/* Whether text contains part, ASCII letters compared without case (enough for the tests). */
static bool
contains(const char *text, const char *part)
{
    size_t n = strlen(part);

    for (; *text != '\0'; text++) {
        size_t i = 0;
        while (i < n && text[i] != '\0' &&
               tolower((unsigned char)text[i]) == tolower((unsigned char)part[i]))
            i++;
        if (i == n)
            return true;
    }
    return n == 0;
}

static bool
found_by(const struct list_query *q, const struct note *n)
{
    return q->search == NULL || contains(n->title, q->search) ||
           contains(n->description, q->search);
}

/* Whether n lies beyond ?after= (the database compares with the row of that id, if any). */
static bool
beyond(const struct list_query *q, const struct note *n, const struct note *after)
{
    if (q->after <= 0)
        return true;
    if (q->order == LIST_BY_ID)
        return n->id > q->after;
    if (q->order == LIST_BY_ID_DESC)
        return n->id < q->after;
    return after != NULL && compare_in(q->order, n, after) > 0;
}

/* The list q asks for among the notes of owner (-1: every note). */
static enum store_result
list_of(struct fake_store *fake, int32_t owner, const struct list_query *q, store_row_fn on_row,
        void *arg)
{
    const struct note *sorted[FAKE_STORE_CAPACITY];
    const struct note *after = NULL;
    int n = 0;

    fake->last_query = *q;
    fake->last_query.search = NULL;
    for (int i = 0; i < fake->count; i++) {
        if (fake->notes[i].id == q->after)
            after = &fake->notes[i];
        if (found_by(q, &fake->notes[i]) && (owner < 0 || fake->owners[i] == owner))
            sorted[n++] = &fake->notes[i];
    }
    sort_order = q->order;
    qsort(sorted, (size_t)n, sizeof(sorted[0]), compare_notes);
    long long skipped = 0, sent = 0;
    for (int i = 0; i < n && (q->limit < 0 || sent < q->limit); i++) {
        if (!beyond(q, sorted[i], after))
            continue;
        if (skipped++ < q->offset)
            continue;
        sent++;
        if (!on_row(arg, sorted[i]))
            break;
    }
    return STORE_OK;
}

static enum store_result
fake_list(void *impl, const struct list_query *q, store_row_fn on_row, void *arg)
{
    struct fake_store *fake = impl;

    fake->calls++;
    if (fake->unavailable)
        return STORE_UNAVAILABLE;
    return list_of(fake, -1, q, on_row, arg);
}

static enum store_result
fake_count(void *impl, const struct list_query *q, long long *total)
{
    struct fake_store *fake = impl;

    fake->calls++;
    if (fake->unavailable)
        return STORE_UNAVAILABLE;
    *total = 0;
    for (int i = 0; i < fake->count; i++)
        *total += found_by(q, &fake->notes[i]);
    return STORE_OK;
}

/* The one-step check of a conditional write: 412 when the note is at another version. */
static enum store_result
check_version(const struct note *n, const struct version_set *if_match)
{
    if (n == NULL)
        return STORE_NOT_FOUND;
    if (if_match->any)
        return STORE_OK;
    for (size_t i = 0; i < if_match->n; i++) {
        if (if_match->versions[i] == n->version)
            return STORE_OK;
    }
    return STORE_PRECONDITION_FAILED;
}

static enum store_result
fake_update(void *impl, int32_t id, const struct note_change *change,
            const struct version_set *if_match, struct note *out)
{
    struct fake_store *fake = impl;

    fake->calls++;
    if (fake->unavailable)
        return STORE_UNAVAILABLE;
    struct note *n = find(fake, id);
    enum store_result result = check_version(n, if_match);
    if (result == STORE_PRECONDITION_FAILED)
        *out = *n;
    if (result != STORE_OK)
        return result;
    if (change->title != NULL)
        snprintf(n->title, sizeof(n->title), "%s", change->title);
    if (change->description != NULL)
        snprintf(n->description, sizeof(n->description), "%s", change->description);
    n->version = fake->next_version++;
    *out = *n;
    return STORE_OK;
}

static enum store_result
fake_remove(void *impl, int32_t id, const struct version_set *if_match, struct note *out)
{
    struct fake_store *fake = impl;

    fake->calls++;
    if (fake->unavailable)
        return STORE_UNAVAILABLE;
    struct note *n = find(fake, id);
    enum store_result result = check_version(n, if_match);
    if (result != STORE_OK)
        return result;
    *out = *n;
    int index = (int)(n - fake->notes);
    memmove(&fake->notes[index], &fake->notes[index + 1],
            (size_t)(fake->count - index - 1) * sizeof(struct note));
    memmove(&fake->owners[index], &fake->owners[index + 1],
            (size_t)(fake->count - index - 1) * sizeof(int32_t));
    fake->count--;
    return STORE_OK;
}

/* --- NOTES_AUTH=on ------------------------------------------------------------------------ */

int
fake_store_token_index(const struct fake_store *fake, const struct token_hash *hash)
{
    for (int i = 0; i < fake->token_count; i++) {
        if (token_hash_equal(&fake->tokens[i].hash, hash))
            return i;
    }
    return -1;
}

/* The user of a valid token, or 0. */
static int32_t
token_owner(struct fake_store *fake, const struct token_hash *token)
{
    int i = fake_store_token_index(fake, token);

    if (i < 0 || fake->tokens[i].revoked || fake->tokens[i].expired)
        return 0;
    return fake->tokens[i].user_id;
}

/* A note of this user, or NULL. */
static struct note *
find_owned(struct fake_store *fake, int32_t user, int32_t id)
{
    struct note *n = find(fake, id);
    return n != NULL && fake->owners[n - fake->notes] == user ? n : NULL;
}

static enum store_result
fake_owned_create(void *impl, const struct token_hash *token, const struct note *in,
                  struct note *out)
{
    struct fake_store *fake = impl;

    fake->calls++;
    if (fake->unavailable || fake->count == FAKE_STORE_CAPACITY)
        return STORE_UNAVAILABLE;
    int32_t user = token_owner(fake, token);
    if (user == 0)
        return STORE_UNAUTHORIZED;
    int32_t id = fake_store_add(fake, in->title, in->description);
    fake->owners[fake->count - 1] = user;
    *out = *find(fake, id);
    return STORE_OK;
}

static enum store_result
fake_owned_get(void *impl, const struct token_hash *token, int32_t id, struct note *out)
{
    struct fake_store *fake = impl;

    fake->calls++;
    if (fake->unavailable)
        return STORE_UNAVAILABLE;
    int32_t user = token_owner(fake, token);
    if (user == 0)
        return STORE_UNAUTHORIZED;
    struct note *n = find_owned(fake, user, id);
    if (n == NULL)
        return STORE_NOT_FOUND;
    *out = *n;
    return STORE_OK;
}

static enum store_result
fake_owned_list(void *impl, const struct token_hash *token, const struct list_query *q,
                store_row_fn on_row, void *arg)
{
    struct fake_store *fake = impl;

    fake->calls++;
    if (fake->unavailable)
        return STORE_UNAVAILABLE;
    int32_t user = token_owner(fake, token);
    if (user == 0)
        return STORE_UNAUTHORIZED;
    return list_of(fake, user, q, on_row, arg);
}

static enum store_result
fake_owned_count(void *impl, const struct token_hash *token, const struct list_query *q,
                 long long *total)
{
    struct fake_store *fake = impl;

    fake->calls++;
    if (fake->unavailable)
        return STORE_UNAVAILABLE;
    int32_t user = token_owner(fake, token);
    if (user == 0)
        return STORE_UNAUTHORIZED;
    *total = 0;
    for (int i = 0; i < fake->count; i++)
        *total += fake->owners[i] == user && found_by(q, &fake->notes[i]);
    return STORE_OK;
}

static enum store_result
fake_owned_update(void *impl, const struct token_hash *token, int32_t id,
                  const struct note_change *change, const struct version_set *if_match,
                  struct note *out)
{
    struct fake_store *fake = impl;

    if (fake->unavailable) {
        fake->calls++;
        return STORE_UNAVAILABLE;
    }
    int32_t user = token_owner(fake, token);
    if (user == 0) {
        fake->calls++;
        return STORE_UNAUTHORIZED;
    }
    if (find_owned(fake, user, id) == NULL) {
        fake->calls++;
        return STORE_NOT_FOUND;
    }
    return fake_update(impl, id, change, if_match, out);
}

static enum store_result
fake_owned_remove(void *impl, const struct token_hash *token, int32_t id,
                  const struct version_set *if_match, struct note *out)
{
    struct fake_store *fake = impl;

    if (fake->unavailable) {
        fake->calls++;
        return STORE_UNAVAILABLE;
    }
    int32_t user = token_owner(fake, token);
    if (user == 0) {
        fake->calls++;
        return STORE_UNAUTHORIZED;
    }
    if (find_owned(fake, user, id) == NULL) {
        fake->calls++;
        return STORE_NOT_FOUND;
    }
    return fake_remove(impl, id, if_match, out);
}

static enum store_result
fake_user_create(void *impl, const char *username, const char *password_hash, struct user *out)
{
    struct fake_store *fake = impl;

    fake->calls++;
    if (fake->unavailable || fake->user_count == FAKE_STORE_USERS)
        return STORE_UNAVAILABLE;
    for (int i = 0; i < fake->user_count; i++) {
        if (strcmp(fake->users[i].user.username, username) == 0)
            return STORE_CONFLICT;
    }
    int i = fake->user_count++;
    fake->users[i].user.id = i + 1;
    snprintf(fake->users[i].user.username, sizeof(fake->users[i].user.username), "%s", username);
    snprintf(fake->users[i].hash, sizeof(fake->users[i].hash), "%s", password_hash);
    *out = fake->users[i].user;
    return STORE_OK;
}

static enum store_result
fake_user_find(void *impl, const char *username, struct user *out, char *hash, size_t hash_size)
{
    struct fake_store *fake = impl;

    fake->calls++;
    if (fake->unavailable)
        return STORE_UNAVAILABLE;
    for (int i = 0; i < fake->user_count; i++) {
        if (strcmp(fake->users[i].user.username, username) == 0) {
            *out = fake->users[i].user;
            snprintf(hash, hash_size, "%s", fake->users[i].hash);
            return STORE_OK;
        }
    }
    return STORE_NOT_FOUND;
}

static enum store_result
fake_token_create(void *impl, int32_t user_id, const struct token_hash *token, long ttl_s)
{
    struct fake_store *fake = impl;

    fake->calls++;
    if (fake->unavailable || fake->token_count == FAKE_STORE_TOKENS)
        return STORE_UNAVAILABLE;
    int i = fake->token_count++;
    memset(&fake->tokens[i], 0, sizeof(fake->tokens[i]));
    fake->tokens[i].hash = *token;
    fake->tokens[i].user_id = user_id;
    fake->tokens[i].ttl_s = ttl_s;
    return STORE_OK;
}

static enum store_result
fake_token_user(void *impl, const struct token_hash *token, struct user *out)
{
    struct fake_store *fake = impl;

    fake->calls++;
    if (fake->unavailable)
        return STORE_UNAVAILABLE;
    int32_t user = token_owner(fake, token);
    if (user == 0)
        return STORE_UNAUTHORIZED;
    *out = fake->users[user - 1].user;
    return STORE_OK;
}

static enum store_result
fake_token_revoke(void *impl, const struct token_hash *token)
{
    struct fake_store *fake = impl;

    fake->calls++;
    if (fake->unavailable)
        return STORE_UNAVAILABLE;
    if (token_owner(fake, token) == 0)
        return STORE_UNAUTHORIZED;
    fake->tokens[fake_store_token_index(fake, token)].revoked = true;
    return STORE_OK;
}

static enum store_result
fake_ready(void *impl, char *why, size_t why_size)
{
    struct fake_store *fake = impl;

    fake->calls++;
    if (fake->unavailable) {
        /* libpq's words, with the socket's path in them */
        snprintf(why, why_size,
                 "cannot connect to the database: connection to server on socket "
                 "\"/srv/secret/run/.s.PGSQL.5432\" failed: No such file or directory\n\tIs the "
                 "server running locally and accepting connections on that socket?");
        return STORE_UNAVAILABLE;
    }
    return STORE_OK;
}

static const struct store_ops fake_ops = {
    .create = fake_create,
    .get = fake_get,
    .list = fake_list,
    .count = fake_count,
    .update = fake_update,
    .remove = fake_remove,
    .owned_create = fake_owned_create,
    .owned_get = fake_owned_get,
    .owned_list = fake_owned_list,
    .owned_count = fake_owned_count,
    .owned_update = fake_owned_update,
    .owned_remove = fake_owned_remove,
    .user_create = fake_user_create,
    .user_find = fake_user_find,
    .token_create = fake_token_create,
    .token_user = fake_token_user,
    .token_revoke = fake_token_revoke,
    .ready = fake_ready,
};

struct store
fake_store_store(struct fake_store *fake)
{
    struct store store = {&fake_ops, fake};
    return store;
}
