/* json_body.c: a request body read the way FastAPI reads it. */
#include "json_body.h"

#include "text_decode.h"
#include "utf8.h"
#include "validate.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
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
    return strcmp(subtype, "json") == 0 ||
           (sublen >= 5 && strcmp(subtype + sublen - 5, "+json") == 0);
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

/* Finds the two members (title and description, or the names asked for) of an object. */
static void
fields_of_object(struct body_doc *doc, const struct pyjson_node *object)
{
    doc->title = pyjson_member(object, doc->names[0]);
    doc->description = pyjson_member(object, doc->names[1]);
}

/* Whether the key node is the string name. */
static bool
key_is(const struct pyjson_node *key, const char *name)
{
    size_t n = strlen(name);
    return key->text_len == n && memcmp(key->text, name, n) == 0;
}

/* A one-character string node made from the character at s (one UTF-8 sequence). */
static struct pyjson_node *
letter_node(struct pyjson_node *letters, const char *s, size_t n)
{
    struct pyjson_node *node = &letters->children[letters->nchildren++];

    memset(node, 0, sizeof(*node));
    node->kind = PYJSON_STRING;
    /* Not strndup: a key may hold NUL characters, and all n bytes belong to it. */
    node->text = malloc(n + 1);
    if (node->text == NULL)
        return NULL;
    memcpy(node->text, s, n);
    node->text[n] = '\0';
    node->text_len = n;
    return node;
}

/* Byte length of the UTF-8 sequence starting at s. */
static size_t
sequence_bytes(const char *s)
{
    unsigned char b = (unsigned char)*s;
    return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
}

enum dict_result { DICT_OK, DICT_NOT_A_DICT, DICT_KEY_NOT_STRING, DICT_NO_MEMORY };

/*
 * How many distinct keys an object has as Python's json makes it a dict (a repeated key keeps
 * its first place and its last value), counting no further than 3; firsts receives the member
 * indexes of the first two, in order.
 */
static size_t
distinct_keys(const struct pyjson_node *object, size_t firsts[2])
{
    size_t distinct = 0;

    for (size_t i = 0; i < object->nchildren && distinct < 3; i++) {
        const struct pyjson_node *m = &object->children[i];
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = object->children[j].key_len == m->key_len &&
                   memcmp(object->children[j].key, m->key, m->key_len) == 0;
        if (!seen && distinct < 2)
            firsts[distinct] = i;
        distinct += !seen;
    }
    return distinct;
}

/*
 * pydantic's dict_validator calls dict(value) on anything that is not a dict: a list of
 * pairs becomes a mapping, where a pair is a two-element list, a two-character string or an
 * object with two members (its keys). Then NoteSchema(**mapping) needs string keys.
 */
static enum dict_result
fields_of_pairs(struct body_doc *doc, const struct pyjson_node *list)
{
    bool key_not_string = false;
    size_t firsts[2];

    doc->letters.children = calloc(2 * list->nchildren + 1, sizeof(struct pyjson_node));
    if (doc->letters.children == NULL)
        return DICT_NO_MEMORY;
    for (size_t i = 0; i < list->nchildren; i++) {
        const struct pyjson_node *e = &list->children[i];
        const struct pyjson_node *key = NULL, *value = NULL;

        if (e->kind == PYJSON_ARRAY && e->nchildren == 2) {
            key = &e->children[0];
            value = &e->children[1];
        } else if (e->kind == PYJSON_STRING && utf8_count(e->text, e->text_len) == 2) {
            size_t first = sequence_bytes(e->text);
            key = letter_node(&doc->letters, e->text, first);
            value = letter_node(&doc->letters, e->text + first, e->text_len - first);
            if (key == NULL || value == NULL)
                return DICT_NO_MEMORY;
        } else if (e->kind == PYJSON_OBJECT && distinct_keys(e, firsts) == 2) {
            key = letter_node(&doc->letters, e->children[firsts[0]].key,
                              e->children[firsts[0]].key_len);
            value = letter_node(&doc->letters, e->children[firsts[1]].key,
                                e->children[firsts[1]].key_len);
            if (key == NULL || value == NULL)
                return DICT_NO_MEMORY;
        } else {
            return DICT_NOT_A_DICT; /* not a pair: TypeError or ValueError in dict() */
        }
        if (key->kind == PYJSON_ARRAY || key->kind == PYJSON_OBJECT)
            return DICT_NOT_A_DICT; /* unhashable key */
        if (key->kind != PYJSON_STRING) {
            key_not_string = true;
            continue;
        }
        if (key_is(key, doc->names[0]))
            doc->title = value;
        else if (key_is(key, doc->names[1]))
            doc->description = value;
    }
    return key_not_string ? DICT_KEY_NOT_STRING : DICT_OK;
}

