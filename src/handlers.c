/* handlers.c: ping, the notes endpoints, and accounts and tokens (NOTES_AUTH=on). */
#include "handlers.h"

#include "ascii.h"
#include "auth.h"
#include "etag.h"
#include "form.h"
#include "json_body.h"
#include "json_text.h"
#include "metrics.h"
#include "password.h"
#include "ready.h"
#include "router.h"
#include "token.h"
#include "validate.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Stream an unbounded list to the client in pieces of about this size. */
#define LIST_FLUSH_BYTES 32768
/*
 * A page with a limit is held whole up to this size, so that its head can still say whether
 * more notes follow (Link) and which range it is (Content-Range): 1000 notes take at most
 * about 650 KiB. A page bounded by NOTES_LIST_MAX ends at this size (Link names the rest); a
 * page with NOTES_LIST_MAX=0, the tutorial's, streams on whole without those headers.
 */
#define LIST_HOLD_BYTES (1024 * 1024)

#define DETAIL_NOTE_NOT_FOUND "Note not found"
#define DETAIL_UNAVAILABLE "Database unavailable, try again shortly"
#define DETAIL_UNPARSABLE "There was an error parsing the body"
#define DETAIL_PRECONDITION "Precondition failed: the note has changed since the ETag in If-Match"
#define DETAIL_NO_MEMORY "Service temporarily out of memory"
/* FastAPI's security tutorial's wording. */
#define DETAIL_NOT_AUTHENTICATED "Not authenticated"
#define DETAIL_BAD_CREDENTIALS "Could not validate credentials"
#define DETAIL_BAD_LOGIN "Incorrect username or password"
#define DETAIL_USERNAME_TAKEN "Username already registered"

/*
 * Who asks, with NOTES_AUTH=on: the hash of the bearer token the request carries. The notes
 * routes then call the store's owned_* operations, which check the token in the same statement.
 */
struct caller {
    struct token_hash token;
    bool asked_store; /* a store call has checked the token */
};

typedef void (*handler_fn)(const struct request *req, const struct route_match *match,
                           struct response *resp, struct store *store, struct caller *who);

static void
respond_unauthorized(struct response *resp, const char *detail)
{
    response_set_detail(resp, 401, detail);
    resp->bearer_challenge = true;
}

static void
respond_validation(struct response *resp, struct json_object *detail)
{
    struct json_object *obj = json_object_new_object();

    json_object_object_add(obj, "detail", json_object_get(detail));
    response_set_json(resp, 422, obj);
    json_object_put(obj);
}

/* Every answer with a note carries the note's strong ETag (RFC 9110 §8.8.3). */
static void
add_etag(struct response *resp, const struct note *note)
{
    char etag[ETAG_TEXT_MAX];

    etag_format(note->version, etag);
    response_add_header(resp, "ETag", etag);
}

static void
respond_note(struct response *resp, int status, const struct note *note)
{
    response_set_text(resp, status, "");
    if (!json_text_note(&resp->body, note))
        resp->failed = true;
    add_etag(resp, note);
}

/* The answer to a store call: the note with ok_status, or 401 / 404 / 412 / 503. */
static void
respond_stored(struct response *resp, enum store_result result, int ok_status,
               const struct note *note)
{
    if (result == STORE_OK)
        respond_note(resp, ok_status, note);
    else if (result == STORE_NOT_FOUND)
        response_set_detail(resp, 404, DETAIL_NOTE_NOT_FOUND);
    else if (result == STORE_UNAUTHORIZED)
        respond_unauthorized(resp, DETAIL_BAD_CREDENTIALS);
    else if (result == STORE_PRECONDITION_FAILED)
        response_set_detail(resp, 412, DETAIL_PRECONDITION);
    else
        response_set_detail(resp, 503, DETAIL_UNAVAILABLE);
}

/*
 * Reads and validates a note body into *note: both fields (POST, PUT), or with patch a merge
 * patch (RFC 7396, PATCH: the fields it sets, the others left ""). Returns 0 when it is
 * acceptable, else the status to answer with: 400, or 422 with errors added to detail.
 * *decode_error tells a body that is not JSON at all: FastAPI then reports that one error and
 * nothing else.
 */
