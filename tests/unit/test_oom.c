/*
 * test_oom.c: out of memory while a request is handled is a 503, never the client's fault (a
 * 400 or a 422) nor a 500, and never half an answer dressed as a whole one.
 *
 * The program is linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc: every allocation
 * our own code makes (src/, here libnotes.a: buf, the body's JSON, the answer) goes through the
 * wrappers below, which fail the Nth one once armed (json-c's own allocations inside its
 * library are not ours to fail). Each request is sent with N = 0, 1, 2, ... until it runs
 * through without reaching N: so every allocation it makes is failed once, then again with
 * memory staying exhausted from the Nth on. The answer is captured without allocating, and
 * only handle_request and response_finish run armed.
 */
#include "cunit_run.h"
#include "fake_store.h"
#include "handlers.h"
#include "request.h"
#include "response.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);

static bool armed;
static long fail_at;      /* the index (from arming) of the first allocation to fail */
static bool keep_failing; /* after it, every allocation fails too (memory stays exhausted) */
static long allocations;  /* since arming */
static long injected;     /* failures given */

static bool
should_fail(void)
{
    if (!armed)
        return false;
    long n = allocations++;
    if (n == fail_at || (keep_failing && n > fail_at)) {
        injected++;
        return true;
    }
    return false;
}

void *
__wrap_malloc(size_t size)
{
    return should_fail() ? NULL : __real_malloc(size);
}

void *
__wrap_calloc(size_t n, size_t size)
{
    return should_fail() ? NULL : __real_calloc(n, size);
}

void *
__wrap_realloc(void *p, size_t size)
{
    return should_fail() ? NULL : __real_realloc(p, size);
}

/* The CGI answer, captured in a fixed buffer (no allocation). */
static char captured[1 << 20];
static size_t captured_len;

static bool
capture(void *ctx, const char *data, size_t len)
{
    (void)ctx;
    if (len > sizeof(captured) - 1 - captured_len)
        return false;
    memcpy(captured + captured_len, data, len);
    captured_len += len;
    captured[captured_len] = '\0';
    return true;
}

struct outcome {
    bool whole; /* response_finish said the answer was written whole */
    int status;
    const char *body; /* into captured */
};

static struct fake_store fake;

static struct outcome
send(const char *method, const char *path, const char *body)
{
    struct store store = fake_store_store(&fake);
    struct request req = {
        .method = method,
        .path = path,
        .query = "",
        .content_type = body != NULL ? "application/json" : NULL,
        .body = body,
        .body_len = body != NULL ? strlen(body) : 0,
        .body_limit = 65536,
    };
    struct response resp;
    struct outcome out = {false, 0, ""};

    captured_len = 0;
    captured[0] = '\0';
    response_init(&resp, capture, NULL);
    armed = true;
    handle_request(&req, &resp, &store);
    out.whole = response_finish(&resp);
    armed = false;
    response_free(&resp);
    const char *status = strstr(captured, "Status: ");
    out.status = status != NULL ? atoi(status + 8) : 0;
    const char *sep = strstr(captured, "\r\n\r\n");
    out.body = sep != NULL ? sep + 4 : "";
    return out;
}

#define OOM_BODY "{\"detail\":\"Service temporarily out of memory\"}"

/*
 * Sends the request with every allocation failed in turn (once, then from there on); the
 * store is set up afresh by setup before each try. want_status: the answer with memory to
 * spare.
 */
static void
sweep(void (*setup)(void), const char *method, const char *path, const char *body, int want_status)
{
    setup();
    fail_at = -1;
    keep_failing = false;
    allocations = injected = 0;
    struct outcome normal = send(method, path, body);
    CU_ASSERT_EQUAL(normal.status, want_status);
    CU_ASSERT_TRUE(normal.whole);
    long total = allocations;
    CU_ASSERT(total > 0); /* the sweep below has something to fail */
    printf("\n    %s %s: %ld allocations, each failed in turn ", method, path, total);

    for (int mode = 0; mode < 2; mode++) {
        long tried = 0;
        for (fail_at = 0;; fail_at++) {
            setup();
            keep_failing = mode == 1;
            allocations = injected = 0;
            struct outcome got = send(method, path, body);
            if (injected == 0)
                break; /* ran through without reaching fail_at: every allocation was tried */
            tried++;
            bool oom = got.whole && got.status == 503 && strcmp(got.body, OOM_BODY) == 0;
            bool as_normal = got.whole && got.status == want_status;
            /* With memory gone for good even the 503 may not be written: then the answer is
               not whole and the worker drops the connection (the client sees a failure). */
            bool dropped = mode == 1 && !got.whole;
            CU_ASSERT(oom || as_normal || dropped);
            if (!(oom || as_normal || dropped))
                fprintf(stderr, "\n  %s %s, allocation %ld failed%s: %s %d %s\n", method, path,
                        fail_at, mode == 1 ? " and on" : "", got.whole ? "whole" : "cut",
                        got.status, got.body);
        }
        CU_ASSERT(tried > 0);
    }
    allocations = 0;
}

static void
empty_store(void)
{
    fake_store_init(&fake);
}

static void
three_notes(void)
{
    fake_store_init(&fake);
    fake_store_add(&fake, "first", "one");
    fake_store_add(&fake, "second \u00e9", "two");
    fake_store_add(&fake, "third", "three");
}

static void
test_create(void)
{
    sweep(empty_store, "POST", "/notes/",
          "{\"title\":\"a title \\u00e9\",\"description\":\"a "
          "description\",\"extra\":[1,2,{\"x\":null}]}",
          201);
}

static void
test_invalid_body_is_not_blamed_on_memory(void)
{
    /* A 422 needs memory for its details: without it, a 503, never a wrong 4xx. */
    sweep(empty_store, "POST", "/notes/", "{\"title\":\"\",\"description\":5}", 422);
}

static void
test_update(void)
{
    sweep(three_notes, "PUT", "/notes/2/", "{\"title\":\"changed\",\"description\":\"again\"}",
          200);
}

static void
test_read_and_list(void)
{
    sweep(three_notes, "GET", "/notes/2/", NULL, 200);
    sweep(three_notes, "GET", "/notes/", NULL, 200);
}

int
main(void)
{
    static const struct test_case tests[] = {
        {"POST /notes/ out of memory at each allocation", test_create},
        {"an invalid body out of memory is a 503, not a 4xx",
         test_invalid_body_is_not_blamed_on_memory},
        {"PUT out of memory at each allocation", test_update},
        {"GET one and the list out of memory at each allocation", test_read_and_list},
        {NULL, NULL},
    };
    return cunit_run("oom", tests);
}
