/* buf.c: a growable byte buffer. */
#include "buf.h"

#include <stdlib.h>
#include <string.h>

static bool
buf_reserve(struct buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;

    if (need <= b->cap)
        return true;
    if (need < b->len) /* overflow */
        return false;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    char *data = realloc(b->data, cap);
    if (data == NULL)
        return false;
    b->data = data;
    b->cap = cap;
    return true;
}

bool
buf_append(struct buf *b, const char *data, size_t len)
{
    if (!buf_reserve(b, len))
        return false;
    if (len > 0)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return true;
}

bool
buf_append_str(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

bool
buf_append_char(struct buf *b, char c)
{
    return buf_append(b, &c, 1);
}

const char *
buf_cstr(const struct buf *b)
{
    return b->data != NULL ? b->data : "";
}

void
buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

void
buf_free(struct buf *b)
{
    if (b == NULL)
        return;
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

char *
buf_take(struct buf *b)
{
    char *data = b->data;

    if (data == NULL)
        data = calloc(1, 1);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return data;
}
