/*
 * json_text.h: JSON text appended straight to a buffer, byte for byte as FastAPI's JSONResponse
 * writes it (Python's json.dumps with ensure_ascii=False and no spaces). The answers that are
 * always the same shape (a note, a list of notes, ping) are written with these; json-c builds
 * the irregular ones (validation errors).
 */
#ifndef NOTES_JSON_TEXT_H
#define NOTES_JSON_TEXT_H

#include "buf.h"
#include "note.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * Appends the len bytes of s (valid UTF-8) as a quoted JSON string: '"', '\\' and the control
 * characters escaped (\n \r \t \b \f by name, the others as \u00xx), everything else as is.
 * Each function returns false only when memory runs out.
 */
bool json_text_string(struct buf *b, const char *s, size_t len);

/* Appends a note as {"title":…,"description":…,"id":…}, the order of FastAPI's NoteDB. */
bool json_text_note(struct buf *b, const struct note *note);

#endif
