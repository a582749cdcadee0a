/*
 * test_http.c: the HTTP conventions of issue 12 with handlers called directly against the fake
 * store: Location, HEAD and OPTIONS, ETags and conditional requests, PATCH (JSON Merge Patch),
 * bounded and linked lists, keyset paging, search, sort and Prefer: count=exact; and the
 * entity-tag lists (src/etag.c) on their own.
 */
#include "cunit_run.h"
#include "etag.h"
#include "fake_store.h"
#include "harness.h"

#include <stdio.h>
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

#define NOTE_JSON(title, description, id)                                                          \
    "{\"title\":\"" title "\",\"description\":\"" description "\",\"id\":" #id "}"

static void
send(const char *method, const char *path, const char *query, const char *body,
     const struct harness_headers *h, struct answer *a)
{
    harness_send(&store, method, path, query, body != NULL ? "application/json" : NULL, body,
                 body != NULL ? strlen(body) : 0, h, a);
}

/* --- etag.c -------------------------------------------------------------------------------- */

static void
test_etag_lists(void)
{
    static const struct {
        const char *header;
        enum etag_compare how;
        bool any;
        size_t n;
        int64_t first, second;
    } cases[] = {
        {NULL, ETAG_STRONG, true, 0, 0, 0},
        {"*", ETAG_STRONG, true, 0, 0, 0},
        {"  * ", ETAG_WEAK, true, 0, 0, 0},
        {"\"42\"", ETAG_STRONG, false, 1, 42, 0},
        {"\"42\", \"7\"", ETAG_STRONG, false, 2, 42, 7},
        {"\"42\",\"7\"", ETAG_STRONG, false, 2, 42, 7},
        {"W/\"42\"", ETAG_STRONG, false, 0, 0, 0}, /* strong comparison: a weak tag never */
        {"W/\"42\", \"9\"", ETAG_WEAK, false, 2, 42, 9},
        {"\"abc\", \"5\"", ETAG_STRONG, false, 1, 5, 0}, /* not ours: matches nothing */
        {"42", ETAG_STRONG, false, 0, 0, 0},             /* unquoted: malformed */
        {"\"42", ETAG_STRONG, false, 0, 0, 0},
        {"\"\"", ETAG_STRONG, false, 0, 0, 0},
        {"\"1234567890123456789\"", ETAG_STRONG, false, 0, 0, 0}, /* beyond int64 digits */
        {"*, \"3\"", ETAG_STRONG, false, 1, 3, 0},                /* "*" only alone */
        {"", ETAG_STRONG, false, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct version_set set;
        etag_parse_list(cases[i].header, cases[i].how, &set);
        CU_ASSERT_EQUAL(set.any, cases[i].any);
        CU_ASSERT_EQUAL(set.n, cases[i].n);
        if (set.any != cases[i].any || set.n != cases[i].n)
            fprintf(stderr, "\n  case %zu: %s: any %d n %zu\n", i,
                    cases[i].header ? cases[i].header : "(none)", set.any, set.n);
        if (set.n >= 1 && cases[i].n >= 1)
            CU_ASSERT_EQUAL(set.versions[0], cases[i].first);
        if (set.n >= 2 && cases[i].n >= 2)
            CU_ASSERT_EQUAL(set.versions[1], cases[i].second);
    }
    /* More tags than are looked at: the first NOTE_VERSIONS_MAX count. */
    char many[512] = "";
    for (int i = 1; i <= NOTE_VERSIONS_MAX + 4; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "\"%d\", ", i);
    struct version_set set;
    etag_parse_list(many, ETAG_STRONG, &set);
    CU_ASSERT_EQUAL(set.n, NOTE_VERSIONS_MAX);
    CU_ASSERT_TRUE(etag_set_contains(&set, 1));
    CU_ASSERT_FALSE(etag_set_contains(&set, NOTE_VERSIONS_MAX + 1));

    char text[ETAG_TEXT_MAX];
    etag_format(42, text);
    CU_ASSERT_STRING_EQUAL(text, "\"42\"");
    etag_format(INT64_MAX, text);
    CU_ASSERT_STRING_EQUAL(text, "\"9223372036854775807\"");
}

/* --- Location, HEAD, OPTIONS -------------------------------------------------------------- */

static void
test_created_has_location_and_etag(void)
{
    struct answer a;

    reset();
    send("POST", "/notes/", NULL, "{\"title\": \"foo\", \"description\": \"bar\"}", NULL, &a);
    CU_ASSERT_EQUAL(a.status, 201);
    CU_ASSERT_STRING_EQUAL(a.location, "/notes/1/");
    CU_ASSERT_STRING_EQUAL(a.etag, "\"100\"");
    CU_ASSERT_STRING_EQUAL(a.body, NOTE_JSON("foo", "bar", 1));
    answer_free(&a);
    /* A failed create has neither. */
    send("POST", "/notes/", NULL, "{\"title\": \"x\"}", NULL, &a);
    CU_ASSERT_EQUAL(a.status, 422);
    CU_ASSERT_STRING_EQUAL(a.location, "");
    CU_ASSERT_STRING_EQUAL(a.etag, "");
    answer_free(&a);
}

static void
test_head_is_get_without_body(void)
{
    static const char *const paths[] = {"/ping",     "/notes/", "/notes/1/",
                                        "/notes/2/", "/nope",   "/notes/abc/"};
    reset();
    fake_store_add(&fake, "something", "something else");
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        struct answer get, head;
        send("GET", paths[i], NULL, NULL, NULL, &get);
        send("HEAD", paths[i], NULL, NULL, NULL, &head);
        CU_ASSERT_EQUAL(head.status, get.status);
        CU_ASSERT_STRING_EQUAL(head.body, "");
        CU_ASSERT(strlen(get.body) > 0);
        /* The length GET's body has, and the same ETag. */
        CU_ASSERT_EQUAL(head.content_length, (long)strlen(get.body));
        CU_ASSERT_STRING_EQUAL(head.etag, get.etag);
        CU_ASSERT_STRING_EQUAL(head.content_type, "application/json");
        answer_free(&get);
        answer_free(&head);
    }
}

