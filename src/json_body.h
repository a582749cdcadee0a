/*
 * json_body.h: reads a note body the way FastAPI 0.92 and pydantic v1 do before checking its
 * fields: the Content-Type decides whether it is JSON, JSON errors become
 * value_error.jsondecode, and a non-object document goes through Python's dict().
 */
#ifndef NOTES_JSON_BODY_H
#define NOTES_JSON_BODY_H

#include "buf.h"
#include "pyjson.h"
#include "request.h"

#include <json-c/json.h>

enum body_status {
    BODY_FIELDS,     /* the document is a mapping: title and description are set (or NULL) */
    BODY_INVALID,    /* errors were added to detail (422) */
    BODY_DECODE,     /* not JSON: the one value_error.jsondecode error was added (422, alone) */
    BODY_UNPARSABLE, /* Python could not read it at all (too deep, huge integer): 400 */
    BODY_NO_MEMORY,  /* the worker ran out of memory reading it: 503, not the client's fault */
};

struct body_doc {
    struct pyjson_node root;    /* the parsed document */
    struct pyjson_node letters; /* strings made from two-letter list elements, as dict() does */
    struct buf scratch;         /* the body transcoded to UTF-8, when it came as UTF-16/32 */
    const struct pyjson_node *title;       /* NULL when absent */
    const struct pyjson_node *description; /* NULL when absent */
    const char *names[2]; /* the two field names looked for ("title", "description") */
};

/* Whether a Content-Type means JSON to FastAPI: absent, application/json or application/...+json.
 */
bool json_body_is_json_type(const char *content_type);

/* Reads req's body into doc; release doc with json_body_free in every case. */
enum body_status json_body_read(const struct request *req, struct body_doc *doc,
                                struct json_object *detail);

/*
 * The same for a body of two other string fields (first, second: e.g. "username" and
 * "password"); doc->title and doc->description then hold those two fields.
 */
enum body_status json_body_read_fields(const struct request *req, const char *first,
                                       const char *second, struct body_doc *doc,
                                       struct json_object *detail);

void json_body_free(struct body_doc *doc);

#endif
