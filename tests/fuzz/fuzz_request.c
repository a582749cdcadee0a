/*
 * fuzz_request.c: the whole request path (router, query and id parsing, body reader,
 * validation, answer) through handle_request() with the in-memory store of the unit tests.
 *
 * Input layout (see tests/fuzz/README.md):
 *   byte 0          flags: bit 0 the store is down (every call answers unavailable),
 *                   bit 1 the store is full (creates answer unavailable), bit 2 the body is
 *                   replaced by one just over the 64 KiB limit, bit 3 NOTES_AUTH=on
 *   then            METHOD \n PATH \n QUERY \n CONTENT-TYPE \n BODY...
 *   (with bit 3:    METHOD \n PATH \n QUERY \n CONTENT-TYPE \n AUTHORIZATION \n BODY...;
 *                   the store then has user 1 "alice" with the token FUZZ_TOKEN, and note 1)
 * A missing line takes its default (GET, "/", "", no Content-Type); an empty Content-Type line
 * means none. The body is the rest of the input, given by pointer and length as the worker does.
 *
 * Invariants: the status is one the API may answer (never 500); the answer is JSON with
 * Content-Type application/json; errors carry "detail" (a string, or for 422 a non-empty list
 * of {loc, msg, type}); 405 and OPTIONS's 204 name the allowed methods, and only they; HEAD
 * answers GET's status with no body (its Content-Length still GET's); 503 only when the store
 * is down or full;
 * a request rejected before the store (400, 405, 413, 422) made no store call; notes in
 * successful answers satisfy the schema (3..50 code points, valid UTF-8, no NUL).
 * With NOTES_AUTH=on also: 204, 401 and 409 may be answered; a 401 carries WWW-Authenticate:
 * Bearer; a request without the valid token changes no note and lists or reads none; a refused
 * request made at most the one store call that checks its token; only /users/ adds accounts.
 */
#include "fuzz_check.h"

#include "auth.h"
#include "fake_store.h"
#include "form.h"
#include "harness.h"
#include "token.h"
#include "utf8.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <string.h>

#define BODY_OVER_LIMIT 65537
/* The one valid token of the store in auth mode (user 1). */
#define FUZZ_TOKEN "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

/* The next '\n'-terminated field of data, or the rest when there is no '\n'. */
static const uint8_t *
next_line(const uint8_t **p, const uint8_t *end, size_t *len)
{
    const uint8_t *start = *p;
    const uint8_t *nl = start < end ? memchr(start, '\n', (size_t)(end - start)) : NULL;

    if (start >= end) {
        *len = 0;
        return NULL;
    }
    *len = nl != NULL ? (size_t)(nl - start) : (size_t)(end - start);
    *p = nl != NULL ? nl + 1 : end;
    return start;
}

static char *
dup_or(const uint8_t *s, size_t len, const char *fallback)
{
    return s != NULL ? strndup((const char *)s, len) : strdup(fallback);
}

/* A JSON text parsed strictly and completely by json-c, or NULL. */
static struct json_object *
parse_strict(const char *text)
{
    struct json_tokener *tok = json_tokener_new_ex(64);
    struct json_object *obj;
    size_t len = strlen(text);

    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    obj = json_tokener_parse_ex(tok, text, (int)len);
    if (obj != NULL && json_tokener_get_parse_end(tok) != len) {
        json_object_put(obj);
        obj = NULL;
    }
    json_tokener_free(tok);
    return obj;
}

static bool
is_type(struct json_object *obj, const char *key, json_type type)
{
    struct json_object *v;
    return json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, type);
}

static void
check_note_text(struct json_object *note, const char *key, const char *answer)
{
    struct json_object *v = NULL;

    FUZZ_CHECK(json_object_object_get_ex(note, key, &v) && json_object_is_type(v, json_type_string),
               "note without string %s: %s", key, answer);
    const char *s = json_object_get_string(v);
    size_t len = (size_t)json_object_get_string_len(v);
    FUZZ_CHECK(strlen(s) == len, "NUL inside %s: %s", key, answer);
    FUZZ_CHECK(utf8_validate(s, len, NULL), "invalid UTF-8 in %s: %s", key, answer);
    size_t chars = utf8_count(s, len);
    FUZZ_CHECK(chars >= 3 && chars <= 50, "%s has %zu characters: %s", key, chars, answer);
}

static void
check_note(struct json_object *note, const char *answer)
{
    FUZZ_CHECK(json_object_is_type(note, json_type_object), "note is not an object: %s", answer);
    check_note_text(note, "title", answer);
    check_note_text(note, "description", answer);
    FUZZ_CHECK(is_type(note, "id", json_type_int), "note without integer id: %s", answer);
    FUZZ_CHECK(json_object_object_length(note) == 3, "note with extra members: %s", answer);
}