static int
read_note_body(const struct request *req, bool patch, struct note *note, struct json_object *detail,
               bool *decode_error)
{
    struct body_doc doc;
    int status = 0;

    *decode_error = false;
    switch (json_body_read(req, &doc, detail)) {
    case BODY_FIELDS:
        if (!(patch ? validate_note_patch : validate_note_fields)(doc.title, doc.description, note,
                                                                  detail))
            status = 422;
        break;
    case BODY_DECODE:
        *decode_error = true;
        status = 422;
        break;
    case BODY_INVALID:
        status = 422;
        break;
    case BODY_UNPARSABLE:
        status = 400;
        break;
    case BODY_NO_MEMORY:
        status = 503;
        break;
    }
    json_body_free(&doc);
    return status;
}

static void
handle_ping(const struct request *req, const struct route_match *match, struct response *resp,
            struct store *store, struct caller *who)
{
    (void)req;
    (void)match;
    (void)store;
    (void)who;
    response_set_text(resp, 200, "{\"ping\":\"pong!\"}");
}

static void
handle_create(const struct request *req, const struct route_match *match, struct response *resp,
              struct store *store, struct caller *who)
{
    struct json_object *detail = json_object_new_array();
    struct note in = {0}, out = {0};
    bool decode_error;
    int status = read_note_body(req, false, &in, detail, &decode_error);

    (void)match;
    if (status == 422) {
        respond_validation(resp, detail);
    } else if (status != 0) {
        response_set_detail(resp, status, status == 503 ? DETAIL_NO_MEMORY : DETAIL_UNPARSABLE);
    } else {
        enum store_result result;
        if (who != NULL) {
            who->asked_store = true;
            result = store->ops->owned_create(store->impl, &who->token, &in, &out);
        } else {
            result = store->ops->create(store->impl, &in, &out);
        }
        respond_stored(resp, result, 201, &out);
        if (result == STORE_OK) {
            /* RFC 9110 §15.3.2: where the new note is. */
            char location[32];
            snprintf(location, sizeof(location), "/notes/%d/", (int)out.id);
            response_add_header(resp, "Location", location);
        }
    }
    json_object_put(detail);
}

/*
 * The {id} of a request: returns true with *id set, or false after answering (422 for a bad
 * id, 404 for one beyond the table's range: no such note can exist).
 */
static bool
read_id(const struct route_match *match, struct response *resp, int32_t *id)
{
    struct json_object *detail = json_object_new_array();
    enum id_check check = validate_id(match->id, match->id_len, id, detail);

    if (check == ID_INVALID)
        respond_validation(resp, detail);
    else if (check == ID_TOO_LARGE)
        response_set_detail(resp, 404, DETAIL_NOTE_NOT_FOUND);
    json_object_put(detail);
    return check == ID_VALID;
}

/*
 * GET (and HEAD) /notes/{id}/: the note, or 304 with its ETag when If-None-Match names it
 * (weak comparison, RFC 9110 §13.1.2; "*" matches any note).
 */
static void
handle_read(const struct request *req, const struct route_match *match, struct response *resp,
            struct store *store, struct caller *who)
{
    struct note note = {0};
    int32_t id;

    if (!read_id(match, resp, &id))
        return;
    enum store_result result;
    if (who != NULL) {
        who->asked_store = true;
        result = store->ops->owned_get(store->impl, &who->token, id, &note);
    } else {
        result = store->ops->get(store->impl, id, &note);
    }
    if (result == STORE_OK && req->if_none_match != NULL) {
        struct version_set seen;
        etag_parse_list(req->if_none_match, ETAG_WEAK, &seen);
        if (etag_set_contains(&seen, note.version)) {
            response_set_empty(resp, 304);
            add_etag(resp, &note);
            return;
        }
    }
    respond_stored(resp, result, 200, &note);
}

/*
 * PUT and PATCH /notes/{id}/: the id and the body checked (all errors in one answer, as
 * FastAPI does), then one conditional store call with If-Match's versions.
 */
static void
answer_write(const struct request *req, const struct route_match *match, struct response *resp,
             struct store *store, struct caller *who, bool patch)
{
    struct json_object *detail = json_object_new_array();
    struct json_object *body_detail = json_object_new_array();
    struct note in = {0}, out = {0};
    int32_t id = 0;
    bool decode_error;

    /* FastAPI reports the path's errors, then the body's, all in one answer. */
    enum id_check id_check = validate_id(match->id, match->id_len, &id, detail);
    int status = read_note_body(req, patch, &in, body_detail, &decode_error);
    for (size_t i = 0; i < json_object_array_length(body_detail); i++)
        json_object_array_add(detail, json_object_get(json_object_array_get_idx(body_detail, i)));

