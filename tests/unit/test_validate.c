/* test_validate.c: tables of cases for UTF-8, the Python-compatible JSON reader and the rules. */
#include "cunit_run.h"
#include "pyjson.h"
#include "utf8.h"
#include "validate.h"

#include <string.h>

static void
test_utf8_validate(void)
{
    static const struct {
        const char *text;
        bool valid;
        size_t bad;
    } cases[] = {
        {"plain ascii", true, 0},
        {"caf\xC3\xA9", true, 0},
        {"\xF0\x9F\x98\x80 emoji", true, 0},
        {"\xEF\xBF\xBD", true, 0},      /* U+FFFD itself is fine */
        {"\xF4\x8F\xBF\xBF", true, 0},  /* U+10FFFF, the last code point */
        {"a\xC0\x80", false, 1},        /* overlong NUL */
        {"ab\xE0\x80\xAF", false, 2},   /* overlong '/' */
        {"\xED\xA0\x80", false, 0},     /* a surrogate, U+D800 */
        {"\xF4\x90\x80\x80", false, 0}, /* beyond U+10FFFF */
        {"x\xE2\x82", false, 1},        /* truncated */
        {"\x80", false, 0},             /* a lone continuation byte */
        {"ok\xFF", false, 2},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t bad = 999;
        bool valid = utf8_validate(cases[i].text, strlen(cases[i].text), &bad);
        CU_ASSERT_EQUAL(valid, cases[i].valid);
        if (!cases[i].valid)
            CU_ASSERT_EQUAL(bad, cases[i].bad);
    }
}

static void
test_utf8_count(void)
{
    CU_ASSERT_EQUAL(utf8_count("", 0), 0);
    CU_ASSERT_EQUAL(utf8_count("abc", 3), 3);
    CU_ASSERT_EQUAL(utf8_count("\xC3\xA9\xC3\xA9", 4), 2);                     /* 2 x é */
    CU_ASSERT_EQUAL(utf8_count("\xF0\x9F\x98\x80!", 5), 2);                    /* emoji + ! */
    CU_ASSERT_EQUAL(utf8_count("\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC", 9), 3); /* 3 x € */
}

/* Malformed documents: Python's message and the byte offset it points at. */
static void
test_pyjson_errors(void)
{
    static const struct {
        const char *text;
        const char *msg;
        size_t offset;
    } cases[] = {
        {"", "Expecting value", 0},
        {"   ", "Expecting value", 3},
        {"{", "Expecting property name enclosed in double quotes", 1},
        {"{'a': 1}", "Expecting property name enclosed in double quotes", 1},
        {"{\"a\" 1}", "Expecting ':' delimiter", 5},
        {"{\"a\":}", "Expecting value", 5},
        {"{\"a\":1 \"b\":2}", "Expecting ',' delimiter", 7},
        {"{\"a\":1,}", "Expecting property name enclosed in double quotes", 7},
        {"[1,]", "Expecting value", 3},
        {"[1 2]", "Expecting ',' delimiter", 3},
        {"[", "Expecting value", 1},
        {"\"abc", "Unterminated string starting at", 0},
        {"{\"a\": \"x\ty\"}", "Invalid control character at", 8},
        {"\"\\x\"", "Invalid \\escape", 1},
        {"{} x", "Extra data", 3},
        {"nul", "Expecting value", 0},
        {"tru", "Expecting value", 0},
        {"-", "Expecting value", 0},
        {"01", "Extra data", 1},
        {"1.", "Extra data", 1},
        {"True", "Expecting value", 0},
        {"{\"title\": \"a\" , }", "Expecting property name enclosed in double quotes", 16},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pyjson_node root;
        struct pyjson_error err;
        bool ok = pyjson_parse(cases[i].text, strlen(cases[i].text), &root, &err);
        pyjson_node_clear(&root);
        CU_ASSERT_FALSE(ok);
        if (ok)
            continue;
        CU_ASSERT_STRING_EQUAL(err.msg, cases[i].msg);
        CU_ASSERT_EQUAL(err.offset, cases[i].offset);
        if (strcmp(err.msg, cases[i].msg) != 0 || err.offset != cases[i].offset)
            fprintf(stderr, "case %s: got %s at %zu\n", cases[i].text, err.msg, err.offset);
    }
}

static void
test_pyjson_too_deep(void)
{
    char doc[2 * PYJSON_MAX_DEPTH + 8];
    struct pyjson_node root;
    struct pyjson_error err;
    size_t n = PYJSON_MAX_DEPTH + 1;

    memset(doc, '[', n);
    memset(doc + n, ']', n);
    CU_ASSERT_FALSE(pyjson_parse(doc, 2 * n, &root, &err));
    CU_ASSERT_TRUE(err.too_deep);
    pyjson_node_clear(&root);
    /* One level less is fine. */
    CU_ASSERT_TRUE(pyjson_parse(doc + 1, 2 * n - 2, &root, &err));
    CU_ASSERT_EQUAL(root.kind, PYJSON_ARRAY);
    pyjson_node_clear(&root);
}

