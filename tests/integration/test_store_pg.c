/*
 * test_store_pg.c: the libpq store against a real, throwaway Postgres (run by with-pg, which
 * sets PGHOST, PGPORT, PGUSER, PGPASSWORD and migrates the schema).
 */
#include "cunit_run.h"
#include "store_pg.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Waits ms milliseconds (for the server to act on what it was told). */
static void
pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static PGconn *admin; /* a second connection, to look at and disturb the database */

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

static struct store_pg *
open_store(void)
{
    struct store_pg *pg = store_pg_new("", 5000);
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
    CU_ASSERT_EQUAL(s.ops->update(s.impl, 1, &update, &out), STORE_OK);
    CU_ASSERT_STRING_EQUAL(out.title, "new title");
    CU_ASSERT_EQUAL(s.ops->update(s.impl, 99, &update, &out), STORE_NOT_FOUND);
    CU_ASSERT_EQUAL(admin_count("SELECT count(*) FROM notes WHERE title = 'new title'"), 1);

    CU_ASSERT_EQUAL(s.ops->remove(s.impl, 1, &out), STORE_OK);
    CU_ASSERT_STRING_EQUAL(out.description, "new description");
    CU_ASSERT_EQUAL(s.ops->remove(s.impl, 1, &out), STORE_NOT_FOUND);
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

    admin_exec("TRUNCATE notes RESTART IDENTITY");
    /* Inserted out of id order on purpose: the list must come back ordered by id. */
    admin_exec("INSERT INTO notes (id, title, description) SELECT i, 'title ' || i, 'd ' || i "
               "FROM generate_series(20000, 1, -1) AS i");
    CU_ASSERT_EQUAL(s.ops->list(s.impl, -1, 0, collect, &c), STORE_OK);
    CU_ASSERT_EQUAL(c.count, 20000);
    CU_ASSERT_TRUE(c.ordered);

    c = (struct collected){0, 0, true, 0};
    CU_ASSERT_EQUAL(s.ops->list(s.impl, 10, 5, collect, &c), STORE_OK);
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
        CU_ASSERT_EQUAL(s.ops->list(s.impl, bounded[i].limit, bounded[i].offset, collect, &c),
                        STORE_OK);
        CU_ASSERT_EQUAL(c.count, bounded[i].count);
        CU_ASSERT_EQUAL(c.last_id, bounded[i].last_id);
        CU_ASSERT_TRUE(c.ordered);
    }

    /* A reader that stops early leaves the connection usable, streamed or fetched at once. */
    struct note got;
    c = (struct collected){0, 0, true, 3};
    CU_ASSERT_EQUAL(s.ops->list(s.impl, -1, 0, collect, &c), STORE_OK);
    CU_ASSERT_EQUAL(c.count, 3);
    CU_ASSERT_EQUAL(s.ops->get(s.impl, 42, &got), STORE_OK);
    CU_ASSERT_STRING_EQUAL(got.title, "title 42");
    c = (struct collected){0, 0, true, 3};
    CU_ASSERT_EQUAL(s.ops->list(s.impl, 100, 0, collect, &c), STORE_OK);
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
    struct store_pg *pg = store_pg_new("postgresql://nobody@127.0.0.1:1/none", 5000);
    struct store s = store_pg_store(pg);
    struct note out;

    CU_ASSERT_FALSE(store_pg_connect(pg));
    CU_ASSERT_EQUAL(s.ops->get(s.impl, 1, &out), STORE_UNAVAILABLE);
    CU_ASSERT_EQUAL(s.ops->create(s.impl, &out, &out), STORE_UNAVAILABLE);
    store_pg_free(pg);
}

static void
test_wrong_schema_version_is_unavailable(void)
{
    struct store_pg *pg = open_store();
    struct store s = store_pg_store(pg);
    struct note out;

    admin_exec("INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')");
    CU_ASSERT_FALSE(store_pg_connect(pg));
    CU_ASSERT_EQUAL(s.ops->get(s.impl, 1, &out), STORE_UNAVAILABLE);
    admin_exec("DELETE FROM schema_migrations WHERE version = 999");
    pause_ms(250); /* past the pause between connection attempts */
    CU_ASSERT_NOT_EQUAL(s.ops->get(s.impl, 1, &out), STORE_UNAVAILABLE);
    store_pg_free(pg);
}

static void
test_statement_timeout(void)
{
    struct store_pg *pg = store_pg_new("", 200);
    struct store s = store_pg_store(pg);
    struct note out, in = make_note("title", "description");

    admin_exec("TRUNCATE notes RESTART IDENTITY");
    CU_ASSERT_EQUAL(s.ops->create(s.impl, &in, &out), STORE_OK);
    /* Another session holds the row: the update waits, then gives up after 200 ms. */
    admin_exec("BEGIN");
    admin_exec("SELECT * FROM notes WHERE id = 1 FOR UPDATE");
    CU_ASSERT_EQUAL(s.ops->update(s.impl, 1, &in, &out), STORE_UNAVAILABLE);
    admin_exec("ROLLBACK");
    CU_ASSERT_EQUAL(s.ops->update(s.impl, 1, &in, &out), STORE_OK);
    store_pg_free(pg);
}

int
main(void)
{
    static const struct test_case tests[] = {
        {"create, get, update, delete", test_crud_round_trip},
        {"list streams in id order", test_list_streams_in_order},
        {"reconnects after losing the connection", test_reconnects_after_losing_the_connection},
        {"unreachable database answers unavailable", test_unreachable_database_is_unavailable},
        {"wrong schema version answers unavailable", test_wrong_schema_version_is_unavailable},
        {"statement timeout", test_statement_timeout},
        {NULL, NULL},
    };
    admin = PQconnectdb("");
    if (PQstatus(admin) != CONNECTION_OK) {
        fprintf(stderr, "cannot connect to the test database: %s", PQerrorMessage(admin));
        return 1;
    }
    int status = cunit_run("store_pg", tests);
    PQfinish(admin);
    return status;
}