    if (status == 400 || status == 503) {
        response_set_detail(resp, status, status == 503 ? DETAIL_NO_MEMORY : DETAIL_UNPARSABLE);
    } else if (decode_error) {
        respond_validation(resp, body_detail);
    } else if (id_check == ID_INVALID || status == 422) {
        respond_validation(resp, detail);
    } else if (id_check == ID_TOO_LARGE) {
        response_set_detail(resp, 404, DETAIL_NOTE_NOT_FOUND);
    } else {
        struct version_set if_match;
        struct note_change change = {in.title[0] != '\0' ? in.title : NULL,
                                     in.description[0] != '\0' ? in.description : NULL};
        enum store_result result;
        etag_parse_list(req->if_match, ETAG_STRONG, &if_match);
        if (who != NULL) {
            who->asked_store = true;
            result =
                store->ops->owned_update(store->impl, &who->token, id, &change, &if_match, &out);
        } else {
            result = store->ops->update(store->impl, id, &change, &if_match, &out);
        }
        respond_stored(resp, result, 200, &out);
    }
    json_object_put(body_detail);
    json_object_put(detail);
}

static void
handle_update(const struct request *req, const struct route_match *match, struct response *resp,
              struct store *store, struct caller *who)
{
    answer_write(req, match, resp, store, who, false);
}

static void
handle_patch(const struct request *req, const struct route_match *match, struct response *resp,
             struct store *store, struct caller *who)
{
    answer_write(req, match, resp, store, who, true);
}

static void
handle_delete(const struct request *req, const struct route_match *match, struct response *resp,
              struct store *store, struct caller *who)
{
    struct note note = {0};
    struct version_set if_match;
    int32_t id;

    if (!read_id(match, resp, &id))
        return;
    etag_parse_list(req->if_match, ETAG_STRONG, &if_match);
    enum store_result result;
    if (who != NULL) {
        who->asked_store = true;
        result = store->ops->owned_remove(store->impl, &who->token, id, &if_match, &note);
    } else {
        result = store->ops->remove(store->impl, id, &if_match, &note);
    }
    respond_stored(resp, result, 200, &note);
}

struct list_state {
    struct response *resp;
    long long page;  /* the page's size, or -1 for all */
    bool bounded;    /* NOTES_LIST_MAX is on: a page ends at LIST_HOLD_BYTES */
    size_t count;    /* notes written so far */
    bool full;       /* the page ended at LIST_HOLD_BYTES before its size */
    bool more;       /* a note beyond the page exists */
    int32_t last_id; /* the last note written: where the next page starts */
};

/* Appends one note to the JSON array; flushes when enough has gathered. */
static bool
list_emit(void *arg, const struct note *note)
{
    struct list_state *state = arg;
    struct response *resp = state->resp;

    if (state->full || (state->page >= 0 && (long long)state->count == state->page)) {
        /* A note beyond the page: there is a next page. The list ends by itself within the
           page's size and one, so it is read to its end (a streamed list stopped early would
           cost its connection). */
        state->more = true;
        return true;
    }
    if (!buf_append_char(&resp->body, state->count == 0 ? '[' : ',') ||
        !json_text_note(&resp->body, note)) {
        resp->failed = true;
        return false;
    }
    state->count++;
    state->last_id = note->id;
    if (state->page < 0 && resp->body.len >= LIST_FLUSH_BYTES)
        return response_flush(resp);
    if (state->page >= 0 && resp->body.len >= LIST_HOLD_BYTES) {
        /* Too large to hold: a bounded page ends here, so that its head still carries Link
           (no client loses the rest); the tutorial's streams on. */
        if (state->bounded)
            state->full = true;
        else
            return response_flush(resp);
    }
    return true;
}

/* Appends s to b percent-encoded as a query value (RFC 3986 unreserved characters kept). */
static bool
append_query_value(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || ascii_is_digit((char)c) ||
                     c == '-' || c == '.' || c == '_' || c == '~';
        char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
        if (!(plain ? buf_append_char(b, (char)c) : buf_append(b, esc, 3)))
            return false;
    }
    return true;
}

/*
 * Link: </notes/?limit=N&after=ID[&sort=S][&q=TEXT]>; rel="next" (RFC 8288): the next page
 * by keyset, whichever way this one was reached (offset or after).
 */