static void
test_pyjson_values(void)
{
    static const char doc[] = " {\"title\": \"first\", \"x\": [1, {\"title\": 2}], \"title\": "
                              "\"caf\\u00e9 \\ud83d\\ude00\","
                              " \"description\": 1.50e1} ";
    struct pyjson_node root;
    struct pyjson_error err;

    CU_ASSERT_TRUE(pyjson_parse(doc, strlen(doc), &root, &err));
    CU_ASSERT_EQUAL(root.kind, PYJSON_OBJECT);
    CU_ASSERT_EQUAL(root.nchildren, 4);
    /* The last title wins, as in a Python dict; nested members are not top-level. */
    const struct pyjson_node *title = pyjson_member(&root, "title");
    const struct pyjson_node *description = pyjson_member(&root, "description");
    CU_ASSERT_FATAL(title != NULL && description != NULL);
    CU_ASSERT_EQUAL(title->kind, PYJSON_STRING);
    CU_ASSERT_STRING_EQUAL(title->text, "caf\xC3\xA9 \xF0\x9F\x98\x80");
    CU_ASSERT_EQUAL(description->kind, PYJSON_FLOAT);
    CU_ASSERT_STRING_EQUAL(description->text, "1.50e1");
    CU_ASSERT_PTR_NULL(pyjson_member(&root, "missing"));
    pyjson_node_clear(&root);

    /* A lone surrogate escape survives as invalid UTF-8, a \u0000 as a NUL byte. */
    static const char odd[] = "{\"title\": \"a\\ud800b\", \"description\": \"x\\u0000y\"}";
    CU_ASSERT_TRUE(pyjson_parse(odd, strlen(odd), &root, &err));
    title = pyjson_member(&root, "title");
    description = pyjson_member(&root, "description");
    CU_ASSERT_FALSE(utf8_validate(title->text, title->text_len, NULL));
    CU_ASSERT_EQUAL(utf8_count(title->text, title->text_len), 3);
    CU_ASSERT_EQUAL(description->text_len, 3);
    CU_ASSERT_EQUAL(description->text[1], '\0');
    pyjson_node_clear(&root);

    static const char *const tops[] = {"[]", "\"s\"", "12", "null", "NaN", "-Infinity", "true"};
    static const enum pyjson_kind kinds[] = {PYJSON_ARRAY, PYJSON_STRING, PYJSON_INT, PYJSON_NULL,
                                             PYJSON_FLOAT, PYJSON_FLOAT,  PYJSON_TRUE};
    for (size_t i = 0; i < sizeof(tops) / sizeof(tops[0]); i++) {
        CU_ASSERT_TRUE(pyjson_parse(tops[i], strlen(tops[i]), &root, &err));
        CU_ASSERT_EQUAL(root.kind, kinds[i]);
        pyjson_node_clear(&root);
    }
}

static void
test_pyjson_huge_integer(void)
{
    char doc[PYJSON_MAX_INT_DIGITS + 2];
    struct pyjson_node root;
    struct pyjson_error err;

    memset(doc, '7', sizeof(doc) - 1);
    doc[sizeof(doc) - 1] = '\0';
    CU_ASSERT_FALSE(pyjson_parse(doc, strlen(doc), &root, &err));
    CU_ASSERT_TRUE(err.int_too_long);
    pyjson_node_clear(&root);
    CU_ASSERT_TRUE(pyjson_parse(doc, PYJSON_MAX_INT_DIGITS, &root, &err));
    pyjson_node_clear(&root);
}

