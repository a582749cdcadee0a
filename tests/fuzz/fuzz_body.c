/*
 * fuzz_body.c: the body reader and validator (json_body_read: Content-Type, BOM, UTF-8 check,
 * pyjson_parse, Python's dict() of a list of pairs; then validate_note_fields), with json-c as
 * an independent parser to compare the scanner against.
 *
 * Input layout: byte 0 picks the Content-Type (one of CONTENT_TYPES below); the rest is the
 * body.
 *
 * Invariants:
 *  - fields only under a JSON Content-Type; every 422 has at least one error, each with loc,
 *    msg and type; a decode error comes alone; a 400 (too deep, huge integer) has none;
 *  - differential, on a valid UTF-8 document not too deep: whatever pyjson_parse accepts,
 *    json-c's strict parser accepts too, and reads the same tree (same kinds, strings,
 *    integers within 64 bits, doubles, array elements, object members with the last duplicate
 *    winning); whatever json-c accepts, pyjson accepts, except json-c's known leniencies (raw
 *    control characters in strings, '...' strings, "1.", "-.5", leading zeros);
 *  - validate_note_fields accepts only 3..50 code points of valid UTF-8 without NUL, in at
 *    most 200 bytes;
 *  - Python's str() of a float member reads back as the same double.
 * Leaks and memory errors are the sanitizers' business.
 */
#include "fuzz_check.h"

#include "json_body.h"
#include "pyjson.h"
#include "utf8.h"
#include "validate.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

static const char *const CONTENT_TYPES[] = {
    NULL,
    "application/json",
    "application/json; charset=utf-8",
    "application/merge-patch+json",
    "text/plain",
    " APPLICATION/JSON ",
    "application/x-www-form-urlencoded",
    "",
};
#define N_CONTENT_TYPES (sizeof(CONTENT_TYPES) / sizeof(CONTENT_TYPES[0]))

/*
 * Whether json-c's strict mode may accept text that Python rejects: json-c lets raw control
 * characters into strings, reads '...' strings, a '.' not between digits ("1.", "-.5") and
 * leading zeros ("00", "-01"). Outside these, the two must
 * agree on what is JSON.
 */
static bool
jsonc_may_be_lenient(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c == '\'')
            return true;
        /* A '.' not between two digits ("1.", "-.5"). */
        if (c == '.' && (i == 0 || i + 1 == len || text[i - 1] < '0' || text[i - 1] > '9' ||
                         text[i + 1] < '0' || text[i + 1] > '9'))
            return true;
        /* A number with a leading zero ("00", "-01"): json-c reads some of them. */
        if (c == '0' && i + 1 < len && text[i + 1] >= '0' && text[i + 1] <= '9' &&
            (i == 0 || strchr("0123456789.eE+", text[i - 1]) == NULL))
            return true;
    }
    return false;
}

static bool
has_nul_or_surrogate(const char *s, size_t len)
{
    return memchr(s, '\0', len) != NULL || !utf8_validate(s, len, NULL);
}

/* Whether member i of obj is the last one with its key (the one a Python dict keeps). */
static bool
last_with_key(const struct pyjson_node *obj, size_t i)
{
    const struct pyjson_node *m = &obj->children[i];
    for (size_t k = i + 1; k < obj->nchildren; k++) {
        const struct pyjson_node *o = &obj->children[k];
        if (o->key_len == m->key_len && memcmp(o->key, m->key, m->key_len) == 0)
            return false;
    }
    return true;
}

/* Whether pyjson's tree and json-c's say the same; where json-c cannot say (lone surrogates,
 * NUL in keys, integers beyond 64 bits) the comparison is skipped. Returns a reason or NULL. */
