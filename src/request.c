/* request.c: query string parsing for a request. */
#include "request.h"

#include "urldecode.h"

#include <string.h>

bool
request_query_param(const struct request *req, const char *name, struct buf *value)
{
    const char *p = req->query;
    size_t name_len = strlen(name);
    bool found = false;

    while (p != NULL && *p != '\0') {
        const char *end = strchr(p, '&');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t key_len = eq != NULL ? (size_t)(eq - p) : len;

        if (key_len >= name_len && urldecode_equals(p, key_len, name)) {
            buf_reset(value);
            if (eq != NULL && !urldecode_append(value, eq + 1, len - key_len - 1))
                return false;
            found = true;
        }
        p = end != NULL ? end + 1 : NULL;
    }
    return found;
}
