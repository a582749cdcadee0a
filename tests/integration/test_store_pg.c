/*
 * test_store_pg.c: the libpq store against a real, throwaway Postgres (run by with-pg, which
 * sets PGHOST, PGPORT, PGUSER, PGPASSWORD and migrates the schema).
 */
#include "cunit_run.h"
#include "store_pg.h"
#include "token.h"

#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

/* Waits ms milliseconds (for the server to act on what it was told). */
static void
pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static PGconn *admin; /* a second connection, to look at and disturb the database */
/* Upper bounds on times are multiplied by this: 10 under valgrind (TEST_WRAPPER), where a
   connection's SCRAM alone took seconds on a loaded machine. Lower bounds never are. */
static long slack = 1;

static void
admin_exec(const char *sql)
{
    PGresult *res = PQexec(admin, sql);
    ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        fprintf(stderr, "admin: %s: %s", sql, PQerrorMessage(admin));
    CU_ASSERT(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK);
    PQclear(res);
}

static long
admin_count(const char *sql)
{
    PGresult *res = PQexec(admin, sql);
    long n = PQresultStatus(res) == PGRES_TUPLES_OK ? atol(PQgetvalue(res, 0, 0)) : -1;
    PQclear(res);
    return n;
}

static struct note
make_note(const char *title, const char *description)
{
    struct note n = {0};
    snprintf(n.title, sizeof(n.title), "%s", title);
    snprintf(n.description, sizeof(n.description), "%s", description);
    return n;
}

/* No If-Match: every version. */
static const struct version_set any_version = {true, 0, {0}};

static struct note_change
change_of(const struct note *n)
{
    struct note_change c = {n->title, n->description};
    return c;
}

/* A list by id from offset, at most limit notes (< 0: all). */
static struct list_query
by_id(long long limit, long long offset)
{
    struct list_query q = {limit, offset, 0, NULL, LIST_BY_ID};
    return q;
}

static struct store_pg *
open_store(void)
{
    struct store_pg *pg = store_pg_new("", 5000, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pg);
    return pg;
}

static void
test_crud_round_trip(void)
{
    struct store_pg *pg = open_store();
    struct store s = store_pg_store(pg);
    struct note in = make_note("caf\xC3\xA9 \xF0\x9F\x98\x80", "description"), out, got;

    admin_exec("TRUNCATE notes RESTART IDENTITY");
    CU_ASSERT_EQUAL(s.ops->create(s.impl, &in, &out), STORE_OK);
    CU_ASSERT_EQUAL(out.id, 1);
    CU_ASSERT_STRING_EQUAL(out.title, in.title);
    CU_ASSERT_EQUAL(s.ops->get(s.impl, 1, &got), STORE_OK);
    CU_ASSERT_STRING_EQUAL(got.title, in.title);
    CU_ASSERT_STRING_EQUAL(got.description, "description");
    CU_ASSERT_EQUAL(s.ops->get(s.impl, 2, &got), STORE_NOT_FOUND);

    struct note update = make_note("new title", "new description");
    struct note_change change = change_of(&update);
    CU_ASSERT_EQUAL(s.ops->update(s.impl, 1, &change, &any_version, &out), STORE_OK);
    CU_ASSERT_STRING_EQUAL(out.title, "new title");
    CU_ASSERT_EQUAL(s.ops->update(s.impl, 99, &change, &any_version, &out), STORE_NOT_FOUND);
    CU_ASSERT_EQUAL(admin_count("SELECT count(*) FROM notes WHERE title = 'new title'"), 1);

    CU_ASSERT_EQUAL(s.ops->remove(s.impl, 1, &any_version, &out), STORE_OK);
    CU_ASSERT_STRING_EQUAL(out.description, "new description");
    CU_ASSERT_EQUAL(s.ops->remove(s.impl, 1, &any_version, &out), STORE_NOT_FOUND);
    CU_ASSERT_EQUAL(admin_count("SELECT count(*) FROM notes"), 0);
    /* created_date is filled by the schema's default */
    CU_ASSERT_EQUAL(s.ops->create(s.impl, &in, &out), STORE_OK);
    CU_ASSERT_EQUAL(admin_count("SELECT count(*) FROM notes WHERE created_date IS NOT NULL"), 1);
    store_pg_free(pg);
}

