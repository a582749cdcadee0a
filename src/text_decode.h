/*
 * text_decode.h: the bytes of a JSON body as Python's json.loads(bytes) sees them: the
 * encoding detected from a BOM or from the NUL bytes of the first characters (UTF-8, UTF-16,
 * UTF-32), decoded to UTF-8 text.
 */
#ifndef NOTES_TEXT_DECODE_H
#define NOTES_TEXT_DECODE_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

struct decoded_text {
    const char *text; /* UTF-8, into the body or into the scratch buffer; not NUL-terminated */
    size_t len;
    const char *encoding; /* e.g. "UTF-8", "UTF-16-LE" */
    size_t bad_offset;    /* on failure: the byte offset of the first undecodable unit */
};

/*
 * Decodes body[0..len) into *out, using scratch (owned by the caller) when it must transcode.
 * Returns false when the bytes are not valid in the detected encoding; lone surrogates count
 * as invalid, since Postgres could not store them anyway.
 */
bool text_decode_json(const char *body, size_t len, struct buf *scratch, struct decoded_text *out);

#endif
