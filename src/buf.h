/* buf.h: a growable byte buffer; the owner calls buf_free. */
#ifndef NOTES_BUF_H
#define NOTES_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
    char *data; /* NUL-terminated when len > 0 or after buf_cstr */
    size_t len;
    size_t cap;
};

#define BUF_INIT                                                                                   \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* Each append returns false (leaving the buffer as it was) only when memory runs out. */
bool buf_append(struct buf *b, const char *data, size_t len);
bool buf_append_str(struct buf *b, const char *s);
bool buf_append_char(struct buf *b, char c);

/* The contents as a C string ("" for an empty buffer). */
const char *buf_cstr(const struct buf *b);

/* Forget the contents but keep the memory for reuse. */
void buf_reset(struct buf *b);

/* Release the memory; the buffer is empty and reusable afterwards. buf_free(NULL) does nothing. */
void buf_free(struct buf *b);

/* Hand the data over to the caller, who frees it with free(); the buffer is left empty. */
char *buf_take(struct buf *b);

#endif