static void
test_validate_id(void)
{
    static const struct {
        const char *text;
        enum id_check check;
        int32_t id;
        const char *type; /* the error's type when invalid */
    } cases[] = {
        {"1", ID_VALID, 1, NULL},
        {" 1 ", ID_VALID, 1, NULL},
        {"+5", ID_VALID, 5, NULL},
        {"1_0", ID_VALID, 10, NULL},
        {"007", ID_VALID, 7, NULL},
        {"2147483647", ID_VALID, 2147483647, NULL},
        {"2147483648", ID_TOO_LARGE, 0, NULL},
        {"99999999999999999999999999", ID_TOO_LARGE, 0, NULL},
        {"0", ID_INVALID, 0, "value_error.number.not_gt"},
        {"-1", ID_INVALID, 0, "value_error.number.not_gt"},
        {"-99999999999999999999", ID_INVALID, 0, "value_error.number.not_gt"},
        {"abc", ID_INVALID, 0, "type_error.integer"},
        {"1.5", ID_INVALID, 0, "type_error.integer"},
        {"1e3", ID_INVALID, 0, "type_error.integer"},
        {"_1", ID_INVALID, 0, "type_error.integer"},
        {"1_", ID_INVALID, 0, "type_error.integer"},
        {"1__0", ID_INVALID, 0, "type_error.integer"},
        {"+", ID_INVALID, 0, "type_error.integer"},
        {" ", ID_INVALID, 0, "type_error.integer"},
        {"0x10", ID_INVALID, 0, "type_error.integer"},
        {"\xD9\xA1\xD9\xA2", ID_VALID, 12, NULL}, /* Arabic-Indic 12 */
        {"\xC2\xA0"
         "7\xE2\x80\x83",
         ID_VALID, 7, NULL}, /* no-break and em spaces */
        {"\x1F"
         "3",
         ID_VALID, 3, NULL}, /* Python strips \x1c-\x1f too */
        {"\xC3\xA9", ID_INVALID, 0, "type_error.integer"},
        {"-0", ID_INVALID, 0, "value_error.number.not_gt"},
        {"00", ID_INVALID, 0, "value_error.number.not_gt"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct json_object *detail = json_object_new_array();
        int32_t id = 0;
        enum id_check check = validate_id(cases[i].text, strlen(cases[i].text), &id, detail);

        CU_ASSERT_EQUAL(check, cases[i].check);
        if (check != cases[i].check)
            fprintf(stderr, "id case '%s': got %d\n", cases[i].text, (int)check);
        if (cases[i].check == ID_VALID)
            CU_ASSERT_EQUAL(id, cases[i].id);
        if (cases[i].type != NULL && json_object_array_length(detail) == 1) {
            struct json_object *item = json_object_array_get_idx(detail, 0), *type;
            json_object_object_get_ex(item, "type", &type);
            CU_ASSERT_STRING_EQUAL(json_object_get_string(type), cases[i].type);
        } else {
            CU_ASSERT_EQUAL(json_object_array_length(detail), cases[i].type != NULL ? 1 : 0);
        }
        json_object_put(detail);
    }
}

/* Non-string titles become Python's str() of the value, as pydantic v1 coerces them. */
static void
test_python_str(void)
{
    static const struct {
        enum pyjson_kind kind;
        const char *literal;
        const char *str;
    } cases[] = {
        {PYJSON_FLOAT, "1.5", "1.5"},
        {PYJSON_FLOAT, "1e20", "1e+20"},
        {PYJSON_FLOAT, "100.0", "100.0"},
        {PYJSON_FLOAT, "1E2", "100.0"},
        {PYJSON_FLOAT, "1e16", "1e+16"},
        {PYJSON_FLOAT, "1e15", "1000000000000000.0"},
        {PYJSON_FLOAT, "0.0001", "0.0001"},
        {PYJSON_FLOAT, "0.00001", "1e-05"},
        {PYJSON_FLOAT, "-0.0", "-0.0"},
        {PYJSON_FLOAT, "0.1", "0.1"},
        {PYJSON_FLOAT, "1.50e1", "15.0"},
        {PYJSON_FLOAT, "123456789.123", "123456789.123"},
        {PYJSON_FLOAT, "1e400", "inf"},
        {PYJSON_FLOAT, "NaN", "nan"},
        {PYJSON_FLOAT, "-Infinity", "-inf"},
        {PYJSON_FLOAT, "1.7976931348623157e308", "1.7976931348623157e+308"},
        {PYJSON_INT, "-0", "0"},
        {PYJSON_INT, "12345678901234567890123", "12345678901234567890123"},
        {PYJSON_TRUE, NULL, "True"},
        {PYJSON_FALSE, NULL, "False"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pyjson_node v = {.kind = cases[i].kind,
                                .text = (char *)cases[i].literal,
                                .text_len =
                                    cases[i].literal != NULL ? strlen(cases[i].literal) : 0};
        char out[64];
        CU_ASSERT_TRUE(python_str_of(&v, out, sizeof(out)));
        CU_ASSERT_STRING_EQUAL(out, cases[i].str);
        if (strcmp(out, cases[i].str) != 0)
            fprintf(stderr, "str(%s): got %s\n", cases[i].literal, out);
    }
}

int
main(void)
{
    static const struct test_case tests[] = {
        {"utf8_validate", test_utf8_validate},
        {"utf8_count", test_utf8_count},
        {"pyjson errors match Python's json", test_pyjson_errors},
        {"pyjson nesting limit", test_pyjson_too_deep},
        {"pyjson values", test_pyjson_values},
        {"pyjson integer digit limit", test_pyjson_huge_integer},
        {"validate_id", test_validate_id},
        {"python str() of numbers", test_python_str},
        {NULL, NULL},
    };
    return cunit_run("validate", tests);
}
