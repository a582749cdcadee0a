/* request.h: one HTTP request as the handlers see it, independent of FastCGI. */
#ifndef NOTES_REQUEST_H
#define NOTES_REQUEST_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

/* NOTES_AUTH=on: every /notes route needs a bearer token; tokens live ttl_s seconds. */
struct auth_settings {
    long token_ttl_s;
};

struct request {
    const char *method;       /* "GET", "POST", ...; never NULL */
    const char *path;         /* the decoded path, e.g. "/notes/1/"; never NULL */
    const char *query;        /* the raw query string without '?'; "" when none */
    const char *content_type; /* NULL when the request has no Content-Type */
    const char *body;         /* the body bytes (not NUL-terminated); NULL when empty */
    size_t body_len;
    bool body_too_large;       /* the client sent more than the limit; body is then not kept */
    size_t body_limit;         /* the limit in bytes, for the 413 message */
    const char *authorization; /* the Authorization header, NULL when absent */
    const struct auth_settings *auth; /* NULL: the open API (NOTES_AUTH=off) */
    /* Request headers of issue 12 (NULL when absent), as nginx passes them. */
    const char *if_match;      /* If-Match: conditional writes (RFC 9110 §13.1.1) */
    const char *if_none_match; /* If-None-Match: conditional reads (§13.1.2) */
    const char *prefer;        /* Prefer: count=exact asks for a list's total (RFC 7240) */
    long long list_max;        /* NOTES_LIST_MAX: the largest page of a list; 0 = unbounded */
    const char *request_id; /* nginx's X-Request-ID for this request; NULL or "" when none */
    bool metrics_allowed;   /* nginx's /metrics location (loopback or metrics_allow) sent it */
};

/*
 * Looks up query parameter name (the last occurrence wins, as in Starlette), percent-decoding
 * it into value. Returns false when the parameter is absent.
 */
bool request_query_param(const struct request *req, const char *name, struct buf *value);

#endif