static void
test_head_of_a_long_list_counts_its_length(void)
{
    struct answer get, head;

    reset();
    for (int i = 0; i < FAKE_STORE_CAPACITY; i++)
        fake_store_add(&fake, "a title of fifty characters, more or less, as such",
                       "a description of fifty characters, more or less...");
    send("GET", "/notes/", NULL, NULL, NULL, &get);
    send("HEAD", "/notes/", NULL, NULL, NULL, &head);
    CU_ASSERT(strlen(get.body) > 32768); /* more than the worker sends at once */
    CU_ASSERT_EQUAL(head.content_length, (long)strlen(get.body));
    CU_ASSERT_STRING_EQUAL(head.body, "");
    answer_free(&get);
    answer_free(&head);
}

static void
test_options_answers_allow(void)
{
    struct answer a;

    reset();
    send("OPTIONS", "/notes/12/", NULL, NULL, NULL, &a);
    CU_ASSERT_EQUAL(a.status, 204);
    CU_ASSERT_STRING_EQUAL(a.status_text, "204 No Content");
    CU_ASSERT_STRING_EQUAL(a.allow, "GET, HEAD, PUT, PATCH, DELETE, OPTIONS");
    CU_ASSERT_STRING_EQUAL(a.body, "");
    CU_ASSERT_EQUAL(a.content_length, -1);
    answer_free(&a);
    send("OPTIONS", "/notes", NULL, NULL, NULL, &a);
    CU_ASSERT_EQUAL(a.status, 204);
    CU_ASSERT_STRING_EQUAL(a.allow, "GET, HEAD, POST, OPTIONS");
    answer_free(&a);
    send("OPTIONS", "/elsewhere", NULL, NULL, NULL, &a);
    CU_ASSERT_EQUAL(a.status, 404);
    answer_free(&a);
    CU_ASSERT_EQUAL(fake.calls, 0); /* no database */
}

/* --- ETags and conditional requests ------------------------------------------------------- */

