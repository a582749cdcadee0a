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

static enum store_result
fake_list(void *impl, const struct list_query *q, store_row_fn on_row, void *arg)
{
    struct fake_store *fake = impl;
    const struct note *sorted[FAKE_STORE_CAPACITY];
    const struct note *after = NULL;
    int n = 0;

    fake->calls++;
    fake->last_query = *q;
    fake->last_query.search = NULL;
    if (fake->unavailable)
        return STORE_UNAVAILABLE;
    for (int i = 0; i < fake->count; i++) {
        if (fake->notes[i].id == q->after)
            after = &fake->notes[i];
        if (found_by(q, &fake->notes[i]))
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
    fake->count--;
    return STORE_OK;
}

static const struct store_ops fake_ops = {
    .create = fake_create,
    .get = fake_get,
    .list = fake_list,
    .count = fake_count,
    .update = fake_update,
    .remove = fake_remove,
};

struct store
fake_store_store(struct fake_store *fake)
{
    struct store store = {&fake_ops, fake};
    return store;
}
