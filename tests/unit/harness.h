/*
 * harness.h: calls the handlers the way the worker does and parses the CGI answer they write,
 * so unit tests assert on status, headers and JSON like the tutorial's TestClient.
 */
#ifndef NOTES_HARNESS_H
#define NOTES_HARNESS_H

#include "request.h"
#include "store.h"

#include <json-c/json.h>
#include <stddef.h>

struct answer {
    int status;
    char status_text[48]; /* the Status header whole, e.g. "404 Not Found" */
    long content_length;  /* -1 when the head has no Content-Length */
    char content_type[64];
    char allow[96];
    char etag[32];
    char location[64];
    char link[1024];
    char content_range[64];
    char preference_applied[64];
    char www_authenticate[32];
    char *body;               /* the raw body, NUL-terminated (owned) */
    struct json_object *json; /* the body parsed, or NULL if it is not JSON (owned) */
};

/* The request headers a test may send (NULL: absent), and the worker's NOTES_LIST_MAX. */
struct harness_headers {
    const char *if_match;
    const char *if_none_match;
    const char *prefer;
    long long list_max;               /* 0: unbounded, as the tutorial's app */
    const struct auth_settings *auth; /* NOTES_AUTH=on settings; NULL = off */
    const char *authorization;
};

/* Sends a request with headers; body may be NULL, content_type NULL means none. */
void harness_send(struct store *store, const char *method, const char *path, const char *query,
                  const char *content_type, const char *body, size_t body_len,
                  const struct harness_headers *headers, struct answer *a);

/* Sends a request; body may be NULL. content_type NULL means no Content-Type header. */
void harness_call(struct store *store, const char *method, const char *path, const char *query,
                  const char *content_type, const char *body, size_t body_len, struct answer *a);

/* The same with NOTES_AUTH=on settings (auth; NULL = off) and an Authorization header (or NULL). */
void harness_call_auth(struct store *store, const struct auth_settings *auth,
                       const char *authorization, const char *method, const char *path,
                       const char *query, const char *content_type, const char *body,
                       size_t body_len, struct answer *a);

/* The common case: a JSON body given as a C string (or NULL). */
void harness_json(struct store *store, const char *method, const char *path, const char *body,
                  struct answer *a);

/* Whether a->json equals the JSON text expected (key order ignored, like Python's ==). */
int answer_json_equals(const struct answer *a, const char *expected);

void answer_free(struct answer *a);

#endif
