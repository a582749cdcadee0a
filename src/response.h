/*
 * response.h: the answer to one request: status, JSON body, and the one place bytes leave for
 * the client. The writer callback is FastCGI's stream in the worker, a buffer in the tests.
 */
#ifndef NOTES_RESPONSE_H
#define NOTES_RESPONSE_H

#include "buf.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* Writes len bytes for the client; returns false if they could not be delivered. */
typedef bool (*response_write_fn)(void *ctx, const char *data, size_t len);

/* Room for the extra header lines of one answer (ETag, Location, Link, Content-Range, ...). */
#define RESPONSE_HEADERS_MAX 2048

struct response {
    int status;                         /* 200 unless set */
    int route; /* the endpoint that answered (router.h), -1 when no route matched */
    const char *content_type; /* NULL: application/json (the API); /metrics is text */
    char allow[96];                     /* the Allow header of a 405 or an OPTIONS answer, or "" */
    bool bearer_challenge;              /* a 401: send WWW-Authenticate: Bearer */
    char headers[RESPONSE_HEADERS_MAX]; /* extra header lines, each "Name: value\r\n" */
    size_t headers_len;
    bool head_only;   /* HEAD: the head a GET would have, with no body (RFC 9110 §9.3.2) */
    size_t discarded; /* body bytes a HEAD answer counted for Content-Length but did not send */
    struct buf body;  /* JSON not yet sent */
    bool head_sent;   /* streaming started: status and headers are final */
    bool failed;      /* a write failed; the rest of the answer is dropped */
    response_write_fn write;
    void *write_ctx;
};

void response_init(struct response *resp, response_write_fn write, void *write_ctx);

/* Releases the body buffer. response_free(NULL) does nothing. */
void response_free(struct response *resp);

/*
 * Adds the header line "name: value" (value written as given: the caller keeps it to visible
 * ASCII). False, and nothing added, when it does not fit: the caller answers without it.
 */
bool response_add_header(struct response *resp, const char *name, const char *value);

/* Sets a status whose answer has no body (204, 304): no Content-Type, no Content-Length. */
void response_set_empty(struct response *resp, int status);

/* Replaces the body with obj serialized compactly, like FastAPI's JSONResponse. */
void response_set_json(struct response *resp, int status, struct json_object *obj);

/* Replaces the body with JSON text written by the caller (may be "", to be appended to). */
void response_set_text(struct response *resp, int status, const char *json);

/* Sets {"detail": detail} with the given status. */
void response_set_detail(struct response *resp, int status, const char *detail);

/* Appends raw JSON text to the body (for streamed lists). */
bool response_append(struct response *resp, const char *json, size_t len);

/* Sends the head (once) and the body so far, for answers too large to hold; false on failure. */
bool response_flush(struct response *resp);

/* Sends whatever is left: the whole answer in one write when nothing was flushed before. */
bool response_finish(struct response *resp);

/* The reason phrase of a status code, e.g. "Not Found". */
const char *response_reason(int status);

#endif
