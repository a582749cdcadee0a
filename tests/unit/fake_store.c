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
    fake->count--;
    return STORE_OK;
}

static const struct store_ops fake_ops = {
    .create = fake_create,
    .get = fake_get,
    .list = fake_list,
    .update = fake_update,
    .remove = fake_remove,
};

struct store
fake_store_store(struct fake_store *fake)
{
    struct store store = {&fake_ops, fake};
    return store;
}
