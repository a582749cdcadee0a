/* fake_store.c: an in-memory store for unit tests. */
#include "fake_store.h"

#include <stdio.h>
#include <string.h>

void
fake_store_init(struct fake_store *fake)
{
    memset(fake, 0, sizeof(*fake));
    fake->next_id = 1;
}

int32_t
fake_store_add(struct fake_store *fake, const char *title, const char *description)
{
    struct note *n = &fake->notes[fake->count++];

    fake->owners[fake->count - 1] = 0;
    n->id = fake->next_id++;
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

static enum store_result
fake_list(void *impl, long long limit, long long offset, store_row_fn on_row, void *arg)
{
    struct fake_store *fake = impl;

    fake->calls++;
    if (fake->unavailable)
        return STORE_UNAVAILABLE;
    for (long long i = offset; i < fake->count && (limit < 0 || i < offset + limit); i++) {
        if (!on_row(arg, &fake->notes[i]))
            break;
    }
    return STORE_OK;
}

static enum store_result
fake_update(void *impl, int32_t id, const struct note *in, struct note *out)
{
    struct fake_store *fake = impl;

    fake->calls++;
    if (fake->unavailable)
        return STORE_UNAVAILABLE;
    struct note *n = find(fake, id);
    if (n == NULL)
        return STORE_NOT_FOUND;
    memcpy(n->title, in->title, sizeof(n->title));
    memcpy(n->description, in->description, sizeof(n->description));
    *out = *n;
    return STORE_OK;
}

static enum store_result
fake_remove(void *impl, int32_t id, struct note *out)
{
    struct fake_store *fake = impl;

    fake->calls++;
    if (fake->unavailable)
        return STORE_UNAVAILABLE;
    struct note *n = find(fake, id);
    if (n == NULL)
        return STORE_NOT_FOUND;
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
fake_owned_list(void *impl, const struct token_hash *token, long long limit, long long offset,
                store_row_fn on_row, void *arg)
{
    struct fake_store *fake = impl;
    long long seen = 0, sent = 0;

    fake->calls++;
    if (fake->unavailable)
        return STORE_UNAVAILABLE;
    int32_t user = token_owner(fake, token);
    if (user == 0)
        return STORE_UNAUTHORIZED;
    for (int i = 0; i < fake->count && (limit < 0 || sent < limit); i++) {
        if (fake->owners[i] != user || seen++ < offset)
            continue;
        sent++;
        if (!on_row(arg, &fake->notes[i]))
            break;
    }
    return STORE_OK;
}

static enum store_result
fake_owned_update(void *impl, const struct token_hash *token, int32_t id, const struct note *in,
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
    return fake_update(impl, id, in, out);
}

static enum store_result
fake_owned_remove(void *impl, const struct token_hash *token, int32_t id, struct note *out)
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
    return fake_remove(impl, id, out);
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
        snprintf(why, why_size, "cannot connect to the database: the fake is down");
        return STORE_UNAVAILABLE;
    }
    return STORE_OK;
}

static const struct store_ops fake_ops = {
    .create = fake_create,
    .get = fake_get,
    .list = fake_list,
    .update = fake_update,
    .remove = fake_remove,
    .owned_create = fake_owned_create,
    .owned_get = fake_owned_get,
    .owned_list = fake_owned_list,
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