struct collected {
    int count;
    int32_t last_id;
    bool ordered;
    int stop_after; /* 0: never stop */
};

static bool
collect(void *arg, const struct note *note)
{
    struct collected *c = arg;
    if (note->id <= c->last_id)
        c->ordered = false;
    c->last_id = note->id;
    c->count++;
    return c->stop_after == 0 || c->count < c->stop_after;
}

static void
test_list_streams_in_order(void)
{
    struct store_pg *pg = open_store();
    struct store s = store_pg_store(pg);
    struct collected c = {0, 0, true, 0};
    struct list_query all = by_id(-1, 0), ten = by_id(10, 5), hundred = by_id(100, 0);

    admin_exec("TRUNCATE notes RESTART IDENTITY");
    /* Inserted out of id order on purpose: the list must come back ordered by id. */
    admin_exec("INSERT INTO notes (id, title, description) SELECT i, 'title ' || i, 'd ' || i "
               "FROM generate_series(20000, 1, -1) AS i");
    CU_ASSERT_EQUAL(s.ops->list(s.impl, &all, collect, &c), STORE_OK);
    CU_ASSERT_EQUAL(c.count, 20000);
    CU_ASSERT_TRUE(c.ordered);

    c = (struct collected){0, 0, true, 0};
    CU_ASSERT_EQUAL(s.ops->list(s.impl, &ten, collect, &c), STORE_OK);
    CU_ASSERT_EQUAL(c.count, 10);
    CU_ASSERT_EQUAL(c.last_id, 15);

    /* Both sides of the bound between a list fetched at once and one streamed row by row. */
    static const struct {
        long long limit, offset, count, last_id;
    } bounded[] = {
        {0, 0, 0, 0},
        {1000, 7, 1000, 1007},
        {1001, 7, 1001, 1008},
        {1000, 19500, 500, 20000},
    };
    for (size_t i = 0; i < sizeof(bounded) / sizeof(bounded[0]); i++) {
        c = (struct collected){0, 0, true, 0};
        struct list_query q = by_id(bounded[i].limit, bounded[i].offset);
        CU_ASSERT_EQUAL(s.ops->list(s.impl, &q, collect, &c), STORE_OK);
        CU_ASSERT_EQUAL(c.count, bounded[i].count);
        CU_ASSERT_EQUAL(c.last_id, bounded[i].last_id);
        CU_ASSERT_TRUE(c.ordered);
    }

    /* A reader that stops early leaves the connection usable, streamed or fetched at once. */
    struct note got;
    c = (struct collected){0, 0, true, 3};
    CU_ASSERT_EQUAL(s.ops->list(s.impl, &all, collect, &c), STORE_OK);
    CU_ASSERT_EQUAL(c.count, 3);
    CU_ASSERT_EQUAL(s.ops->get(s.impl, 42, &got), STORE_OK);
    CU_ASSERT_STRING_EQUAL(got.title, "title 42");
    c = (struct collected){0, 0, true, 3};
    CU_ASSERT_EQUAL(s.ops->list(s.impl, &hundred, collect, &c), STORE_OK);
    CU_ASSERT_EQUAL(c.count, 3);
    CU_ASSERT_EQUAL(s.ops->get(s.impl, 43, &got), STORE_OK);
    CU_ASSERT_STRING_EQUAL(got.title, "title 43");
    store_pg_free(pg);
}

static void
test_reconnects_after_losing_the_connection(void)
{
    struct store_pg *pg = open_store();
    struct store s = store_pg_store(pg);
    struct note in = make_note("title", "description"), out;

    admin_exec("TRUNCATE notes RESTART IDENTITY");
    CU_ASSERT_EQUAL(s.ops->create(s.impl, &in, &out), STORE_OK);
    /* The server ends the worker's session, as a restart or an administrator would. */
    admin_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
               "WHERE application_name = 'notes-worker'");
    pause_ms(100);
    /* The next requests find out and reconnect by themselves: no 503 needed. */
    CU_ASSERT_EQUAL(s.ops->get(s.impl, out.id, &out), STORE_OK);
    admin_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
               "WHERE application_name = 'notes-worker'");
    pause_ms(100);
    CU_ASSERT_EQUAL(s.ops->create(s.impl, &in, &out), STORE_OK);
    CU_ASSERT_EQUAL(admin_count("SELECT count(*) FROM notes"), 2);
    store_pg_free(pg);
}