static void
add_next_link(struct response *resp, const struct list_state *state, const struct list_query *q)
{
    struct buf link = BUF_INIT;
    char numbers[64];

    snprintf(numbers, sizeof(numbers), "</notes/?limit=%lld&after=%d", state->page,
             (int)state->last_id);
    bool ok = buf_append_str(&link, numbers);
    if (ok && q->order != LIST_BY_ID)
        ok =
            buf_append_str(&link, "&sort=") && buf_append_str(&link, validate_sort_names[q->order]);
    if (ok && q->search != NULL)
        ok = buf_append_str(&link, "&q=") && append_query_value(&link, q->search);
    if (ok && buf_append_str(&link, ">; rel=\"next\""))
        response_add_header(resp, "Link", buf_cstr(&link));
    buf_free(&link);
}

/* Whether the Prefer header (RFC 7240) holds the preference pref, e.g. "count=exact". */
static bool
prefers(const char *prefer, const char *pref)
{
    size_t n = strlen(pref);

    for (const char *p = prefer; p != NULL && *p != '\0';) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *end = p;
        while (*end != '\0' && *end != ',' && *end != ';' && *end != ' ' && *end != '\t')
            end++;
        if ((size_t)(end - p) == n && strncasecmp(p, pref, n) == 0)
            return true;
        p = strchr(end, ',');
    }
    return false;
}

/*
 * Content-Range: FIRST-LAST/TOTAL, as PostgREST answers Prefer: count=exact (positions count
 * from 0 in the list's order, with its search); "*" for the positions of an empty page or of
 * a page reached by ?after=, whose position is not counted.
 */
static void
add_content_range(struct response *resp, const struct list_state *state, const struct list_query *q,
                  long long total)
{
    char range[96];

    if (state->count == 0 || q->after > 0)
        snprintf(range, sizeof(range), "*/%lld", total);
    else
        snprintf(range, sizeof(range), "%lld-%lld/%lld", q->offset,
                 q->offset + (long long)state->count - 1, total);
    response_add_header(resp, "Content-Range", range);
    response_add_header(resp, "Preference-Applied", "count=exact");
}

/*
 * GET /notes/: limit and offset, keyset paging (?after=), search (?q=), order (?sort=); a page
 * is at most NOTES_LIST_MAX notes, and one more is asked for to know whether Link is due.
 */
static void
handle_list(const struct request *req, const struct route_match *match, struct response *resp,
            struct store *store, struct caller *who)
{
    struct json_object *detail = json_object_new_array();
    long long limit = -1, offset = 0, total = 0;
    int order = LIST_BY_ID;
    int32_t after = 0;
    struct buf search = BUF_INIT;
    struct list_state state = {resp, -1, req->list_max > 0, 0, false, false, 0};

    (void)match;
    bool limit_ok = validate_query_count(req, "limit", &limit, detail);
    bool offset_ok = validate_query_count(req, "offset", &offset, detail);
    bool params_ok = validate_list_params(req, &order, &after, &search, detail);
    if (!limit_ok || !offset_ok || !params_ok) {
        respond_validation(resp, detail);
        json_object_put(detail);
        buf_free(&search);
        return;
    }
    json_object_put(detail);
    if (req->list_max > 0 && (limit < 0 || limit > req->list_max))
        limit = req->list_max;
    state.page = limit;

    struct list_query q = {limit >= 0 ? limit + 1 : -1, offset, after,
                           search.len > 0 ? buf_cstr(&search) : NULL, (enum list_order)order};
    /* With NOTES_AUTH=on the total counts the caller's notes only, as the list does. */
    bool counted = prefers(req->prefer, "count=exact");
    enum store_result result = STORE_OK;
    if (counted && who != NULL) {
        who->asked_store = true;
        result = store->ops->owned_count(store->impl, &who->token, &q, &total);
    } else if (counted) {
        result = store->ops->count(store->impl, &q, &total);
    }
    resp->status = 200;
    if (result == STORE_OK && who != NULL) {
        who->asked_store = true;
        result = store->ops->owned_list(store->impl, &who->token, &q, list_emit, &state);
    } else if (result == STORE_OK) {
        result = store->ops->list(store->impl, &q, list_emit, &state);
    }
    if (result != STORE_OK) {
        if (resp->head_sent)
            resp->failed = true; /* too late for a status: cut the answer short */
        else
            respond_stored(resp, result, 200, NULL);
        buf_free(&search);
        return;
    }
    if (!resp->head_sent) {
        if (state.more)
            add_next_link(resp, &state, &q);
        if (counted)
            add_content_range(resp, &state, &q, total);
    }
    response_append(resp, state.count == 0 ? "[]" : "]", state.count == 0 ? 2 : 1);
    buf_free(&search);
}

