/*
 * test_auth.c: NOTES_AUTH=on. The password and token code against known vectors (argon2's
 * reference vector, SHA-256's FIPS 180-2 examples), the Authorization and form parsers on
 * tables of cases, and the whole account flow through the handlers against the fake store.
 */
#include "auth.h"
#include "cunit_run.h"
#include "fake_store.h"
#include "form.h"
#include "harness.h"
#include "password.h"
#include "router.h"
#include "token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct fake_store fake;
static struct store store;
static const struct auth_settings auth_on = {1800};

static void
reset(void)
{
    fake_store_init(&fake);
    store = fake_store_store(&fake);
}

#define ASSERT_ANSWER(a, want_status, want_body)                                                   \
    do {                                                                                           \
        CU_ASSERT_EQUAL((a).status, (want_status));                                                \
        CU_ASSERT_STRING_EQUAL((a).body, (want_body));                                             \
        if ((a).status != (want_status) || strcmp((a).body, (want_body)) != 0)                     \
            fprintf(stderr, "\n  got %d %s\n  want %d %s\n", (a).status, (a).body, (want_status),  \
                    (want_body));                                                                  \
    } while (0)

/* --- password.c -------------------------------------------------------------------------- */

static void
test_argon2id_reference_vector(void)
{
    /* The reference implementation's own test vector (phc-winner-argon2, src/test.c). */
    char encoded[PASSWORD_ENCODED_MAX];

    CU_ASSERT_TRUE(
        password_hash_with("password", 8, (const uint8_t *)"somesalt", 8, 2, 65536, 1, encoded));
    CU_ASSERT_STRING_EQUAL(encoded, "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$"
                                    "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc");
    CU_ASSERT_TRUE(password_verify(encoded, "password", 8));
    CU_ASSERT_FALSE(password_verify(encoded, "passwore", 8));
    CU_ASSERT_FALSE(password_verify(encoded, "password", 7));
}

static void
test_password_hash_parameters(void)
{
    char a[PASSWORD_ENCODED_MAX], b[PASSWORD_ENCODED_MAX];

    CU_ASSERT_TRUE(password_hash("correct horse", 13, a));
    CU_ASSERT_TRUE(password_hash("correct horse", 13, b));
    /* The documented parameters, and a fresh salt each time. */
    CU_ASSERT_EQUAL(strncmp(a, "$argon2id$v=19$m=19456,t=2,p=1$", 31), 0);
    CU_ASSERT_STRING_NOT_EQUAL(a, b);
    CU_ASSERT_TRUE(password_verify(a, "correct horse", 13));
    CU_ASSERT_TRUE(password_verify(b, "correct horse", 13));
    CU_ASSERT_FALSE(password_verify(a, "correct horsf", 13));
    CU_ASSERT_FALSE(password_verify("not a hash", "x", 1));
    CU_ASSERT_FALSE(password_verify_nobody("correct horse", 13));
}

/* --- token.c ----------------------------------------------------------------------------- */

