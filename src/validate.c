/* validate.c: the API's input rules with FastAPI's error wording. */
#include "validate.h"

#include "pyint.h"
#include "utf8.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
validation_add(struct json_object *detail, struct json_object *loc, const char *msg,
               const char *type, struct json_object *ctx)
{
    struct json_object *item = json_object_new_object();

    json_object_object_add(item, "loc", loc);
    json_object_object_add(item, "msg", json_object_new_string(msg));
    json_object_object_add(item, "type", json_object_new_string(type));
    if (ctx != NULL)
        json_object_object_add(item, "ctx", ctx);
    json_object_array_add(detail, item);
}

struct json_object *
validation_loc(const char *first, const char *second)
{
    struct json_object *loc = json_object_new_array();

    json_object_array_add(loc, json_object_new_string(first));
    if (second != NULL)
        json_object_array_add(loc, json_object_new_string(second));
    return loc;
}

static struct json_object *
limit_ctx(long long limit)
{
    struct json_object *ctx = json_object_new_object();

    json_object_object_add(ctx, "limit_value", json_object_new_int64(limit));
    return ctx;
}

enum id_check
validate_id(const char *text, size_t len, int32_t *id, struct json_object *detail)
{
    struct pyint n;

    if (!pyint_parse(text, len, NOTE_ID_MAX, &n)) {
        validation_add(detail, validation_loc("path", "id"), "value is not a valid integer",
                       "type_error.integer", NULL);
        return ID_INVALID;
    }
    if (n.negative || n.zero) {
        validation_add(detail, validation_loc("path", "id"), "ensure this value is greater than 0",
                       "value_error.number.not_gt", limit_ctx(0));
        return ID_INVALID;
    }
    if (n.big)
        return ID_TOO_LARGE;
    *id = (int32_t)n.value;
    return ID_VALID;
}

