/* router.c: the route table and matching. */
#include "router.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *method;
    const char *template;
} routes[ENDPOINT__MAX] = {
    [ENDPOINT_PING] = {"GET", "/ping"},
    [ENDPOINT_LIST_NOTES] = {"GET", "/notes/"},
    [ENDPOINT_CREATE_NOTE] = {"POST", "/notes/"},
    [ENDPOINT_READ_NOTE] = {"GET", "/notes/{id}/"},
    [ENDPOINT_UPDATE_NOTE] = {"PUT", "/notes/{id}/"},
    [ENDPOINT_PATCH_NOTE] = {"PATCH", "/notes/{id}/"},
    [ENDPOINT_DELETE_NOTE] = {"DELETE", "/notes/{id}/"},
    [ENDPOINT_CREATE_USER] = {"POST", "/users/"},
    [ENDPOINT_READ_ME] = {"GET", "/users/me"},
    [ENDPOINT_TOKEN] = {"POST", "/token"},
    [ENDPOINT_LOGOUT] = {"POST", "/logout"},
    [ENDPOINT_READY] = {"GET", "/ready"},
    [ENDPOINT_METRICS] = {"GET", "/metrics"},
};

bool
router_auth_only(enum endpoint e)
{
    return e >= ENDPOINT_CREATE_USER;
}

const char *
router_method(enum endpoint e)
{
    return routes[e].method;
}

const char *
router_template(enum endpoint e)
{
    return routes[e].template;
}

/* Length of s without one trailing slash (the root "/" keeps it). */
static size_t
trimmed_length(const char *s)
{
    size_t n = strlen(s);
    return n > 1 && s[n - 1] == '/' ? n - 1 : n;
}

/* Whether path matches template, where "{id}" stands for one non-empty segment. */
static bool
path_matches(const char *template, const char *path, const char **id, size_t *id_len)
{
    size_t tn = trimmed_length(template);
    size_t pn = trimmed_length(path);
    size_t t = 0, p = 0;

    while (t < tn && p < pn) {
        if (strncmp(template + t, "{id}", 4) == 0) {
            size_t start = p;
            while (p < pn && path[p] != '/')
                p++;
            if (p == start)
                return false;
            *id = path + start;
            *id_len = p - start;
            t += 4;
        } else if (template[t] == path[p]) {
            t++;
            p++;
        } else {
            return false;
        }
    }
    return t == tn && p == pn;
}

/* Appends ", method" (or the first method) to the Allow list. */
static void
allow_add(struct route_match *match, size_t *len, const char *method)
{
    *len += (size_t)snprintf(match->allow + *len, sizeof(match->allow) - *len, "%s%s",
                             *len > 0 ? ", " : "", method);
}

void
router_match(const char *method, const char *path, struct route_match *match)
{
    router_match_mode(method, path, true, match);
}

void
router_match_mode(const char *method, const char *path, bool with_auth, struct route_match *match)
{
    size_t allow_len = 0;
    /* HEAD is GET without the body (RFC 9110 §9.3.2). */
    const char *wanted = strcmp(method, "HEAD") == 0 ? "GET" : method;

    memset(match, 0, sizeof(*match));
    match->status = ROUTE_NOT_FOUND;
    for (int e = 0; e < ENDPOINT__MAX; e++) {
        const char *id = NULL;
        size_t id_len = 0;

        if (!with_auth && router_auth_only((enum endpoint)e))
            continue;
        if (!path_matches(routes[e].template, path, &id, &id_len))
            continue;
        if (strcmp(routes[e].method, wanted) == 0) {
            match->status = ROUTE_FOUND;
            match->endpoint = (enum endpoint)e;
            match->id = id;
            match->id_len = id_len;
            match->allow[0] = '\0';
            return;
        }
        match->status = ROUTE_BAD_METHOD;
        allow_add(match, &allow_len, routes[e].method);
        if (strcmp(routes[e].method, "GET") == 0)
            allow_add(match, &allow_len, "HEAD");
    }
    if (match->status == ROUTE_BAD_METHOD) {
        allow_add(match, &allow_len, "OPTIONS");
        if (strcmp(method, "OPTIONS") == 0)
            match->status = ROUTE_OPTIONS;
    }
}