/* --- accounts and tokens (NOTES_AUTH=on) ------------------------------------------------- */

/* {"id":…,"username":…}: what the API says of a user (never a password or a hash). */
static void
respond_user(struct response *resp, int status, const struct user *user)
{
    char id_text[24];

    snprintf(id_text, sizeof(id_text), "{\"id\":%d,\"username\":", (int)user->id);
    response_set_text(resp, status, id_text);
    if (!json_text_string(&resp->body, user->username, strlen(user->username)) ||
        !buf_append_char(&resp->body, '}'))
        resp->failed = true;
}

static void
respond_store_problem(struct response *resp, enum store_result result)
{
    if (result == STORE_UNAUTHORIZED)
        respond_unauthorized(resp, DETAIL_BAD_CREDENTIALS);
    else
        response_set_detail(resp, 503, DETAIL_UNAVAILABLE);
}

/* POST /users/ {"username", "password"} -> 201 {"id", "username"}; 409 when taken. */
static void
handle_create_user(const struct request *req, const struct route_match *match,
                   struct response *resp, struct store *store, struct caller *who)
{
    struct json_object *detail = json_object_new_array();
    struct body_doc doc;
    struct user_input in;
    struct user user = {0};
    char hash[PASSWORD_ENCODED_MAX];
    int status = 0;

    (void)match;
    (void)who;
    memset(&in, 0, sizeof(in));
    switch (json_body_read_fields(req, "username", "password", &doc, detail)) {
    case BODY_FIELDS:
        if (!validate_user_fields(doc.title, doc.description, &in, detail))
            status = 422;
        break;
    case BODY_DECODE:
    case BODY_INVALID:
        status = 422;
        break;
    case BODY_UNPARSABLE:
        status = 400;
        break;
    case BODY_NO_MEMORY:
        status = 503;
        break;
    }
    json_body_free(&doc);
    if (status == 422) {
        respond_validation(resp, detail);
    } else if (status != 0) {
        response_set_detail(resp, status, status == 503 ? DETAIL_NO_MEMORY : DETAIL_UNPARSABLE);
    } else if (!password_hash(in.password, in.password_len, hash)) {
        response_set_detail(resp, 503, "Cannot hash the password, try again shortly");
    } else {
        enum store_result result = store->ops->user_create(store->impl, in.username, hash, &user);
        if (result == STORE_OK)
            respond_user(resp, 201, &user);
        else if (result == STORE_CONFLICT)
            response_set_detail(resp, 409, DETAIL_USERNAME_TAKEN);
        else
            respond_store_problem(resp, result);
    }
    memset(&in, 0, sizeof(in));
    json_object_put(detail);
}

/*
 * The fields of an OAuth2 password grant (FastAPI's OAuth2PasswordRequestForm): username and
 * password required, grant_type optional but "password" when given. Returns false after adding
 * the errors to detail (or setting *no_memory).
 */
static bool
read_login_form(const struct request *req, struct buf *username, struct buf *password,
                struct json_object *detail, bool *no_memory)
{
    struct buf grant = BUF_INIT;
    bool form = form_is_urlencoded(req->content_type);
    bool nm1 = false, nm2 = false, nm3 = false;
    bool has_grant = form && form_field(req->body, req->body_len, "grant_type", &grant, &nm1);
    bool has_user = form && form_field(req->body, req->body_len, "username", username, &nm2);
    bool has_password = form && form_field(req->body, req->body_len, "password", password, &nm3);
    bool ok = true;

    *no_memory = nm1 || nm2 || nm3;
    if (has_grant && !(grant.len == 8 && memcmp(grant.data, "password", 8) == 0)) {
        struct json_object *ctx = json_object_new_object();
        json_object_object_add(ctx, "pattern", json_object_new_string("password"));
        validation_add(detail, validation_loc("body", "grant_type"),
                       "string does not match regex \"password\"", "value_error.str.regex", ctx);
        ok = false;
    }
    if (!has_user) {
        validation_add(detail, validation_loc("body", "username"), "field required",
                       "value_error.missing", NULL);
        ok = false;
    }
    if (!has_password) {
        validation_add(detail, validation_loc("body", "password"), "field required",
                       "value_error.missing", NULL);
        ok = false;
    }
    buf_free(&grant);
    return ok && !*no_memory;
}

