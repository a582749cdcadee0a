/*
 * pyjson.h: reads a request body exactly as Python's json.loads does (CPython's _json scanner),
 * so that our 422 answers carry the reference's messages and positions.
 *
 * json-c stays our JSON writer, but its tokener cannot be the reader here: it reports no
 * Python-style messages, turns lone surrogate escapes into U+FFFD, clamps integers beyond
 * 64 bits and accepts NaN even in strict mode, each of which would change an answer.
 */
#ifndef NOTES_PYJSON_H
#define NOTES_PYJSON_H

#include <stdbool.h>
#include <stddef.h>

/* Deepest nesting accepted; Python fails with a RecursionError near its limit of 1000. */
#define PYJSON_MAX_DEPTH 900
/* Python refuses to convert integer literals longer than this (sys.get_int_max_str_digits). */
#define PYJSON_MAX_INT_DIGITS 4300

enum pyjson_kind {
    PYJSON_NULL,
    PYJSON_FALSE,
    PYJSON_TRUE,
    PYJSON_INT,    /* text holds the literal, e.g. "-12" */
    PYJSON_FLOAT,  /* text holds the literal, e.g. "1.5e3", "NaN", "-Infinity" */
    PYJSON_STRING, /* text holds the decoded UTF-8; a lone surrogate escape is kept as its
                      3-byte (invalid UTF-8) encoding and \u0000 as a NUL byte */
    PYJSON_ARRAY,  /* children are the elements */
    PYJSON_OBJECT, /* children are the members, in document order, each with its key */
};

struct pyjson_node {
    enum pyjson_kind kind;
    char *text; /* owned, NUL-terminated; NULL for kinds without text */
    size_t text_len;
    char *key; /* owned: the member name when this node is an object member */
    size_t key_len;
    struct pyjson_node *children; /* owned */
    size_t nchildren;
    size_t cap;
};

struct pyjson_error {
    const char *msg;   /* Python's message, e.g. "Expecting ',' delimiter" */
    size_t offset;     /* byte offset in the document where Python reports it */
    bool too_deep;     /* nesting beyond PYJSON_MAX_DEPTH (Python: RecursionError) */
    bool int_too_long; /* an integer beyond PYJSON_MAX_INT_DIGITS (Python: ValueError) */
    bool no_memory;
};

/*
 * Parses text[0..len), which must be valid UTF-8, into root. On failure returns false and
 * fills *err. Either way, release root with pyjson_node_clear.
 */
bool pyjson_parse(const char *text, size_t len, struct pyjson_node *root, struct pyjson_error *err);

/* Frees everything node owns; it is left an empty null node. */
void pyjson_node_clear(struct pyjson_node *node);

/* The value of member name in an object (the last one, as in a Python dict), or NULL. */
const struct pyjson_node *pyjson_member(const struct pyjson_node *object, const char *name);

#endif
