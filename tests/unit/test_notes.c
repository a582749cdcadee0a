/*
 * test_notes.c: the tutorial's 15 tests (tests/test_ping.py and tests/test_notes.py), one for
 * one, with the handlers called directly against the in-memory fake store instead of crud.
 */
#include "cunit_run.h"
#include "fake_store.h"
#include "harness.h"

#include <string.h>

static struct fake_store fake;
static struct store store;

static void
reset(void)
{
    fake_store_init(&fake);
    store = fake_store_store(&fake);
}

/* test_ping.py: test_ping */
static void
test_ping(void)
{
    struct answer a;

    reset();
    harness_json(&store, "GET", "/ping", NULL, &a);
    CU_ASSERT_EQUAL(a.status, 200);
    CU_ASSERT(answer_json_equals(&a, "{\"ping\": \"pong!\"}"));
    answer_free(&a);
}

static void
test_create_note(void)
{
    struct answer a;

    reset();
    harness_json(&store, "POST", "/notes/",
                 "{\"title\": \"something\", \"description\": \"something else\"}", &a);
    CU_ASSERT_EQUAL(a.status, 201);
    CU_ASSERT(answer_json_equals(
        &a, "{\"id\": 1, \"title\": \"something\", \"description\": \"something else\"}"));
    CU_ASSERT_EQUAL(fake.count, 1);
    answer_free(&a);
}

static void
test_create_note_invalid_json(void)
{
    struct answer a;

    reset();
    harness_json(&store, "POST", "/notes/", "{\"title\": \"something\"}", &a);
    CU_ASSERT_EQUAL(a.status, 422);
    answer_free(&a);
    harness_json(&store, "POST", "/notes/", "{\"title\": \"1\", \"description\": \"2\"}", &a);
    CU_ASSERT_EQUAL(a.status, 422);
    answer_free(&a);
    CU_ASSERT_EQUAL(fake.calls, 0); /* invalid input never reaches the store */
}

static void
test_read_note(void)
{
    struct answer a;

    reset();
    fake_store_add(&fake, "something", "something else");
    harness_json(&store, "GET", "/notes/1", NULL, &a);
    CU_ASSERT_EQUAL(a.status, 200);
    CU_ASSERT(answer_json_equals(
        &a, "{\"id\": 1, \"title\": \"something\", \"description\": \"something else\"}"));
    answer_free(&a);
}

static void
test_read_note_incorrect_id(void)
{
    struct answer a;

    reset();
    harness_json(&store, "GET", "/notes/999", NULL, &a);
    CU_ASSERT_EQUAL(a.status, 404);
    CU_ASSERT(answer_json_equals(&a, "{\"detail\": \"Note not found\"}"));
    answer_free(&a);
    harness_json(&store, "GET", "/notes/0", NULL, &a);
    CU_ASSERT_EQUAL(a.status, 422);
    answer_free(&a);
}

static void
test_read_all_notes(void)
{
    struct answer a;

    reset();
    fake_store_add(&fake, "something", "something else");
    fake_store_add(&fake, "someone", "someone else");
    harness_json(&store, "GET", "/notes/", NULL, &a);
    CU_ASSERT_EQUAL(a.status, 200);
    CU_ASSERT(answer_json_equals(
        &a, "[{\"title\": \"something\", \"description\": \"something else\", \"id\": 1},"
            " {\"title\": \"someone\", \"description\": \"someone else\", \"id\": 2}]"));
    answer_free(&a);
}

static void
test_update_note(void)
{
    const char *update = "{\"title\": \"someone\", \"description\": \"someone else\", \"id\": 1}";
    struct answer a;

    reset();
    fake_store_add(&fake, "something", "something else");
    harness_json(&store, "PUT", "/notes/1/", update, &a);
    CU_ASSERT_EQUAL(a.status, 200);
    CU_ASSERT(answer_json_equals(&a, update));
    CU_ASSERT_STRING_EQUAL(fake.notes[0].title, "someone");
    answer_free(&a);
}

/* test_update_note_invalid is parametrized: six cases, six tests, as pytest counts them. */
static void
update_invalid(const char *path, const char *payload, int status)
{
    struct answer a;

    reset();
    fake_store_add(&fake, "something", "something else");
    harness_json(&store, "PUT", path, payload, &a);
    CU_ASSERT_EQUAL(a.status, status);
    CU_ASSERT_STRING_EQUAL(fake.notes[0].title, "something"); /* nothing changed */
    answer_free(&a);
}

static void
test_update_note_invalid_empty(void)
{
    update_invalid("/notes/1/", "{}", 422);
}

static void
test_update_note_invalid_no_title(void)
{
    update_invalid("/notes/1/", "{\"description\": \"bar\"}", 422);
}

static void
test_update_note_invalid_missing_id(void)
{
    update_invalid("/notes/999/", "{\"title\": \"foo\", \"description\": \"bar\"}", 404);
}

static void
test_update_note_invalid_short_title(void)
{
    update_invalid("/notes/1/", "{\"title\": \"1\", \"description\": \"bar\"}", 422);
}

static void
test_update_note_invalid_short_description(void)
{
    update_invalid("/notes/1/", "{\"title\": \"foo\", \"description\": \"1\"}", 422);
}

static void
test_update_note_invalid_zero_id(void)
{
    update_invalid("/notes/0/", "{\"title\": \"foo\", \"description\": \"bar\"}", 422);
}

static void
test_remove_note(void)
{
    struct answer a;

    reset();
    fake_store_add(&fake, "something", "something else");
    harness_json(&store, "DELETE", "/notes/1/", NULL, &a);
    CU_ASSERT_EQUAL(a.status, 200);
    CU_ASSERT(answer_json_equals(
        &a, "{\"title\": \"something\", \"description\": \"something else\", \"id\": 1}"));
    CU_ASSERT_EQUAL(fake.count, 0);
    answer_free(&a);
}

static void
test_remove_note_incorrect_id(void)
{
    struct answer a;

    reset();
    harness_json(&store, "DELETE", "/notes/999/", NULL, &a);
    CU_ASSERT_EQUAL(a.status, 404);
    CU_ASSERT(answer_json_equals(&a, "{\"detail\": \"Note not found\"}"));
    answer_free(&a);
    harness_json(&store, "DELETE", "/notes/0/", NULL, &a);
    CU_ASSERT_EQUAL(a.status, 422);
    answer_free(&a);
}

int
main(void)
{
    static const struct test_case cases[] = {
        {"test_ping", test_ping},
        {"test_create_note", test_create_note},
        {"test_create_note_invalid_json", test_create_note_invalid_json},
        {"test_read_note", test_read_note},
        {"test_read_note_incorrect_id", test_read_note_incorrect_id},
        {"test_read_all_notes", test_read_all_notes},
        {"test_update_note", test_update_note},
        {"test_update_note_invalid[1-{}-422]", test_update_note_invalid_empty},
        {"test_update_note_invalid[1-description-422]", test_update_note_invalid_no_title},
        {"test_update_note_invalid[999-valid-404]", test_update_note_invalid_missing_id},
        {"test_update_note_invalid[1-short title-422]", test_update_note_invalid_short_title},
        {"test_update_note_invalid[1-short description-422]",
         test_update_note_invalid_short_description},
        {"test_update_note_invalid[0-valid-422]", test_update_note_invalid_zero_id},
        {"test_remove_note", test_remove_note},
        {"test_remove_note_incorrect_id", test_remove_note_incorrect_id},
        {NULL, NULL},
    };
    return cunit_run("tutorial", cases);
}