static void
test_etag_changes_with_the_note(void)
{
    struct answer a;
    char first[32];

    reset();
    fake_store_add(&fake, "something", "something else");
    send("GET", "/notes/1/", NULL, NULL, NULL, &a);
    snprintf(first, sizeof(first), "%s", a.etag);
    CU_ASSERT(first[0] == '"');
    answer_free(&a);
    send("GET", "/notes/1/", NULL, NULL, NULL, &a);
    CU_ASSERT_STRING_EQUAL(a.etag, first); /* unchanged note, same tag */
    answer_free(&a);
    send("PUT", "/notes/1/", NULL, "{\"title\": \"other\", \"description\": \"text\"}", NULL, &a);
    CU_ASSERT_EQUAL(a.status, 200);
    CU_ASSERT_STRING_NOT_EQUAL(a.etag, first);
    char second[32];
    snprintf(second, sizeof(second), "%s", a.etag);
    answer_free(&a);
    send("GET", "/notes/1/", NULL, NULL, NULL, &a);
    CU_ASSERT_STRING_EQUAL(a.etag, second); /* the write's answer names the stored state */
    answer_free(&a);
}

static void
test_if_none_match(void)
{
    struct answer a;
    struct harness_headers h = {NULL, NULL, NULL, 0, NULL, NULL};

    reset();
    fake_store_add(&fake, "something", "something else");
    static const struct {
        const char *header;
        int status;
    } cases[] = {
        {"\"100\"", 304}, {"W/\"100\"", 304}, {"\"7\", \"100\"", 304}, {"*", 304},
        {"\"101\"", 200}, {"\"abc\"", 200},   {"garbage", 200},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        h.if_none_match = cases[i].header;
        send("GET", "/notes/1/", NULL, NULL, &h, &a);
        CU_ASSERT_EQUAL(a.status, cases[i].status);
        CU_ASSERT_STRING_EQUAL(a.etag, "\"100\"");
        if (cases[i].status == 304) {
            CU_ASSERT_STRING_EQUAL(a.status_text, "304 Not Modified");
            CU_ASSERT_STRING_EQUAL(a.body, "");
            CU_ASSERT_EQUAL(a.content_length, -1);
            CU_ASSERT_STRING_EQUAL(a.content_type, "");
        } else {
            CU_ASSERT_STRING_EQUAL(a.body, NOTE_JSON("something", "something else", 1));
        }
        answer_free(&a);
    }
    /* A missing note is 404 whatever If-None-Match says. */
    h.if_none_match = "*";
    send("GET", "/notes/9/", NULL, NULL, &h, &a);
    CU_ASSERT_EQUAL(a.status, 404);
    answer_free(&a);
    /* HEAD too. */
    h.if_none_match = "\"100\"";
    send("HEAD", "/notes/1/", NULL, NULL, &h, &a);
    CU_ASSERT_EQUAL(a.status, 304);
    answer_free(&a);
}

static void
test_if_match_on_writes(void)
{
    struct answer a;
    struct harness_headers h = {"\"100\"", NULL, NULL, 0, NULL, NULL};
    static const char body[] = "{\"title\": \"other\", \"description\": \"text\"}";

    reset();
    fake_store_add(&fake, "something", "something else");
    /* The current tag: applied. */
    send("PUT", "/notes/1/", NULL, body, &h, &a);
    CU_ASSERT_EQUAL(a.status, 200);
    CU_ASSERT_STRING_EQUAL(a.etag, "\"101\"");
    answer_free(&a);
    /* The old tag again (a second editor): 412, and nothing changes. */
    static const char lost[] = "{\"title\": \"lost\", \"description\": \"update\"}";
    static const char *const methods[] = {"PUT", "PATCH", "DELETE"};
    for (size_t i = 0; i < 3; i++) {
        send(methods[i], "/notes/1/", NULL, strcmp(methods[i], "DELETE") ? lost : NULL, &h, &a);
        CU_ASSERT_EQUAL(a.status, 412);
        CU_ASSERT_STRING_EQUAL(a.status_text, "412 Precondition Failed");
        CU_ASSERT_STRING_EQUAL(a.body, "{\"detail\":\"Precondition failed: the note has changed "
                                       "since the ETag in If-Match\"}");
        answer_free(&a);
    }
    CU_ASSERT_EQUAL(fake.count, 1);
    CU_ASSERT_STRING_EQUAL(fake.notes[0].title, "other");
    CU_ASSERT_EQUAL(fake.notes[0].version, 101);
    /* Weak tags never match If-Match; "*" and a list holding the tag do. */
    h.if_match = "W/\"101\"";
    send("PUT", "/notes/1/", NULL, body, &h, &a);
    CU_ASSERT_EQUAL(a.status, 412);
    answer_free(&a);
    h.if_match = "\"5\", \"101\"";
    send("PUT", "/notes/1/", NULL, body, &h, &a);
    CU_ASSERT_EQUAL(a.status, 200);
    answer_free(&a);
    h.if_match = "*";
    send("PUT", "/notes/1/", NULL, body, &h, &a);
    CU_ASSERT_EQUAL(a.status, 200);
    answer_free(&a);
    /* A missing note is 404, not 412; a bad body 422 before any store call. */
    h.if_match = "\"1\"";
    send("PUT", "/notes/7/", NULL, body, &h, &a);
    CU_ASSERT_EQUAL(a.status, 404);
    answer_free(&a);
    int calls = fake.calls;
    send("PUT", "/notes/1/", NULL, "{\"title\": \"x\"}", &h, &a);
    CU_ASSERT_EQUAL(a.status, 422);
    CU_ASSERT_EQUAL(fake.calls, calls);
    answer_free(&a);
    /* DELETE with the current tag. */
    h.if_match = "\"103\"";
    send("DELETE", "/notes/1/", NULL, NULL, &h, &a);
    CU_ASSERT_EQUAL(a.status, 200);
    CU_ASSERT_STRING_EQUAL(a.etag, "\"103\"");
    CU_ASSERT_EQUAL(fake.count, 0);
    answer_free(&a);
}

