/*
 * test_api.c: the API's answers beyond the tutorial's tests, as the reference app gives them
 * (FastAPI's 404/405/422 shapes) and where we do better than it (413, 503, ids beyond 32 bits,
 * NUL and lone surrogates), with handlers called directly against the fake store.
 */
#include "cunit_run.h"
#include "fake_store.h"
#include "harness.h"
#include "ready.h"

#include <stdlib.h>
#include <string.h>

static struct fake_store fake;
static struct store store;

static void
reset(void)
{
    fake_store_init(&fake);
    store = fake_store_store(&fake);
}

/* Asserts status and exact body text (FastAPI's compact JSON, field order included). */
#define ASSERT_ANSWER(a, want_status, want_body)                                                   \
    do {                                                                                           \
        CU_ASSERT_EQUAL((a).status, (want_status));                                                \
        CU_ASSERT_STRING_EQUAL((a).body, (want_body));                                             \
        CU_ASSERT_STRING_EQUAL((a).content_type, "application/json");                              \
        if ((a).status != (want_status) || strcmp((a).body, (want_body)) != 0)                     \
            fprintf(stderr, "\n  got %d %s\n  want %d %s\n", (a).status, (a).body, (want_status),  \
                    (want_body));                                                                  \
    } while (0)

static void
test_note_json_field_order(void)
{
    struct answer a;

    reset();
    harness_json(&store, "POST", "/notes/", "{\"description\": \"bar\", \"title\": \"foo\"}", &a);
    ASSERT_ANSWER(a, 201, "{\"title\":\"foo\",\"description\":\"bar\",\"id\":1}");
    answer_free(&a);
    harness_json(&store, "GET", "/notes/", NULL, &a);
    ASSERT_ANSWER(a, 200, "[{\"title\":\"foo\",\"description\":\"bar\",\"id\":1}]");
    answer_free(&a);
}

static void
test_empty_list(void)
{
    struct answer a;

    reset();
    harness_json(&store, "GET", "/notes", NULL, &a);
    ASSERT_ANSWER(a, 200, "[]");
    answer_free(&a);
}

static void
test_not_found_and_method_not_allowed(void)
{
    struct answer a;

    reset();
    harness_json(&store, "GET", "/nope", NULL, &a);
    ASSERT_ANSWER(a, 404, "{\"detail\":\"Not Found\"}");
    /* The head, exactly: status with its reason, and the body's length. */
    CU_ASSERT_STRING_EQUAL(a.status_text, "404 Not Found");
    CU_ASSERT_EQUAL(a.content_length, (long)strlen(a.body));
    CU_ASSERT_STRING_EQUAL(a.allow, "");
    answer_free(&a);
    harness_json(&store, "POST", "/notes/1/", "{}", &a);
    ASSERT_ANSWER(a, 405, "{\"detail\":\"Method Not Allowed\"}");
    CU_ASSERT_STRING_EQUAL(a.status_text, "405 Method Not Allowed");
    CU_ASSERT_STRING_EQUAL(a.allow, "GET, HEAD, PUT, PATCH, DELETE, OPTIONS");
    CU_ASSERT_EQUAL(a.content_length, (long)strlen(a.body));
    answer_free(&a);
    CU_ASSERT_EQUAL(fake.calls, 0);
}

