/*
 * pyjson.h: reads a request body exactly as Python's json.loads does (CPython's _json scanner),
 * so that our 422 answers carry the reference's messages and positions.
 *
 * json-c stays our JSON writer, but its tokener cannot be the reader here: it reports no
 * Python-style messages, turns lone surrogate escapes into U+FFFD, clamps integers beyond
 * 64 bits and accepts NaN even in strict mode, each of which would change an answer.
 * The scanner keeps only what validation needs: the document's top-level kind and the values
 * of a few named top-level members (last occurrence wins, as in a Python dict).
 */
#ifndef NOTES_PYJSON_H
#define NOTES_PYJSON_H

#include <stdbool.h>
#include <stddef.h>

/* Deepest nesting accepted; Python fails with a RecursionError near its limit of 1000. */
#define PYJSON_MAX_DEPTH 900

enum pyjson_kind {
    PYJSON_ABSENT, /* the member was not in the object */
    PYJSON_NULL,
    PYJSON_FALSE,
    PYJSON_TRUE,
    PYJSON_INT,    /* text holds the literal, e.g. "-12" */
    PYJSON_FLOAT,  /* text holds the literal, e.g. "1.5e3", "NaN", "-Infinity" */
    PYJSON_STRING, /* text holds the decoded UTF-8; a lone surrogate escape is kept as its
                      3-byte (invalid UTF-8) encoding and \u0000 as a NUL byte */
    PYJSON_ARRAY,
    PYJSON_OBJECT,
};

struct pyjson_value {
    enum pyjson_kind kind;
    char *text; /* owned, NUL-terminated; NULL for kinds without text */
    size_t text_len;
};

/* A top-level member the caller wants: set name, the scan fills value. */
struct pyjson_field {
    const char *name;
    struct pyjson_value value;
};

struct pyjson_error {
    const char *msg; /* Python's message, e.g. "Expecting ',' delimiter" */
    size_t offset;   /* byte offset in the document where Python reports it */
    bool too_deep;   /* nesting beyond PYJSON_MAX_DEPTH (Python: RecursionError) */
    bool no_memory;
};

/*
 * Scans text[0..len), which must be valid UTF-8. On success returns true, sets *top to the
 * document's kind and fills the fields found at the top level of an object document.
 * On failure returns false and fills *err. Either way, release the fields with
 * pyjson_fields_clear.
 */
bool pyjson_scan(const char *text, size_t len, enum pyjson_kind *top, struct pyjson_field *fields,
                 size_t nfields, struct pyjson_error *err);

/* Frees the values of the fields and marks them absent. */
void pyjson_fields_clear(struct pyjson_field *fields, size_t nfields);

#endif