/* Python's repr() of a float: the shortest round-trip digits, fixed or scientific. */
static void
python_float_repr(double d, char *out, size_t out_size)
{
    char sci[40], digits[24];
    int exp10 = 0, ndigits = 0;

    if (isnan(d)) {
        snprintf(out, out_size, "nan");
        return;
    }
    if (isinf(d)) {
        snprintf(out, out_size, d > 0 ? "inf" : "-inf");
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(sci, sizeof(sci), "%.*e", prec - 1, d);
        if (strtod(sci, NULL) == d)
            break;
    }
    /* sci is "[-]D[.DDD]e[+-]XX": collect the digits and the exponent. */
    const char *p = sci;
    bool negative = *p == '-';
    if (negative)
        p++;
    for (; *p != 'e'; p++) {
        if (*p != '.')
            digits[ndigits++] = *p;
    }
    exp10 = atoi(p + 1);
    while (ndigits > 1 && digits[ndigits - 1] == '0')
        ndigits--;
    digits[ndigits] = '\0';

    size_t n = 0;
    if (negative)
        n += (size_t)snprintf(out + n, out_size - n, "-");
    if (exp10 >= -4 && exp10 < 16) {
        if (exp10 >= 0) {
            for (int i = 0; i <= exp10; i++)
                n += (size_t)snprintf(out + n, out_size - n, "%c", i < ndigits ? digits[i] : '0');
            n += (size_t)snprintf(out + n, out_size - n, ".%s",
                                  exp10 + 1 < ndigits ? digits + exp10 + 1 : "0");
        } else {
            n += (size_t)snprintf(out + n, out_size - n, "0.");
            for (int i = 0; i < -exp10 - 1; i++)
                n += (size_t)snprintf(out + n, out_size - n, "0");
            snprintf(out + n, out_size - n, "%s", digits);
        }
    } else {
        n += (size_t)snprintf(out + n, out_size - n, "%c", digits[0]);
        if (ndigits > 1)
            n += (size_t)snprintf(out + n, out_size - n, ".%s", digits + 1);
        snprintf(out + n, out_size - n, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
    }
}

/* Python's str(int(literal)): the literal with "-0" written as "0". */
static bool
python_int_str(const char *literal, char *out, size_t out_size)
{
    if (strcmp(literal, "-0") == 0)
        literal = "0";
    return (size_t)snprintf(out, out_size, "%s", literal) < out_size;
}

bool
python_str_of(const struct pyjson_node *v, char *out, size_t out_size)
{
    switch (v->kind) {
    case PYJSON_TRUE:
        snprintf(out, out_size, "True");
        return true;
    case PYJSON_FALSE:
        snprintf(out, out_size, "False");
        return true;
    case PYJSON_INT:
        return python_int_str(v->text, out, out_size);
    case PYJSON_FLOAT:
        if (strcmp(v->text, "NaN") == 0)
            snprintf(out, out_size, "nan");
        else if (strcmp(v->text, "Infinity") == 0)
            snprintf(out, out_size, "inf");
        else if (strcmp(v->text, "-Infinity") == 0)
            snprintf(out, out_size, "-inf");
        else
            python_float_repr(strtod(v->text, NULL), out, out_size);
        return true;
    default:
        return false;
    }
}

/*
 * One str field as pydantic checks it (required, not None, a str or a number coerced to one,
 * 3 to 50 characters); on success *text and *len point at the value, in v or in number.
 */
static bool
check_text_field_range(const char *name, const struct pyjson_node *v, char number[64],
                       const char **text, size_t *len, size_t min, size_t max,
                       struct json_object *detail)
{
    char msg[64];

    if (v == NULL) {
        validation_add(detail, validation_loc("body", name), "field required",
                       "value_error.missing", NULL);
        return false;
    }
    switch (v->kind) {
    case PYJSON_NULL:
        validation_add(detail, validation_loc("body", name), "none is not an allowed value",
                       "type_error.none.not_allowed", NULL);
        return false;
    case PYJSON_ARRAY:
    case PYJSON_OBJECT:
        validation_add(detail, validation_loc("body", name), "str type expected", "type_error.str",
                       NULL);
        return false;
    case PYJSON_STRING:
        *text = v->text;
        *len = v->text_len;
        break;
    default:
        if (v->kind == PYJSON_INT && v->text_len >= 64) {
            /* Far more than 50 digits: too long whatever it says. */
            *text = v->text;
            *len = v->text_len;
        } else {
            python_str_of(v, number, 64);
            *text = number;
            *len = strlen(number);
        }
        break;
    }
    size_t chars = utf8_count(*text, *len);
    if (chars < min) {
        snprintf(msg, sizeof(msg), "ensure this value has at least %zu characters", min);
        validation_add(detail, validation_loc("body", name), msg, "value_error.any_str.min_length",
                       limit_ctx((long long)min));
        return false;
    }
    if (chars > max) {
        snprintf(msg, sizeof(msg), "ensure this value has at most %zu characters", max);
        validation_add(detail, validation_loc("body", name), msg, "value_error.any_str.max_length",
                       limit_ctx((long long)max));
        return false;
    }
    return true;
}

static bool
check_text_field(const char *name, const struct pyjson_node *v, char number[64], const char **text,
                 size_t *len, struct json_object *detail)
{
    return check_text_field_range(name, v, number, text, len, NOTE_TEXT_MIN_CHARS,
                                  NOTE_TEXT_MAX_CHARS, detail);
}

/*
 * What pydantic accepts but Postgres cannot store (the reference answers 500 there): a NUL
 * character or a lone surrogate. Copies an acceptable value into dest.
 */
static bool
check_storable(const char *name, const char *text, size_t len, char *dest,
               struct json_object *detail)
{
    if (!utf8_validate(text, len, NULL)) {
        validation_add(detail, validation_loc("body", name),
                       "string contains an unpaired surrogate (\\ud800-\\udfff escape), which "
                       "cannot be stored",
                       "value_error.str.surrogate", NULL);
        return false;
    }
    if (memchr(text, '\0', len) != NULL) {
        validation_add(detail, validation_loc("body", name),
                       "string contains a NUL character (\\u0000), which cannot be stored",
                       "value_error.str.nul", NULL);
        return false;
    }
    memcpy(dest, text, len);
    dest[len] = '\0';
    return true;
}

/* One field of a merge patch: absent is fine, present is checked as in a full note. */
static bool
check_patch_field(const char *name, const struct pyjson_node *v, char number[64], const char **text,
                  size_t *len, struct json_object *detail)
{
    if (v == NULL) {
        *text = NULL;
        return true;
    }
    return check_text_field(name, v, number, text, len, detail);
}

bool
validate_note_patch(const struct pyjson_node *title, const struct pyjson_node *description,
                    struct note *out, struct json_object *detail)
{
    char title_number[64], description_number[64];
    const char *title_text = NULL, *description_text = NULL;
    size_t title_len = 0, description_len = 0;

    out->title[0] = out->description[0] = '\0';
    bool title_ok =
        check_patch_field("title", title, title_number, &title_text, &title_len, detail);
    bool description_ok = check_patch_field("description", description, description_number,
                                            &description_text, &description_len, detail);
    if (!title_ok || !description_ok)
        return false;
    title_ok =
        title_text == NULL || check_storable("title", title_text, title_len, out->title, detail);
    description_ok =
        description_text == NULL ||
        check_storable("description", description_text, description_len, out->description, detail);
    return title_ok && description_ok;
}

bool
validate_note_fields(const struct pyjson_node *title, const struct pyjson_node *description,
                     struct note *out, struct json_object *detail)
{
    char title_number[64], description_number[64];
    const char *title_text = NULL, *description_text = NULL;
    size_t title_len = 0, description_len = 0;

    bool title_ok = check_text_field("title", title, title_number, &title_text, &title_len, detail);
    bool description_ok = check_text_field("description", description, description_number,
                                           &description_text, &description_len, detail);
    if (!title_ok || !description_ok)
        return false;
    title_ok = check_storable("title", title_text, title_len, out->title, detail);
    description_ok =
        check_storable("description", description_text, description_len, out->description, detail);
    return title_ok && description_ok;
}

bool
validate_user_fields(const struct pyjson_node *username, const struct pyjson_node *password,
                     struct user_input *out, struct json_object *detail)
{
    char username_number[64], password_number[64];
    const char *username_text = NULL, *password_text = NULL;
    size_t username_len = 0, password_len = 0;

    bool username_ok =
        check_text_field_range("username", username, username_number, &username_text, &username_len,
                               USER_NAME_MIN_CHARS, USER_NAME_MAX_CHARS, detail);
    bool password_ok =
        check_text_field_range("password", password, password_number, &password_text, &password_len,
                               USER_PASSWORD_MIN_CHARS, USER_PASSWORD_MAX_CHARS, detail);
    if (!username_ok || !password_ok)
        return false;
    username_ok = check_storable("username", username_text, username_len, out->username, detail);
    password_ok = check_storable("password", password_text, password_len, out->password, detail);
    out->password_len = password_len;
    return username_ok && password_ok;
}

bool
validate_query_count(const struct request *req, const char *name, long long *value,
                     struct json_object *detail)
{
    struct buf text = BUF_INIT;
    bool ok = true;

    if (request_query_param(req, name, &text)) {
        struct pyint n;
        if (!pyint_parse(buf_cstr(&text), text.len, NOTE_ID_MAX, &n)) {
            validation_add(detail, validation_loc("query", name), "value is not a valid integer",
                           "type_error.integer", NULL);
            ok = false;
        } else if (n.negative && !n.zero) {
            validation_add(detail, validation_loc("query", name),
                           "ensure this value is greater than or equal to 0",
                           "value_error.number.not_ge", limit_ctx(0));
            ok = false;
        } else {
            /* Beyond 2^31 the answer is the same as for 2^31: all the table can hold. */
            *value = n.big ? (long long)NOTE_ID_MAX + 1 : n.value;
        }
    }
    buf_free(&text);
    return ok;
}

const char *const validate_sort_names[] = {
    "id", "-id", "title", "-title", "created_date", "-created_date", NULL,
};

/* pydantic v1's enum error for ?sort=, listing what it accepts. */
static void
add_sort_error(struct json_object *detail)
{
    char msg[160] = "value is not a valid enumeration member; permitted: ";
    struct json_object *values = json_object_new_array();

    for (size_t i = 0; validate_sort_names[i] != NULL; i++) {
        size_t n = strlen(msg);
        snprintf(msg + n, sizeof(msg) - n, "%s'%s'", i > 0 ? ", " : "", validate_sort_names[i]);
        json_object_array_add(values, json_object_new_string(validate_sort_names[i]));
    }
    struct json_object *ctx = json_object_new_object();
    json_object_object_add(ctx, "enum_values", values);
    validation_add(detail, validation_loc("query", "sort"), msg, "type_error.enum", ctx);
}

static bool
check_sort(const struct request *req, int *order, struct json_object *detail)
{
    struct buf text = BUF_INIT;
    bool ok = true;

    if (request_query_param(req, "sort", &text)) {
        ok = false;
        for (int i = 0; validate_sort_names[i] != NULL; i++) {
            if (strcmp(buf_cstr(&text), validate_sort_names[i]) == 0 &&
                strlen(validate_sort_names[i]) == text.len) {
                *order = i;
                ok = true;
            }
        }
        if (!ok)
            add_sort_error(detail);
    }
    buf_free(&text);
    return ok;
}

static bool
check_after(const struct request *req, int32_t *after, struct json_object *detail)
{
    struct buf text = BUF_INIT;
    bool ok = true;

    if (request_query_param(req, "after", &text)) {
        struct pyint n;
        if (!pyint_parse(buf_cstr(&text), text.len, NOTE_ID_MAX, &n)) {
            validation_add(detail, validation_loc("query", "after"), "value is not a valid integer",
                           "type_error.integer", NULL);
            ok = false;
        } else if (n.negative || n.zero) {
            validation_add(detail, validation_loc("query", "after"),
                           "ensure this value is greater than 0", "value_error.number.not_gt",
                           limit_ctx(0));
            ok = false;
        } else {
            /* Beyond 2^31 no note can follow: the same as after the largest possible id. */
            *after = n.big ? NOTE_ID_MAX : (int32_t)n.value;
        }
    }
    buf_free(&text);
    return ok;
}

static bool
check_search(const struct request *req, struct buf *search, struct json_object *detail)
{
    buf_reset(search);
    if (!request_query_param(req, "q", search) || search->len == 0)
        return true;
    if (!utf8_validate(search->data, search->len, NULL) ||
        memchr(search->data, '\0', search->len) != NULL) {
        validation_add(detail, validation_loc("query", "q"),
                       "string is not valid UTF-8 text without NUL characters", "value_error.str",
                       NULL);
        return false;
    }
    if (utf8_count(search->data, search->len) > VALIDATE_SEARCH_MAX_CHARS) {
        validation_add(detail, validation_loc("query", "q"),
                       "ensure this value has at most 50 characters",
                       "value_error.any_str.max_length", limit_ctx(VALIDATE_SEARCH_MAX_CHARS));
        return false;
    }
    return true;
}

bool
validate_list_params(const struct request *req, int *order, int32_t *after, struct buf *search,
                     struct json_object *detail)
{
    bool sort_ok = check_sort(req, order, detail);
    bool after_ok = check_after(req, after, detail);
    bool search_ok = check_search(req, search, detail);
    return sort_ok && after_ok && search_ok;
}