static void
test_sha256_vectors(void)
{
    struct token_hash h;

    CU_ASSERT_TRUE(token_hash_of("abc", 3, &h));
    CU_ASSERT_STRING_EQUAL(h.hex,
                           "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CU_ASSERT_TRUE(token_hash_of("", 0, &h));
    CU_ASSERT_STRING_EQUAL(h.hex,
                           "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *long_input = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CU_ASSERT_TRUE(token_hash_of(long_input, strlen(long_input), &h));
    CU_ASSERT_STRING_EQUAL(h.hex,
                           "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void
test_new_tokens(void)
{
    char a[TOKEN_TEXT_LEN + 1], b[TOKEN_TEXT_LEN + 1];
    struct token_hash ha, hb, again;

    CU_ASSERT_TRUE(token_new(a, &ha));
    CU_ASSERT_TRUE(token_new(b, &hb));
    CU_ASSERT_EQUAL(strlen(a), TOKEN_TEXT_LEN);
    CU_ASSERT_TRUE(token_well_formed(a, strlen(a)));
    CU_ASSERT_TRUE(token_well_formed(b, strlen(b)));
    CU_ASSERT_STRING_NOT_EQUAL(a, b);
    CU_ASSERT_FALSE(token_hash_equal(&ha, &hb));
    /* The hash given is the hash of the text: what a request's header will hash to. */
    CU_ASSERT_TRUE(token_hash_of(a, strlen(a), &again));
    CU_ASSERT_TRUE(token_hash_equal(&ha, &again));
    CU_ASSERT_STRING_EQUAL(ha.hex, again.hex);
}

static void
test_token_shape(void)
{
    static const struct {
        const char *text;
        bool ok;
    } cases[] = {
        {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", true},
        {"abcdefghijklmnopqrstuvwxyz0123456789-_ABCDE", true},
        {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB", false},  /* padding bits set */
        {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", false},   /* 42 */
        {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", false}, /* 44 */
        {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+A", false},  /* standard base64 */
        {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=A", false},
        {"", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CU_ASSERT_EQUAL(token_well_formed(cases[i].text, strlen(cases[i].text)), cases[i].ok);
}

/* --- auth.c ------------------------------------------------------------------------------ */

static void
test_authorization_header(void)
{
    const char *t = "abcdefghijklmnopqrstuvwxyz0123456789-_ABCDE";
    char line[128];
    struct token_hash h, want;
    static const struct {
        const char *format;
        enum auth_header result;
    } cases[] = {
        {"Bearer %s", AUTH_BEARER},     {"bearer %s", AUTH_BEARER},
        {"BEARER   %s", AUTH_BEARER},   {"Bearer", AUTH_MALFORMED},
        {"Bearer ", AUTH_MALFORMED},    {"Bearer%s", AUTH_MALFORMED},
        {"Basic %s", AUTH_MALFORMED},   {"Bearer %s ", AUTH_MALFORMED},
        {"Bearer %sA", AUTH_MALFORMED}, {"Bearer \t%s", AUTH_MALFORMED},
        {"Token %s", AUTH_MALFORMED},   {"%s", AUTH_MALFORMED},
    };

    CU_ASSERT_TRUE(token_hash_of(t, strlen(t), &want));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(line, sizeof(line), cases[i].format, t);
        enum auth_header got = auth_parse_header(line, &h);
        CU_ASSERT_EQUAL(got, cases[i].result);
        if (got != cases[i].result)
            fprintf(stderr, "\n  case %zu (%s): got %d\n", i, line, (int)got);
        if (got == AUTH_BEARER)
            CU_ASSERT_TRUE(token_hash_equal(&h, &want));
    }
    CU_ASSERT_EQUAL(auth_parse_header(NULL, &h), AUTH_MISSING);
    CU_ASSERT_EQUAL(auth_parse_header("", &h), AUTH_MISSING);
}

/* --- form.c ------------------------------------------------------------------------------ */

static void
test_form_fields(void)
{
    static const struct {
        const char *body;
        const char *name;
        const char *value; /* NULL: absent */
    } cases[] = {
        {"username=alice&password=secret", "username", "alice"},
        {"username=alice&password=secret", "password", "secret"},
        {"password=a+b%20c%2Bd", "password", "a b c+d"},
        {"username=a&username=b", "username", "b"}, /* the last wins */
        {"username=", "username", NULL},            /* empty is missing */
        {"username", "username", NULL},
        {"user%6Eame=x", "username", "x"}, /* names are decoded too */
        {"usernamex=1&xusername=2", "username", NULL},
        {"&&username=%zz%4&", "username", "%zz%4"}, /* bad escapes stay */
        {"a=1&username=%41", "username", "A"},
        {"username=p%3Dq=r", "username", "p=q=r"},
        {"", "username", NULL},
    };
    struct buf value = BUF_INIT;
    bool no_memory;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool found =
            form_field(cases[i].body, strlen(cases[i].body), cases[i].name, &value, &no_memory);
        CU_ASSERT_EQUAL(found, cases[i].value != NULL);
        CU_ASSERT_FALSE(no_memory);
        if (found && cases[i].value != NULL) {
            CU_ASSERT_EQUAL(value.len, strlen(cases[i].value));
            CU_ASSERT_EQUAL(memcmp(value.data, cases[i].value, value.len), 0);
        }
    }
    /* A NUL inside the body is a byte like any other. */
    CU_ASSERT_TRUE(form_field("username=a\0b", 12, "username", &value, &no_memory));
    CU_ASSERT_EQUAL(value.len, 3);
    buf_free(&value);

    CU_ASSERT_TRUE(form_is_urlencoded("application/x-www-form-urlencoded"));
    CU_ASSERT_TRUE(form_is_urlencoded("Application/X-WWW-Form-Urlencoded; charset=utf-8"));
    CU_ASSERT_FALSE(form_is_urlencoded("application/x-www-form-urlencodedx"));
    CU_ASSERT_FALSE(form_is_urlencoded("application/json"));
    CU_ASSERT_FALSE(form_is_urlencoded(NULL));
}

/* --- the API with auth on ----------------------------------------------------------------- */

static void
call(const char *authorization, const char *method, const char *path, const char *body,
     struct answer *a)
{
    harness_call_auth(&store, &auth_on, authorization, method, path, NULL, "application/json", body,
                      body != NULL ? strlen(body) : 0, a);
}

static void
register_user(const char *name, const char *password)
{
    char body[256];
    struct answer a;

    snprintf(body, sizeof(body), "{\"username\": \"%s\", \"password\": \"%s\"}", name, password);
    call(NULL, "POST", "/users/", body, &a);
    CU_ASSERT_EQUAL(a.status, 201);
    answer_free(&a);
}

/* Logs in; writes "Bearer <token>" into header. */
static void
login(const char *name, const char *password, char header[96])
{
    char body[256];
    struct answer a;

    snprintf(body, sizeof(body), "grant_type=password&username=%s&password=%s", name, password);
    harness_call_auth(&store, &auth_on, NULL, "POST", "/token", NULL,
                      "application/x-www-form-urlencoded", body, strlen(body), &a);
    CU_ASSERT_EQUAL(a.status, 200);
    struct json_object *token = NULL;
    header[0] = '\0';
    if (a.json != NULL && json_object_object_get_ex(a.json, "access_token", &token))
        snprintf(header, 96, "Bearer %s", json_object_get_string(token));
    answer_free(&a);
}

static void
test_register(void)
{
    struct answer a;

    reset();
    call(NULL, "POST", "/users/", "{\"username\": \"alice\", \"password\": \"wonderland\"}", &a);
    ASSERT_ANSWER(a, 201, "{\"id\":1,\"username\":\"alice\"}");
    answer_free(&a);
    /* Only a hash is kept. */
    CU_ASSERT_EQUAL(strncmp(fake.users[0].hash, "$argon2id$", 10), 0);
    CU_ASSERT_PTR_NULL(strstr(fake.users[0].hash, "wonderland"));

    call(NULL, "POST", "/users/", "{\"username\": \"alice\", \"password\": \"different1\"}", &a);
    ASSERT_ANSWER(a, 409, "{\"detail\":\"Username already registered\"}");
    answer_free(&a);

    call(NULL, "POST", "/users/", "{\"username\": \"al\", \"password\": \"short\"}", &a);
    ASSERT_ANSWER(a, 422,
                  "{\"detail\":[{\"loc\":[\"body\",\"username\"],\"msg\":\"ensure this value has "
                  "at least 3 characters\",\"type\":\"value_error.any_str.min_length\",\"ctx\":{"
                  "\"limit_value\":3}},{\"loc\":[\"body\",\"password\"],\"msg\":\"ensure this "
                  "value has at least 8 characters\",\"type\":\"value_error.any_str.min_length\","
                  "\"ctx\":{\"limit_value\":8}}]}");
    answer_free(&a);
    call(NULL, "POST", "/users/", "{\"username\": \"bob\"}", &a);
    ASSERT_ANSWER(a, 422,
                  "{\"detail\":[{\"loc\":[\"body\",\"password\"],\"msg\":\"field required\","
                  "\"type\":\"value_error.missing\"}]}");
    answer_free(&a);
    call(NULL, "POST", "/users/", "{\"username\": \"bob\\u0000\", \"password\": \"12345678\"}", &a);
    CU_ASSERT_EQUAL(a.status, 422);
    answer_free(&a);
    call(NULL, "POST", "/users/", "{", &a);
    CU_ASSERT_EQUAL(a.status, 422);
    answer_free(&a);
    CU_ASSERT_EQUAL(fake.user_count, 1);
}

static void
test_token_grant(void)
{
    struct answer a;
    const char *form = "application/x-www-form-urlencoded";

    reset();
    register_user("alice", "wonderland");
    const char *good = "username=alice&password=wonderland";
    harness_call_auth(&store, &auth_on, NULL, "POST", "/token", NULL, form, good, strlen(good), &a);
    CU_ASSERT_EQUAL(a.status, 200);
    struct json_object *v;
    CU_ASSERT_TRUE(json_object_object_get_ex(a.json, "access_token", &v));
    const char *token = json_object_get_string(v);
    CU_ASSERT_TRUE(token_well_formed(token, strlen(token)));
    /* Only the token's hash is stored. */
    struct token_hash h;
    token_hash_of(token, strlen(token), &h);
    CU_ASSERT_EQUAL(fake_store_token_index(&fake, &h), 0);
    CU_ASSERT_EQUAL(fake.tokens[0].ttl_s, 1800);
    CU_ASSERT_TRUE(json_object_object_get_ex(a.json, "token_type", &v));
    CU_ASSERT_STRING_EQUAL(json_object_get_string(v), "bearer");
    CU_ASSERT_TRUE(json_object_object_get_ex(a.json, "expires_in", &v));
    CU_ASSERT_EQUAL(json_object_get_int(v), 1800);
    answer_free(&a);

    static const char *const refused[] = {
        "username=alice&password=wonderlane",
        "username=alicf&password=wonderland",
        "username=nobody&password=wonderland",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        harness_call_auth(&store, &auth_on, NULL, "POST", "/token", NULL, form, refused[i],
                          strlen(refused[i]), &a);
        ASSERT_ANSWER(a, 401, "{\"detail\":\"Incorrect username or password\"}");
        CU_ASSERT_STRING_EQUAL(a.www_authenticate, "Bearer");
        answer_free(&a);
    }
    const char *bad_grant = "grant_type=client_credentials&username=alice&password=wonderland";
    harness_call_auth(&store, &auth_on, NULL, "POST", "/token", NULL, form, bad_grant,
                      strlen(bad_grant), &a);
    ASSERT_ANSWER(a, 422,
                  "{\"detail\":[{\"loc\":[\"body\",\"grant_type\"],\"msg\":\"string does not "
                  "match regex \\\"password\\\"\",\"type\":\"value_error.str.regex\",\"ctx\":{"
                  "\"pattern\":\"password\"}}]}");
    answer_free(&a);
    /* JSON is not a form: both fields are missing. */
    call(NULL, "POST", "/token", "{\"username\": \"alice\", \"password\": \"wonderland\"}", &a);
    ASSERT_ANSWER(a, 422,
                  "{\"detail\":[{\"loc\":[\"body\",\"username\"],\"msg\":\"field required\","
                  "\"type\":\"value_error.missing\"},{\"loc\":[\"body\",\"password\"],\"msg\":"
                  "\"field required\",\"type\":\"value_error.missing\"}]}");
    answer_free(&a);
    CU_ASSERT_EQUAL(fake.token_count, 1);
}

static void
test_notes_need_a_token(void)
{
    struct answer a;
    static const struct {
        const char *method, *path, *body;
    } routes[] = {
        {"GET", "/notes/", NULL},
        {"POST", "/notes/", "{\"title\": \"something\", \"description\": \"else\"}"},
        {"GET", "/notes/1/", NULL},
        {"PUT", "/notes/1/", "{\"title\": \"something\", \"description\": \"else\"}"},
        {"DELETE", "/notes/1/", NULL},
        {"GET", "/users/me", NULL},
        {"POST", "/logout", NULL},
        /* invalid bodies and ids too: the token is checked first, as FastAPI does */
        {"POST", "/notes/", "{\"title\": \"1\"}"},
        {"GET", "/notes/x/", NULL},
        {"GET", "/notes/99999999999/", NULL},
    };
    static const char *const headers[] = {
        NULL,                                                 /* missing */
        "Basic YWxpY2U6d29uZGVybGFuZA==",                     /* another scheme */
        "Bearer abc",                                         /* malformed */
        "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* well formed, unknown */
    };

    reset();
    register_user("alice", "wonderland");
    fake_store_add(&fake, "open note", "made with auth off");
    for (size_t h = 0; h < sizeof(headers) / sizeof(headers[0]); h++) {
        for (size_t r = 0; r < sizeof(routes) / sizeof(routes[0]); r++) {
            call(headers[h], routes[r].method, routes[r].path, routes[r].body, &a);
            CU_ASSERT_EQUAL(a.status, 401);
            CU_ASSERT_STRING_EQUAL(a.www_authenticate, "Bearer");
            if (a.status != 401)
                fprintf(stderr, "\n  %s %s with %s: %d %s\n", routes[r].method, routes[r].path,
                        headers[h] ? headers[h] : "(none)", a.status, a.body);
            answer_free(&a);
        }
    }
    call(NULL, "GET", "/notes/", NULL, &a);
    ASSERT_ANSWER(a, 401, "{\"detail\":\"Not authenticated\"}");
    answer_free(&a);
    call("Bearer abc", "GET", "/notes/", NULL, &a);
    ASSERT_ANSWER(a, 401, "{\"detail\":\"Could not validate credentials\"}");
    answer_free(&a);
    CU_ASSERT_EQUAL(fake.count, 1); /* nothing created, nothing deleted */
    /* /ping stays open. */
    call(NULL, "GET", "/ping", NULL, &a);
    ASSERT_ANSWER(a, 200, "{\"ping\":\"pong!\"}");
    answer_free(&a);
}

static void
test_notes_belong_to_their_owner(void)
{
    char alice[96], bob[96];
    struct answer a;
    const char *body = "{\"title\": \"alice's\", \"description\": \"private\"}";

    reset();
    int32_t open_id = fake_store_add(&fake, "open note", "made with auth off");
    register_user("alice", "wonderland");
    register_user("bob", "builder123");
    login("alice", "wonderland", alice);
    login("bob", "builder123", bob);

    call(alice, "POST", "/notes/", body, &a);
    ASSERT_ANSWER(a, 201, "{\"title\":\"alice's\",\"description\":\"private\",\"id\":2}");
    answer_free(&a);
    call(bob, "POST", "/notes/", "{\"title\": \"bob's\", \"description\": \"own\"}", &a);
    ASSERT_ANSWER(a, 201, "{\"title\":\"bob's\",\"description\":\"own\",\"id\":3}");
    answer_free(&a);

    call(alice, "GET", "/notes/", NULL, &a);
    ASSERT_ANSWER(a, 200, "[{\"title\":\"alice's\",\"description\":\"private\",\"id\":2}]");
    answer_free(&a);
    call(bob, "GET", "/notes/", NULL, &a);
    ASSERT_ANSWER(a, 200, "[{\"title\":\"bob's\",\"description\":\"own\",\"id\":3}]");
    answer_free(&a);

    /* Another user's note and a note from before auth: exactly as a missing one. */
    char path[32];
    int32_t others[] = {2, open_id, 99};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "/notes/%d/", (int)others[i]);
        call(bob, "GET", path, NULL, &a);
        ASSERT_ANSWER(a, 404, "{\"detail\":\"Note not found\"}");
        answer_free(&a);
        call(bob, "PUT", path, "{\"title\": \"stolen\", \"description\": \"by bob\"}", &a);
        ASSERT_ANSWER(a, 404, "{\"detail\":\"Note not found\"}");
        answer_free(&a);
        call(bob, "DELETE", path, NULL, &a);
        ASSERT_ANSWER(a, 404, "{\"detail\":\"Note not found\"}");
        answer_free(&a);
    }
    call(alice, "GET", "/notes/2/", NULL, &a);
    ASSERT_ANSWER(a, 200, "{\"title\":\"alice's\",\"description\":\"private\",\"id\":2}");
    answer_free(&a);
    call(alice, "PUT", "/notes/2/", "{\"title\": \"changed\", \"description\": \"by alice\"}", &a);
    ASSERT_ANSWER(a, 200, "{\"title\":\"changed\",\"description\":\"by alice\",\"id\":2}");
    answer_free(&a);
    call(alice, "DELETE", "/notes/2/", NULL, &a);
    ASSERT_ANSWER(a, 200, "{\"title\":\"changed\",\"description\":\"by alice\",\"id\":2}");
    answer_free(&a);
    CU_ASSERT_EQUAL(fake.count, 2); /* the open note and bob's */

    /* A valid token with an invalid body: the 422, not a 401. */
    call(alice, "POST", "/notes/", "{\"title\": \"1\"}", &a);
    CU_ASSERT_EQUAL(a.status, 422);
    answer_free(&a);
}

static void
test_me_logout_and_expiry(void)
{
    char alice[96], second[96];
    struct answer a;

    reset();
    register_user("alice", "wonderland");
    login("alice", "wonderland", alice);
    login("alice", "wonderland", second);
    call(alice, "GET", "/users/me", NULL, &a);
    ASSERT_ANSWER(a, 200, "{\"id\":1,\"username\":\"alice\"}");
    answer_free(&a);

    call(alice, "POST", "/logout", NULL, &a);
    CU_ASSERT_EQUAL(a.status, 204);
    CU_ASSERT_STRING_EQUAL(a.body, "");
    answer_free(&a);
    call(alice, "GET", "/notes/", NULL, &a);
    ASSERT_ANSWER(a, 401, "{\"detail\":\"Could not validate credentials\"}");
    answer_free(&a);
    call(alice, "POST", "/logout", NULL, &a);
    CU_ASSERT_EQUAL(a.status, 401);
    answer_free(&a);
    /* The other session goes on, until it expires. */
    call(second, "GET", "/notes/", NULL, &a);
    ASSERT_ANSWER(a, 200, "[]");
    answer_free(&a);
    fake.tokens[1].expired = true;
    call(second, "GET", "/notes/", NULL, &a);
    CU_ASSERT_EQUAL(a.status, 401);
    answer_free(&a);
}

static void
test_auth_routes_absent_when_off(void)
{
    struct answer a;

    reset();
    static const char *const paths[] = {"/users/", "/users/me", "/token", "/logout"};
    for (size_t i = 0; i < 4; i++) {
        harness_json(&store, "POST", paths[i], "{}", &a);
        ASSERT_ANSWER(a, 404, "{\"detail\":\"Not Found\"}");
        answer_free(&a);
        harness_json(&store, "GET", paths[i], NULL, &a);
        ASSERT_ANSWER(a, 404, "{\"detail\":\"Not Found\"}");
        answer_free(&a);
    }
    CU_ASSERT_EQUAL(fake.calls, 0);
    /* With auth on they exist (405 names the method). */
    call(NULL, "GET", "/token", NULL, &a);
    CU_ASSERT_EQUAL(a.status, 405);
    CU_ASSERT_STRING_EQUAL(a.allow, "POST, OPTIONS");
    answer_free(&a);
}

/* Issue 12 with auth on: ETags, If-Match, PATCH and the list parameters on a user's notes. */
static void
test_http_conventions_with_auth(void)
{
    char alice[96], bob[96];
    struct answer a;
    struct harness_headers h = {NULL, NULL, NULL, 2, &auth_on, NULL};

    reset();
    register_user("alice", "wonderland");
    register_user("bob", "builder123");
    login("alice", "wonderland", alice);
    login("bob", "builder123", bob);
    call(alice, "POST", "/notes/", "{\"title\": \"banana\", \"description\": \"one\"}", &a);
    CU_ASSERT_STRING_EQUAL(a.location, "/notes/1/");
    char etag[32];
    snprintf(etag, sizeof(etag), "%s", a.etag);
    CU_ASSERT(etag[0] == '"');
    answer_free(&a);
    call(alice, "POST", "/notes/", "{\"title\": \"apple\", \"description\": \"two\"}", &a);
    answer_free(&a);
    call(alice, "POST", "/notes/", "{\"title\": \"cherry\", \"description\": \"three\"}", &a);
    answer_free(&a);
    call(bob, "POST", "/notes/", "{\"title\": \"aardvark\", \"description\": \"bob's\"}", &a);
    answer_free(&a);

    /* Sorted, bounded and linked, within alice's notes only. */
    h.authorization = alice;
    harness_send(&store, "GET", "/notes/", "sort=title", NULL, NULL, 0, &h, &a);
    CU_ASSERT_STRING_EQUAL(a.body, "[{\"title\":\"apple\",\"description\":\"two\",\"id\":2},"
                                   "{\"title\":\"banana\",\"description\":\"one\",\"id\":1}]");
    CU_ASSERT_STRING_EQUAL(a.link, "</notes/?limit=2&after=1&sort=title>; rel=\"next\"");
    answer_free(&a);
    harness_send(&store, "GET", "/notes/", "q=CHER", NULL, NULL, 0, &h, &a);
    CU_ASSERT_STRING_EQUAL(a.body, "[{\"title\":\"cherry\",\"description\":\"three\",\"id\":3}]");
    answer_free(&a);
    /* Prefer: count=exact counts alice's notes (3 of the 4), with the search too. */
    h.prefer = "count=exact";
    harness_send(&store, "GET", "/notes/", NULL, NULL, NULL, 0, &h, &a);
    CU_ASSERT_STRING_EQUAL(a.content_range, "0-1/3");
    CU_ASSERT_STRING_EQUAL(a.preference_applied, "count=exact");
    answer_free(&a);
    harness_send(&store, "GET", "/notes/", "q=an", NULL, NULL, 0, &h, &a);
    CU_ASSERT_STRING_EQUAL(a.content_range, "0-0/1"); /* banana; not bob's aardvark */
    answer_free(&a);
    h.authorization = bob;
    harness_send(&store, "GET", "/notes/", NULL, NULL, NULL, 0, &h, &a);
    CU_ASSERT_STRING_EQUAL(a.content_range, "0-0/1");
    answer_free(&a);
    h.authorization = "Bearer not-a-token";
    harness_send(&store, "GET", "/notes/", NULL, NULL, NULL, 0, &h, &a);
    CU_ASSERT_EQUAL(a.status, 401);
    CU_ASSERT_STRING_EQUAL(a.content_range, "");
    answer_free(&a);
    h.authorization = alice;
    h.prefer = NULL;

    /* PATCH with the current ETag, then the old one: 412; bob's If-Match on it is a 404. */
    h.if_match = etag;
    harness_send(&store, "PATCH", "/notes/1/", NULL, "application/merge-patch+json",
                 "{\"title\": \"blueberry\"}", 22, &h, &a);
    CU_ASSERT_EQUAL(a.status, 200);
    CU_ASSERT_STRING_EQUAL(a.body, "{\"title\":\"blueberry\",\"description\":\"one\",\"id\":1}");
    CU_ASSERT_STRING_NOT_EQUAL(a.etag, etag);
    answer_free(&a);
    harness_send(&store, "DELETE", "/notes/1/", NULL, NULL, NULL, 0, &h, &a);
    CU_ASSERT_EQUAL(a.status, 412);
    answer_free(&a);
    h.authorization = bob;
    harness_send(&store, "DELETE", "/notes/1/", NULL, NULL, NULL, 0, &h, &a);
    CU_ASSERT_EQUAL(a.status, 404);
    answer_free(&a);
    /* HEAD and OPTIONS: OPTIONS needs no token. */
    h.authorization = NULL;
    h.if_match = NULL;
    harness_send(&store, "OPTIONS", "/notes/1/", NULL, NULL, NULL, 0, &h, &a);
    CU_ASSERT_EQUAL(a.status, 204);
    answer_free(&a);
    harness_send(&store, "HEAD", "/notes/1/", NULL, NULL, NULL, 0, &h, &a);
    CU_ASSERT_EQUAL(a.status, 401);
    CU_ASSERT_STRING_EQUAL(a.body, "");
    answer_free(&a);
    CU_ASSERT_EQUAL(fake.count, 4);
}

int
main(void)
{
    static const struct test_case tests[] = {
        {"argon2id reference vector", test_argon2id_reference_vector},
        {"password hashes", test_password_hash_parameters},
        {"SHA-256 vectors", test_sha256_vectors},
        {"new tokens", test_new_tokens},
        {"token shape", test_token_shape},
        {"Authorization header", test_authorization_header},
        {"form fields", test_form_fields},
        {"register", test_register},
        {"token grant", test_token_grant},
        {"notes need a token", test_notes_need_a_token},
        {"notes belong to their owner", test_notes_belong_to_their_owner},
        {"me, logout, expiry", test_me_logout_and_expiry},
        {"auth routes absent when off", test_auth_routes_absent_when_off},
        {"issue 12 conventions with auth on", test_http_conventions_with_auth},
        {NULL, NULL},
    };
    return cunit_run("auth", tests);
}