static const char *
same_tree(const struct pyjson_node *n, struct json_object *o)
{
    switch (n->kind) {
    case PYJSON_NULL:
        return o == NULL ? NULL : "null";
    case PYJSON_TRUE:
    case PYJSON_FALSE:
        return json_object_is_type(o, json_type_boolean) &&
                       json_object_get_boolean(o) == (n->kind == PYJSON_TRUE)
                   ? NULL
                   : "boolean";
    case PYJSON_INT: {
        if (!json_object_is_type(o, json_type_int))
            return "integer kind";
        errno = 0;
        long long v = strtoll(n->text, NULL, 10);
        if (errno == 0 && v != json_object_get_int64(o))
            return "integer value";
        return NULL;
    }
    case PYJSON_FLOAT: {
        if (!json_object_is_type(o, json_type_double))
            return "float kind";
        double a = strtod(n->text, NULL), b = json_object_get_double(o);
        return a == b || (isnan(a) && isnan(b)) ? NULL : "float value";
    }
    case PYJSON_STRING:
        if (!json_object_is_type(o, json_type_string))
            return "string kind";
        if (!utf8_validate(n->text, n->text_len, NULL))
            return NULL; /* json-c turns lone surrogates into U+FFFD */
        return (size_t)json_object_get_string_len(o) == n->text_len &&
                       memcmp(json_object_get_string(o), n->text, n->text_len) == 0
                   ? NULL
                   : "string value";
    case PYJSON_ARRAY:
        if (!json_object_is_type(o, json_type_array))
            return "array kind";
        if (json_object_array_length(o) != n->nchildren)
            return "array length";
        for (size_t i = 0; i < n->nchildren; i++) {
            const char *why = same_tree(&n->children[i], json_object_array_get_idx(o, i));
            if (why != NULL)
                return why;
        }
        return NULL;
    case PYJSON_OBJECT: {
        if (!json_object_is_type(o, json_type_object))
            return "object kind";
        /* json-c keys are C strings: a key with a NUL is cut short and may land on another
           member's key ("de\u0000ion" replaces "de"), so such an object cannot be compared. */
        for (size_t i = 0; i < n->nchildren; i++) {
            if (memchr(n->children[i].key, '\0', n->children[i].key_len) != NULL)
                return NULL;
        }
        size_t distinct = 0;
        bool all_keys_comparable = true;
        for (size_t i = 0; i < n->nchildren; i++) {
            const struct pyjson_node *m = &n->children[i];
            if (!last_with_key(n, i))
                continue;
            distinct++;
            if (has_nul_or_surrogate(m->key, m->key_len)) {
                all_keys_comparable = false;
                continue;
            }
            struct json_object *v = NULL;
            if (!json_object_object_get_ex(o, m->key, &v))
                return "missing member";
            const char *why = same_tree(m, v);
            if (why != NULL)
                return why;
        }
        if (all_keys_comparable && (size_t)json_object_object_length(o) != distinct)
            return "member count";
        return NULL;
    }
    }
    return "unknown kind";
}

static void
differential(const char *text, size_t len)
{
    struct pyjson_node root;
    struct pyjson_error err;
    bool ours = pyjson_parse(text, len, &root, &err);

    if (!ours)
        FUZZ_CHECK(err.offset <= len, "error offset %zu beyond %zu", err.offset, len);
    if (!ours && (err.too_deep || err.int_too_long || err.no_memory)) {
        pyjson_node_clear(&root);
        return;
    }

    struct json_tokener *tok = json_tokener_new_ex(PYJSON_MAX_DEPTH + 10);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    struct json_object *obj = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    bool theirs = false;
    if (jerr == json_tokener_continue) {
        /* A bare top-level number or literal ends only where the text ends. */
        obj = json_tokener_parse_ex(tok, "", 1);
        theirs = json_tokener_get_error(tok) == json_tokener_success;
    } else if (jerr == json_tokener_success) {
        theirs = true;
        for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
            theirs &= text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r';
    }
    json_tokener_free(tok);

#define SHOWN (int)(len > 300 ? 300 : len), text
    if (ours)
        FUZZ_CHECK(theirs, "pyjson accepts what json-c rejects: [%.*s]", SHOWN);
    if (theirs && !jsonc_may_be_lenient(text, len))
        FUZZ_CHECK(ours, "json-c accepts what pyjson rejects (%s at %zu): [%.*s]", err.msg,
                   err.offset, SHOWN);
    if (ours && theirs) {
        const char *why = same_tree(&root, obj);
        FUZZ_CHECK(why == NULL, "pyjson and json-c read different values (%s): [%.*s]", why, SHOWN);
    }
#undef SHOWN
    json_object_put(obj);
    pyjson_node_clear(&root);
}

