/* pyjson.c: reads a JSON document exactly as CPython's json.loads does (Modules/_json.c). */
#include "pyjson.h"

#include "ascii.h"
#include "buf.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

struct scanner {
    const char *s;
    size_t len;
    struct pyjson_error *err;
};

static bool
fail(struct scanner *sc, const char *msg, size_t offset)
{
    sc->err->msg = msg;
    sc->err->offset = offset;
    return false;
}

static bool
is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t
skip_ws(const struct scanner *sc, size_t idx)
{
    while (idx < sc->len && is_ws(sc->s[idx]))
        idx++;
    return idx;
}

/* Reads 4 hex digits at idx into *cp; false if one is not a hex digit. */
static bool
read_hex4(const struct scanner *sc, size_t idx, unsigned long *cp)
{
    unsigned long v = 0;

    for (size_t i = idx; i < idx + 4; i++) {
        int h = ascii_hex_value(sc->s[i]);
        if (h < 0)
            return false;
        v = (v << 4) | (unsigned long)h;
    }
    *cp = v;
    return true;
}

static bool
out_append(struct scanner *sc, struct buf *out, const char *data, size_t n)
{
    if (buf_append(out, data, n))
        return true;
    sc->err->no_memory = true;
    return fail(sc, "out of memory", 0);
}

/* The string whose opening quote is at idx - 1 (scanstring_unicode), decoded into out. */
static bool
scan_string(struct scanner *sc, size_t idx, size_t *next_out, struct buf *out)
{
    size_t begin = idx - 1;
    size_t end = idx;

    for (;;) {
        size_t next = end;
        char c = 0;

        while (next < sc->len) {
            c = sc->s[next];
            if (c == '"' || c == '\\')
                break;
            if ((unsigned char)c <= 0x1f)
                return fail(sc, "Invalid control character at", next);
            next++;
        }
        if (next >= sc->len)
            return fail(sc, "Unterminated string starting at", begin);
        if (!out_append(sc, out, sc->s + end, next - end))
            return false;
        next++;
        if (c == '"') {
            *next_out = next;
            return true;
        }
        if (next == sc->len)
            return fail(sc, "Unterminated string starting at", begin);
        c = sc->s[next];
        if (c != 'u') {
            static const char from[] = "\"\\/bfnrt";
            static const char to[] = "\"\\/\b\f\n\r\t";
            const char *hit = strchr(from, c);
            end = next + 1;
            if (c == '\0' || hit == NULL)
                return fail(sc, "Invalid \\escape", end - 2);
            if (!out_append(sc, out, &to[hit - from], 1))
                return false;
            continue;
        }
        next++;
        end = next + 4;
        unsigned long cp;
        if (end >= sc->len)
            return fail(sc, "Invalid \\uXXXX escape", next - 1);
        if (!read_hex4(sc, next, &cp))
            return fail(sc, "Invalid \\uXXXX escape", end - 5);
        next = end;
        /* A high surrogate followed by \uXXXX: join it when that is a low surrogate. */
        if (cp >= 0xD800 && cp <= 0xDBFF && end + 6 < sc->len && sc->s[next] == '\\' &&
            sc->s[next + 1] == 'u') {
            unsigned long low;
            end += 6;
            if (!read_hex4(sc, next + 2, &low))
                return fail(sc, "Invalid \\uXXXX escape", end - 5);
            if (low >= 0xDC00 && low <= 0xDFFF)
                cp = 0x10000 + (((cp - 0xD800) << 10) | (low - 0xDC00));
            else
                end -= 6;
        }
        char utf8[4];
        if (!out_append(sc, out, utf8, utf8_encode(cp, utf8)))
            return false;
    }
}