static void
check_validation_detail(struct json_object *detail, const char *answer)
{
    FUZZ_CHECK(json_object_is_type(detail, json_type_array) && json_object_array_length(detail) > 0,
               "422 detail is not a non-empty list: %s", answer);
    for (size_t i = 0; i < json_object_array_length(detail); i++) {
        struct json_object *item = json_object_array_get_idx(detail, i);
        struct json_object *loc = NULL;
        FUZZ_CHECK(json_object_is_type(item, json_type_object), "422 item not an object: %s",
                   answer);
        FUZZ_CHECK(json_object_object_get_ex(item, "loc", &loc) &&
                       json_object_is_type(loc, json_type_array) &&
                       json_object_array_length(loc) >= 1,
                   "422 item without loc list: %s", answer);
        const char *where = json_object_get_string(json_object_array_get_idx(loc, 0));
        FUZZ_CHECK(strcmp(where, "body") == 0 || strcmp(where, "path") == 0 ||
                       strcmp(where, "query") == 0,
                   "422 loc starts with %s: %s", where, answer);
        FUZZ_CHECK(is_type(item, "msg", json_type_string) &&
                       is_type(item, "type", json_type_string),
                   "422 item without msg and type strings: %s", answer);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char big_body[BODY_OVER_LIMIT];
    const uint8_t *p = data, *end = data + size;
    uint8_t flags = size > 0 ? data[0] : 0;
    size_t n;

    if (size > 0)
        p++;
    const uint8_t *s = next_line(&p, end, &n);
    char *method = dup_or(s, n, "GET");
    s = next_line(&p, end, &n);
    char *path = dup_or(s, n, "/");
    s = next_line(&p, end, &n);
    char *query = dup_or(s, n, "");
    s = next_line(&p, end, &n);
    char *content_type = s != NULL && n > 0 ? strndup((const char *)s, n) : NULL;
    bool auth = (flags & 8) != 0;
    char *authorization = NULL;
    if (auth) {
        s = next_line(&p, end, &n);
        authorization = s != NULL && n > 0 ? strndup((const char *)s, n) : NULL;
    }
    const char *body = p < end ? (const char *)p : NULL;
    size_t body_len = (size_t)(end - p);

    if (flags & 4) {
        memset(big_body, 'x', sizeof(big_body));
        body = big_body;
        body_len = sizeof(big_body);
    }

    struct fake_store fake;
    fake_store_init(&fake);
    fake_store_add(&fake, "first note", "already there");
    fake_store_add(&fake, "second note", "also there");
    if (flags & 2) {
        while (fake.count < FAKE_STORE_CAPACITY)
            fake_store_add(&fake, "filler", "fills the store");
    }
    struct token_hash valid;
    bool has_valid_token = false;
    if (auth) {
        /* alice owns note 1; her token is FUZZ_TOKEN. The hash is a fixed string: no argon2
           here, so the fuzzer is not slowed down (a login with it fails verification). */
        fake.users[0].user.id = 1;
        strcpy(fake.users[0].user.username, "alice");
        strcpy(fake.users[0].hash, "$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHQ$AAAAAAAAAAAAAAAAAAAAAA");
        fake.user_count = 1;
        fake.owners[0] = 1;
        token_hash_of(FUZZ_TOKEN, strlen(FUZZ_TOKEN), &valid);
        fake.tokens[0].hash = valid;
        fake.tokens[0].user_id = 1;
        fake.token_count = 1;
        struct token_hash given;
        has_valid_token = auth_parse_header(authorization, &given) == AUTH_BEARER &&
                          token_hash_equal(&given, &valid);
        /* The form parser on the body: a value is never longer than what encodes it. */
        struct buf value = BUF_INIT;
        bool no_memory;
        if (form_field(body, body_len, "username", &value, &no_memory))
            FUZZ_CHECK(value.len > 0 && value.len <= body_len, "form value of %zu bytes from %zu",
                       value.len, body_len);
        buf_free(&value);
    }
    fake.unavailable = (flags & 1) != 0;
    int count_before = fake.count;
    int users_before = fake.user_count;
    static struct note notes_before[FAKE_STORE_CAPACITY];
    memcpy(notes_before, fake.notes, sizeof(fake.notes));
    struct store store = fake_store_store(&fake);
    static const struct auth_settings auth_settings = {1800};

    struct answer a;
    harness_call_auth(&store, auth ? &auth_settings : NULL, authorization, method, path, query,
                      content_type, body, body_len, &a);

    int st = a.status;
    FUZZ_CHECK(st == 200 || st == 201 || st == 204 || st == 400 || st == 404 || st == 405 ||
                   st == 413 || st == 422 || st == 503 || (auth && (st == 401 || st == 409)),
               "status %d for %s %s ? %s: %s", st, method, path, query, a.body);
    if (st != 204)
        FUZZ_CHECK(strcmp(a.content_type, "application/json") == 0, "Content-Type %s",
                   a.content_type);
    if (st == 401)
        FUZZ_CHECK(strcmp(a.www_authenticate, "Bearer") == 0, "401 without WWW-Authenticate");
    else
        FUZZ_CHECK(a.www_authenticate[0] == '\0', "WWW-Authenticate on a %d", st);
    if (auth && !has_valid_token) {
        FUZZ_CHECK(fake.count == count_before &&
                       memcmp(notes_before, fake.notes, sizeof(fake.notes)) == 0,
                   "notes changed without the valid token (%d %s %s)", st, method, path);
        FUZZ_CHECK(!(st == 200 && strncmp(path, "/notes", 6) == 0),
                   "a note route answered 200 without the valid token: %s", a.body);
    }
    if (auth && fake.user_count != users_before)
        FUZZ_CHECK(st == 201 && strncmp(path, "/users", 6) == 0, "an account added by %s %s",
                   method, path);
    if (st == 204) {
        FUZZ_CHECK(a.body[0] == '\0', "a 204 with a body: %s", a.body);
        if (strcmp(method, "OPTIONS") == 0)
            FUZZ_CHECK(a.allow[0] != '\0' && fake.calls == 0,
                       "OPTIONS without Allow or with %d store calls", fake.calls);
        else
            FUZZ_CHECK(auth && strcmp(method, "POST") == 0, "204 for %s %s", method, path);
        goto done;
    }
    if (strcmp(method, "HEAD") == 0) {
        FUZZ_CHECK(a.body[0] == '\0', "HEAD answered with a body: %s", a.body);
        FUZZ_CHECK(a.content_length >= 2, "HEAD without GET's Content-Length");
        goto done;
    }
    struct json_object *json = parse_strict(a.body);
    FUZZ_CHECK(json != NULL, "answer is not JSON: %s", a.body);

    struct json_object *detail = NULL;
    if (st >= 400) {
        FUZZ_CHECK(json_object_is_type(json, json_type_object) &&
                       json_object_object_get_ex(json, "detail", &detail),
                   "error without detail: %s", a.body);
        if (st == 422)
            check_validation_detail(detail, a.body);
        else
            FUZZ_CHECK(json_object_is_type(detail, json_type_string), "detail not a string: %s",
                       a.body);
    }
    if (st == 400 || st == 405 || st == 413 || st == 422)
        FUZZ_CHECK(fake.calls <= (auth ? 1 : 0), "rejected (%d) after %d store calls", st,
                   fake.calls);
    if (st == 405)
        FUZZ_CHECK(a.allow[0] != '\0', "405 without Allow");
    else
        FUZZ_CHECK(a.allow[0] == '\0', "Allow on a %d", st);
    if (st == 503)
        FUZZ_CHECK(fake.unavailable || fake.count == FAKE_STORE_CAPACITY,
                   "503 with a working store");
    if (st == 413)
        FUZZ_CHECK(body_len > 65536, "413 for %zu bytes", body_len);
    if (st == 201 && auth && strncmp(path, "/users", 6) == 0) {
        FUZZ_CHECK(fake.user_count == users_before + 1, "201 from /users/ without an account");
        FUZZ_CHECK(is_type(json, "id", json_type_int) &&
                       is_type(json, "username", json_type_string) &&
                       json_object_object_length(json) == 2,
                   "a user answer is not {id, username}: %s", a.body);
    } else if (st == 201) {
        FUZZ_CHECK(strcmp(method, "POST") == 0, "201 for %s", method);
        FUZZ_CHECK(fake.count == count_before + 1, "201 but the store has %d notes (had %d)",
                   fake.count, count_before);
        check_note(json, a.body);
    } else if (strcmp(method, "POST") == 0) {
        FUZZ_CHECK(fake.count == count_before, "a POST answered %d changed the store", st);
    }
    if (st == 200 && auth && strncmp(path, "/users", 6) == 0) {
        FUZZ_CHECK(is_type(json, "username", json_type_string), "/users/me answer: %s", a.body);
    } else if (st == 200 && auth && strncmp(path, "/token", 6) == 0) {
        FUZZ_CHECK(is_type(json, "access_token", json_type_string), "/token answer: %s", a.body);
    } else if (st == 200 && json_object_is_type(json, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(json); i++)
            check_note(json_object_array_get_idx(json, i), a.body);
    } else if (st == 200 && !is_type(json, "ping", json_type_string)) {
        check_note(json, a.body);
    }

    json_object_put(json);
done:
    answer_free(&a);
    free(method);
    free(path);
    free(query);
    free(content_type);
    free(authorization);
    return 0;
}