enum body_status
json_body_read(const struct request *req, struct body_doc *doc, struct json_object *detail)
{
    return json_body_read_fields(req, "title", "description", doc, detail);
}

enum body_status
json_body_read_fields(const struct request *req, const char *first, const char *second,
                      struct body_doc *doc, struct json_object *detail)
{
    const char *text;
    size_t len;
    struct pyjson_error err;

    memset(doc, 0, sizeof(*doc));
    doc->names[0] = first;
    doc->names[1] = second;
    if (req->body_len == 0) {
        validation_add(detail, validation_loc("body", NULL), "field required",
                       "value_error.missing", NULL);
        return BODY_INVALID;
    }
    if (!json_body_is_json_type(req->content_type)) {
        validation_add(detail, validation_loc("body", NULL), "value is not a valid dict",
                       "type_error.dict", NULL);
        return BODY_INVALID;
    }
    struct decoded_text decoded;
    if (!text_decode_json(req->body, req->body_len, &doc->scratch, &decoded)) {
        char msg[128];
        snprintf(msg, sizeof(msg), "body is not valid %s (invalid byte at offset %zu)",
                 decoded.encoding, decoded.bad_offset);
        validation_add(detail, validation_loc("body", NULL), msg, "value_error.unicode", NULL);
        return BODY_INVALID;
    }
    text = decoded.text;
    len = decoded.len;
    if (!pyjson_parse(text, len, &doc->root, &err)) {
        if (err.no_memory)
            return BODY_NO_MEMORY;
        if (err.too_deep || err.int_too_long)
            return BODY_UNPARSABLE;
        add_decode_error(detail, text, len, err.msg, err.offset);
        return BODY_DECODE;
    }
    switch (doc->root.kind) {
    case PYJSON_NULL:
        validation_add(detail, validation_loc("body", NULL), "field required",
                       "value_error.missing", NULL);
        return BODY_INVALID;
    case PYJSON_OBJECT:
        fields_of_object(doc, &doc->root);
        return BODY_FIELDS;
    case PYJSON_STRING:
        if (doc->root.text_len == 0)
            return BODY_FIELDS; /* dict("") is empty */
        break;
    case PYJSON_ARRAY:
        switch (fields_of_pairs(doc, &doc->root)) {
        case DICT_OK:
            return BODY_FIELDS;
        case DICT_KEY_NOT_STRING:
            validation_add(detail, validation_loc("body", NULL), "keywords must be strings",
                           "type_error", NULL);
            return BODY_INVALID;
        case DICT_NO_MEMORY:
            return BODY_NO_MEMORY;
        case DICT_NOT_A_DICT:
            break;
        }
        doc->title = doc->description = NULL;
        break;
    default:
        break;
    }
    validation_add(detail, validation_loc("body", NULL), "value is not a valid dict",
                   "type_error.dict", NULL);
    return BODY_INVALID;
}

void
json_body_free(struct body_doc *doc)
{
    if (doc == NULL)
        return;
    pyjson_node_clear(&doc->root);
    pyjson_node_clear(&doc->letters);
    buf_free(&doc->scratch);
}