/* --- PATCH -------------------------------------------------------------------------------- */

static void
test_merge_patch(void)
{
    struct answer a;

    reset();
    fake_store_add(&fake, "something", "something else");
    harness_call(&store, "PATCH", "/notes/1/", NULL, "application/merge-patch+json",
                 "{\"title\": \"patched\"}", 20, &a);
    CU_ASSERT_EQUAL(a.status, 200);
    CU_ASSERT_STRING_EQUAL(a.body, NOTE_JSON("patched", "something else", 1));
    CU_ASSERT_STRING_EQUAL(a.etag, "\"101\"");
    answer_free(&a);
    send("PATCH", "/notes/1", NULL, "{\"description\": \"described\", \"other\": 1}", NULL, &a);
    CU_ASSERT_EQUAL(a.status, 200);
    CU_ASSERT_STRING_EQUAL(a.body, NOTE_JSON("patched", "described", 1));
    answer_free(&a);
    send("PATCH", "/notes/1/", NULL, "{}", NULL, &a);
    CU_ASSERT_EQUAL(a.status, 200);
    CU_ASSERT_STRING_EQUAL(a.body, NOTE_JSON("patched", "described", 1));
    answer_free(&a);
    /* Numbers become text as in PUT. */
    send("PATCH", "/notes/1/", NULL, "{\"title\": 12345}", NULL, &a);
    CU_ASSERT_STRING_EQUAL(a.body, NOTE_JSON("12345", "described", 1));
    answer_free(&a);
    send("PATCH", "/notes/2/", NULL, "{\"title\": \"patched\"}", NULL, &a);
    CU_ASSERT_EQUAL(a.status, 404);
    answer_free(&a);
}

