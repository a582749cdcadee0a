/* test_router.c: the route table, case by case. */
#include "cunit_run.h"
#include "router.h"

#include <string.h>

static const struct {
    const char *method;
    const char *path;
    enum route_status status;
    enum endpoint endpoint; /* when found */
    const char *id;         /* when found on an {id} route; allow when 405 */
} cases[] = {
    {"GET", "/ping", ROUTE_FOUND, ENDPOINT_PING, NULL},
    {"GET", "/ping/", ROUTE_FOUND, ENDPOINT_PING, NULL},
    {"GET", "/notes/", ROUTE_FOUND, ENDPOINT_LIST_NOTES, NULL},
    {"GET", "/notes", ROUTE_FOUND, ENDPOINT_LIST_NOTES, NULL},
    {"POST", "/notes/", ROUTE_FOUND, ENDPOINT_CREATE_NOTE, NULL},
    {"POST", "/notes", ROUTE_FOUND, ENDPOINT_CREATE_NOTE, NULL},
    {"GET", "/notes/12/", ROUTE_FOUND, ENDPOINT_READ_NOTE, "12"},
    {"GET", "/notes/12", ROUTE_FOUND, ENDPOINT_READ_NOTE, "12"},
    {"PUT", "/notes/abc/", ROUTE_FOUND, ENDPOINT_UPDATE_NOTE, "abc"},
    {"DELETE", "/notes/-1", ROUTE_FOUND, ENDPOINT_DELETE_NOTE, "-1"},
    {"PATCH", "/notes/1/", ROUTE_FOUND, ENDPOINT_PATCH_NOTE, "1"},
    {"PATCH", "/notes/1", ROUTE_FOUND, ENDPOINT_PATCH_NOTE, "1"},
    /* HEAD is every GET route's; OPTIONS every path's; Allow lists both. */
    {"HEAD", "/ping", ROUTE_FOUND, ENDPOINT_PING, NULL},
    {"HEAD", "/notes", ROUTE_FOUND, ENDPOINT_LIST_NOTES, NULL},
    {"HEAD", "/notes/5/", ROUTE_FOUND, ENDPOINT_READ_NOTE, "5"},
    {"POST", "/notes/1/", ROUTE_BAD_METHOD, 0, "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"},
    {"DELETE", "/notes/", ROUTE_BAD_METHOD, 0, "GET, HEAD, POST, OPTIONS"},
    {"PATCH", "/notes/", ROUTE_BAD_METHOD, 0, "GET, HEAD, POST, OPTIONS"},
    {"POST", "/ping", ROUTE_BAD_METHOD, 0, "GET, HEAD, OPTIONS"},
    {"get", "/ping", ROUTE_BAD_METHOD, 0, "GET, HEAD, OPTIONS"},
    {"head", "/ping", ROUTE_BAD_METHOD, 0, "GET, HEAD, OPTIONS"},
    {"OPTIONS", "/ping", ROUTE_OPTIONS, 0, "GET, HEAD, OPTIONS"},
    {"OPTIONS", "/notes/x", ROUTE_OPTIONS, 0, "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"},
    {"OPTIONS", "/nope", ROUTE_NOT_FOUND, 0, NULL},
    {"GET", "/", ROUTE_NOT_FOUND, 0, NULL},
    {"GET", "", ROUTE_NOT_FOUND, 0, NULL},
    {"GET", "/pingx", ROUTE_NOT_FOUND, 0, NULL},
    {"GET", "/ping//", ROUTE_NOT_FOUND, 0, NULL},
    {"GET", "/notes//", ROUTE_NOT_FOUND, 0, NULL},
    {"GET", "/notes/1/2/", ROUTE_NOT_FOUND, 0, NULL},
    {"GET", "/notes/1//", ROUTE_NOT_FOUND, 0, NULL},
    {"GET", "/Notes/", ROUTE_NOT_FOUND, 0, NULL},
    {"GET", "/notes/1/x", ROUTE_NOT_FOUND, 0, NULL},
};

static void
test_route_table(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct route_match m;

        router_match(cases[i].method, cases[i].path, &m);
        CU_ASSERT_EQUAL(m.status, cases[i].status);
        if (m.status != cases[i].status)
            fprintf(stderr, "case %zu: %s %s\n", i, cases[i].method, cases[i].path);
        if (cases[i].status == ROUTE_FOUND) {
            CU_ASSERT_EQUAL(m.endpoint, cases[i].endpoint);
            if (cases[i].id != NULL) {
                CU_ASSERT_EQUAL(m.id_len, strlen(cases[i].id));
                CU_ASSERT(m.id != NULL && strncmp(m.id, cases[i].id, m.id_len) == 0);
            }
        } else if (cases[i].status == ROUTE_BAD_METHOD || cases[i].status == ROUTE_OPTIONS) {
            CU_ASSERT_STRING_EQUAL(m.allow, cases[i].id);
        }
    }
}

static void
test_route_list_names_every_endpoint(void)
{
    for (int e = 0; e < ENDPOINT__MAX; e++) {
        struct route_match m;
        char path[64];
        const char *t = router_template((enum endpoint)e);
        const char *brace = strchr(t, '{');

        /* Each template, with {id} filled in, routes back to its own endpoint. */
        if (brace != NULL)
            snprintf(path, sizeof(path), "%.*s7%s", (int)(brace - t), t, strchr(t, '}') + 1);
        else
            snprintf(path, sizeof(path), "%s", t);
        router_match(router_method((enum endpoint)e), path, &m);
        CU_ASSERT_EQUAL(m.status, ROUTE_FOUND);
        CU_ASSERT_EQUAL(m.endpoint, e);
    }
}

int
main(void)
{
    static const struct test_case tests[] = {
        {"route table", test_route_table},
        {"every template routes to its endpoint", test_route_list_names_every_endpoint},
        {NULL, NULL},
    };
    return cunit_run("router", tests);
}