static void
check_text(const char *s, const char *what)
{
    size_t len = strlen(s);
    FUZZ_CHECK(len <= NOTE_TEXT_MAX_BYTES, "%s of %zu bytes accepted", what, len);
    FUZZ_CHECK(utf8_validate(s, len, NULL), "%s with invalid UTF-8 accepted", what);
    size_t chars = utf8_count(s, len);
    FUZZ_CHECK(chars >= NOTE_TEXT_MIN_CHARS && chars <= NOTE_TEXT_MAX_CHARS,
               "%s of %zu characters accepted", what, chars);
}

static void
check_float_str(const struct pyjson_node *v)
{
    char out[64];

    if (v == NULL || v->kind != PYJSON_FLOAT || !isfinite(strtod(v->text, NULL)))
        return;
    FUZZ_CHECK(python_str_of(v, out, sizeof(out)), "no str() for %s", v->text);
    FUZZ_CHECK(strtod(out, NULL) == strtod(v->text, NULL), "str(%s) gave %s", v->text, out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *content_type = CONTENT_TYPES[data[0] % N_CONTENT_TYPES];
    const char *body = size > 1 ? (const char *)data + 1 : NULL;
    size_t len = size - 1;
    struct request req = {.method = "POST",
                          .path = "/notes/",
                          .query = "",
                          .content_type = content_type,
                          .body = body,
                          .body_len = len,
                          .body_limit = 65536};
    struct body_doc doc;
    struct json_object *detail = json_object_new_array();
    struct note note;

    memset(&note, 0, sizeof(note));
    enum body_status st = json_body_read(&req, &doc, detail);
    switch (st) {
    case BODY_FIELDS:
        FUZZ_CHECK(json_body_is_json_type(content_type), "fields read under %s", content_type);
        FUZZ_CHECK(json_object_array_length(detail) == 0, "errors with a mapping");
        check_float_str(doc.title);
        check_float_str(doc.description);
        if (validate_note_fields(doc.title, doc.description, &note, detail)) {
            check_text(note.title, "title");
            check_text(note.description, "description");
            FUZZ_CHECK(json_object_array_length(detail) == 0, "errors with a valid note");
        } else {
            FUZZ_CHECK(json_object_array_length(detail) > 0, "invalid note without errors");
        }
        break;
    case BODY_INVALID:
        FUZZ_CHECK(json_object_array_length(detail) > 0, "422 without errors");
        break;
    case BODY_DECODE:
        FUZZ_CHECK(json_object_array_length(detail) == 1, "%zu errors for a decode error",
                   json_object_array_length(detail));
        break;
    case BODY_UNPARSABLE:
        FUZZ_CHECK(json_object_array_length(detail) == 0, "400 with errors");
        break;
    case BODY_NO_MEMORY:
        FUZZ_CHECK(json_object_array_length(detail) == 0, "503 with errors");
        break;
    }
    for (size_t i = 0; i < json_object_array_length(detail); i++) {
        struct json_object *item = json_object_array_get_idx(detail, i), *v;
        FUZZ_CHECK(json_object_object_get_ex(item, "loc", &v) &&
                       json_object_is_type(v, json_type_array),
                   "error without loc");
        FUZZ_CHECK(json_object_object_get_ex(item, "msg", &v) &&
                       json_object_is_type(v, json_type_string),
                   "error without msg");
        FUZZ_CHECK(json_object_object_get_ex(item, "type", &v) &&
                       json_object_is_type(v, json_type_string),
                   "error without type");
        /* The answer must serialize: json-c writes every string, NUL and all, escaped. */
        FUZZ_CHECK(json_object_to_json_string(item) != NULL, "error item does not serialize");
    }
    json_body_free(&doc);
    json_object_put(detail);

    /* The scanner against json-c on the same text (what json_body_read scanned). */
    if (body != NULL && json_body_is_json_type(content_type)) {
        const char *text = body;
        if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
            text += 3;
            len -= 3;
        }
        if (utf8_validate(text, len, NULL))
            differential(text, len);
    }
    return 0;
}
