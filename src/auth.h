/*
 * auth.h: the Authorization header of a request: "Bearer <token>" (RFC 6750 §2.1). The scheme
 * is case-insensitive; one or more spaces separate it from the token; nothing may follow.
 */
#ifndef NOTES_AUTH_H
#define NOTES_AUTH_H

#include "token.h"

#include <stdbool.h>
#include <stddef.h>

enum auth_header {
    AUTH_BEARER,    /* *hash is the hash of a well-formed token */
    AUTH_MISSING,   /* no Authorization header (or an empty one) */
    AUTH_MALFORMED, /* another scheme, or a token that cannot be one of ours */
};

/* Reads an Authorization header value (NULL when absent). */
enum auth_header auth_parse_header(const char *value, struct token_hash *hash);

#endif