static void
test_merge_patch_validation(void)
{
    static const struct {
        const char *path, *body, *content_type;
        int status;
        const char *want;
    } cases[] = {
        /* null would remove a field, which a note cannot lose: PUT's wording for null. */
        {"/notes/1/", "{\"title\": null}", "application/json", 422,
         "{\"detail\":[{\"loc\":[\"body\",\"title\"],\"msg\":\"none is not an allowed value\","
         "\"type\":\"type_error.none.not_allowed\"}]}"},
        {"/notes/1/", "{\"title\": \"ab\", \"description\": \"x\"}", "application/json", 422,
         "{\"detail\":[{\"loc\":[\"body\",\"title\"],\"msg\":\"ensure this value has at least 3 "
         "characters\",\"type\":\"value_error.any_str.min_length\",\"ctx\":{\"limit_value\":3}},"
         "{\"loc\":[\"body\",\"description\"],\"msg\":\"ensure this value has at least 3 "
         "characters\",\"type\":\"value_error.any_str.min_length\",\"ctx\":{\"limit_value\":3}}"
         "]}"},
        {"/notes/1/", "{\"description\": \"a\\u0000b\"}", "application/json", 422, NULL},
        {"/notes/1/", "[1, 2]", "application/json", 422,
         "{\"detail\":[{\"loc\":[\"body\"],\"msg\":\"value is not a valid dict\","
         "\"type\":\"type_error.dict\"}]}"},
        {"/notes/1/", NULL, "application/json", 422,
         "{\"detail\":[{\"loc\":[\"body\"],\"msg\":\"field required\",\"type\":"
         "\"value_error.missing\"}]}"},
        {"/notes/1/", "{\"title\": \"ok title\"}", "text/plain", 422,
         "{\"detail\":[{\"loc\":[\"body\"],\"msg\":\"value is not a valid dict\","
         "\"type\":\"type_error.dict\"}]}"},
        {"/notes/0/", "{\"title\": \"x\"}", "application/json", 422,
         "{\"detail\":[{\"loc\":[\"path\",\"id\"],\"msg\":\"ensure this value is greater than 0\","
         "\"type\":\"value_error.number.not_gt\",\"ctx\":{\"limit_value\":0}},{\"loc\":[\"body\","
         "\"title\"],\"msg\":\"ensure this value has at least 3 characters\",\"type\":"
         "\"value_error.any_str.min_length\",\"ctx\":{\"limit_value\":3}}]}"},
        {"/notes/1/", "{\"title\": ", "application/json", 422, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct answer a;
        reset();
        fake_store_add(&fake, "something", "something else");
        int calls = fake.calls;
        harness_call(&store, "PATCH", cases[i].path, NULL, cases[i].content_type, cases[i].body,
                     cases[i].body ? strlen(cases[i].body) : 0, &a);
        CU_ASSERT_EQUAL(a.status, cases[i].status);
        if (cases[i].want != NULL)
            CU_ASSERT_STRING_EQUAL(a.body, cases[i].want);
        if (a.status != cases[i].status ||
            (cases[i].want != NULL && strcmp(a.body, cases[i].want) != 0))
            fprintf(stderr, "\n  case %zu: got %d %s\n", i, a.status, a.body);
        CU_ASSERT_EQUAL(fake.calls, calls);
        CU_ASSERT_STRING_EQUAL(fake.notes[0].title, "something");
        answer_free(&a);
    }
}

/* --- Lists ---------------------------------------------------------------------------------- */

static void
add_numbered(int n)
{
    for (int i = 1; i <= n; i++) {
        char title[32];
        snprintf(title, sizeof(title), "title %03d", i);
        fake_store_add(&fake, title, i % 2 ? "odd one" : "even one");
    }
}

/* The ids of a list answer, as "1,2,3". */
static void
ids_of(const struct answer *a, char *out, size_t size)
{
    size_t n = 0;

    out[0] = '\0';
    for (size_t i = 0; a->json != NULL && i < json_object_array_length(a->json); i++) {
        struct json_object *id;
        json_object_object_get_ex(json_object_array_get_idx(a->json, i), "id", &id);
        n += (size_t)snprintf(out + n, size - n, "%s%d", i ? "," : "", json_object_get_int(id));
    }
}

static void
test_bounded_list_links_the_next_page(void)
{
    struct answer a;
    struct harness_headers h = {NULL, NULL, NULL, 3, NULL, NULL};
    char ids[256];

    reset();
    add_numbered(7);
    /* NOTES_LIST_MAX=3: a page of 3, and Link to the rest. */
    send("GET", "/notes/", NULL, NULL, &h, &a);
    ids_of(&a, ids, sizeof(ids));
    CU_ASSERT_STRING_EQUAL(ids, "1,2,3");
    CU_ASSERT_STRING_EQUAL(a.link, "</notes/?limit=3&after=3>; rel=\"next\"");
    answer_free(&a);
    /* Following it, then the last page, which has no Link. */
    send("GET", "/notes/", "limit=3&after=3", NULL, &h, &a);
    ids_of(&a, ids, sizeof(ids));
    CU_ASSERT_STRING_EQUAL(ids, "4,5,6");
    CU_ASSERT_STRING_EQUAL(a.link, "</notes/?limit=3&after=6>; rel=\"next\"");
    answer_free(&a);
    send("GET", "/notes/", "limit=3&after=6", NULL, &h, &a);
    ids_of(&a, ids, sizeof(ids));
    CU_ASSERT_STRING_EQUAL(ids, "7");
    CU_ASSERT_STRING_EQUAL(a.link, "");
    answer_free(&a);
    /* A larger limit is cut to the maximum; a smaller one kept; offset pages link by keyset. */
    send("GET", "/notes/", "limit=100", NULL, &h, &a);
    ids_of(&a, ids, sizeof(ids));
    CU_ASSERT_STRING_EQUAL(ids, "1,2,3");
    answer_free(&a);
    send("GET", "/notes/", "limit=2&offset=4", NULL, &h, &a);
    ids_of(&a, ids, sizeof(ids));
    CU_ASSERT_STRING_EQUAL(ids, "5,6");
    CU_ASSERT_STRING_EQUAL(a.link, "</notes/?limit=2&after=6>; rel=\"next\"");
    answer_free(&a);
    /* Exactly a page left: no Link. */
    send("GET", "/notes/", "limit=2&offset=5", NULL, &h, &a);
    CU_ASSERT_STRING_EQUAL(a.link, "");
    answer_free(&a);
    /* Unbounded (0, the tutorial's behaviour): everything, and no Link without a limit. */
    h.list_max = 0;
    send("GET", "/notes/", NULL, NULL, &h, &a);
    ids_of(&a, ids, sizeof(ids));
    CU_ASSERT_STRING_EQUAL(ids, "1,2,3,4,5,6,7");
    CU_ASSERT_STRING_EQUAL(a.link, "");
    answer_free(&a);
    send("GET", "/notes/", "limit=6", NULL, &h, &a);
    CU_ASSERT_STRING_EQUAL(a.link, "</notes/?limit=6&after=6>; rel=\"next\"");
    answer_free(&a);
}

static void
test_sort_and_search(void)
{
    struct answer a;
    struct harness_headers h = {NULL, NULL, NULL, 2, NULL, NULL};
    char ids[256];

    reset();
    fake_store_add(&fake, "banana", "yellow");
    fake_store_add(&fake, "apple", "red or Green");
    fake_store_add(&fake, "cherry", "red");
    fake_store_add(&fake, "grape", "green");
    send("GET", "/notes/", "sort=title", NULL, &h, &a);
    ids_of(&a, ids, sizeof(ids));
    CU_ASSERT_STRING_EQUAL(ids, "2,1");
    CU_ASSERT_STRING_EQUAL(a.link, "</notes/?limit=2&after=1&sort=title>; rel=\"next\"");
    CU_ASSERT_EQUAL(fake.last_query.order, LIST_BY_TITLE);
    CU_ASSERT_EQUAL(fake.last_query.limit, 3); /* one more than the page: is there a next? */
    answer_free(&a);
    send("GET", "/notes/", "sort=title&after=1&limit=2", NULL, &h, &a);
    ids_of(&a, ids, sizeof(ids));
    CU_ASSERT_STRING_EQUAL(ids, "3,4");
    CU_ASSERT_STRING_EQUAL(a.link, "");
    answer_free(&a);
    send("GET", "/notes/", "sort=-id", NULL, &h, &a);
    ids_of(&a, ids, sizeof(ids));
    CU_ASSERT_STRING_EQUAL(ids, "4,3");
    answer_free(&a);
    send("GET", "/notes/", "sort=-created_date&limit=1", NULL, &h, &a);
    CU_ASSERT_EQUAL(fake.last_query.order, LIST_BY_CREATED_DESC);
    answer_free(&a);
    /* Search: case-insensitive, in title or description; the Link keeps q, encoded. */
    send("GET", "/notes/", "q=GREEN", NULL, &h, &a);
    ids_of(&a, ids, sizeof(ids));
    CU_ASSERT_STRING_EQUAL(ids, "2,4");
    CU_ASSERT_STRING_EQUAL(a.link, "");
    answer_free(&a);
    h.list_max = 1;
    send("GET", "/notes/", "q=red+or&sort=-title", NULL, &h, &a);
    ids_of(&a, ids, sizeof(ids));
    CU_ASSERT_STRING_EQUAL(ids, "2");
    CU_ASSERT_STRING_EQUAL(a.link, "");
    answer_free(&a);
    send("GET", "/notes/", "q=r%C3%A9d%2F&limit=1", NULL, &h, &a);
    CU_ASSERT_EQUAL(a.status, 200);
    answer_free(&a);
    send("GET", "/notes/", "q=e", NULL, &h, &a);
    CU_ASSERT_STRING_EQUAL(a.link, "</notes/?limit=1&after=1&q=e>; rel=\"next\"");
    answer_free(&a);
    send("GET", "/notes/", "q=a%20b%26c", NULL, &h, &a);
    CU_ASSERT_STRING_EQUAL(a.body, "[]");
    answer_free(&a);
    /* An empty q finds everything. */
    send("GET", "/notes/", "q=", NULL, &h, &a);
    CU_ASSERT_PTR_NULL(fake.last_query.search);
    answer_free(&a);
}

static void
test_link_encodes_the_search(void)
{
    struct answer a;
    struct harness_headers h = {NULL, NULL, NULL, 1, NULL, NULL};

    reset();
    fake_store_add(&fake, "a b&c=d/é", "one");
    fake_store_add(&fake, "a b&c=d/é", "two");
    send("GET", "/notes/", "q=a+b%26c%3Dd%2F%C3%A9", NULL, &h, &a);
    CU_ASSERT_STRING_EQUAL(a.link,
                           "</notes/?limit=1&after=1&q=a%20b%26c%3Dd%2F%C3%A9>; rel=\"next\"");
    answer_free(&a);
}

static void
test_list_parameter_errors(void)
{
    static const struct {
        const char *query, *want;
    } cases[] = {
        {"sort=name",
         "{\"detail\":[{\"loc\":[\"query\",\"sort\"],\"msg\":\"value is not a valid enumeration "
         "member; permitted: 'id', '-id', 'title', '-title', 'created_date', '-created_date'\","
         "\"type\":\"type_error.enum\",\"ctx\":{\"enum_values\":[\"id\",\"-id\",\"title\","
         "\"-title\",\"created_date\",\"-created_date\"]}}]}"},
        {"after=abc", "{\"detail\":[{\"loc\":[\"query\",\"after\"],\"msg\":\"value is not a valid "
                      "integer\",\"type\":\"type_error.integer\"}]}"},
        {"after=0", "{\"detail\":[{\"loc\":[\"query\",\"after\"],\"msg\":\"ensure this value is "
                    "greater than 0\",\"type\":\"value_error.number.not_gt\",\"ctx\":"
                    "{\"limit_value\":0}}]}"},
        {"q=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
         "{\"detail\":[{\"loc\":[\"query\",\"q\"],\"msg\":\"ensure this value has at most 50 "
         "characters\",\"type\":\"value_error.any_str.max_length\",\"ctx\":{\"limit_value\":50}}"
         "]}"},
        {"q=a%00b", "{\"detail\":[{\"loc\":[\"query\",\"q\"],\"msg\":\"string is not valid UTF-8 "
                    "text without NUL characters\",\"type\":\"value_error.str\"}]}"},
        {"q=%FF", "{\"detail\":[{\"loc\":[\"query\",\"q\"],\"msg\":\"string is not valid UTF-8 "
                  "text without NUL characters\",\"type\":\"value_error.str\"}]}"},
        /* Every error at once, in the order of the parameters. */
        {"limit=-1&sort=x&after=-2",
         "{\"detail\":[{\"loc\":[\"query\",\"limit\"],\"msg\":\"ensure this value is greater than "
         "or equal to 0\",\"type\":\"value_error.number.not_ge\",\"ctx\":{\"limit_value\":0}},"
         "{\"loc\":[\"query\",\"sort\"],\"msg\":\"value is not a valid enumeration member; "
         "permitted: 'id', '-id', 'title', '-title', 'created_date', '-created_date'\",\"type\":"
         "\"type_error.enum\",\"ctx\":{\"enum_values\":[\"id\",\"-id\",\"title\",\"-title\","
         "\"created_date\",\"-created_date\"]}},{\"loc\":[\"query\",\"after\"],\"msg\":\"ensure "
         "this value is greater than 0\",\"type\":\"value_error.number.not_gt\",\"ctx\":"
         "{\"limit_value\":0}}]}"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct answer a;
        reset();
        send("GET", "/notes/", cases[i].query, NULL, NULL, &a);
        CU_ASSERT_EQUAL(a.status, 422);
        CU_ASSERT_STRING_EQUAL(a.body, cases[i].want);
        if (strcmp(a.body, cases[i].want) != 0)
            fprintf(stderr, "\n  case %zu: got %d %s\n", i, a.status, a.body);
        CU_ASSERT_EQUAL(fake.calls, 0);
        answer_free(&a);
    }
    /* A huge after is a position past every note, not an error. */
    struct answer a;
    reset();
    add_numbered(2);
    send("GET", "/notes/", "after=99999999999999999999", NULL, NULL, &a);
    CU_ASSERT_EQUAL(a.status, 200);
    CU_ASSERT_STRING_EQUAL(a.body, "[]");
    answer_free(&a);
}

static void
test_prefer_count_exact(void)
{
    struct answer a;
    struct harness_headers h = {NULL, NULL, "count=exact", 3, NULL, NULL};

    reset();
    add_numbered(7);
    send("GET", "/notes/", "offset=2", NULL, &h, &a);
    CU_ASSERT_STRING_EQUAL(a.content_range, "2-4/7");
    CU_ASSERT_STRING_EQUAL(a.preference_applied, "count=exact");
    answer_free(&a);
    send("GET", "/notes/", "q=odd", NULL, &h, &a);
    CU_ASSERT_STRING_EQUAL(a.content_range, "0-2/4");
    answer_free(&a);
    send("GET", "/notes/", "offset=50", NULL, &h, &a);
    CU_ASSERT_STRING_EQUAL(a.content_range, "*/7");
    answer_free(&a);
    send("GET", "/notes/", "after=2", NULL, &h, &a);
    CU_ASSERT_STRING_EQUAL(a.content_range, "*/7");
    answer_free(&a);
    /* Among other preferences, any case; and not without being asked. */
    h.prefer = "return=minimal, Count=Exact";
    send("GET", "/notes/", NULL, NULL, &h, &a);
    CU_ASSERT_STRING_EQUAL(a.content_range, "0-2/7");
    answer_free(&a);
    h.prefer = "count=estimated";
    send("GET", "/notes/", NULL, NULL, &h, &a);
    CU_ASSERT_STRING_EQUAL(a.content_range, "");
    CU_ASSERT_STRING_EQUAL(a.preference_applied, "");
    answer_free(&a);
    h.prefer = NULL;
    send("GET", "/notes/", NULL, NULL, &h, &a);
    CU_ASSERT_STRING_EQUAL(a.content_range, "");
    answer_free(&a);
}

static void
test_list_unavailable(void)
{
    struct answer a;
    struct harness_headers h = {NULL, NULL, "count=exact", 3, NULL, NULL};

    reset();
    fake.unavailable = true;
    send("GET", "/notes/", NULL, NULL, &h, &a);
    CU_ASSERT_EQUAL(a.status, 503);
    CU_ASSERT_STRING_EQUAL(a.content_range, "");
    answer_free(&a);
}

int
main(void)
{
    static const struct test_case tests[] = {
        {"entity-tag lists", test_etag_lists},
        {"201 has Location and ETag", test_created_has_location_and_etag},
        {"HEAD is GET without the body", test_head_is_get_without_body},
        {"HEAD of a long list counts its length", test_head_of_a_long_list_counts_its_length},
        {"OPTIONS answers 204 with Allow", test_options_answers_allow},
        {"ETag changes with the note", test_etag_changes_with_the_note},
        {"If-None-Match", test_if_none_match},
        {"If-Match on PUT, PATCH, DELETE", test_if_match_on_writes},
        {"merge patch", test_merge_patch},
        {"merge patch validation", test_merge_patch_validation},
        {"bounded list links the next page", test_bounded_list_links_the_next_page},
        {"sort and search", test_sort_and_search},
        {"Link encodes the search", test_link_encodes_the_search},
        {"list parameter errors", test_list_parameter_errors},
        {"Prefer: count=exact", test_prefer_count_exact},
        {"list while the database is down", test_list_unavailable},
        {NULL, NULL},
    };
    return cunit_run("http", tests);
}