/* A number at idx as _match_number_unicode reads it; false (no error set) if there is none. */
static bool
scan_number(const struct scanner *sc, size_t idx, size_t *next_out, bool *is_float)
{
    size_t last = sc->len - 1; /* Python's end_idx */

    *is_float = false;
    if (sc->s[idx] == '-') {
        idx++;
        if (idx > last)
            return false;
    }
    if (sc->s[idx] >= '1' && sc->s[idx] <= '9') {
        idx++;
        while (idx <= last && ascii_is_digit(sc->s[idx]))
            idx++;
    } else if (sc->s[idx] == '0') {
        idx++;
    } else {
        return false;
    }
    if (idx < last && sc->s[idx] == '.' && ascii_is_digit(sc->s[idx + 1])) {
        *is_float = true;
        idx += 2;
        while (idx <= last && ascii_is_digit(sc->s[idx]))
            idx++;
    }
    if (idx < last && (sc->s[idx] == 'e' || sc->s[idx] == 'E')) {
        size_t e_start = idx;
        idx++;
        if (idx < last && (sc->s[idx] == '-' || sc->s[idx] == '+'))
            idx++;
        while (idx <= last && ascii_is_digit(sc->s[idx]))
            idx++;
        if (ascii_is_digit(sc->s[idx - 1]))
            *is_float = true;
        else
            idx = e_start;
    }
    *next_out = idx;
    return true;
}

static bool scan_value(struct scanner *sc, size_t idx, size_t *next_out, int depth,
                       struct pyjson_node *into);

static bool
no_memory(struct scanner *sc)
{
    sc->err->no_memory = true;
    return fail(sc, "out of memory", 0);
}

static bool
set_text(struct scanner *sc, struct pyjson_node *into, const char *text, size_t n)
{
    into->text = malloc(n + 1);
    if (into->text == NULL)
        return no_memory(sc);
    memcpy(into->text, text, n);
    into->text[n] = '\0';
    into->text_len = n;
    return true;
}

/* A new, empty child at the end of parent's children. */
static struct pyjson_node *
add_child(struct scanner *sc, struct pyjson_node *parent)
{
    if (parent->nchildren == parent->cap) {
        size_t cap = parent->cap ? 2 * parent->cap : 4;
        struct pyjson_node *children = realloc(parent->children, cap * sizeof(*children));
        if (children == NULL) {
            no_memory(sc);
            return NULL;
        }
        parent->children = children;
        parent->cap = cap;
    }
    struct pyjson_node *child = &parent->children[parent->nchildren++];
    memset(child, 0, sizeof(*child));
    return child;
}

/* The object whose '{' is at idx - 1 (_parse_object_unicode). */
static bool
scan_object(struct scanner *sc, size_t idx, size_t *next_out, int depth, struct pyjson_node *obj)
{
    idx = skip_ws(sc, idx);
    if (idx >= sc->len || sc->s[idx] != '}') {
        for (;;) {
            struct buf key = BUF_INIT;
            if (idx >= sc->len || sc->s[idx] != '"')
                return fail(sc, "Expecting property name enclosed in double quotes", idx);
            if (!scan_string(sc, idx + 1, &idx, &key)) {
                buf_free(&key);
                return false;
            }
            struct pyjson_node *member = add_child(sc, obj);
            if (member == NULL) {
                buf_free(&key);
                return false;
            }
            member->key_len = key.len;
            member->key = buf_take(&key);
            if (member->key == NULL)
                return no_memory(sc);
            idx = skip_ws(sc, idx);
            if (idx >= sc->len || sc->s[idx] != ':')
                return fail(sc, "Expecting ':' delimiter", idx);
            idx = skip_ws(sc, idx + 1);
            if (!scan_value(sc, idx, &idx, depth, member))
                return false;
            idx = skip_ws(sc, idx);
            if (idx < sc->len && sc->s[idx] == '}')
                break;
            if (idx >= sc->len || sc->s[idx] != ',')
                return fail(sc, "Expecting ',' delimiter", idx);
            idx = skip_ws(sc, idx + 1);
        }
    }
    *next_out = idx + 1;
    return true;
}

/* The array whose '[' is at idx - 1 (_parse_array_unicode). */
static bool
scan_array(struct scanner *sc, size_t idx, size_t *next_out, int depth, struct pyjson_node *arr)
{
    idx = skip_ws(sc, idx);
    if (idx >= sc->len || sc->s[idx] != ']') {
        for (;;) {
            struct pyjson_node *element = add_child(sc, arr);
            if (element == NULL || !scan_value(sc, idx, &idx, depth, element))
                return false;
            idx = skip_ws(sc, idx);
            if (idx < sc->len && sc->s[idx] == ']')
                break;
            if (idx >= sc->len || sc->s[idx] != ',')
                return fail(sc, "Expecting ',' delimiter", idx);
            idx = skip_ws(sc, idx + 1);
        }
    }
    *next_out = idx + 1;
    return true;
}

