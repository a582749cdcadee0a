/* response.c: status, headers and JSON body of an answer, written once. */
#include "response.h"

#include "ascii.h"
#include "json_text.h"

#include <string.h>

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

void
response_init(struct response *resp, response_write_fn write, void *write_ctx)
{
    resp->status = 200;
    resp->route = -1;
    resp->content_type = NULL;
    resp->allow[0] = '\0';
    resp->headers_len = 0;
    resp->head_only = false;
    resp->discarded = 0;
    resp->bearer_challenge = false;
    resp->body = (struct buf)BUF_INIT;
    resp->head_sent = false;
    resp->failed = false;
    resp->write = write;
    resp->write_ctx = write_ctx;
}

void
response_free(struct response *resp)
{
    if (resp == NULL)
        return;
    buf_free(&resp->body);
}

bool
response_add_header(struct response *resp, const char *name, const char *value)
{
    size_t name_len = strlen(name), value_len = strlen(value);
    size_t need = name_len + 2 + value_len + 2;

    if (need > sizeof(resp->headers) - resp->headers_len)
        return false;
    char *at = resp->headers + resp->headers_len;
    memcpy(at, name, name_len);
    memcpy(at + name_len, ": ", 2);
    memcpy(at + name_len + 2, value, value_len);
    memcpy(at + name_len + 2 + value_len, "\r\n", 2);
    resp->headers_len += need;
    return true;
}

/* Statuses whose answers never have a body. */
static bool
status_has_body(int status)
{
    return status != 204 && status != 304;
}

void
response_set_empty(struct response *resp, int status)
{
    resp->status = status;
    buf_reset(&resp->body);
}

void
response_set_json(struct response *resp, int status, struct json_object *obj)
{
    size_t len = 0;
    const char *text = json_object_to_json_string_length(obj, JSON_FLAGS, &len);

    resp->status = status;
    buf_reset(&resp->body);
    if (text == NULL || !buf_append(&resp->body, text, len))
        resp->failed = true;
}

void
response_set_text(struct response *resp, int status, const char *json)
{
    resp->status = status;
    buf_reset(&resp->body);
    if (!buf_append_str(&resp->body, json))
        resp->failed = true;
}

void
response_set_detail(struct response *resp, int status, const char *detail)
{
    response_set_text(resp, status, "{\"detail\":");
    if (!json_text_string(&resp->body, detail, strlen(detail)) ||
        !buf_append_char(&resp->body, '}'))
        resp->failed = true;
}

bool
response_append(struct response *resp, const char *json, size_t len)
{
    if (!buf_append(&resp->body, json, len))
        resp->failed = true;
    return !resp->failed;
}

const char *
response_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 304:
        return "Not Modified";
    case 401:
        return "Unauthorized";
    case 409:
        return "Conflict";
    case 429:
        return "Too Many Requests";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Payload Too Large";
    case 422:
        return "Unprocessable Entity";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Unknown";
    }
}

/* Copies s to at; returns the end of the copy. */
static char *
put_text(char *at, const char *s)
{
    size_t len = strlen(s);

    memcpy(at, s, len);
    return at + len;
}

/* Writes n in decimal at at; returns the end of the digits. */
static char *
put_decimal(char *at, size_t n)
{
    char digits[ASCII_DECIMAL_MAX];
    char *end = digits + sizeof(digits);
    char *first = ascii_decimal(end, n);

    memcpy(at, first, (size_t)(end - first));
    return at + (end - first);
}

/*
 * Sends the CGI head; a streamed answer has no Content-Length (nginx chunks it), nor has one
 * without a body (204, 304). At most 8 + 3 + 1 + 22 + 2 (status) + 32 (type, 41 for /metrics) + 7 + 95 + 2
 * (allow) + 26 (WWW-Authenticate) + 16 + 20 + 2 (length) + 2 bytes, and the extra header lines.
 */
static bool
send_head(struct response *resp, bool with_length)
{
    char head[256 + RESPONSE_HEADERS_MAX];
    char *at = head;
    bool body = status_has_body(resp->status);

    at = put_text(at, "Status: ");
    at = put_decimal(at, (size_t)resp->status);
    at = put_text(at, " ");
    at = put_text(at, response_reason(resp->status));
    at = put_text(at, "\r\n");
    if (body)
        at = put_text(at, resp->content_type != NULL
                              ? "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                              : "Content-Type: application/json\r\n");
    if (resp->allow[0] != '\0') {
        at = put_text(at, "Allow: ");
        at = put_text(at, resp->allow);
        at = put_text(at, "\r\n");
    }
    if (resp->bearer_challenge)
        at = put_text(at, "WWW-Authenticate: Bearer\r\n");
    memcpy(at, resp->headers, resp->headers_len);
    at += resp->headers_len;
    if (with_length && body) {
        at = put_text(at, "Content-Length: ");
        at = put_decimal(at, resp->discarded + resp->body.len);
        at = put_text(at, "\r\n");
    }
    at = put_text(at, "\r\n");
    resp->head_sent = true;
    return resp->write(resp->write_ctx, head, (size_t)(at - head));
}

bool
response_flush(struct response *resp)
{
    if (resp->failed)
        return false;
    if (resp->head_only) {
        /* Nothing leaves before the end: the head needs the whole body's length. */
        resp->discarded += resp->body.len;
        buf_reset(&resp->body);
        return true;
    }
    if (!resp->head_sent && !send_head(resp, false))
        resp->failed = true;
    else if (resp->body.len > 0 && !resp->write(resp->write_ctx, resp->body.data, resp->body.len))
        resp->failed = true;
    buf_reset(&resp->body);
    return !resp->failed;
}

bool
response_finish(struct response *resp)
{
    if (resp->failed && !resp->head_sent) {
        /* Memory ran out while building the answer: say so rather than send half of it. */
        resp->failed = false;
        buf_reset(&resp->body);
        resp->status = 503;
        resp->allow[0] = '\0';
        resp->headers_len = 0;
        resp->bearer_challenge = false;
        if (!buf_append_str(&resp->body, "{\"detail\":\"Service temporarily out of memory\"}"))
            return false;
    }
    if (resp->failed)
        return false;
    if (!resp->head_sent)
        return send_head(resp, true) &&
               (resp->body.len == 0 || resp->head_only || !status_has_body(resp->status) ||
                resp->write(resp->write_ctx, resp->body.data, resp->body.len));
    return response_flush(resp);
}
