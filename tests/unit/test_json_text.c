/*
 * test_json_text.c: notes written as JSON text come out byte for byte as Python's
 * json.dumps(ensure_ascii=False, separators=(",", ":")) writes them (the expectations below
 * were printed by Python), and as json-c, the writer used before, wrote every single character.
 */
#include "cunit_run.h"
#include "json_text.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *text;
    size_t len;
    const char *json;
} strings[] = {
    {"abc", 3, "\"abc\""},
    {"a\"b\\c", 5, "\"a\\\"b\\\\c\""},
    {"tab\there", 8, "\"tab\\there\""},
    {"nl\nx", 4, "\"nl\\nx\""},
    {"\b\f\r", 3, "\"\\b\\f\\r\""},
    {"\0\x01\x1f\x7f", 4, "\"\\u0000\\u0001\\u001f\x7f\""},
    {"/slash/", 7, "\"/slash/\""},
    {"\xc3\xa9\xe6\xbc\xa2\xf0\x9f\x98\x80", 9, "\"\xc3\xa9\xe6\xbc\xa2\xf0\x9f\x98\x80\""},
    {"\xe2\x80\xa8\xe2\x80\xa9", 6, "\"\xe2\x80\xa8\xe2\x80\xa9\""},
    {"", 0, "\"\""},
};

static void
test_strings_as_python_writes_them(void)
{
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        struct buf b = BUF_INIT;
        CU_ASSERT_TRUE_FATAL(json_text_string(&b, strings[i].text, strings[i].len));
        CU_ASSERT_STRING_EQUAL(buf_cstr(&b), strings[i].json);
        buf_free(&b);
    }
}

/* Every ASCII character, alone and between others, against json-c's compact writer. */
static void
test_every_ascii_character_as_json_c_writes_it(void)
{
    for (int c = 1; c < 0x80; c++) {
        char text[4] = {'a', (char)c, 'z', '\0'};
        struct json_object *expected = json_object_new_string_len(text, 3);
        const char *want = json_object_to_json_string_ext(
            expected, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        struct buf b = BUF_INIT;

        CU_ASSERT_TRUE_FATAL(json_text_string(&b, text, 3));
        CU_ASSERT_STRING_EQUAL(buf_cstr(&b), want);
        buf_free(&b);
        json_object_put(expected);
    }
}

static void
test_note_in_fastapi_field_order(void)
{
    struct note note = {.id = 2147483647, .title = "x/y", .description = "a\"b"};
    struct buf b = BUF_INIT;

    CU_ASSERT_TRUE_FATAL(json_text_note(&b, &note));
    CU_ASSERT_STRING_EQUAL(buf_cstr(&b),
                           "{\"title\":\"x/y\",\"description\":\"a\\\"b\",\"id\":2147483647}");
    buf_reset(&b);
    note.id = 1;
    CU_ASSERT_TRUE_FATAL(json_text_note(&b, &note));
    CU_ASSERT_STRING_EQUAL(buf_cstr(&b), "{\"title\":\"x/y\",\"description\":\"a\\\"b\",\"id\":1}");
    /* Every id prints as it is, down to the smallest int32 (no id is negative, but 0 is unset). */
    static const struct {
        int32_t id;
        const char *text;
    } ids[] = {{0, "0"}, {10, "10"}, {-7, "-7"}, {INT32_MIN, "-2147483648"}};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        char want[96];
        snprintf(want, sizeof(want), "{\"title\":\"x/y\",\"description\":\"a\\\"b\",\"id\":%s}",
                 ids[i].text);
        buf_reset(&b);
        note.id = ids[i].id;
        CU_ASSERT_TRUE_FATAL(json_text_note(&b, &note));
        CU_ASSERT_STRING_EQUAL(buf_cstr(&b), want);
    }
    buf_free(&b);
}

/* Appending continues what is in the buffer: a list is written into one buffer. */
static void
test_notes_append_to_what_is_there(void)
{
    struct note first = {.id = 10, .title = "one", .description = "first"};
    struct note second = {.id = 200, .title = "two", .description = "second"};
    struct buf b = BUF_INIT;

    CU_ASSERT_TRUE_FATAL(buf_append_char(&b, '[') && json_text_note(&b, &first) &&
                         buf_append_char(&b, ',') && json_text_note(&b, &second) &&
                         buf_append_char(&b, ']'));
    CU_ASSERT_STRING_EQUAL(buf_cstr(&b),
                           "[{\"title\":\"one\",\"description\":\"first\",\"id\":10},"
                           "{\"title\":\"two\",\"description\":\"second\",\"id\":200}]");
    buf_free(&b);
}

int
main(void)
{
    static const struct test_case tests[] = {
        {"strings as Python writes them", test_strings_as_python_writes_them},
        {"every ASCII character as json-c writes it",
         test_every_ascii_character_as_json_c_writes_it},
        {"a note in FastAPI's field order", test_note_in_fastapi_field_order},
        {"notes append to what is there", test_notes_append_to_what_is_there},
        {NULL, NULL},
    };
    return cunit_run("json_text", tests);
}
