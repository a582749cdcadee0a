/* harness.c: run a request through handle_request and read back the CGI answer. */
#include "harness.h"

#include "buf.h"
#include "handlers.h"
#include "request.h"
#include "response.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
capture(void *ctx, const char *data, size_t len)
{
    return buf_append(ctx, data, len);
}

/* Copies the value of header name from the CGI head into out ("" when absent). */
static void
header_value(const char *head, const char *name, char *out, size_t out_size)
{
    size_t n = strlen(name);

    out[0] = '\0';
    for (const char *line = head; line != NULL && *line != '\0';) {
        const char *eol = strstr(line, "\r\n");
        if (eol == NULL || eol == line)
            break;
        if (strncmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 2;
            snprintf(out, out_size, "%.*s", (int)(eol - v), v);
        }
        line = eol + 2;
    }
}

void
harness_send(struct store *store, const char *method, const char *path, const char *query,
             const char *content_type, const char *body, size_t body_len,
             const struct harness_headers *headers, struct answer *a)
{
    static const struct harness_headers none = {NULL, NULL, NULL, 0, NULL, NULL};
    struct buf out = BUF_INIT;
    if (headers == NULL)
        headers = &none;
    struct request req = {
        .method = method,
        .path = path,
        .query = query != NULL ? query : "",
        .content_type = content_type,
        .body = body,
        .body_len = body_len,
        .body_too_large = false,
        .body_limit = 65536,
        .authorization = headers->authorization,
        .auth = headers->auth,
        .if_match = headers->if_match,
        .if_none_match = headers->if_none_match,
        .prefer = headers->prefer,
        .list_max = headers->list_max,
    };
    struct response resp;
    char length_text[24];

    if (body_len > req.body_limit) {
        req.body_too_large = true;
        req.body = NULL;
        req.body_len = 0;
    }
    response_init(&resp, capture, &out);
    handle_request(&req, &resp, store);
    response_finish(&resp);
    response_free(&resp);

    memset(a, 0, sizeof(*a));
    const char *text = buf_cstr(&out);
    header_value(text, "Status", a->status_text, sizeof(a->status_text));
    a->status = atoi(a->status_text);
    header_value(text, "Content-Length", length_text, sizeof(length_text));
    a->content_length = length_text[0] != '\0' ? atol(length_text) : -1;
    header_value(text, "Content-Type", a->content_type, sizeof(a->content_type));
    header_value(text, "Allow", a->allow, sizeof(a->allow));
    header_value(text, "ETag", a->etag, sizeof(a->etag));
    header_value(text, "Location", a->location, sizeof(a->location));
    header_value(text, "Link", a->link, sizeof(a->link));
    header_value(text, "Content-Range", a->content_range, sizeof(a->content_range));
    header_value(text, "Preference-Applied", a->preference_applied, sizeof(a->preference_applied));
    header_value(text, "WWW-Authenticate", a->www_authenticate, sizeof(a->www_authenticate));
    const char *sep = strstr(text, "\r\n\r\n");
    a->body = strdup(sep != NULL ? sep + 4 : "");
    a->json = json_tokener_parse(a->body);
    buf_free(&out);
}

void
harness_call(struct store *store, const char *method, const char *path, const char *query,
             const char *content_type, const char *body, size_t body_len, struct answer *a)
{
    harness_send(store, method, path, query, content_type, body, body_len, NULL, a);
}

void
harness_call_auth(struct store *store, const struct auth_settings *auth, const char *authorization,
                  const char *method, const char *path, const char *query, const char *content_type,
                  const char *body, size_t body_len, struct answer *a)
{
    struct harness_headers h = {NULL, NULL, NULL, 0, auth, authorization};
    harness_send(store, method, path, query, content_type, body, body_len, &h, a);
}

void
harness_json(struct store *store, const char *method, const char *path, const char *body,
             struct answer *a)
{
    harness_call(store, method, path, NULL, "application/json", body,
                 body != NULL ? strlen(body) : 0, a);
}

int
answer_json_equals(const struct answer *a, const char *expected)
{
    struct json_object *want = json_tokener_parse(expected);
    int equal = a->json != NULL && want != NULL && json_object_equal(a->json, want);

    json_object_put(want);
    return equal;
}

void
answer_free(struct answer *a)
{
    free(a->body);
    json_object_put(a->json);
    a->body = NULL;
    a->json = NULL;
}
