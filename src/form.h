/*
 * form.h: application/x-www-form-urlencoded bodies, as Starlette reads them for FastAPI's
 * OAuth2PasswordRequestForm: fields split on '&', name and value split on the first '=',
 * '+' is a space, %XX a byte; when a name repeats, the last value wins.
 */
#ifndef NOTES_FORM_H
#define NOTES_FORM_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

/* Whether a Content-Type is application/x-www-form-urlencoded (parameters allowed). */
bool form_is_urlencoded(const char *content_type);

/*
 * Looks up field name in body[0..len) (any bytes), decoding its value into value.
 * Returns false when the field is absent or empty (FastAPI takes an empty value as missing),
 * or when memory ran out (*no_memory is then set).
 */
bool form_field(const char *body, size_t len, const char *name, struct buf *value, bool *no_memory);

#endif