static void
test_unreachable_database_is_unavailable(void)
{
    struct store_pg *pg = store_pg_new("postgresql://nobody@127.0.0.1:1/none", 5000, 0);
    struct store s = store_pg_store(pg);
    struct note out;

    CU_ASSERT_FALSE(store_pg_connect(pg));
    CU_ASSERT_EQUAL(s.ops->get(s.impl, 1, &out), STORE_UNAVAILABLE);
    CU_ASSERT_EQUAL(s.ops->create(s.impl, &out, &out), STORE_UNAVAILABLE);
    store_pg_free(pg);
}

static long long
clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Whether the store answers (not STORE_UNAVAILABLE) within ms, asking every 20 ms as requests
 * would: after an outage the reconnection is carried on by the requests that come.
 */
static bool
available_within(struct store *s, long ms)
{
    struct note out;
    long long end = clock_ms() + ms;

    do {
        if (s->ops->get(s->impl, 1, &out) != STORE_UNAVAILABLE)
            return true;
        pause_ms(20);
    } while (clock_ms() < end);
    return false;
}

static void
test_schema_versions(void)
{
    struct store_pg *pg = open_store();
    struct store s = store_pg_store(pg);
    struct note out;

    /* A later (additive) migration: an older worker keeps serving (rolling deploys). */
    admin_exec("INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')");
    CU_ASSERT_TRUE(store_pg_connect(pg));
    CU_ASSERT_NOT_EQUAL(s.ops->get(s.impl, 1, &out), STORE_UNAVAILABLE);
    admin_exec("DELETE FROM schema_migrations WHERE version = 999");
    /* An older schema than the queries need: unavailable until migrated. */
    admin_exec("CREATE TEMP TABLE kept AS SELECT * FROM schema_migrations");
    admin_exec("DELETE FROM schema_migrations");
    CU_ASSERT_FALSE(store_pg_connect(pg));
    CU_ASSERT_EQUAL(s.ops->get(s.impl, 1, &out), STORE_UNAVAILABLE);
    admin_exec("INSERT INTO schema_migrations SELECT * FROM kept");
    admin_exec("DROP TABLE kept");
    CU_ASSERT_TRUE(available_within(&s, 3000 * slack));
    store_pg_free(pg);
}

