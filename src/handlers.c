/* handlers.c: ping and the five notes endpoints. */
#include "handlers.h"

#include "json_body.h"
#include "json_text.h"
#include "router.h"
#include "validate.h"

#include <stdio.h>
#include <string.h>

/* Stream a long list to the client in pieces of about this size. */
#define LIST_FLUSH_BYTES 32768

#define DETAIL_NOTE_NOT_FOUND "Note not found"
#define DETAIL_UNAVAILABLE "Database unavailable, try again shortly"
#define DETAIL_UNPARSABLE "There was an error parsing the body"

typedef void (*handler_fn)(const struct request *req, const struct route_match *match,
                           struct response *resp, struct store *store);

static void
respond_validation(struct response *resp, struct json_object *detail)
{
    struct json_object *obj = json_object_new_object();

    json_object_object_add(obj, "detail", json_object_get(detail));
    response_set_json(resp, 422, obj);
    json_object_put(obj);
}

static void
respond_note(struct response *resp, int status, const struct note *note)
{
    response_set_text(resp, status, "");
    if (!json_text_note(&resp->body, note))
        resp->failed = true;
}

/* The answer to a store call: the note with ok_status, or 404 / 503. */
static void
respond_stored(struct response *resp, enum store_result result, int ok_status,
               const struct note *note)
{
    if (result == STORE_OK)
        respond_note(resp, ok_status, note);
    else if (result == STORE_NOT_FOUND)
        response_set_detail(resp, 404, DETAIL_NOTE_NOT_FOUND);
    else
        response_set_detail(resp, 503, DETAIL_UNAVAILABLE);
}

/*
 * Reads and validates a note body into *note. Returns 0 when it is acceptable, else the status
 * to answer with: 400, or 422 with errors added to detail. *decode_error tells a body that is
 * not JSON at all: FastAPI then reports that one error and nothing else.
 */
static int
read_note_body(const struct request *req, struct note *note, struct json_object *detail,
               bool *decode_error)
{
    struct body_doc doc;
    int status = 0;

    *decode_error = false;
    switch (json_body_read(req, &doc, detail)) {
    case BODY_FIELDS:
        if (!validate_note_fields(doc.title, doc.description, note, detail))
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
    }
    json_body_free(&doc);
    return status;
}

static void
handle_ping(const struct request *req, const struct route_match *match, struct response *resp,
            struct store *store)
{
    (void)req;
    (void)match;
    (void)store;
    response_set_text(resp, 200, "{\"ping\":\"pong!\"}");
}

static void
handle_create(const struct request *req, const struct route_match *match, struct response *resp,
              struct store *store)
{
    struct json_object *detail = json_object_new_array();
    struct note in = {0}, out = {0};
    bool decode_error;
    int status = read_note_body(req, &in, detail, &decode_error);

