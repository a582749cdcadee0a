/*
 * json_body.h: reads a request body the way FastAPI 0.92 does before validating it: the
 * Content-Type decides whether it is JSON, and JSON errors become value_error.jsondecode.
 */
#ifndef NOTES_JSON_BODY_H
#define NOTES_JSON_BODY_H

#include "pyjson.h"
#include "request.h"

#include <json-c/json.h>

enum body_status {
    BODY_OBJECT,     /* a JSON object: the wanted fields are filled */
    BODY_INVALID,    /* missing, not an object, or not JSON: errors were added to detail (422) */
    BODY_UNPARSABLE, /* nested too deep to read: 400, as FastAPI answers its RecursionError */
};

/* Whether a Content-Type means JSON to FastAPI: absent, application/json or application/...+json. */
bool json_body_is_json_type(const char *content_type);

/* Reads req's body; release fields with pyjson_fields_clear in every case. */
enum body_status json_body_read(const struct request *req, struct pyjson_field *fields,
                                size_t nfields, struct json_object *detail);

#endif