/* How many sessions of the worker run a statement (not idle). */
static long
busy_worker_sessions(void)
{
    return admin_count("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                       "'notes-worker' AND state <> 'idle'");
}

static void
test_deadline_and_fail_fast(void)
{
    /* The server would wait 30 s; the worker's own deadline is 400 ms. */
    struct store_pg *pg = store_pg_new("", 30000, 400);
    struct store s = store_pg_store(pg);
    struct note out, in = make_note("title", "description");

    admin_exec("TRUNCATE notes RESTART IDENTITY");
    /* Connected first, as a worker does before its first request: a call's 400 ms cover its
       connection too, and under valgrind SCRAM alone takes longer. */
    CU_ASSERT_TRUE_FATAL(store_pg_connect(pg));
    CU_ASSERT_EQUAL(s.ops->create(s.impl, &in, &out), STORE_OK);
    /* A third session holds the row (the admin's own view of pg_stat_activity would be frozen
       for the length of a transaction). */
    PGconn *locker = PQconnectdb("");
    PQclear(PQexec(locker, "BEGIN"));
    PQclear(PQexec(locker, "SELECT * FROM notes WHERE id = 1 FOR UPDATE"));
    long long t0 = clock_ms();
    struct note_change change = change_of(&in);
    CU_ASSERT_EQUAL(s.ops->update(s.impl, 1, &change, &any_version, &out), STORE_UNAVAILABLE);
    long long waited = clock_ms() - t0;
    CU_ASSERT(waited >= 390 && waited < 3000 * slack);
    /* Fail fast: right after a deadline, requests do not wait again. */
    t0 = clock_ms();
    CU_ASSERT_EQUAL(s.ops->get(s.impl, 1, &out), STORE_UNAVAILABLE);
    CU_ASSERT(clock_ms() - t0 < 100 * slack);
    /* The abandoned query does not live on in the server (client_connection_check_interval). */
    long busy = -1;
    for (int i = 0; i < 40 * slack && (busy = busy_worker_sessions()) != 0; i++)
        pause_ms(100);
    CU_ASSERT_EQUAL(busy, 0);
    PQfinish(locker);
    /* Recovered at the next probe, without a restart. */
    CU_ASSERT_TRUE(available_within(&s, 3000 * slack));
    CU_ASSERT_EQUAL(s.ops->get(s.impl, 1, &out), STORE_OK);
    CU_ASSERT_EQUAL(s.ops->update(s.impl, 1, &change, &any_version, &out), STORE_OK);
    store_pg_free(pg);
}

/* The pid of the worker's backend, or 0. */
static long
worker_backend_pid(void)
{
    return admin_count("SELECT coalesce(max(pid), 0) FROM pg_stat_activity WHERE "
                       "application_name = 'notes-worker'");
}

static void
test_frozen_backend(void)
{
    struct store_pg *pg = store_pg_new("", 30000, 500);
    struct store s = store_pg_store(pg);
    struct note out;

    CU_ASSERT_TRUE_FATAL(store_pg_connect(pg));
    long pid = worker_backend_pid();
    CU_ASSERT_FATAL(pid > 0);
    /* The backend stops answering (a stalled disk, a frozen VM): the server is the one that hangs,
       so only the worker's own deadline can end the wait. */
    CU_ASSERT_EQUAL_FATAL(kill((pid_t)pid, SIGSTOP), 0);
    long long t0 = clock_ms();
    enum store_result got = s.ops->get(s.impl, 1, &out);
    long long waited = clock_ms() - t0;
    kill((pid_t)pid, SIGCONT);
    CU_ASSERT_EQUAL(got, STORE_UNAVAILABLE);
    CU_ASSERT(waited >= 490 && waited < 3000 * slack);
    CU_ASSERT_TRUE(available_within(&s, 3000 * slack));
    store_pg_free(pg);
}

static void
test_list_stopped_early_cancels_the_query(void)
{
    struct store_pg *pg = open_store();
    struct store s = store_pg_store(pg);
    struct collected c = {0, 0, true, 5};

    admin_exec("TRUNCATE notes RESTART IDENTITY");
    admin_exec("INSERT INTO notes (title, description) SELECT 'title ' || i, 'd' FROM "
               "generate_series(1, 300000) AS i");
    long long t0 = clock_ms();
    struct list_query all = by_id(-1, 0);
    CU_ASSERT_EQUAL(s.ops->list(s.impl, &all, collect, &c), STORE_OK);
    CU_ASSERT_EQUAL(c.count, 5);
    /* Not drained: the reader's stop ends the work on both sides within a second. */
    long busy = -1;
    for (int i = 0; i < 20 * slack && (busy = busy_worker_sessions()) != 0; i++)
        pause_ms(50);
    CU_ASSERT_EQUAL(busy, 0);
    CU_ASSERT(clock_ms() - t0 < 1500 * slack);
    struct note got;
    CU_ASSERT_EQUAL(s.ops->get(s.impl, 42, &got), STORE_OK);
    store_pg_free(pg);
}

static void
test_statement_timeout(void)
{
    struct store_pg *pg = store_pg_new("", 200, 0);
    struct store s = store_pg_store(pg);
    struct note out, in = make_note("title", "description");

    admin_exec("TRUNCATE notes RESTART IDENTITY");
    CU_ASSERT_TRUE_FATAL(store_pg_connect(pg)); /* as a worker does; the calls' 700 ms are theirs */
    CU_ASSERT_EQUAL(s.ops->create(s.impl, &in, &out), STORE_OK);
    /* Another session holds the row: the update waits, then gives up after 200 ms. */
    admin_exec("BEGIN");
    admin_exec("SELECT * FROM notes WHERE id = 1 FOR UPDATE");
    struct note_change change = change_of(&in);
    CU_ASSERT_EQUAL(s.ops->update(s.impl, 1, &change, &any_version, &out), STORE_UNAVAILABLE);
    admin_exec("ROLLBACK");
    CU_ASSERT_EQUAL(s.ops->update(s.impl, 1, &change, &any_version, &out), STORE_OK);
    store_pg_free(pg);
}

/* A set holding one version (If-Match: "v"). */
static struct version_set
only(int64_t v)
{
    struct version_set set = {false, 1, {v}};
    return set;
}

static void
test_versions_and_conditional_writes(void)
{
    struct store_pg *pg = open_store();
    struct store s = store_pg_store(pg);
    struct note in = make_note("title", "description"), out, got, first;

    admin_exec("TRUNCATE notes RESTART IDENTITY");
    CU_ASSERT_EQUAL(s.ops->create(s.impl, &in, &first), STORE_OK);
    CU_ASSERT(first.version > 0);
    CU_ASSERT_EQUAL(s.ops->get(s.impl, first.id, &got), STORE_OK);
    CU_ASSERT_EQUAL(got.version, first.version);

    /* A matching version: applied, and the note has a new version. */
    struct version_set v1 = only(first.version);
    struct note_change title_only = {"patched title", NULL};
    CU_ASSERT_EQUAL(s.ops->update(s.impl, first.id, &title_only, &v1, &out), STORE_OK);
    CU_ASSERT_STRING_EQUAL(out.title, "patched title");
    CU_ASSERT_STRING_EQUAL(out.description, "description"); /* kept: a patch */
    CU_ASSERT(out.version != first.version);
    int64_t second = out.version;

    /* The old version again: 412, nothing changed; a missing note stays 404. */
    struct note_change other = {"lost update", "lost update"};
    CU_ASSERT_EQUAL(s.ops->update(s.impl, first.id, &other, &v1, &out), STORE_PRECONDITION_FAILED);
    CU_ASSERT_EQUAL(admin_count("SELECT count(*) FROM notes WHERE title = 'lost update'"), 0);
    CU_ASSERT_EQUAL(s.ops->update(s.impl, 999, &other, &v1, &out), STORE_NOT_FOUND);
    CU_ASSERT_EQUAL(s.ops->remove(s.impl, first.id, &v1, &out), STORE_PRECONDITION_FAILED);
    CU_ASSERT_EQUAL(s.ops->remove(s.impl, 999, &v1, &out), STORE_NOT_FOUND);
    struct version_set none = {false, 0, {0}}; /* If-Match with only tags not ours */
    CU_ASSERT_EQUAL(s.ops->update(s.impl, first.id, &other, &none, &out),
                    STORE_PRECONDITION_FAILED);

    /* Any write, even one made by hand (an older worker), changes the version. */
    admin_exec("UPDATE notes SET description = 'by hand' WHERE id = 1");
    CU_ASSERT_EQUAL(s.ops->get(s.impl, first.id, &got), STORE_OK);
    CU_ASSERT(got.version != second);
    struct version_set v2 = only(second);
    CU_ASSERT_EQUAL(s.ops->remove(s.impl, first.id, &v2, &out), STORE_PRECONDITION_FAILED);

    /* One of several versions matching is enough. */
    struct version_set several = {false, 3, {first.version, got.version, 7}};
    CU_ASSERT_EQUAL(s.ops->remove(s.impl, first.id, &several, &out), STORE_OK);
    CU_ASSERT_STRING_EQUAL(out.description, "by hand");
    CU_ASSERT_EQUAL(admin_count("SELECT count(*) FROM notes"), 0);
    store_pg_free(pg);
}

struct titles {
    int count;
    char text[8][224];
};

static bool
collect_titles(void *arg, const struct note *note)
{
    struct titles *t = arg;
    if (t->count < 8)
        snprintf(t->text[t->count], sizeof(t->text[0]), "%d:%s", (int)note->id, note->title);
    t->count++;
    return true;
}

static void
test_search_sort_and_keyset(void)
{
    struct store_pg *pg = open_store();
    struct store s = store_pg_store(pg);
    struct titles t;
    long long total = -1;

    admin_exec("TRUNCATE notes RESTART IDENTITY");
    admin_exec("INSERT INTO notes (title, description, created_date) VALUES "
               "('b \u00c9t\u00e9', 'one', '2026-01-03'), ('a summer', 'two', '2026-01-01'), "
               "('c 100%', 'ÉTÉ here', '2026-01-02'), ('d x_y', 'four', '2026-01-04')");
    /* Unicode case: "été" finds "Été" in a title and "ÉTÉ" in a description. */
    struct list_query q = {-1, 0, 0, "\u00e9t\u00e9", LIST_BY_ID};
    t = (struct titles){0};
    CU_ASSERT_EQUAL(s.ops->list(s.impl, &q, collect_titles, &t), STORE_OK);
    CU_ASSERT_EQUAL(t.count, 2);
    CU_ASSERT_STRING_EQUAL(t.text[0], "1:b \u00c9t\u00e9");
    CU_ASSERT_STRING_EQUAL(t.text[1], "3:c 100%");
    CU_ASSERT_EQUAL(s.ops->count(s.impl, &q, &total), STORE_OK);
    CU_ASSERT_EQUAL(total, 2);
    /* LIKE's own characters are text: "%" finds only the note with a %, "_" only x_y. */
    q.search = "%";
    t = (struct titles){0};
    CU_ASSERT_EQUAL(s.ops->list(s.impl, &q, collect_titles, &t), STORE_OK);
    CU_ASSERT_EQUAL(t.count, 1);
    q.search = "x_y";
    t = (struct titles){0};
    CU_ASSERT_EQUAL(s.ops->list(s.impl, &q, collect_titles, &t), STORE_OK);
    CU_ASSERT_EQUAL(t.count, 1);
    q.search = "_";
    CU_ASSERT_EQUAL(s.ops->count(s.impl, &q, &total), STORE_OK);
    CU_ASSERT_EQUAL(total, 1);
    q.search = NULL;
    CU_ASSERT_EQUAL(s.ops->count(s.impl, &q, &total), STORE_OK);
    CU_ASSERT_EQUAL(total, 4);

    /* Orders, and keyset pages in each: after note 1 ("b Été") by title comes c, then d. */
    static const struct {
        enum list_order order;
        int32_t after;
        const char *first, *second;
        int count;
    } cases[] = {
        {LIST_BY_ID_DESC, 0, "4:d x_y", "3:c 100%", 4},
        {LIST_BY_TITLE, 0, "2:a summer", "1:b \u00c9t\u00e9", 4},
        {LIST_BY_TITLE, 1, "3:c 100%", "4:d x_y", 2},
        {LIST_BY_TITLE_DESC, 3, "1:b \u00c9t\u00e9", "2:a summer", 2},
        {LIST_BY_CREATED, 0, "2:a summer", "3:c 100%", 4},
        {LIST_BY_CREATED_DESC, 1, "3:c 100%", "2:a summer", 2},
        {LIST_BY_ID, 2, "3:c 100%", "4:d x_y", 2},
        {LIST_BY_ID_DESC, 3, "2:a summer", "1:b \u00c9t\u00e9", 2},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct list_query lq = {-1, 0, cases[i].after, NULL, cases[i].order};
        t = (struct titles){0};
        CU_ASSERT_EQUAL(s.ops->list(s.impl, &lq, collect_titles, &t), STORE_OK);
        CU_ASSERT_EQUAL(t.count, cases[i].count);
        CU_ASSERT_STRING_EQUAL(t.text[0], cases[i].first);
        CU_ASSERT_STRING_EQUAL(t.text[1], cases[i].second);
        if (t.count != cases[i].count || strcmp(t.text[0], cases[i].first) != 0)
            fprintf(stderr, "case %zu: %d notes, first %s\n", i, t.count, t.text[0]);
    }
    /* Keyset with a limit and an offset, and with a search. */
    struct list_query page = {1, 1, 1, NULL, LIST_BY_TITLE};
    t = (struct titles){0};
    CU_ASSERT_EQUAL(s.ops->list(s.impl, &page, collect_titles, &t), STORE_OK);
    CU_ASSERT_EQUAL(t.count, 1);
    CU_ASSERT_STRING_EQUAL(t.text[0], "4:d x_y");
    struct list_query searched = {-1, 0, 1, "\u00c9T\u00c9", LIST_BY_ID};
    t = (struct titles){0};
    CU_ASSERT_EQUAL(s.ops->list(s.impl, &searched, collect_titles, &t), STORE_OK);
    CU_ASSERT_EQUAL(t.count, 1);
    CU_ASSERT_STRING_EQUAL(t.text[0], "3:c 100%");
    store_pg_free(pg);
}

/* NOTES_AUTH=on: the owned statements of issue 12 (versions, If-Match, list parameters). */
static void
test_owned_conditional_and_lists(void)
{
    struct store_pg *pg = open_store();
    struct store s = store_pg_store(pg);
    struct user alice, bob;
    struct token_hash ta = {{0}, {0}}, tb = {{0}, {0}};
    struct note out, first;
    struct titles t;

    memset(ta.hex, 'a', TOKEN_HASH_HEX_LEN);
    memset(tb.hex, 'b', TOKEN_HASH_HEX_LEN);
    admin_exec("TRUNCATE notes, users, tokens RESTART IDENTITY CASCADE");
    CU_ASSERT_EQUAL(s.ops->user_create(s.impl, "alice", "x", &alice), STORE_OK);
    CU_ASSERT_EQUAL(s.ops->user_create(s.impl, "bob", "x", &bob), STORE_OK);
    CU_ASSERT_EQUAL(s.ops->token_create(s.impl, alice.id, &ta, 600), STORE_OK);
    CU_ASSERT_EQUAL(s.ops->token_create(s.impl, bob.id, &tb, 600), STORE_OK);
    struct note in = make_note("banana", "one");
    CU_ASSERT_EQUAL(s.ops->owned_create(s.impl, &ta, &in, &first), STORE_OK);
    CU_ASSERT(first.version > 0);
    in = make_note("apple", "two");
    CU_ASSERT_EQUAL(s.ops->owned_create(s.impl, &ta, &in, &out), STORE_OK);
    in = make_note("aardvark", "bob's");
    CU_ASSERT_EQUAL(s.ops->owned_create(s.impl, &tb, &in, &out), STORE_OK);

    struct version_set v1 = only(first.version);
    struct note_change patch = {NULL, "patched"};
    CU_ASSERT_EQUAL(s.ops->owned_update(s.impl, &ta, first.id, &patch, &v1, &out), STORE_OK);
    CU_ASSERT_STRING_EQUAL(out.title, "banana");
    CU_ASSERT_STRING_EQUAL(out.description, "patched");
    CU_ASSERT(out.version != first.version);
    CU_ASSERT_EQUAL(s.ops->owned_update(s.impl, &ta, first.id, &patch, &v1, &out),
                    STORE_PRECONDITION_FAILED);
    CU_ASSERT_EQUAL(s.ops->owned_remove(s.impl, &ta, first.id, &v1, &out),
                    STORE_PRECONDITION_FAILED);
    /* Another user's note is missing, If-Match or not. */
    CU_ASSERT_EQUAL(s.ops->owned_update(s.impl, &tb, first.id, &patch, &v1, &out), STORE_NOT_FOUND);
    CU_ASSERT_EQUAL(s.ops->owned_remove(s.impl, &tb, first.id, &any_version, &out),
                    STORE_NOT_FOUND);
    struct token_hash nobody = {{0}, {0}};
    memset(nobody.hex, 'c', TOKEN_HASH_HEX_LEN);
    CU_ASSERT_EQUAL(s.ops->owned_remove(s.impl, &nobody, first.id, &v1, &out), STORE_UNAUTHORIZED);

    struct list_query q = {-1, 0, 0, NULL, LIST_BY_TITLE};
    t = (struct titles){0};
    CU_ASSERT_EQUAL(s.ops->owned_list(s.impl, &ta, &q, collect_titles, &t), STORE_OK);
    CU_ASSERT_EQUAL(t.count, 2);
    CU_ASSERT_STRING_EQUAL(t.text[0], "2:apple");
    CU_ASSERT_STRING_EQUAL(t.text[1], "1:banana");
    struct list_query searched = {1, 0, 0, "PATCH", LIST_BY_ID_DESC};
    t = (struct titles){0};
    CU_ASSERT_EQUAL(s.ops->owned_list(s.impl, &ta, &searched, collect_titles, &t), STORE_OK);
    CU_ASSERT_EQUAL(t.count, 1);
    CU_ASSERT_STRING_EQUAL(t.text[0], "1:banana");
    struct list_query after = {-1, 0, 2, NULL, LIST_BY_TITLE};
    t = (struct titles){0};
    CU_ASSERT_EQUAL(s.ops->owned_list(s.impl, &ta, &after, collect_titles, &t), STORE_OK);
    CU_ASSERT_EQUAL(t.count, 1);
    CU_ASSERT_STRING_EQUAL(t.text[0], "1:banana");
    t = (struct titles){0};
    CU_ASSERT_EQUAL(s.ops->owned_list(s.impl, &nobody, &q, collect_titles, &t), STORE_UNAUTHORIZED);
    /* Prefer: count=exact with auth on: the token's notes only, searched or not. */
    long long total = -1;
    CU_ASSERT_EQUAL(s.ops->owned_count(s.impl, &ta, &q, &total), STORE_OK);
    CU_ASSERT_EQUAL(total, 2);
    CU_ASSERT_EQUAL(s.ops->owned_count(s.impl, &ta, &searched, &total), STORE_OK);
    CU_ASSERT_EQUAL(total, 1);
    CU_ASSERT_EQUAL(s.ops->owned_count(s.impl, &tb, &q, &total), STORE_OK);
    CU_ASSERT_EQUAL(total, 1);
    CU_ASSERT_EQUAL(s.ops->count(s.impl, &q, &total), STORE_OK);
    CU_ASSERT_EQUAL(total, 3);
    total = -1;
    CU_ASSERT_EQUAL(s.ops->owned_count(s.impl, &nobody, &q, &total), STORE_UNAUTHORIZED);
    CU_ASSERT_EQUAL(total, -1);
    CU_ASSERT_EQUAL(s.ops->owned_remove(s.impl, &ta, first.id, &any_version, &out), STORE_OK);
    admin_exec("TRUNCATE notes, users, tokens RESTART IDENTITY CASCADE");
    store_pg_free(pg);
}

int
main(void)
{
    static const struct test_case tests[] = {
        {"create, get, update, delete", test_crud_round_trip},
        {"list streams in id order", test_list_streams_in_order},
        {"versions and conditional writes", test_versions_and_conditional_writes},
        {"search, sort and keyset paging", test_search_sort_and_keyset},
        {"owned: conditional writes and lists", test_owned_conditional_and_lists},
        {"reconnects after losing the connection", test_reconnects_after_losing_the_connection},
        {"unreachable database answers unavailable", test_unreachable_database_is_unavailable},
        {"schema: this version or a later one", test_schema_versions},
        {"deadline, fail fast, recovery", test_deadline_and_fail_fast},
        {"a frozen backend meets the deadline", test_frozen_backend},
        {"a list stopped early cancels its query", test_list_stopped_early_cancels_the_query},
        {"statement timeout", test_statement_timeout},
        {NULL, NULL},
    };
    const char *wrapper = getenv("TEST_WRAPPER");
    if (wrapper != NULL && wrapper[0] != '\0')
        slack = 10;
    admin = PQconnectdb("");
    if (PQstatus(admin) != CONNECTION_OK) {
        fprintf(stderr, "cannot connect to the test database: %s", PQerrorMessage(admin));
        return 1;
    }
    int status = cunit_run("store_pg", tests);
    PQfinish(admin);
    return status;
}