/* POST /token (form: username, password) -> 200 {"access_token", "token_type", "expires_in"}. */
static void
handle_token(const struct request *req, const struct route_match *match, struct response *resp,
             struct store *store, struct caller *who)
{
    struct json_object *detail = json_object_new_array();
    struct buf username = BUF_INIT, password = BUF_INIT;
    struct user user = {0};
    char hash[STORE_PASSWORD_HASH_MAX];
    bool no_memory;

    (void)match;
    (void)who;
    if (!read_login_form(req, &username, &password, detail, &no_memory)) {
        if (no_memory)
            resp->failed = true;
        else
            respond_validation(resp, detail);
        goto done;
    }
    /* A username no account can have (too long, with a NUL) is looked up all the same. */
    enum store_result found =
        store->ops->user_find(store->impl, buf_cstr(&username), &user, hash, sizeof(hash));
    if (found == STORE_UNAVAILABLE) {
        response_set_detail(resp, 503, DETAIL_UNAVAILABLE);
        goto done;
    }
    /* An unknown username costs one argon2id verification, as a wrong password does. */
    bool good = found == STORE_OK ? password_verify(hash, password.data, password.len)
                                  : password_verify_nobody(password.data, password.len);
    if (!good) {
        respond_unauthorized(resp, DETAIL_BAD_LOGIN);
        goto done;
    }
    char text[TOKEN_TEXT_LEN + 1];
    struct token_hash token;
    if (!token_new(text, &token)) {
        response_set_detail(resp, 503, "Cannot make a token, try again shortly");
        goto done;
    }
    enum store_result stored =
        store->ops->token_create(store->impl, user.id, &token, req->auth->token_ttl_s);
    if (stored != STORE_OK) {
        respond_store_problem(resp, stored);
    } else {
        char tail[64];
        response_set_text(resp, 200, "{\"access_token\":\"");
        snprintf(tail, sizeof(tail), "\",\"token_type\":\"bearer\",\"expires_in\":%ld}",
                 req->auth->token_ttl_s);
        if (!buf_append(&resp->body, text, TOKEN_TEXT_LEN) || !buf_append_str(&resp->body, tail))
            resp->failed = true;
    }
done:
    if (password.data != NULL)
        memset(password.data, 0, password.cap);
    buf_free(&username);
    buf_free(&password);
    json_object_put(detail);
}

/* GET /users/me -> 200 {"id", "username"}. */
static void
handle_read_me(const struct request *req, const struct route_match *match, struct response *resp,
               struct store *store, struct caller *who)
{
    struct user user = {0};

    (void)req;
    (void)match;
    enum store_result result = store->ops->token_user(store->impl, &who->token, &user);
    who->asked_store = true;
    if (result == STORE_OK)
        respond_user(resp, 200, &user);
    else
        respond_store_problem(resp, result);
}

/* POST /logout -> 204: the token stops working at once. */
static void
handle_logout(const struct request *req, const struct route_match *match, struct response *resp,
              struct store *store, struct caller *who)
{
    (void)req;
    (void)match;
    enum store_result result = store->ops->token_revoke(store->impl, &who->token);
    who->asked_store = true;
    if (result == STORE_OK)
        response_set_text(resp, 204, "");
    else
        respond_store_problem(resp, result);
}

/*
 * GET /ready: 200 only when the database answers at the expected schema, else 503 saying what
 * kind of problem it is (the store logged its own words, which name sockets and hosts).
 */
static void
handle_ready(const struct request *req, const struct route_match *match, struct response *resp,
             struct store *store, struct caller *who)
{
    char why[256] = "", detail[128];

    (void)req;
    (void)match;
    (void)who;
    if (store->ops->ready(store->impl, why, sizeof(why)) == STORE_OK) {
        response_set_text(resp, 200, "{\"status\":\"ready\",\"database\":\"ok\"}");
        return;
    }
    ready_public_detail(why, detail, sizeof(detail));
    response_set_text(resp, 503, "{\"status\":\"not ready\",\"detail\":");
    if (!json_text_string(&resp->body, detail, strlen(detail)) ||
        !buf_append_char(&resp->body, '}'))
        resp->failed = true;
}

