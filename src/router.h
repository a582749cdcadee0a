/* router.h: (method, path) to an endpoint and its {id}, or 404 / 405. */
#ifndef NOTES_ROUTER_H
#define NOTES_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

enum endpoint {
    ENDPOINT_PING,        /* GET /ping */
    ENDPOINT_LIST_NOTES,  /* GET /notes/ */
    ENDPOINT_CREATE_NOTE, /* POST /notes/ */
    ENDPOINT_READ_NOTE,   /* GET /notes/{id}/ */
    ENDPOINT_UPDATE_NOTE, /* PUT /notes/{id}/ */
    ENDPOINT_PATCH_NOTE,  /* PATCH /notes/{id}/ (JSON Merge Patch) */
    ENDPOINT_DELETE_NOTE, /* DELETE /notes/{id}/ */
    ENDPOINT_READY,       /* GET /ready: the database reachable at the expected schema */
    ENDPOINT_METRICS,     /* GET /metrics: the pool's counters (only where nginx allows) */
    /* NOTES_AUTH=on only (with auth off these paths do not exist: 404) */
    ENDPOINT_CREATE_USER, /* POST /users/ */
    ENDPOINT_READ_ME,     /* GET /users/me */
    ENDPOINT_TOKEN,       /* POST /token */
    ENDPOINT_LOGOUT,      /* POST /logout */
    ENDPOINT__MAX,
};

enum route_status {
    ROUTE_FOUND,      /* endpoint (and id for {id} routes) are set */
    ROUTE_NOT_FOUND,  /* no route has this path: 404 */
    ROUTE_BAD_METHOD, /* the path exists, the method does not: 405, allow is set */
    ROUTE_OPTIONS,    /* OPTIONS on a path that exists: 204, allow is set */
};

struct route_match {
    enum route_status status;
    enum endpoint endpoint;
    const char *id; /* the {id} segment (points into the path), not NUL-terminated */
    size_t id_len;
    char allow[96]; /* e.g. "GET, HEAD, PUT, PATCH, DELETE, OPTIONS" (405 and OPTIONS) */
};

/*
 * Matches a request against every route. The trailing slash is optional on every route. HEAD
 * is answered by every GET route (the handler then sends no body), OPTIONS by every path.
 */
void router_match(const char *method, const char *path, struct route_match *match);

/* The same, leaving out the NOTES_AUTH=on routes unless with_auth. */
void router_match_mode(const char *method, const char *path, bool with_auth,
                       struct route_match *match);

/* Whether endpoint e exists only with NOTES_AUTH=on. */
bool router_auth_only(enum endpoint e);

/* The route table, for `notes-worker --routes`: method and path template of endpoint e. */
const char *router_method(enum endpoint e);
const char *router_template(enum endpoint e);

#endif
