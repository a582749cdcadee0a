/* json_body.c: a request body read the way FastAPI reads it. */
#include "json_body.h"

#include "utf8.h"
#include "validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

bool
json_body_is_json_type(const char *content_type)
{
    char type[128];
    size_t n = 0;

    if (content_type == NULL || content_type[0] == '\0')
        return true;
    /* Python's email.message: the part before ';', stripped and lowercased; exactly one '/'. */
    const char *end = strchr(content_type, ';');
    size_t len = end != NULL ? (size_t)(end - content_type) : strlen(content_type);
    while (len > 0 && isspace((unsigned char)content_type[0])) {
        content_type++;
        len--;
    }
    while (len > 0 && isspace((unsigned char)content_type[len - 1]))
        len--;
    if (len >= sizeof(type))
        return false;
    for (n = 0; n < len; n++)
        type[n] = (char)tolower((unsigned char)content_type[n]);
    type[n] = '\0';

    const char *slash = strchr(type, '/');
    if (slash == NULL || strchr(slash + 1, '/') != NULL)
        return false; /* Python falls back to text/plain */
    if ((size_t)(slash - type) != strlen("application") || strncmp(type, "application", 11) != 0)
        return false;
    const char *subtype = slash + 1;
    size_t sublen = strlen(subtype);
    return strcmp(subtype, "json") == 0 || (sublen >= 5 && strcmp(subtype + sublen - 5, "+json") == 0);
}

/* Adds the value_error.jsondecode item for an error at byte offset in text. */
static void
add_decode_error(struct json_object *detail, const char *text, size_t len, const char *msg,
                 size_t offset)
{
    /* Python reports positions in characters; lines and columns count from 1. */
    size_t pos = utf8_count(text, offset);
    size_t lineno = 1, line_start = 0;
    for (size_t i = 0; i < offset; i++) {
        if (text[i] == '\n') {
            lineno++;
            line_start = i + 1;
        }
    }
    size_t colno = pos - utf8_count(text, line_start) + 1;
    char full[256];
    snprintf(full, sizeof(full), "%s: line %zu column %zu (char %zu)", msg, lineno, colno, pos);

    struct json_object *loc = json_object_new_array();
    json_object_array_add(loc, json_object_new_string("body"));
    json_object_array_add(loc, json_object_new_int64((int64_t)pos));
    struct json_object *ctx = json_object_new_object();
    json_object_object_add(ctx, "msg", json_object_new_string(msg));
    json_object_object_add(ctx, "doc", json_object_new_string_len(text, (int)len));
    json_object_object_add(ctx, "pos", json_object_new_int64((int64_t)pos));
    json_object_object_add(ctx, "lineno", json_object_new_int64((int64_t)lineno));
    json_object_object_add(ctx, "colno", json_object_new_int64((int64_t)colno));
    validation_add(detail, loc, full, "value_error.jsondecode", ctx);
}

enum body_status
json_body_read(const struct request *req, struct pyjson_field *fields, size_t nfields,
               struct json_object *detail)
{
    const char *text = req->body;
    size_t len = req->body_len;
    size_t bad;
    enum pyjson_kind top;
    struct pyjson_error err;

    for (size_t i = 0; i < nfields; i++)
        fields[i].value = (struct pyjson_value){PYJSON_ABSENT, NULL, 0};
    if (len == 0) {
        validation_add(detail, validation_loc("body", NULL), "field required",
                       "value_error.missing", NULL);
        return BODY_INVALID;
    }
    if (!json_body_is_json_type(req->content_type)) {
        validation_add(detail, validation_loc("body", NULL), "value is not a valid dict",
                       "type_error.dict", NULL);
        return BODY_INVALID;
    }
    /* Python decodes JSON bytes with utf-8-sig: a leading BOM is dropped. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    if (!utf8_validate(text, len, &bad)) {
        char msg[96];
        snprintf(msg, sizeof(msg), "body is not valid UTF-8 (invalid byte at offset %zu)", bad);
        validation_add(detail, validation_loc("body", NULL), msg, "value_error.unicode", NULL);
        return BODY_INVALID;
    }
    if (!pyjson_scan(text, len, &top, fields, nfields, &err)) {
        if (err.too_deep || err.no_memory)
            return BODY_UNPARSABLE;
        add_decode_error(detail, text, len, err.msg, err.offset);
        return BODY_INVALID;
    }
    if (top == PYJSON_NULL) {
        validation_add(detail, validation_loc("body", NULL), "field required",
                       "value_error.missing", NULL);
        return BODY_INVALID;
    }
    if (top != PYJSON_OBJECT) {
        validation_add(detail, validation_loc("body", NULL), "value is not a valid dict",
                       "type_error.dict", NULL);
        return BODY_INVALID;
    }
    return BODY_OBJECT;
}
