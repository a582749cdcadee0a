/*
 * validate.h: the API's input rules, answered with FastAPI's 422 error list
 * ({"detail": [{"loc": [...], "msg": ..., "type": ..., "ctx": ...}]}, pydantic v1 wording).
 */
#ifndef NOTES_VALIDATE_H
#define NOTES_VALIDATE_H

#include "note.h"
#include "pyjson.h"
#include "request.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Appends {"loc", "msg", "type"[, "ctx"]} to the detail array; loc and ctx are taken. */
void validation_add(struct json_object *detail, struct json_object *loc, const char *msg,
                    const char *type, struct json_object *ctx);

/* ["first", "second"]; second may be NULL for a one-element loc. */
struct json_object *validation_loc(const char *first, const char *second);

enum id_check {
    ID_VALID,     /* *id is set */
    ID_INVALID,   /* not an integer or not > 0: an error was added to detail */
    ID_TOO_LARGE, /* a valid integer beyond the table's 32 bits: no such note (404) */
};

/* The {id} path parameter, read as Python's int() does, then id > 0. */
enum id_check validate_id(const char *text, size_t len, int32_t *id, struct json_object *detail);

/*
 * The title and description of a note body (NULL when absent) as pydantic's NoteSchema checks
 * them, then what Postgres cannot store (NUL, lone surrogates); fills out on success, else
 * adds errors to detail.
 */
bool validate_note_fields(const struct pyjson_node *title, const struct pyjson_node *description,
                          struct note *out, struct json_object *detail);

/*
 * A JSON Merge Patch of a note (RFC 7396): the fields present (non-NULL) are checked as
 * validate_note_fields checks them and copied into out; an absent field leaves out's "" there.
 */
bool validate_note_patch(const struct pyjson_node *title, const struct pyjson_node *description,
                         struct note *out, struct json_object *detail);

/* The longest ?q= search (a longer text cannot be in a note's 50 characters). */
#define VALIDATE_SEARCH_MAX_CHARS NOTE_TEXT_MAX_CHARS

/*
 * The list query parameters beyond limit and offset: sort (id, title or created_date, "-" for
 * descending), after (a note id > 0) and q (at most 50 characters of text, no NUL). Each
 * present one is checked and stored; *order, *after and search stay as given when absent.
 * search receives q's text (NUL-terminated), empty when q is absent or empty.
 */
bool validate_list_params(const struct request *req, int *order, int32_t *after, struct buf *search,
                          struct json_object *detail);

/* The names ?sort= accepts, in the order of enum list_order (store.h). */
extern const char *const validate_sort_names[];

/* POST /users/: a username of 3 to 50 characters, a password of 8 to 128. */
#define USER_NAME_MIN_CHARS 3
#define USER_NAME_MAX_CHARS 50
#define USER_PASSWORD_MIN_CHARS 8
#define USER_PASSWORD_MAX_CHARS 128

struct user_input {
    char username[4 * USER_NAME_MAX_CHARS + 1];
    char password[4 * USER_PASSWORD_MAX_CHARS + 1];
    size_t password_len;
};

/* The username and password of a POST /users/ body, checked like note fields. */
bool validate_user_fields(const struct pyjson_node *username, const struct pyjson_node *password,
                          struct user_input *out, struct json_object *detail);

/* An optional integer query parameter that must be >= 0; *value stays as given when absent. */
bool validate_query_count(const struct request *req, const char *name, long long *value,
                          struct json_object *detail);

/* Python's str() of a JSON number or boolean value, as pydantic's str field coerces it. */
bool python_str_of(const struct pyjson_node *v, char *out, size_t out_size);

#endif