/* GET /metrics: the pool's counters, only through nginx's restricted location. */
static void
handle_metrics(const struct request *req, const struct route_match *match, struct response *resp,
               struct store *store, struct caller *who)
{
    (void)match;
    (void)store;
    (void)who;
    if (!req->metrics_allowed) {
        response_set_detail(resp, 404, "Not Found");
        return;
    }
    response_set_text(resp, 200, "");
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
    if (!metrics_render(&resp->body))
        resp->failed = true;
}

static const handler_fn handlers[ENDPOINT__MAX] = {
    [ENDPOINT_PING] = handle_ping,          [ENDPOINT_LIST_NOTES] = handle_list,
    [ENDPOINT_CREATE_NOTE] = handle_create, [ENDPOINT_READ_NOTE] = handle_read,
    [ENDPOINT_UPDATE_NOTE] = handle_update, [ENDPOINT_PATCH_NOTE] = handle_patch,
    [ENDPOINT_DELETE_NOTE] = handle_delete, [ENDPOINT_CREATE_USER] = handle_create_user,
    [ENDPOINT_READ_ME] = handle_read_me,    [ENDPOINT_TOKEN] = handle_token,
    [ENDPOINT_READY] = handle_ready,        [ENDPOINT_METRICS] = handle_metrics,
    [ENDPOINT_LOGOUT] = handle_logout,
};

/* Whether an endpoint needs a bearer token with NOTES_AUTH=on. */
static bool
needs_token(enum endpoint e)
{
    return e != ENDPOINT_PING && e != ENDPOINT_READY && e != ENDPOINT_METRICS &&
           e != ENDPOINT_CREATE_USER && e != ENDPOINT_TOKEN;
}

/*
 * With auth on, a request the handler refused before asking the store (422, 400, the 404 of an
 * id beyond 32 bits) carried a token nobody checked: an invalid token must still answer 401
 * (FastAPI resolves the security dependency first), so check it now. Only these error answers
 * pay this round trip; every answer that reached the store had the token checked in its one
 * statement.
 */
static void
check_token_of_refused(struct response *resp, struct store *store, struct caller *who)
{
    struct user user;

    if (who->asked_store || resp->status < 400 || resp->head_sent)
        return;
    enum store_result result = store->ops->token_user(store->impl, &who->token, &user);
    if (result != STORE_OK)
        respond_store_problem(resp, result);
}

void
handle_request(const struct request *req, struct response *resp, struct store *store)
{
    struct route_match match;
    struct caller caller = {0};
    struct caller *who = NULL;

    /* HEAD: the head GET would send, and no body (also for a 404 or 405). */
    resp->head_only = strcmp(req->method, "HEAD") == 0;
    router_match_mode(req->method, req->path, req->auth != NULL, &match);
    switch (match.status) {
    case ROUTE_NOT_FOUND:
        response_set_detail(resp, 404, "Not Found");
        return;
    case ROUTE_BAD_METHOD:
        response_set_detail(resp, 405, "Method Not Allowed");
        snprintf(resp->allow, sizeof(resp->allow), "%s", match.allow);
        return;
    case ROUTE_OPTIONS:
    case ROUTE_FOUND:
        resp->route = (int)match.endpoint;
        break;
    }
    if (req->body_too_large) {
        char detail[96];
        snprintf(detail, sizeof(detail), "Request body too large: the limit is %zu bytes",
                 req->body_limit);
        response_set_detail(resp, 413, detail);
        return;
    }
    if (match.status == ROUTE_OPTIONS) {
        /* The path's methods (RFC 9110 §9.3.7); no token, no database. */
        response_set_empty(resp, 204);
        snprintf(resp->allow, sizeof(resp->allow), "%s", match.allow);
        return;
    }
    if (req->auth != NULL && needs_token(match.endpoint)) {
        switch (auth_parse_header(req->authorization, &caller.token)) {
        case AUTH_MISSING:
            respond_unauthorized(resp, DETAIL_NOT_AUTHENTICATED);
            return;
        case AUTH_MALFORMED:
            respond_unauthorized(resp, DETAIL_BAD_CREDENTIALS);
            return;
        case AUTH_BEARER:
            who = &caller;
            break;
        }
    }
    handlers[match.endpoint](req, &match, resp, store, who);
    if (who != NULL)
        check_token_of_refused(resp, store, who);
}
