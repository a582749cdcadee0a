/* fcgi_io.c: FastCGI parameters and streams to and from our request and response. */
#include "fcgi_io.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static const char *
param_or(FCGX_Request *fr, const char *name, const char *fallback)
{
    const char *value = FCGX_GetParam(name, fr->envp);
    return value != NULL && value[0] != '\0' ? value : fallback;
}

/* Whether the body that arrived is the whole body: no stream error, and CONTENT_LENGTH bytes. */
static bool
body_complete(FCGX_Request *fr, size_t received)
{
    const char *length = FCGX_GetParam("CONTENT_LENGTH", fr->envp);
    char *end;

    if (FCGX_GetError(fr->in) != 0 || !FCGX_HasSeenEOF(fr->in))
        return false;
    if (length == NULL || length[0] == '\0')
        return true;
    errno = 0;
    unsigned long long expected = strtoull(length, &end, 10);
    return errno != 0 || *end != '\0' || expected == received;
}

bool
fcgi_read_request(FCGX_Request *fr, size_t limit, struct request *req, struct buf *body)
{
    char chunk[16384];
    size_t received = 0;
    int n;

    req->method = param_or(fr, "REQUEST_METHOD", "GET");
    req->path = param_or(fr, "PATH_INFO", param_or(fr, "DOCUMENT_URI", "/"));
    req->query = param_or(fr, "QUERY_STRING", "");
    req->content_type = FCGX_GetParam("CONTENT_TYPE", fr->envp);
    req->if_match = FCGX_GetParam("HTTP_IF_MATCH", fr->envp);
    req->if_none_match = FCGX_GetParam("HTTP_IF_NONE_MATCH", fr->envp);
    req->prefer = FCGX_GetParam("HTTP_PREFER", fr->envp);
    req->authorization = FCGX_GetParam("HTTP_AUTHORIZATION", fr->envp);
    req->auth = NULL; /* the caller sets it from its settings */
    req->request_id = param_or(fr, "REQUEST_ID", "");
    req->metrics_allowed = FCGX_GetParam("NOTES_METRICS", fr->envp) != NULL;
    req->body_too_large = false;
    req->body_limit = limit;

    buf_reset(body);
    while ((n = FCGX_GetStr(chunk, sizeof(chunk), fr->in)) > 0) {
        received += (size_t)n;
        if (req->body_too_large || body->len + (size_t)n > limit) {
            req->body_too_large = true; /* keep reading, but only to discard */
            continue;
        }
        if (!buf_append(body, chunk, (size_t)n))
            req->body_too_large = true;
    }
    req->body = req->body_too_large || body->len == 0 ? NULL : body->data;
    req->body_len = req->body == NULL ? 0 : body->len;
    return body_complete(fr, received);
}

bool
fcgi_write(void *ctx, const char *data, size_t len)
{
    FCGX_Request *fr = ctx;
    return FCGX_PutStr(data, (int)len, fr->out) == (int)len;
}

void
fcgi_abort(FCGX_Request *fr)
{
    /* With fastcgi_keep_conn off nginx takes the upstream's close as the normal end of the
       answer (measured: the client then saw a clean, complete chunked 200). A record header of
       FastCGI version 0, which nginx must reject, makes it an upstream error instead: nginx
       closes the client's connection without the final chunk. libfcgi writes whole records, so
       this lands on a record boundary. FCGX_Free then closes without FCGI_END_REQUEST
       (detached: at once, no lingering close); the next FCGX_Accept_r finds nothing to finish. */
    static const unsigned char invalid_record[8] = {0};

    if (fr->ipcFd >= 0 && write(fr->ipcFd, invalid_record, sizeof(invalid_record)) < 0) {
        /* nginx is gone already: nothing to tell it */
    }
    FCGX_Detach(fr);
    FCGX_Free(fr, 1);
}