static bool
matches(const struct scanner *sc, size_t idx, const char *word)
{
    size_t n = strlen(word);
    return idx + n <= sc->len && memcmp(sc->s + idx, word, n) == 0;
}

/* One value at idx into *into (scan_once_unicode). */
static bool
scan_value(struct scanner *sc, size_t idx, size_t *next_out, int depth, struct pyjson_node *into)
{
    static const struct {
        const char *word;
        enum pyjson_kind kind;
    } constants[] = {
        {"null", PYJSON_NULL}, {"true", PYJSON_TRUE},      {"false", PYJSON_FALSE},
        {"NaN", PYJSON_FLOAT}, {"Infinity", PYJSON_FLOAT}, {"-Infinity", PYJSON_FLOAT},
    };

    if (idx >= sc->len)
        return fail(sc, "Expecting value", idx);

    char c = sc->s[idx];
    if (c == '"') {
        struct buf text = BUF_INIT;
        into->kind = PYJSON_STRING;
        if (!scan_string(sc, idx + 1, next_out, &text)) {
            buf_free(&text);
            return false;
        }
        into->text_len = text.len;
        into->text = buf_take(&text);
        return into->text != NULL || no_memory(sc);
    }
    if (c == '{' || c == '[') {
        if (depth >= PYJSON_MAX_DEPTH) {
            sc->err->too_deep = true;
            return fail(sc, "maximum recursion depth exceeded", idx);
        }
        into->kind = c == '{' ? PYJSON_OBJECT : PYJSON_ARRAY;
        if (c == '{')
            return scan_object(sc, idx + 1, next_out, depth + 1, into);
        return scan_array(sc, idx + 1, next_out, depth + 1, into);
    }
    for (size_t i = 0; i < sizeof(constants) / sizeof(constants[0]); i++) {
        if (matches(sc, idx, constants[i].word)) {
            size_t n = strlen(constants[i].word);
            into->kind = constants[i].kind;
            *next_out = idx + n;
            return constants[i].kind != PYJSON_FLOAT || set_text(sc, into, sc->s + idx, n);
        }
    }
    bool is_float;
    size_t end;
    if (!scan_number(sc, idx, &end, &is_float))
        return fail(sc, "Expecting value", idx);
    if (!is_float && end - idx - (sc->s[idx] == '-') > PYJSON_MAX_INT_DIGITS) {
        sc->err->int_too_long = true;
        return fail(sc, "Exceeds the limit (4300 digits) for integer string conversion", idx);
    }
    into->kind = is_float ? PYJSON_FLOAT : PYJSON_INT;
    *next_out = end;
    return set_text(sc, into, sc->s + idx, end - idx);
}

bool
pyjson_parse(const char *text, size_t len, struct pyjson_node *root, struct pyjson_error *err)
{
    struct scanner sc = {text, len, err};
    size_t idx;

    memset(err, 0, sizeof(*err));
    memset(root, 0, sizeof(*root));
    idx = skip_ws(&sc, 0);
    if (!scan_value(&sc, idx, &idx, 0, root))
        return false;
    idx = skip_ws(&sc, idx);
    if (idx != len)
        return fail(&sc, "Extra data", idx);
    return true;
}

void
pyjson_node_clear(struct pyjson_node *node)
{
    for (size_t i = 0; i < node->nchildren; i++)
        pyjson_node_clear(&node->children[i]);
    free(node->children);
    free(node->text);
    free(node->key);
    memset(node, 0, sizeof(*node));
}

const struct pyjson_node *
pyjson_member(const struct pyjson_node *object, const char *name)
{
    size_t n = strlen(name);

    for (size_t i = object->nchildren; i-- > 0;) {
        const struct pyjson_node *m = &object->children[i];
        if (m->key_len == n && memcmp(m->key, name, n) == 0)
            return m;
    }
    return NULL;
}