    (void)match;
    if (status == 422) {
        respond_validation(resp, detail);
    } else if (status != 0) {
        response_set_detail(resp, status, DETAIL_UNPARSABLE);
    } else {
        respond_stored(resp, store->ops->create(store->impl, &in, &out), 201, &out);
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

typedef enum store_result (*note_by_id_fn)(void *impl, int32_t id, struct note *out);

/* GET and DELETE /notes/{id}/: a valid id, one store call, and the note it gives back. */
static void
answer_by_id(const struct route_match *match, struct response *resp, struct store *store,
             note_by_id_fn op)
{
    struct note note = {0};
    int32_t id;

    if (read_id(match, resp, &id))
        respond_stored(resp, op(store->impl, id, &note), 200, &note);
}

static void
handle_read(const struct request *req, const struct route_match *match, struct response *resp,
            struct store *store)
{
    (void)req;
    answer_by_id(match, resp, store, store->ops->get);
}

static void
handle_update(const struct request *req, const struct route_match *match, struct response *resp,
              struct store *store)
{
    struct json_object *detail = json_object_new_array();
    struct json_object *body_detail = json_object_new_array();
    struct note in = {0}, out = {0};
    int32_t id = 0;
    bool decode_error;

    /* FastAPI reports the path's errors, then the body's, all in one answer. */
    enum id_check id_check = validate_id(match->id, match->id_len, &id, detail);
    int status = read_note_body(req, &in, body_detail, &decode_error);
    for (size_t i = 0; i < json_object_array_length(body_detail); i++)
        json_object_array_add(detail, json_object_get(json_object_array_get_idx(body_detail, i)));

    if (status == 400) {
        response_set_detail(resp, 400, DETAIL_UNPARSABLE);
    } else if (decode_error) {
        respond_validation(resp, body_detail);
    } else if (id_check == ID_INVALID || status == 422) {
        respond_validation(resp, detail);
    } else if (id_check == ID_TOO_LARGE) {
        response_set_detail(resp, 404, DETAIL_NOTE_NOT_FOUND);
    } else {
        respond_stored(resp, store->ops->update(store->impl, id, &in, &out), 200, &out);
    }
    json_object_put(body_detail);
    json_object_put(detail);
}

static void
handle_delete(const struct request *req, const struct route_match *match, struct response *resp,
              struct store *store)
{
    (void)req;
    answer_by_id(match, resp, store, store->ops->remove);
}

struct list_state {
    struct response *resp;
    size_t count;
};

/* Appends one note to the streamed JSON array; flushes when enough has gathered. */
static bool
list_emit(void *arg, const struct note *note)
{
    struct list_state *state = arg;
    struct response *resp = state->resp;

    if (!buf_append_char(&resp->body, state->count == 0 ? '[' : ',') ||
        !json_text_note(&resp->body, note)) {
        resp->failed = true;
        return false;
    }
    state->count++;
    if (resp->body.len >= LIST_FLUSH_BYTES)
        return response_flush(resp);
    return true;
}

static void
handle_list(const struct request *req, const struct route_match *match, struct response *resp,
            struct store *store)
{
    struct json_object *detail = json_object_new_array();
    long long limit = -1, offset = 0;
    struct list_state state = {resp, 0};

    (void)match;
    bool limit_ok = validate_query_count(req, "limit", &limit, detail);
    bool offset_ok = validate_query_count(req, "offset", &offset, detail);
    if (!limit_ok || !offset_ok) {
        respond_validation(resp, detail);
        json_object_put(detail);
        return;
    }
    json_object_put(detail);

    resp->status = 200;
    enum store_result result = store->ops->list(store->impl, limit, offset, list_emit, &state);
    if (result != STORE_OK) {
        if (resp->head_sent)
            resp->failed = true; /* too late for a status: cut the answer short */
        else
            respond_stored(resp, result, 200, NULL);
        return;
    }
    response_append(resp, state.count == 0 ? "[]" : "]", state.count == 0 ? 2 : 1);
}

static const handler_fn handlers[ENDPOINT__MAX] = {
    [ENDPOINT_PING] = handle_ping,          [ENDPOINT_LIST_NOTES] = handle_list,
    [ENDPOINT_CREATE_NOTE] = handle_create, [ENDPOINT_READ_NOTE] = handle_read,
    [ENDPOINT_UPDATE_NOTE] = handle_update, [ENDPOINT_DELETE_NOTE] = handle_delete,
};

void
handle_request(const struct request *req, struct response *resp, struct store *store)
{
    struct route_match match;

    router_match(req->method, req->path, &match);
    switch (match.status) {
    case ROUTE_NOT_FOUND:
        response_set_detail(resp, 404, "Not Found");
        return;
    case ROUTE_BAD_METHOD:
        response_set_detail(resp, 405, "Method Not Allowed");
        snprintf(resp->allow, sizeof(resp->allow), "%s", match.allow);
        return;
    case ROUTE_FOUND:
        break;
    }
    if (req->body_too_large) {
        char detail[96];
        snprintf(detail, sizeof(detail), "Request body too large: the limit is %zu bytes",
                 req->body_limit);
        response_set_detail(resp, 413, detail);
        return;
    }
    handlers[match.endpoint](req, &match, resp, store);
}
