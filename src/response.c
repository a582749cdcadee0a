/* response.c: status, headers and JSON body of an answer, written once. */
#include "response.h"

#include <stdio.h>

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

void
response_init(struct response *resp, response_write_fn write, void *write_ctx)
{
    resp->status = 200;
    resp->allow[0] = '\0';
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
    struct json_object *obj = json_object_new_object();

    json_object_object_add(obj, "detail", json_object_new_string(detail));
    response_set_json(resp, status, obj);
    json_object_put(obj);
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
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
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

/* Formats the CGI head; a streamed answer has no Content-Length (nginx chunks it). */
static bool
send_head(struct response *resp, bool with_length)
{
    char head[256];
    int n = snprintf(head, sizeof(head), "Status: %d %s\r\nContent-Type: application/json\r\n",
                     resp->status, response_reason(resp->status));

    if (resp->allow[0] != '\0')
        n += snprintf(head + n, sizeof(head) - (size_t)n, "Allow: %s\r\n", resp->allow);
    if (with_length)
        n +=
            snprintf(head + n, sizeof(head) - (size_t)n, "Content-Length: %zu\r\n", resp->body.len);
    n += snprintf(head + n, sizeof(head) - (size_t)n, "\r\n");
    resp->head_sent = true;
    return resp->write(resp->write_ctx, head, (size_t)n);
}

bool
response_flush(struct response *resp)
{
    if (resp->failed)
        return false;
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
        if (!buf_append_str(&resp->body, "{\"detail\":\"Service temporarily out of memory\"}"))
            return false;
    }
    if (resp->failed)
        return false;
    if (!resp->head_sent)
        return send_head(resp, true) &&
               (resp->body.len == 0 ||
                resp->write(resp->write_ctx, resp->body.data, resp->body.len));
    return response_flush(resp);
}