static void
test_validation_shapes(void)
{
    static const struct {
        const char *body;
        const char *want;
    } cases[] = {
        {"{}", "{\"detail\":[{\"loc\":[\"body\",\"title\"],\"msg\":\"field required\",\"type\":"
               "\"value_error.missing\"},{\"loc\":[\"body\",\"description\"],\"msg\":\"field "
               "required\",\"type\":\"value_error.missing\"}]}"},
        {"{\"title\": null, \"description\": [\"x\"]}",
         "{\"detail\":[{\"loc\":[\"body\",\"title\"],\"msg\":\"none is not an allowed value\","
         "\"type\":\"type_error.none.not_allowed\"},{\"loc\":[\"body\",\"description\"],\"msg\":"
         "\"str type expected\",\"type\":\"type_error.str\"}]}"},
        {"{\"title\": \"\xC3\xA9\xC3\xA9\", \"description\": "
         "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
         "{\"detail\":[{\"loc\":[\"body\",\"title\"],\"msg\":\"ensure this value has at least 3 "
         "characters\",\"type\":\"value_error.any_str.min_length\",\"ctx\":{\"limit_value\":3}},"
         "{\"loc\":[\"body\",\"description\"],\"msg\":\"ensure this value has at most 50 "
         "characters\",\"type\":\"value_error.any_str.max_length\",\"ctx\":{\"limit_value\":50}}"
         "]}"},
        {"[1, 2]", "{\"detail\":[{\"loc\":[\"body\"],\"msg\":\"value is not a valid dict\","
                   "\"type\":\"type_error.dict\"}]}"},
        {"null", "{\"detail\":[{\"loc\":[\"body\"],\"msg\":\"field required\",\"type\":"
                 "\"value_error.missing\"}]}"},
        {NULL, "{\"detail\":[{\"loc\":[\"body\"],\"msg\":\"field required\",\"type\":"
               "\"value_error.missing\"}]}"},
        {"{\"title\": \"x\",\n\"d\" 1}",
         "{\"detail\":[{\"loc\":[\"body\",19],\"msg\":\"Expecting ':' delimiter: line 2 column 5 "
         "(char 19)\",\"type\":\"value_error.jsondecode\",\"ctx\":{\"msg\":\"Expecting ':' "
         "delimiter\",\"doc\":\"{\\\"title\\\": \\\"x\\\",\\n\\\"d\\\" 1}\",\"pos\":19,"
         "\"lineno\":2,\"colno\":5}}]}"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct answer a;
        reset();
        harness_json(&store, "POST", "/notes/", cases[i].body, &a);
        ASSERT_ANSWER(a, 422, cases[i].want);
        answer_free(&a);
        CU_ASSERT_EQUAL(fake.calls, 0);
    }
}

/* Python counts characters, not bytes, in error positions and lengths. */
static void
test_positions_count_characters(void)
{
    struct answer a;

    reset();
    harness_json(&store, "POST", "/notes/", "{\"title\": \"\xC3\xA9\xC3\xA9\xC3\xA9\" x", &a);
    CU_ASSERT_EQUAL(a.status, 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(a.body, "\"loc\":[\"body\",16]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(a.body, "(char 16)"));
    answer_free(&a);
    /* 50 x "é" is 100 bytes but 50 characters: valid. */
    char body[256] = "{\"title\": \"";
    for (int i = 0; i < 50; i++)
        strcat(body, "\xC3\xA9");
    strcat(body, "\", \"description\": \"bar\"}");
    harness_json(&store, "POST", "/notes/", body, &a);
    CU_ASSERT_EQUAL(a.status, 201);
    answer_free(&a);
}

static void
test_content_types(void)
{
    static const struct {
        const char *type;
        int status;
    } cases[] = {
        {NULL, 201},
        {"application/json", 201},
        {"Application/JSON; charset=utf-8", 201},
        {"application/vnd.api+json", 201},
        {"text/plain", 422},
        {"application/x-www-form-urlencoded", 422},
        {"json", 422},
    };
    static const char body[] = "{\"title\": \"foo\", \"description\": \"bar\"}";
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct answer a;
        reset();
        harness_call(&store, "POST", "/notes/", NULL, cases[i].type, body, strlen(body), &a);
        CU_ASSERT_EQUAL(a.status, cases[i].status);
        if (cases[i].status == 422)
            CU_ASSERT_PTR_NOT_NULL(strstr(a.body, "value is not a valid dict"));
        answer_free(&a);
    }
}

static void
test_numbers_as_titles(void)
{
    struct answer a;

    reset();
    harness_json(&store, "POST", "/notes/", "{\"title\": 1e20, \"description\": true}", &a);
    ASSERT_ANSWER(a, 201, "{\"title\":\"1e+20\",\"description\":\"True\",\"id\":1}");
    answer_free(&a);
    harness_json(&store, "POST", "/notes/", "{\"title\": 12, \"description\": 100}", &a);
    CU_ASSERT_EQUAL(a.status, 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(a.body, "at least 3 characters"));
    answer_free(&a);
}

/* Where the reference answers 500, we answer a clear 4xx and touch nothing. */
static void
test_better_than_reference(void)
{
    struct answer a;

    reset();
    fake_store_add(&fake, "something", "something else");
    harness_json(&store, "GET", "/notes/2147483648/", NULL, &a);
    ASSERT_ANSWER(a, 404, "{\"detail\":\"Note not found\"}");
    answer_free(&a);
    harness_json(&store, "DELETE", "/notes/99999999999999999999999/", NULL, &a);
    ASSERT_ANSWER(a, 404, "{\"detail\":\"Note not found\"}");
    answer_free(&a);
    harness_json(&store, "PUT", "/notes/1/", "{\"title\": \"a\\u0000b\", \"description\": \"bar\"}",
                 &a);
    CU_ASSERT_EQUAL(a.status, 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(a.body, "value_error.str.nul"));
    answer_free(&a);
    harness_json(&store, "POST", "/notes/", "{\"title\": \"ab\\ud800\", \"description\": \"bar\"}",
                 &a);
    CU_ASSERT_EQUAL(a.status, 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(a.body, "value_error.str.surrogate"));
    answer_free(&a);
    harness_json(&store, "POST", "/notes/", "{\"title\": \"caf\xC3\", \"description\": \"bar\"}",
                 &a);
    CU_ASSERT_EQUAL(a.status, 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(a.body, "not valid UTF-8"));
    answer_free(&a);
    CU_ASSERT_EQUAL(fake.count, 1);
    CU_ASSERT_STRING_EQUAL(fake.notes[0].title, "something");
    CU_ASSERT_EQUAL(fake.calls, 0);
}

static void
test_validation_before_database(void)
{
    struct answer a;

    reset();
    harness_json(&store, "PUT", "/notes/999/", "{\"title\": \"1\"}", &a);
    CU_ASSERT_EQUAL(a.status, 422);
    answer_free(&a);
    harness_json(&store, "PUT", "/notes/0/", "{}", &a);
    CU_ASSERT_EQUAL(a.status, 422);
    /* path errors first, then the body's, as FastAPI lists them */
    CU_ASSERT_EQUAL(json_object_array_length(json_object_object_get(a.json, "detail")), 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(a.body, "{\"detail\":[{\"loc\":[\"path\",\"id\"]"));
    answer_free(&a);
    CU_ASSERT_EQUAL(fake.calls, 0);
}

static void
test_body_too_large(void)
{
    size_t len = 65537;
    char *big = malloc(len);
    struct answer a;

    reset();
    memset(big, ' ', len);
    harness_call(&store, "POST", "/notes/", NULL, "application/json", big, len, &a);
    ASSERT_ANSWER(a, 413, "{\"detail\":\"Request body too large: the limit is 65536 bytes\"}");
    answer_free(&a);
    free(big);
    CU_ASSERT_EQUAL(fake.calls, 0);
}

static void
test_database_unavailable(void)
{
    static const char *const paths[][2] = {
        {"GET", "/notes/"},   {"GET", "/notes/1/"},    {"POST", "/notes/"},
        {"PUT", "/notes/1/"}, {"DELETE", "/notes/1/"},
    };
    struct answer a;

    reset();
    fake.unavailable = true;
    for (size_t i = 0; i < 5; i++) {
        harness_json(&store, paths[i][0], paths[i][1],
                     "{\"title\": \"foo\", \"description\": \"bar\"}", &a);
        ASSERT_ANSWER(a, 503, "{\"detail\":\"Database unavailable, try again shortly\"}");
        CU_ASSERT_STRING_EQUAL(a.status_text, "503 Service Unavailable");
        answer_free(&a);
    }
    harness_json(&store, "GET", "/ping", NULL, &a);
    CU_ASSERT_EQUAL(a.status, 200);
    answer_free(&a);
}

static void
test_list_limit_offset(void)
{
    struct answer a;

    reset();
    for (int i = 0; i < 5; i++)
        fake_store_add(&fake, "title", "description");
    harness_call(&store, "GET", "/notes/", "limit=2&offset=1", NULL, NULL, 0, &a);
    CU_ASSERT_EQUAL(a.status, 200);
    CU_ASSERT_EQUAL(json_object_array_length(a.json), 2);
    CU_ASSERT_EQUAL(
        json_object_get_int(json_object_object_get(json_object_array_get_idx(a.json, 0), "id")), 2);
    answer_free(&a);
    harness_call(&store, "GET", "/notes/", "limit=abc&offset=-1", NULL, NULL, 0, &a);
    ASSERT_ANSWER(a, 422,
                  "{\"detail\":[{\"loc\":[\"query\",\"limit\"],\"msg\":\"value is not a valid "
                  "integer\",\"type\":\"type_error.integer\"},{\"loc\":[\"query\",\"offset\"],"
                  "\"msg\":\"ensure this value is greater than or equal to 0\",\"type\":"
                  "\"value_error.number.not_ge\",\"ctx\":{\"limit_value\":0}}]}");
    answer_free(&a);
    harness_call(&store, "GET", "/notes/", "limit=0", NULL, NULL, 0, &a);
    ASSERT_ANSWER(a, 200, "[]");
    answer_free(&a);
    /* Keys are percent-decoded too, as Starlette's parse_qsl does. */
    harness_call(&store, "GET", "/notes/", "li%6Dit=2&%6f%66fset=3", NULL, NULL, 0, &a);
    CU_ASSERT_EQUAL(a.status, 200);
    CU_ASSERT_EQUAL(json_object_array_length(a.json), 2);
    CU_ASSERT_EQUAL(
        json_object_get_int(json_object_object_get(json_object_array_get_idx(a.json, 0), "id")), 4);
    answer_free(&a);
    harness_call(&store, "GET", "/notes/", "limi%74=x", NULL, NULL, 0, &a);
    CU_ASSERT_EQUAL(a.status, 422);
    answer_free(&a);
    /* ...but a key that only starts like one is another key. */
    harness_call(&store, "GET", "/notes/", "limit%20=x&limitx=y", NULL, NULL, 0, &a);
    CU_ASSERT_EQUAL(a.status, 200);
    CU_ASSERT_EQUAL(json_object_array_length(a.json), 5);
    answer_free(&a);
}

/* pydantic v1 passes a non-dict body through Python's dict(): a list of pairs is a mapping. */
static void
test_bodies_through_dict(void)
{
    static const char missing_both[] =
        "{\"detail\":[{\"loc\":[\"body\",\"title\"],\"msg\":\"field required\",\"type\":"
        "\"value_error.missing\"},{\"loc\":[\"body\",\"description\"],\"msg\":\"field "
        "required\",\"type\":\"value_error.missing\"}]}";
    static const char not_dict[] = "{\"detail\":[{\"loc\":[\"body\"],\"msg\":\"value is not a "
                                   "valid dict\",\"type\":\"type_error.dict\"}]}";
    static const struct {
        const char *body;
        int status;
        const char *want; /* NULL: any body */
    } cases[] = {
        {"[]", 422, missing_both},
        {"\"\"", 422, missing_both},
        {"[\"ab\", \"cd\"]", 422, missing_both},
        {"\"abc\"", 422, not_dict},
        {"12", 422, not_dict},
        {"[[\"title\", \"foo\", 1]]", 422, not_dict},
        {"[[[1], 2]]", 422, not_dict},
        {"[[1, 2]]", 422,
         "{\"detail\":[{\"loc\":[\"body\"],\"msg\":\"keywords must be strings\",\"type\":"
         "\"type_error\"}]}"},
        {"[[\"title\", \"foo\"], [\"description\", \"bar\"]]", 201,
         "{\"title\":\"foo\",\"description\":\"bar\",\"id\":1}"},
        {"[{\"title\": 1, \"description\": 2}]", 422, NULL},
        /* dict() as Python's: a repeated key keeps its last value... */
        {"[[\"title\", \"foo\"], [\"title\", \"barbaz\"], [\"description\", \"bar\"]]", 201,
         "{\"title\":\"barbaz\",\"description\":\"bar\",\"id\":1}"},
        /* ...and an object element is a dict first: {"t": 1, "t": 2} has one key, no pair */
        {"[{\"title\": 1, \"title\": 2}]", 422, not_dict},
        /* {"a": 1, "b": 2, "a": 3} has two keys, a and b: the pair ("a", "b") */
        {"[{\"a\": 1, \"b\": 2, \"a\": 3}]", 422, missing_both},
        {"[{\"title\": 1, \"description\": 2, \"title\": 3}, [\"description\", \"bar\"]]", 201,
         "{\"title\":\"description\",\"description\":\"bar\",\"id\":1}"},
        /* a pair's key holding a NUL: every byte of it is kept (found by fuzz_body) */
        {"[{\"title\": 1, \"d\\u0000esn\": 2}]", 422, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct answer a;
        reset();
        harness_json(&store, "POST", "/notes/", cases[i].body, &a);
        if (cases[i].want != NULL) {
            ASSERT_ANSWER(a, cases[i].status, cases[i].want);
        } else {
            CU_ASSERT_EQUAL(a.status, cases[i].status);
        }
        answer_free(&a);
    }
}

/* pydantic's own checks come first; only a value it accepts is refused for NUL or surrogates. */
static void
test_storable_checks_come_last(void)
{
    struct answer a;

    reset();
    harness_json(&store, "POST", "/notes/", "{\"title\": \"a\\u0000b\", \"description\": \"x\"}",
                 &a);
    ASSERT_ANSWER(a, 422,
                  "{\"detail\":[{\"loc\":[\"body\",\"description\"],\"msg\":\"ensure this "
                  "value has at least 3 characters\",\"type\":\"value_error.any_str.min_length\","
                  "\"ctx\":{\"limit_value\":3}}]}");
    answer_free(&a);
    harness_json(&store, "POST", "/notes/", "{\"title\": \"a\\ud800\", \"description\": \"bar\"}",
                 &a);
    CU_ASSERT_EQUAL(a.status, 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(a.body, "at least 3 characters"));
    answer_free(&a);
}

/* Python's json.loads detects UTF-16 and UTF-32 bodies by their BOM or their NUL bytes. */
static void
test_utf16_and_utf32_bodies(void)
{
    static const char ascii[] = "{\"title\": \"foo\", \"description\": \"bar\"}";
    size_t n = strlen(ascii);
    char body[4 * sizeof(ascii) + 4];
    struct answer a;

    reset();
    /* UTF-16-LE with a BOM */
    body[0] = (char)0xFF;
    body[1] = (char)0xFE;
    for (size_t i = 0; i < n; i++) {
        body[2 + 2 * i] = ascii[i];
        body[3 + 2 * i] = 0;
    }
    harness_call(&store, "POST", "/notes/", NULL, "application/json", body, 2 + 2 * n, &a);
    ASSERT_ANSWER(a, 201, "{\"title\":\"foo\",\"description\":\"bar\",\"id\":1}");
    answer_free(&a);
    /* UTF-32-BE without a BOM */
    memset(body, 0, sizeof(body));
    for (size_t i = 0; i < n; i++)
        body[4 * i + 3] = ascii[i];
    harness_call(&store, "POST", "/notes/", NULL, "application/json", body, 4 * n, &a);
    CU_ASSERT_EQUAL(a.status, 201);
    answer_free(&a);
    /* An odd number of UTF-16 bytes is not text */
    harness_call(&store, "POST", "/notes/", NULL, "application/json", body + 3, 5, &a);
    CU_ASSERT_EQUAL(a.status, 422);
    CU_ASSERT_PTR_NOT_NULL(strstr(a.body, "value_error.unicode"));
    answer_free(&a);
    CU_ASSERT_EQUAL(fake.count, 2);
}

/* A body that is not JSON is the only error FastAPI reports, even with a bad id. */
static void
test_decode_error_alone(void)
{
    struct answer a;

    reset();
    harness_json(&store, "PUT", "/notes/abc/", "{\"title\"", &a);
    CU_ASSERT_EQUAL(a.status, 422);
    CU_ASSERT_EQUAL(json_object_array_length(json_object_object_get(a.json, "detail")), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(a.body, "value_error.jsondecode"));
    answer_free(&a);
    harness_json(&store, "PUT", "/notes/abc/", "[[1, 2]]", &a);
    CU_ASSERT_EQUAL(json_object_array_length(json_object_object_get(a.json, "detail")), 2);
    answer_free(&a);
}

/* A list too long for one buffer is streamed: the answer is still one valid JSON array. */
static void
test_long_list_streams(void)
{
    struct answer a;

    reset();
    for (int i = 0; i < FAKE_STORE_CAPACITY; i++) {
        char title[64];
        snprintf(title, sizeof(title), "%s", "a title that is as long as fifty characters....xx");
        fake_store_add(&fake, title, title);
    }
    harness_json(&store, "GET", "/notes/", NULL, &a);
    CU_ASSERT_EQUAL(a.status, 200);
    CU_ASSERT_EQUAL(json_object_array_length(a.json), FAKE_STORE_CAPACITY);
    /* Sent in pieces, so without a Content-Length: nginx chunks it for the client. */
    CU_ASSERT_EQUAL(a.content_length, -1);
    answer_free(&a);
}

/* GET /ready: 200 while the store answers, 503 JSON naming the kind of problem when it does
   not, without the socket's path that libpq's message holds. */
static void
test_ready(void)
{
    struct answer a;

    reset();
    harness_json(&store, "GET", "/ready", NULL, &a);
    ASSERT_ANSWER(a, 200, "{\"status\":\"ready\",\"database\":\"ok\"}");
    answer_free(&a);
    fake.unavailable = true;
    harness_json(&store, "GET", "/ready/", NULL, &a);
    ASSERT_ANSWER(a, 503,
                  "{\"status\":\"not ready\",\"detail\":\"cannot connect to the database: the "
                  "server does not accept connections\"}");
    CU_ASSERT_STRING_EQUAL(a.content_type, "application/json");
    answer_free(&a);
    harness_json(&store, "POST", "/ready", NULL, &a);
    CU_ASSERT_EQUAL(a.status, 405);
    answer_free(&a);
}

/* What /ready says of each problem the store logs: its kind, never a name or path of its text. */
static void
test_ready_public_detail(void)
{
    static const char *const cases[][2] = {
        {"cannot connect to the database: connection to server at \"10.9.8.7\", port 5432 "
         "failed: Connection refused",
         "cannot connect to the database: the server does not accept connections"},
        {"cannot connect to the database: no answer within 5000 ms",
         "cannot connect to the database: no answer in time"},
        {"cannot connect to the database: connection to server on socket \"/x/.s.PGSQL.5432\" "
         "failed: FATAL:  password authentication failed for user \"notes_app\"",
         "cannot connect to the database: authentication failed"},
        {"cannot connect to the database: connection to server at \"db\" (10.0.0.2), port 5432 "
         "failed: FATAL:  database \"secretdb\" does not exist",
         "cannot connect to the database: no such database or role"},
        {"cannot connect to the database: FATAL:  the database system is starting up",
         "cannot connect to the database: the server is starting up"},
        {"database refused: database \"secretdb\" has encoding LATIN1; notes-worker needs a UTF8 "
         "database",
         "the database is not UTF8: notes-worker needs a UTF8 database"},
        {"database not ready: database schema is at version 3, this worker needs version 5 or "
         "later; run scripts/migrate",
         "database schema is at version 3, this worker needs version 5 or later; run "
         "scripts/migrate"},
        {"database not ready: cannot read schema_migrations (relation \"schema_migrations\" does "
         "not exist); run scripts/migrate",
         "cannot read the database schema's version; run scripts/migrate"},
        {"cannot prepare statements: ERROR:  column \"secret\" does not exist",
         "the database schema does not match this worker; run scripts/migrate"},
        {"database connection lost: reconnecting", "database connection lost, reconnecting"},
        {"ready: no answer within 1500 ms (NOTES_DB_TIMEOUT_MS)",
         "the database does not answer in time"},
        {"ready: server closed the connection unexpectedly",
         "the database connection broke, reconnecting"},
        {"get: server closed the connection unexpectedly at /var/run/x",
         "database unavailable (the worker's log says why)"},
        {"database unavailable, reconnecting", "database unavailable (the worker's log says why)"},
        {"", "database unavailable (the worker's log says why)"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char detail[128];
        ready_public_detail(cases[i][0], detail, sizeof(detail));
        CU_ASSERT_STRING_EQUAL(detail, cases[i][1]);
    }
}

/* /metrics answers only what nginx's restricted location passes (NOTES_METRICS); else 404. */
static void
test_metrics_needs_nginx_permission(void)
{
    struct answer a;

    reset();
    harness_json(&store, "GET", "/metrics", NULL, &a);
    ASSERT_ANSWER(a, 404, "{\"detail\":\"Not Found\"}");
    answer_free(&a);
    CU_ASSERT_EQUAL(fake.calls, 0);
}

int
main(void)
{
    static const struct test_case tests[] = {
        {"note JSON field order", test_note_json_field_order},
        {"empty list", test_empty_list},
        {"404 and 405", test_not_found_and_method_not_allowed},
        {"422 shapes", test_validation_shapes},
        {"positions count characters", test_positions_count_characters},
        {"content types", test_content_types},
        {"numbers as titles", test_numbers_as_titles},
        {"better than the reference", test_better_than_reference},
        {"validation before the database", test_validation_before_database},
        {"413", test_body_too_large},
        {"503 when the database is down", test_database_unavailable},
        {"GET /ready", test_ready},
        {"GET /ready's detail names no path or host", test_ready_public_detail},
        {"/metrics only through nginx's location", test_metrics_needs_nginx_permission},
        {"limit and offset", test_list_limit_offset},
        {"long list", test_long_list_streams},
        {"bodies through dict()", test_bodies_through_dict},
        {"NUL and surrogate checks come last", test_storable_checks_come_last},
        {"a decode error is reported alone", test_decode_error_alone},
        {"UTF-16 and UTF-32 bodies", test_utf16_and_utf32_bodies},
        {NULL, NULL},
    };
    return cunit_run("api", tests);
}
