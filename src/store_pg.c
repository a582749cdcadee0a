/* store_pg.c: the notes store in Postgres through libpq. */
#include "store_pg.h"

#include "log.h"
#include "metrics.h"
#include "monotonic.h"

#include <errno.h>
#include <libpq-fe.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * While the database is unhealthy, a connection attempt (a probe) starts at most every
 * PROBE_INTERVAL_MS; it lives the call deadline, at least PROBE_TIMEOUT_MS (probe_timeout:
 * a connection costs the server a fork and SCRAM, 0.3 s on a loaded machine), and is carried
 * on by the requests that come meanwhile. Each waits for it while the server answers it
 * (within the call's deadline), and answers 503 once the server has been silent for
 * PROBE_WAIT_MS: no request waits behind a probe of a frozen server, and the first request
 * after the database is back gets through.
 *
 * While it is healthy (or not known yet: at start-up, after a lost connection), a request
 * waits for an attempt as long as the server keeps answering it, within the call's deadline;
 * a server that says nothing for SILENCE_MS (frozen, partitioned, its postmaster stuck, a
 * prepare behind a lock) makes the database unhealthy at once: the attempt lives on as a
 * probe. A healthy server answers each step of an attempt in milliseconds (the slow part,
 * SCRAM's key derivation, is the client's own). So one request, even on a worker with little
 * traffic, gets through the handshake's round trips while the server answers them. GET /ready
 * waits for a connection at most READY_WAIT_MS, so a health check (docker-compose.yml: every
 * 5 s, 3 s to answer) sees a database that is back.
 */
#define PROBE_INTERVAL_MS 250
#define PROBE_TIMEOUT_MS 5000
#define PROBE_WAIT_MS 250 /* a fork on a loaded machine took over 100 ms */
#define SILENCE_MS 1000
#define READY_WAIT_MS 1000
/* Our defaults for TCP connections; the user's DATABASE_URL wins where it sets one. */
#define KEEPALIVES_IDLE_S "10"
#define KEEPALIVES_INTERVAL_S "3"
#define KEEPALIVES_COUNT "3"
/* How often the server checks, during a query, that the worker is still there (ms). */
#define CLIENT_CHECK_INTERVAL_MS 500

enum statement {
    STMT_CREATE,
    STMT_GET,
    STMT_LIST,
    STMT_UPDATE,
    STMT_DELETE,
    /* NOTES_AUTH=on (sql/002): each resolves the token ($1) in the same statement. */
    STMT_OWNED_CREATE,
    STMT_OWNED_GET,
    STMT_OWNED_LIST,
    STMT_OWNED_UPDATE,
    STMT_OWNED_DELETE,
    STMT_USER_CREATE,
    STMT_USER_FIND,
    STMT_TOKEN_CREATE,
    STMT_TOKEN_USER,
    STMT_TOKEN_REVOKE,
    STMT__MAX
};

/*
 * The user of a valid token ($1: the hex SHA-256 of the token): at most one row. Each owned
 * statement returns (user_id, id, title, description): no row means no valid token (401), a
 * row without id means no such note of this user (404).
 */
#define TOKEN_ME                                                                                   \
    "WITH me AS (SELECT user_id FROM tokens WHERE hash = decode($1, 'hex') "                       \
    "AND revoked_at IS NULL AND expires_at > now()) "

/*
 * The owned conditional write w (If-Match's versions in $N): besides the note written, whether
 * the user's note existed before (present), which tells 412 (present, not written) from 404.
 */
#define OWNED_CONDITION(n)                                                                         \
    "AND ($" n "::bigint[] IS NULL OR version = ANY ($" n "::bigint[])) "                          \
    "RETURNING id, title, description, version) "                                                  \
    "SELECT me.user_id, w.id, w.title, w.description, w.version, "                                 \
    "EXISTS (SELECT FROM notes WHERE id = $2 AND owner = me.user_id) FROM me LEFT JOIN w ON true"

/*
 * The search of ?q=: title or description matches the LIKE pattern $N ("%text%", the text's
 * own % _ \ escaped), both sides lower-cased by ICU (Unicode case mapping whatever the
 * database's locale): the notes' texts once, when written, into the generated columns of
 * sql/004 (served by its trigram indexes), the pattern once per query. The pattern is
 * "C"-collated as the columns are, so that the indexes apply.
 */
#define SEARCH_PATTERN(n) "(lower($" n "::text COLLATE \"und-x-icu\") COLLATE \"C\")"
#define SEARCH_WHERE(n)                                                                            \
    "(title_search LIKE " SEARCH_PATTERN(n) " OR description_search LIKE " SEARCH_PATTERN(n) ")"

/*
 * A conditional write in one statement: the change applies only when $N (If-Match's versions,
 * NULL for none) holds the note's version. When it does not, the second branch returns the
 * note as it was (applied = false), which tells 412 from 404 without a second query and
 * without a window between the check and the write. The version itself is bumped by the
 * trigger of sql/003.
 */
#define CONDITIONAL(write, n)                                                                      \
    "WITH w AS (" write " AND ($" n "::bigint[] IS NULL OR version = ANY ($" n "::bigint[])) "     \
    "RETURNING id, title, description, version) "                                                  \
    "SELECT id, title, description, version, true FROM w UNION ALL "                               \
    "SELECT id, title, description, version, false FROM notes "                                    \
    "WHERE id = $1 AND $" n "::bigint[] IS NOT NULL AND NOT EXISTS (SELECT FROM w)"

static const struct {
    const char *name;
    const char *sql;
    int nparams;
} statements[STMT__MAX] = {
    [STMT_CREATE] = {"create",
                     "INSERT INTO notes (title, description) VALUES ($1, $2) "
                     "RETURNING id, title, description, version",
                     2},
    [STMT_GET] = {"get", "SELECT id, title, description, version FROM notes WHERE id = $1", 1},
    [STMT_LIST] = {"list",
                   "SELECT id, title, description, version FROM notes ORDER BY id "
                   "LIMIT $1::bigint OFFSET $2::bigint",
                   2},
    [STMT_UPDATE] = {"update",
                     CONDITIONAL("UPDATE notes SET title = coalesce($2, title), "
                                 "description = coalesce($3, description) WHERE id = $1",
                                 "4"),
                     4},
    [STMT_DELETE] = {"delete", CONDITIONAL("DELETE FROM notes WHERE id = $1", "2"), 2},
    [STMT_OWNED_CREATE] = {"owned_create",
                           TOKEN_ME
                           ", ins AS (INSERT INTO notes (title, description, owner) "
                           "SELECT $2, $3, user_id FROM me RETURNING id, title, description, "
                           "version) "
                           "SELECT me.user_id, ins.id, ins.title, ins.description, ins.version "
                           "FROM me LEFT JOIN ins ON true",
                           3},
    [STMT_OWNED_GET] = {"owned_get",
                        TOKEN_ME "SELECT me.user_id, n.id, n.title, n.description, n.version "
                                 "FROM me LEFT JOIN notes n ON n.id = $2 AND n.owner = me.user_id",
                        2},
    [STMT_OWNED_LIST] = {"owned_list",
                         TOKEN_ME "SELECT me.user_id, n.id, n.title, n.description, n.version "
                                  "FROM me LEFT JOIN LATERAL (SELECT id, title, description, "
                                  "version FROM notes WHERE owner = me.user_id ORDER BY id "
                                  "LIMIT $2::bigint OFFSET $3::bigint) n ON true ORDER BY n.id",
                         3},
    [STMT_OWNED_UPDATE] = {"owned_update",
                           TOKEN_ME
                           ", w AS (UPDATE notes SET title = coalesce($3, title), "
                           "description = coalesce($4, description) "
                           "WHERE id = $2 AND owner = (SELECT user_id FROM me) " OWNED_CONDITION(
                               "5"),
                           5},
    [STMT_OWNED_DELETE] = {"owned_delete",
                           TOKEN_ME ", w AS (DELETE FROM notes WHERE id = $2 "
                                    "AND owner = (SELECT user_id FROM me) " OWNED_CONDITION("3"),
                           3},
    [STMT_USER_CREATE] = {"user_create",
                          "INSERT INTO users (username, password_hash) VALUES ($1, $2) "
                          "ON CONFLICT (username) DO NOTHING RETURNING id, username",
                          2},
    [STMT_USER_FIND] = {"user_find",
                        "SELECT id, username, password_hash FROM users WHERE username = $1", 1},
    [STMT_TOKEN_CREATE] = {"token_create",
                           "INSERT INTO tokens (hash, user_id, expires_at) VALUES "
                           "(decode($1, 'hex'), $2, now() + $3::integer * interval '1 second') "
                           "RETURNING user_id",
                           3},
    [STMT_TOKEN_USER] = {"token_user",
                         TOKEN_ME
                         "SELECT u.id, u.username FROM me JOIN users u ON u.id = me.user_id",
                         1},
    [STMT_TOKEN_REVOKE] = {"token_revoke",
                           "UPDATE tokens SET revoked_at = now() WHERE hash = decode($1, 'hex') "
                           "AND revoked_at IS NULL AND expires_at > now() RETURNING user_id",
                           1},
};

/*
 * Lists with an order, a keyset position ($3, ?after=) or a search ($4, ?q=), one text per
 * order. They run as unnamed statements, planned for the values of each request: a $3 or $4
 * that is NULL folds its condition away, and each search is planned with its own pattern
 * (a generic plan would guess). Keyset paging compares (key, id) with the row of ?after=.
 */
#define LIST_WHERE(keyset, a, q)                                                                   \
    "($" a "::integer IS NULL OR " keyset ") AND ($" q "::text IS NULL OR " SEARCH_WHERE(q) ")"
#define LIST_SQL(keyset, order_by)                                                                 \
    "SELECT id, title, description, version FROM notes WHERE " LIST_WHERE(                         \
        keyset, "3", "4") " ORDER BY " order_by " LIMIT $1::bigint OFFSET $2::bigint"
/* NOTES_AUTH=on: the same within the token's notes ($1), as STMT_OWNED_LIST. */
#define OWNED_LIST_SQL(keyset, order_by)                                                           \
    TOKEN_ME                                                                                       \
    "SELECT me.user_id, n.id, n.title, n.description, n.version FROM me "                          \
    "LEFT JOIN LATERAL (SELECT id, title, description, version, created_date FROM notes "          \
    "WHERE owner = me.user_id AND " LIST_WHERE(                                                    \
        keyset, "4", "5") " ORDER BY " order_by                                                    \
                          " LIMIT $2::bigint OFFSET $3::bigint) n ON true ORDER BY " order_by

/* The row of ?after= ($N) in an order's key. */
#define AFTER_ROW(key, n) "(" key ", id) > (SELECT " key ", id FROM notes WHERE id = $" n ")"
#define BEFORE_ROW(key, n) "(" key ", id) < (SELECT " key ", id FROM notes WHERE id = $" n ")"

#define LIST_ORDERS(SQL, n)                                                                        \
    {                                                                                              \
        [LIST_BY_ID] = SQL("id > $" n, "id"), [LIST_BY_ID_DESC] = SQL("id < $" n, "id DESC"),      \
        [LIST_BY_TITLE] = SQL(AFTER_ROW("title", n), "title, id"),                                 \
        [LIST_BY_TITLE_DESC] = SQL(BEFORE_ROW("title", n), "title DESC, id DESC"),                 \
        [LIST_BY_CREATED] = SQL(AFTER_ROW("created_date", n), "created_date, id"),                 \
        [LIST_BY_CREATED_DESC] = SQL(BEFORE_ROW("created_date", n), "created_date DESC, id DESC"), \
    }

static const char *const list_sql[LIST_ORDER__MAX] = LIST_ORDERS(LIST_SQL, "3");
static const char *const owned_list_sql[LIST_ORDER__MAX] = LIST_ORDERS(OWNED_LIST_SQL, "4");

/* Prefer: count=exact: the notes the search finds, whatever the page. */
static const char count_sql[] =
    "SELECT count(*) FROM notes WHERE ($1::text IS NULL OR " SEARCH_WHERE("1") ")";
/* NOTES_AUTH=on: the same among the token's notes ($1); no row when the token is not valid. */
static const char owned_count_sql[] =
    TOKEN_ME "SELECT me.user_id, (SELECT count(*) FROM notes WHERE owner = me.user_id AND "
             "($2::text IS NULL OR " SEARCH_WHERE("2") ")) FROM me";

/* A connection's life: an attempt goes through CONNECTING and SETUP to READY. */
enum stage {
    STAGE_NONE,       /* no connection */
    STAGE_CONNECTING, /* PQconnectPoll until PGRES_POLLING_OK */
    STAGE_SETUP,      /* the schema check and the prepares were sent (one pipeline) */
    STAGE_READY,      /* usable */
};

struct store_pg {
    char *conninfo;            /* the user's DATABASE_URL, "" for libpq's PG* variables */
    char *options;             /* our -c settings, then the user's own options (theirs win) */
    char tcp_user_timeout[24]; /* ms, for libpq */
    long db_timeout_ms;        /* the longest any database call may take (NOTES_DB_TIMEOUT_MS) */
    long probe_timeout_ms;     /* the longest a probe may take (see probe_timeout) */
    PGconn *conn;              /* NULL while disconnected */
    enum stage stage;          /* how far the connection (attempt) has come */
    PostgresPollingStatusType polling; /* STAGE_CONNECTING: what PQconnectPoll said last */
    int setup_done;                    /* STAGE_SETUP: how many of its commands have answered */
    long long attempt_deadline;        /* when the attempt in progress is given up */
    long long attempt_ms;              /* its length, for the log */
    long long heard_ms;        /* since when the attempt waits for the server (its own work done) */
    bool unhealthy;            /* the last call or attempt failed: probe with short waits */
    long long next_attempt_ms; /* while disconnected: no connection attempt before this */
    char last_problem[256];    /* the last logged problem, so an outage is logged once */
    bool connected_once;       /* a later connection counts as a reconnect (metrics) */
    long ready_cache_ms;       /* GET /ready answers from the last probe for this long */
    long long ready_at_ms;     /* when the last probe ran; 0: never */
    bool ready_ok;
    char ready_why[256];
};

/* Logs a problem to stderr (nginx's and spawn-fcgi's log) unless it is the one logged last. */
static void
report(struct store_pg *pg, const char *what, const char *why)
{
    char line[sizeof(pg->last_problem)];

    snprintf(line, sizeof(line), "%s: %s", what, why);
    line[strcspn(line, "\n")] = '\0';
    if (strcmp(line, pg->last_problem) == 0)
        return;
    snprintf(pg->last_problem, sizeof(pg->last_problem), "%s", line);
    log_event(LOG_WARN, what, why); /* JSON, with the request's id */
}

static void
disconnect(struct store_pg *pg)
{
    if (pg->conn != NULL)
        PQfinish(pg->conn);
    pg->conn = NULL;
    pg->stage = STAGE_NONE;
}

/*
 * The connection is gone but the server may be fine (a restart, pg_terminate_backend, a query
 * we stopped): the next request may reconnect at once.
 */
static void
mark_lost(struct store_pg *pg)
{
    disconnect(pg);
    pg->next_attempt_ms = 0;
    pg->unhealthy = false;
}

/*
 * The database did not answer in time or refused us: drop the connection, and answer 503 at
 * once (fail fast) until the next probe is due.
 */
static void
mark_unhealthy(struct store_pg *pg)
{
    disconnect(pg);
    pg->next_attempt_ms = monotonic_ms() + PROBE_INTERVAL_MS;
    pg->unhealthy = true;
}

enum wait { WAIT_READY, WAIT_TIMEOUT, WAIT_BROKEN };

/* Waits until the connection's socket has one of events, or the deadline (monotonic_ms) passes. */
static enum wait
wait_socket(PGconn *conn, short events, long long deadline)
{
    for (;;) {
        struct pollfd pfd = {PQsocket(conn), events, 0};
        long long left = deadline - monotonic_ms();

        if (pfd.fd < 0)
            return WAIT_BROKEN;
        /* Past the deadline the socket is still looked at once: an answer that came while
           the worker was busy elsewhere (between requests) is an answer in time. */
        int n = poll(&pfd, 1, left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left);
        if (n > 0)
            return WAIT_READY; /* POLLERR and POLLHUP too: libpq then says what happened */
        if (n == 0 && left <= 0)
            return WAIT_TIMEOUT;
        if (n < 0 && errno != EINTR)
            return WAIT_BROKEN;
    }
}

/*
 * Sends what libpq still holds, then waits until the next result (or the end of the results)
 * can be read without blocking, or the deadline passes.
 */
static enum wait
await_result(PGconn *conn, long long deadline)
{
    int pending;

    while ((pending = PQflush(conn)) != 0) {
        if (pending < 0)
            return WAIT_BROKEN;
        enum wait w = wait_socket(conn, POLLIN | POLLOUT, deadline);
        if (w != WAIT_READY)
            return w;
        if (!PQconsumeInput(conn))
            return WAIT_BROKEN;
    }
    while (PQisBusy(conn)) {
        enum wait w = wait_socket(conn, POLLIN, deadline);
        if (w != WAIT_READY)
            return w;
        if (!PQconsumeInput(conn))
            return WAIT_BROKEN;
    }
    return WAIT_READY;
}

/*
 * The first result of what was sent last (the caller PQclears it), the rest read to the end;
 * NULL with *wait saying why when the deadline passed or the connection broke.
 */
static PGresult *
collect_result(PGconn *conn, long long deadline, enum wait *wait)
{
    PGresult *first = NULL, *res;

    for (;;) {
        *wait = await_result(conn, deadline);
        if (*wait != WAIT_READY) {
            PQclear(first);
            return NULL;
        }
        if ((res = PQgetResult(conn)) == NULL) {
            if (first == NULL)
                *wait = WAIT_BROKEN;
            return first;
        }
        if (first == NULL)
            first = res;
        else
            PQclear(res);
    }
}

/* Why a call got no answer, for the log. */
static const char *
no_answer_reason(struct store_pg *pg, enum wait wait, char *why, size_t size)
{
    if (wait == WAIT_TIMEOUT && pg->stage != STAGE_READY)
        snprintf(why, size, "no answer within %lld ms", pg->attempt_ms);
    else if (wait == WAIT_TIMEOUT)
        snprintf(why, size, "no answer within %ld ms (NOTES_DB_TIMEOUT_MS)", pg->db_timeout_ms);
    else
        snprintf(why, size, "%s", pg->conn != NULL ? PQerrorMessage(pg->conn) : "no connection");
    return why;
}

/*
 * A call that got no answer: past its deadline the connection is dropped (which also ends the
 * query: the server notices within client_connection_check_interval) and requests fail fast
 * until the next probe; a broken connection may be replaced at once.
 */
static void
call_failed(struct store_pg *pg, const char *what, enum wait wait)
{
    char why[200];

    report(pg, what, no_answer_reason(pg, wait, why, sizeof(why)));
    if (wait == WAIT_TIMEOUT)
        metrics_count(METRIC_DEADLINE_EXPIRIES);
    if (wait == WAIT_TIMEOUT)
        mark_unhealthy(pg);
    else
        mark_lost(pg);
}

/* Refuses a database whose texts are not UTF-8: varchar(50) would then count bytes. */
static bool
check_encoding(struct store_pg *pg)
{
    const char *server = PQparameterStatus(pg->conn, "server_encoding");
    const char *client = PQparameterStatus(pg->conn, "client_encoding");
    char why[200];

    if (server != NULL && strcmp(server, "UTF8") == 0 && client != NULL &&
        strcmp(client, "UTF8") == 0)
        return true;
    if (server == NULL || strcmp(server, "UTF8") != 0)
        snprintf(why, sizeof(why),
                 "database \"%s\" has encoding %s; notes-worker needs a UTF8 database "
                 "(createdb --encoding=UTF8 --template=template0)",
                 PQdb(pg->conn), server != NULL ? server : "unknown");
    else
        snprintf(why, sizeof(why), "client_encoding is %s, notes-worker needs UTF8", client);
    report(pg, "database refused", why);
    return false;
}

/* Whether the schema (res: its version) is the one the queries are written for, or newer. */
static bool
schema_ok(struct store_pg *pg, const PGresult *res)
{
    char why[200];

    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(why, sizeof(why), "cannot read schema_migrations (%s); run scripts/migrate",
                 PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) != NULL
                     ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
                     : PQerrorMessage(pg->conn));
    } else if (PQgetisnull(res, 0, 0) || atoi(PQgetvalue(res, 0, 0)) < STORE_PG_SCHEMA_VERSION) {
        snprintf(why, sizeof(why),
                 "database schema is at version %s, this worker needs version %d or later; run "
                 "scripts/migrate",
                 PQgetisnull(res, 0, 0) ? "none" : PQgetvalue(res, 0, 0), STORE_PG_SCHEMA_VERSION);
    } else {
        return true;
    }
    report(pg, "database not ready", why);
    return false;
}

/* Whether a prepare of the setup succeeded (res: its answer). */
static bool
prepared_ok(struct store_pg *pg, const PGresult *res)
{
    if (PQresultStatus(res) == PGRES_COMMAND_OK)
        return true;
    report(pg, "cannot prepare statements", PQresultErrorMessage(res));
    return false;
}

/*
 * Sends what a new connection needs in one pipeline (one round trip; a connection costs the
 * server a fork and SCRAM already): the schema's version, then each statement's prepare.
 */
static bool
send_setup(struct store_pg *pg)
{
    if (!PQenterPipelineMode(pg->conn) ||
        !PQsendQueryParams(pg->conn, "SELECT max(version) FROM schema_migrations", 0, NULL, NULL,
                           NULL, NULL, 0))
        return false;
    for (int i = 0; i < STMT__MAX; i++)
        if (!PQsendPrepare(pg->conn, statements[i].name, statements[i].sql, statements[i].nparams,
                           NULL))
            return false;
    return PQpipelineSync(pg->conn) == 1;
}

enum attempt { ATTEMPT_READY, ATTEMPT_PENDING, ATTEMPT_FAILED };

/*
 * Waits for the attempt's socket (events; 0: the next result of the setup) until until, or
 * until the server has been silent since heard_ms for SILENCE_MS (PROBE_WAIT_MS while the
 * database is unhealthy). The client's own work (SCRAM's key derivation takes seconds under
 * valgrind) is not the server's silence: heard_ms is set again after each step of ours.
 */
static enum wait
attempt_wait(struct store_pg *pg, short events, long long until)
{
    long long silent_until = pg->heard_ms + (pg->unhealthy ? PROBE_WAIT_MS : SILENCE_MS);
    if (until > silent_until)
        until = silent_until;
    enum wait wait =
        events != 0 ? wait_socket(pg->conn, events, until) : await_result(pg->conn, until);
    if (wait == WAIT_READY)
        pg->heard_ms = monotonic_ms();
    return wait;
}

/*
 * Advances the attempt in progress as far as it gets before until (monotonic_ms): PENDING when it
 * had to wait longer, FAILED (logged) when the server refused or broke the connection.
 */
static enum attempt
advance_attempt(struct store_pg *pg, long long until)
{
    char why[200];
    enum wait wait;

    while (pg->stage != STAGE_READY) {
        if (pg->stage == STAGE_CONNECTING) {
            if (pg->polling == PGRES_POLLING_OK) {
                if (!check_encoding(pg))
                    return ATTEMPT_FAILED;
                if (PQsetnonblocking(pg->conn, 1) != 0 || !send_setup(pg))
                    break;
                pg->stage = STAGE_SETUP;
                pg->setup_done = 0;
                pg->heard_ms = monotonic_ms();
                continue;
            }
            if (pg->polling == PGRES_POLLING_FAILED)
                break;
            wait = attempt_wait(pg, pg->polling == PGRES_POLLING_READING ? POLLIN : POLLOUT, until);
            if (wait == WAIT_TIMEOUT)
                return ATTEMPT_PENDING;
            pg->polling = PQconnectPoll(pg->conn);
            pg->heard_ms = monotonic_ms();
            continue;
        }
        /* STAGE_SETUP: each command's answer and its end (NULL), then the pipeline's sync. */
        wait = attempt_wait(pg, 0, until);
        if (wait == WAIT_TIMEOUT)
            return ATTEMPT_PENDING;
        if (wait == WAIT_BROKEN)
            break;
        PGresult *res = PQgetResult(pg->conn);
        if (res == NULL) {
            pg->setup_done++;
            continue;
        }
        ExecStatusType status = PQresultStatus(res);
        bool ok = status == PGRES_PIPELINE_SYNC ||
                  (pg->setup_done == 0 ? schema_ok(pg, res) : prepared_ok(pg, res));
        PQclear(res);
        if (!ok)
            return ATTEMPT_FAILED;
        if (status == PGRES_PIPELINE_SYNC) {
            if (pg->setup_done != 1 + STMT__MAX || !PQexitPipelineMode(pg->conn))
                break;
            pg->stage = STAGE_READY;
        }
    }
    if (pg->stage == STAGE_READY)
        return ATTEMPT_READY;
    report(pg, "cannot connect to the database",
           no_answer_reason(pg, WAIT_BROKEN, why, sizeof(why)));
    return ATTEMPT_FAILED;
}

/*
 * Starts a connection: our defaults first, then the user's connection string, whose settings
 * override them (libpq keeps the last value given for a key), then the options (ours merged
 * with theirs in store_pg_new) and the encoding, which must be UTF8.
 */
static PGconn *
start_connection(struct store_pg *pg)
{
    const char *keys[] = {"keepalives",
                          "keepalives_idle",
                          "keepalives_interval",
                          "keepalives_count",
                          "tcp_user_timeout",
                          "application_name",
                          "dbname",
                          "options",
                          "client_encoding",
                          NULL};
    const char *values[] = {"1",
                            KEEPALIVES_IDLE_S,
                            KEEPALIVES_INTERVAL_S,
                            KEEPALIVES_COUNT,
                            pg->tcp_user_timeout,
                            "notes-worker",
                            pg->conninfo,
                            pg->options,
                            "UTF8",
                            NULL};

    return PQconnectStartParams(keys, values, 1);
}

/* Starts a connection attempt that may last length_ms; its failure is left to the caller. */
static void
start_attempt(struct store_pg *pg, long long length_ms)
{
    disconnect(pg);
    pg->attempt_ms = length_ms;
    pg->attempt_deadline = monotonic_ms() + length_ms;
    pg->conn = start_connection(pg);
    pg->heard_ms = monotonic_ms();
    pg->stage = STAGE_CONNECTING;
    pg->polling = pg->conn != NULL && PQstatus(pg->conn) != CONNECTION_BAD ? PGRES_POLLING_WRITING
                                                                           : PGRES_POLLING_FAILED;
}

/*
 * Advances the attempt in progress, waiting at most until wait_until (monotonic_ms); true once the
 * connection is ready. An attempt that failed or outlived its deadline is dropped and the
 * database is taken as unhealthy: requests answer 503 at once until the next probe. One whose
 * server fell silent (SILENCE_MS) makes it unhealthy too, but lives on as the probe.
 */
static bool
continue_attempt(struct store_pg *pg, long long wait_until)
{
    char why[200];

    if (wait_until > pg->attempt_deadline)
        wait_until = pg->attempt_deadline;
    enum attempt attempt = advance_attempt(pg, wait_until);
    if (attempt == ATTEMPT_READY) {
        if (pg->last_problem[0] != '\0')
            log_event(LOG_WARN, "database connection ready", NULL);
        if (pg->connected_once)
            metrics_count(METRIC_DB_RECONNECTS);
        pg->connected_once = true;
        pg->last_problem[0] = '\0';
        pg->unhealthy = false;
        return true;
    }
    long long now = monotonic_ms();
    if (attempt == ATTEMPT_PENDING && now < pg->attempt_deadline) {
        /* Still under way: the next request carries it on. */
        if (!pg->unhealthy && now >= pg->heard_ms + SILENCE_MS) {
            snprintf(why, sizeof(why), "no answer within %d ms", SILENCE_MS);
            report(pg, "cannot connect to the database", why);
            pg->unhealthy = true;
        } else if (!pg->unhealthy) {
            report(pg, "cannot connect to the database",
                   "the handshake outlived the call's deadline (NOTES_DB_TIMEOUT_MS)");
        }
        return false;
    }
    if (attempt == ATTEMPT_PENDING)
        report(pg, "cannot connect to the database",
               no_answer_reason(pg, WAIT_TIMEOUT, why, sizeof(why)));
    mark_unhealthy(pg);
    return false;
}

/*
 * At start-up, before the first accept: a healthy database is connected to before any request
 * comes; a silent one is known as unhealthy after SILENCE_MS, so the first requests answer 503
 * at once instead of each worker's first one waiting a deadline.
 */
bool
store_pg_connect(struct store_pg *pg)
{
    start_attempt(pg, pg->probe_timeout_ms);
    return continue_attempt(pg, pg->attempt_deadline);
}

/*
 * Whether an idle connection still looks alive. Between requests the server has nothing to
 * say, so anything readable is its goodbye (a restart, pg_terminate_backend) or end of file.
 */
static bool
idle_connection_alive(PGconn *conn)
{
    struct pollfd pfd = {PQsocket(conn), POLLIN, 0};

    if (PQstatus(conn) != CONNECTION_OK || pfd.fd < 0)
        return false;
    return poll(&pfd, 1, 0) == 0;
}

/*
 * A usable connection, or false soon (fail fast). A connection found lost (a restart,
 * pg_terminate_backend) is replaced at once, waiting for the new one until deadline (the
 * call's) while the server answers it. While the database is unhealthy (a deadline passed, an
 * attempt failed, the server fell silent), an attempt starts at most every PROBE_INTERVAL_MS
 * and a request waits for it only while the server answers (PROBE_WAIT_MS of silence): the
 * others answer 503 without waiting.
 */
static bool
ensure_connected(struct store_pg *pg, long long deadline)
{
    if (pg->stage == STAGE_READY && idle_connection_alive(pg->conn))
        return true;
    if (pg->stage == STAGE_READY) {
        report(pg, "database connection lost", "reconnecting");
        mark_lost(pg); /* the server may be back already: try at once */
    }
    long long now = monotonic_ms();
    if (pg->stage == STAGE_NONE) {
        if (now < pg->next_attempt_ms)
            return false;
        start_attempt(pg, pg->probe_timeout_ms);
    }
    return continue_attempt(pg, deadline);
}

enum run { RUN_OK, RUN_ERROR, RUN_UNAVAILABLE };

/* A statement to run: prepared (name), or unnamed (sql), planned for these parameters. */
struct query {
    const char *name; /* a prepared statement, or NULL */
    const char *sql;  /* when name is NULL */
    int nparams;
    const char *const *params;
};

static struct query
prepared(enum statement stmt, const char *const *params)
{
    struct query q = {statements[stmt].name, NULL, statements[stmt].nparams, params};
    return q;
}

/* What the log calls a query. */
static const char *
query_label(const struct query *q)
{
    return q->name != NULL ? q->name : "list";
}

/*
 * Runs query q with its deadline (NOTES_DB_TIMEOUT_MS): the one way to run a statement.
 * RUN_OK and RUN_ERROR (the server refused it: read the SQLSTATE) leave the result in *out for
 * the caller to PQclear; RUN_UNAVAILABLE (logged) means answer 503. A call that finds the
 * connection broken is tried once more on a fresh one when retry is set (reads; a write may
 * have been applied). Past the deadline the connection is dropped and requests fail fast until
 * the database answers a probe.
 */
static enum run
run_query_untimed(struct store_pg *pg, const struct query *q, bool retry, PGresult **out)
{
    long long deadline =
        monotonic_ms() + pg->db_timeout_ms; /* the whole call's, connecting included */

    *out = NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        enum wait wait = WAIT_BROKEN;
        PGresult *res = NULL;

        if (!ensure_connected(pg, deadline))
            return RUN_UNAVAILABLE;
        int sent =
            q->name != NULL
                ? PQsendQueryPrepared(pg->conn, q->name, q->nparams, q->params, NULL, NULL, 0)
                : PQsendQueryParams(pg->conn, q->sql, q->nparams, NULL, q->params, NULL, NULL, 0);
        if (sent)
            res = collect_result(pg->conn, deadline, &wait);
        if (res != NULL && PQstatus(pg->conn) == CONNECTION_OK) {
            ExecStatusType status = PQresultStatus(res);
            *out = res;
            return status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK ? RUN_OK : RUN_ERROR;
        }
        if (res != NULL) {
            report(pg, query_label(q), PQresultErrorMessage(res));
            PQclear(res);
            mark_lost(pg);
        } else {
            call_failed(pg, query_label(q), wait);
        }
        if (!retry || wait == WAIT_TIMEOUT)
            return RUN_UNAVAILABLE;
    }
    return RUN_UNAVAILABLE;
}

/* run_query_untimed, its time added to the request's database time, a 503 counted. */
static enum run
run_query(struct store_pg *pg, const struct query *q, bool retry, PGresult **out)
{
    long long start = monotonic_us();
    enum run run = run_query_untimed(pg, q, retry, out);

    log_add_db_us(monotonic_us() - start);
    if (run == RUN_UNAVAILABLE)
        metrics_count(METRIC_DB_ERRORS);
    return run;
}

/* run_query for statements that must succeed: the result, or NULL (logged) for a 503. */
static PGresult *
exec_query(struct store_pg *pg, const struct query *q, bool retry)
{
    PGresult *res;
    enum run run = run_query(pg, q, retry, &res);

    if (run == RUN_ERROR) {
        report(pg, query_label(q), PQresultErrorMessage(res));
        PQclear(res);
        return NULL;
    }
    return res;
}

static PGresult *
exec_prepared(struct store_pg *pg, enum statement stmt, const char *const *params, bool retry)
{
    struct query q = prepared(stmt, params);
    return exec_query(pg, &q, retry);
}

/* Copies a text column into dst (size bytes with the NUL); the table keeps texts shorter. */
static void
copy_text(char *dst, size_t size, const PGresult *res, int row, int column)
{
    size_t len = (size_t)PQgetlength(res, row, column);

    if (len >= size)
        len = size - 1;
    memcpy(dst, PQgetvalue(res, row, column), len);
    dst[len] = '\0';
}

/* Copies (id, title, description, version) from column first of a result row into a note. */
static void
copy_note_from(const PGresult *res, int row, int first, struct note *out)
{
    out->id = (int32_t)strtol(PQgetvalue(res, row, first), NULL, 10);
    copy_text(out->title, sizeof(out->title), res, row, first + 1);
    copy_text(out->description, sizeof(out->description), res, row, first + 2);
    out->version = strtoll(PQgetvalue(res, row, first + 3), NULL, 10);
}

/* A note row (id, title, description, version) into a note. */
static void
copy_note(const PGresult *res, int row, struct note *out)
{
    copy_note_from(res, row, 0, out);
}

/* Runs a prepared statement that returns at most one note. */
static enum store_result
run_single(struct store_pg *pg, enum statement stmt, const char *const *params, bool retry,
           struct note *out)
{
    PGresult *res = exec_prepared(pg, stmt, params, retry);

    if (res == NULL)
        return STORE_UNAVAILABLE;
    enum store_result result = PQntuples(res) > 0 ? STORE_OK : STORE_NOT_FOUND;
    if (result == STORE_OK)
        copy_note(res, 0, out);
    PQclear(res);
    return result;
}

static enum store_result
pg_create(void *impl, const struct note *in, struct note *out)
{
    const char *params[] = {in->title, in->description};
    return run_single(impl, STMT_CREATE, params, false, out);
}

static enum store_result
pg_get(void *impl, int32_t id, struct note *out)
{
    char id_text[16];
    const char *params[] = {id_text};

    snprintf(id_text, sizeof(id_text), "%d", (int)id);
    return run_single(impl, STMT_GET, params, true, out);
}

/* If-Match's versions as a Postgres array literal ("{1,2}"), or NULL for no condition. */
static const char *
versions_param(const struct version_set *set, char *text, size_t size)
{
    size_t n = 0;

    if (set->any)
        return NULL;
    n += (size_t)snprintf(text + n, size - n, "{");
    for (size_t i = 0; i < set->n && n < size; i++)
        n += (size_t)snprintf(text + n, size - n, "%s%lld", i > 0 ? "," : "",
                              (long long)set->versions[i]);
    if (n < size)
        snprintf(text + n, size - n, "}");
    return text;
}

/* A conditional write: its one row says whether it applied (412 when not), none is 404. */
static enum store_result
run_conditional(struct store_pg *pg, enum statement stmt, const char *const *params,
                struct note *out)
{
    PGresult *res = exec_prepared(pg, stmt, params, false);

    if (res == NULL)
        return STORE_UNAVAILABLE;
    enum store_result result = STORE_NOT_FOUND;
    if (PQntuples(res) > 0) {
        copy_note(res, 0, out);
        result = PQgetvalue(res, 0, 4)[0] == 't' ? STORE_OK : STORE_PRECONDITION_FAILED;
    }
    PQclear(res);
    return result;
}

static enum store_result
pg_update(void *impl, int32_t id, const struct note_change *change,
          const struct version_set *if_match, struct note *out)
{
    char id_text[16], versions[NOTE_VERSIONS_MAX * 21 + 3];
    const char *params[] = {id_text, change->title, change->description,
                            versions_param(if_match, versions, sizeof(versions))};

    snprintf(id_text, sizeof(id_text), "%d", (int)id);
    return run_conditional(impl, STMT_UPDATE, params, out);
}

static enum store_result
pg_remove(void *impl, int32_t id, const struct version_set *if_match, struct note *out)
{
    char id_text[16], versions[NOTE_VERSIONS_MAX * 21 + 3];
    const char *params[] = {id_text, versions_param(if_match, versions, sizeof(versions))};

    snprintf(id_text, sizeof(id_text), "%d", (int)id);
    return run_conditional(impl, STMT_DELETE, params, out);
}

/* A list of at most this many rows (a small ?limit=) is fetched in one result. */
#define LIST_AT_ONCE_MAX_ROWS 1000

/* Fetches a bounded list in one result: one allocation instead of one per row. */
static enum store_result
list_at_once(struct store_pg *pg, const struct query *q, store_row_fn on_row, void *arg)
{
    PGresult *res = exec_query(pg, q, true);

    if (res == NULL)
        return STORE_UNAVAILABLE;
    for (int row = 0, rows = PQntuples(res); row < rows; row++) {
        struct note note;
        copy_note(res, row, &note);
        if (!on_row(arg, &note))
            break;
    }
    PQclear(res);
    return STORE_OK;
}

/*
 * Streams a list row by row (single-row mode), so memory stays flat however long it is. The
 * deadline is for each piece the server sends (a list that keeps coming is bounded by the
 * server's statement_timeout instead). A reader that stops (the client went away) stops the
 * query: the connection is dropped rather than drained, and the server ends the query at its
 * next write or within client_connection_check_interval; the next request reconnects.
 */
static enum store_result
stream_rows(struct store_pg *pg, const struct query *q, store_row_fn on_row, void *arg)
{
    enum store_result result = STORE_OK;

    if (!ensure_connected(pg, monotonic_ms() + pg->db_timeout_ms))
        return STORE_UNAVAILABLE;
    int sent =
        q->name != NULL
            ? PQsendQueryPrepared(pg->conn, q->name, q->nparams, q->params, NULL, NULL, 0)
            : PQsendQueryParams(pg->conn, q->sql, q->nparams, NULL, q->params, NULL, NULL, 0);
    if (!sent || !PQsetSingleRowMode(pg->conn)) {
        call_failed(pg, query_label(q), WAIT_BROKEN);
        return STORE_UNAVAILABLE;
    }
    for (;;) {
        enum wait wait = await_result(pg->conn, monotonic_ms() + pg->db_timeout_ms);
        if (wait != WAIT_READY) {
            call_failed(pg, query_label(q), wait);
            return STORE_UNAVAILABLE;
        }
        PGresult *res = PQgetResult(pg->conn);
        if (res == NULL)
            return result;
        ExecStatusType status = PQresultStatus(res);
        if (status == PGRES_SINGLE_TUPLE) {
            struct note note;
            copy_note(res, 0, &note);
            PQclear(res);
            if (!on_row(arg, &note)) {
                mark_lost(pg);
                return STORE_OK;
            }
            continue;
        }
        if (status != PGRES_TUPLES_OK) {
            report(pg, query_label(q), PQresultErrorMessage(res));
            result = STORE_UNAVAILABLE;
        }
        PQclear(res);
    }
}

/* A streamed list's reader, timed: its time is the client's, not the database's. */
struct timed_reader {
    store_row_fn on_row;
    void *arg;
    long long us;
};

static bool
timed_row(void *arg, const struct note *note)
{
    struct timed_reader *r = arg;
    long long start = monotonic_us();
    bool more = r->on_row(r->arg, note);

    r->us += monotonic_us() - start;
    return more;
}

/*
 * stream_rows counted as run_query counts a statement: its database time (the whole call but
 * the rows' way to the client) added to the request's, a 503 (before the first row or half way)
 * counted as a database error.
 */
static enum store_result
list_streamed(struct store_pg *pg, const struct query *q, store_row_fn on_row, void *arg)
{
    struct timed_reader reader = {on_row, arg, 0};
    long long start = monotonic_us();
    enum store_result result = stream_rows(pg, q, timed_row, &reader);

    log_add_db_us(monotonic_us() - start - reader.us);
    if (result == STORE_UNAVAILABLE)
        metrics_count(METRIC_DB_ERRORS);
    return result;
}

/*
 * The LIKE pattern of a search: "%text%" with the text's own %, _ and \ escaped (LIKE's
 * escape character is \). NULL when out is too small (a validated search always fits).
 */
static const char *
search_pattern(const char *search, char *out, size_t size)
{
    size_t n = 0;

    if (search == NULL)
        return NULL;
    out[n++] = '%';
    for (const char *p = search; *p != '\0'; p++) {
        if (n + 4 > size)
            return NULL;
        if (*p == '%' || *p == '_' || *p == '\\')
            out[n++] = '\\';
        out[n++] = *p;
    }
    out[n++] = '%';
    out[n] = '\0';
    return out;
}

/* A validated search holds at most 50 characters (200 bytes), each at most escaped once. */
#define PATTERN_MAX (2 * NOTE_TEXT_MAX_BYTES + 4)

static enum store_result
pg_list(void *impl, const struct list_query *lq, store_row_fn on_row, void *arg)
{
    char limit_text[24], offset_text[24], after_text[16], pattern[PATTERN_MAX];
    const char *params[] = {lq->limit >= 0 ? limit_text : NULL, offset_text,
                            lq->after > 0 ? after_text : NULL,
                            search_pattern(lq->search, pattern, sizeof(pattern))};
    struct query q = prepared(STMT_LIST, params);

    if (lq->search != NULL && params[3] == NULL)
        return STORE_UNAVAILABLE; /* cannot happen: validation bounds the search */
    snprintf(limit_text, sizeof(limit_text), "%lld", lq->limit);
    snprintf(offset_text, sizeof(offset_text), "%lld", lq->offset);
    snprintf(after_text, sizeof(after_text), "%d", (int)lq->after);
    if (lq->order != LIST_BY_ID || params[2] != NULL || params[3] != NULL) {
        q.name = NULL;
        q.sql = list_sql[lq->order];
        q.nparams = 4;
    }
    if (lq->limit >= 0 && lq->limit <= LIST_AT_ONCE_MAX_ROWS + 1)
        return list_at_once(impl, &q, on_row, arg);
    return list_streamed(impl, &q, on_row, arg);
}

static enum store_result
pg_count(void *impl, const struct list_query *lq, long long *total)
{
    char pattern[PATTERN_MAX];
    const char *params[] = {search_pattern(lq->search, pattern, sizeof(pattern))};
    struct query q = {NULL, count_sql, 1, params};
    PGresult *res = exec_query(impl, &q, true);

    if (res == NULL)
        return STORE_UNAVAILABLE;
    *total = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return STORE_OK;
}

/* --- NOTES_AUTH=on ------------------------------------------------------------------------ */

static enum store_result
pg_owned_count(void *impl, const struct token_hash *token, const struct list_query *lq,
               long long *total)
{
    char pattern[PATTERN_MAX];
    const char *params[] = {token->hex, search_pattern(lq->search, pattern, sizeof(pattern))};
    struct query q = {NULL, owned_count_sql, 2, params};
    PGresult *res = exec_query(impl, &q, true);

    if (res == NULL)
        return STORE_UNAVAILABLE;
    enum store_result result = PQntuples(res) == 1 ? STORE_OK : STORE_UNAUTHORIZED;
    if (result == STORE_OK)
        *total = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    PQclear(res);
    return result;
}

/* An owned row (user_id, id, title, description, version) into a note. */
static void
copy_owned_note(const PGresult *res, int row, struct note *out)
{
    copy_note_from(res, row, 1, out);
}

/*
 * Runs an owned statement: (user_id, id, title, description, version), see TOKEN_ME; a sixth
 * column (OWNED_CONDITION) says the user's note was there but not written: 412.
 */
static enum store_result
run_owned(struct store_pg *pg, enum statement stmt, const char *const *params, bool retry,
          struct note *out)
{
    PGresult *res = exec_prepared(pg, stmt, params, retry);

    if (res == NULL)
        return STORE_UNAVAILABLE;
    enum store_result result = STORE_UNAUTHORIZED;
    if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) {
        result = PQgetisnull(res, 0, 1) ? STORE_NOT_FOUND : STORE_OK;
        if (result == STORE_OK)
            copy_owned_note(res, 0, out);
        else if (PQnfields(res) > 5 && PQgetvalue(res, 0, 5)[0] == 't')
            result = STORE_PRECONDITION_FAILED;
    }
    PQclear(res);
    return result;
}

static enum store_result
pg_owned_create(void *impl, const struct token_hash *token, const struct note *in, struct note *out)
{
    const char *params[] = {token->hex, in->title, in->description};
    return run_owned(impl, STMT_OWNED_CREATE, params, false, out);
}

static enum store_result
pg_owned_get(void *impl, const struct token_hash *token, int32_t id, struct note *out)
{
    char id_text[16];
    const char *params[] = {token->hex, id_text};

    snprintf(id_text, sizeof(id_text), "%d", (int)id);
    return run_owned(impl, STMT_OWNED_GET, params, true, out);
}

static enum store_result
pg_owned_update(void *impl, const struct token_hash *token, int32_t id,
                const struct note_change *change, const struct version_set *if_match,
                struct note *out)
{
    char id_text[16], versions[NOTE_VERSIONS_MAX * 21 + 3];
    const char *params[] = {token->hex, id_text, change->title, change->description,
                            versions_param(if_match, versions, sizeof(versions))};

    snprintf(id_text, sizeof(id_text), "%d", (int)id);
    return run_owned(impl, STMT_OWNED_UPDATE, params, false, out);
}

static enum store_result
pg_owned_remove(void *impl, const struct token_hash *token, int32_t id,
                const struct version_set *if_match, struct note *out)
{
    char id_text[16], versions[NOTE_VERSIONS_MAX * 21 + 3];
    const char *params[] = {token->hex, id_text,
                            versions_param(if_match, versions, sizeof(versions))};

    snprintf(id_text, sizeof(id_text), "%d", (int)id);
    return run_owned(impl, STMT_OWNED_DELETE, params, false, out);
}

/*
 * A user's notes, in one result: no row means no valid token, one row without id an empty
 * list. (Owned lists are not streamed: a ?limit= above 1000 still comes in one result.) The
 * plain list by id is prepared; the others are planned for their values, as pg_list's.
 */
static enum store_result
pg_owned_list(void *impl, const struct token_hash *token, const struct list_query *lq,
              store_row_fn on_row, void *arg)
{
    char limit_text[24], offset_text[24], after_text[16], pattern[PATTERN_MAX];
    const char *params[] = {token->hex, lq->limit >= 0 ? limit_text : NULL, offset_text,
                            lq->after > 0 ? after_text : NULL,
                            search_pattern(lq->search, pattern, sizeof(pattern))};
    struct query q = prepared(STMT_OWNED_LIST, params);

    if (lq->search != NULL && params[4] == NULL)
        return STORE_UNAVAILABLE; /* cannot happen: validation bounds the search */
    snprintf(limit_text, sizeof(limit_text), "%lld", lq->limit);
    snprintf(offset_text, sizeof(offset_text), "%lld", lq->offset);
    snprintf(after_text, sizeof(after_text), "%d", (int)lq->after);
    if (lq->order != LIST_BY_ID || params[3] != NULL || params[4] != NULL) {
        q.name = NULL;
        q.sql = owned_list_sql[lq->order];
        q.nparams = 5;
    }
    PGresult *res = exec_query(impl, &q, true);
    if (res == NULL)
        return STORE_UNAVAILABLE;
    int rows = PQntuples(res);
    if (rows == 0 || PQgetisnull(res, 0, 0)) {
        PQclear(res);
        return STORE_UNAUTHORIZED;
    }
    for (int row = 0; row < rows && !PQgetisnull(res, row, 1); row++) {
        struct note note;
        copy_owned_note(res, row, &note);
        if (!on_row(arg, &note))
            break;
    }
    PQclear(res);
    return STORE_OK;
}

static void
copy_user(const PGresult *res, struct user *out)
{
    out->id = (int32_t)strtol(PQgetvalue(res, 0, 0), NULL, 10);
    copy_text(out->username, sizeof(out->username), res, 0, 1);
}

static enum store_result
pg_user_create(void *impl, const char *username, const char *password_hash, struct user *out)
{
    const char *params[] = {username, password_hash};
    PGresult *res = exec_prepared(impl, STMT_USER_CREATE, params, false);

    if (res == NULL)
        return STORE_UNAVAILABLE;
    enum store_result result = PQntuples(res) > 0 ? STORE_OK : STORE_CONFLICT;
    if (result == STORE_OK)
        copy_user(res, out);
    PQclear(res);
    return result;
}

static enum store_result
pg_user_find(void *impl, const char *username, struct user *out, char *hash, size_t hash_size)
{
    const char *params[] = {username};
    PGresult *res = exec_prepared(impl, STMT_USER_FIND, params, true);

    if (res == NULL)
        return STORE_UNAVAILABLE;
    enum store_result result = PQntuples(res) > 0 ? STORE_OK : STORE_NOT_FOUND;
    if (result == STORE_OK) {
        copy_user(res, out);
        copy_text(hash, hash_size, res, 0, 2);
    }
    PQclear(res);
    return result;
}

static enum store_result
pg_token_create(void *impl, int32_t user_id, const struct token_hash *token, long ttl_s)
{
    char user_text[16], ttl_text[24];
    const char *params[] = {token->hex, user_text, ttl_text};

    snprintf(user_text, sizeof(user_text), "%d", (int)user_id);
    snprintf(ttl_text, sizeof(ttl_text), "%ld", ttl_s);
    PGresult *res = exec_prepared(impl, STMT_TOKEN_CREATE, params, false);
    if (res == NULL)
        return STORE_UNAVAILABLE;
    enum store_result result = PQntuples(res) > 0 ? STORE_OK : STORE_UNAVAILABLE;
    PQclear(res);
    return result;
}

static enum store_result
pg_token_user(void *impl, const struct token_hash *token, struct user *out)
{
    const char *params[] = {token->hex};
    PGresult *res = exec_prepared(impl, STMT_TOKEN_USER, params, true);

    if (res == NULL)
        return STORE_UNAVAILABLE;
    enum store_result result = PQntuples(res) > 0 ? STORE_OK : STORE_UNAUTHORIZED;
    if (result == STORE_OK)
        copy_user(res, out);
    PQclear(res);
    return result;
}

static enum store_result
pg_token_revoke(void *impl, const struct token_hash *token)
{
    const char *params[] = {token->hex};
    PGresult *res = exec_prepared(impl, STMT_TOKEN_REVOKE, params, false);

    if (res == NULL)
        return STORE_UNAVAILABLE;
    enum store_result result = PQntuples(res) > 0 ? STORE_OK : STORE_UNAUTHORIZED;
    PQclear(res);
    return result;
}

/* The schema's version over the worker's own connection, answered before deadline. */
static bool
probe_schema(struct store_pg *pg, long long deadline)
{
    enum wait wait = WAIT_BROKEN;
    PGresult *res = NULL;

    if (PQsendQuery(pg->conn, "SELECT max(version) FROM schema_migrations"))
        res = collect_result(pg->conn, deadline, &wait);
    if (res == NULL) {
        call_failed(pg, "ready", wait);
        return false;
    }
    bool ok = schema_ok(pg, res);
    PQclear(res);
    return ok;
}

/*
 * GET /ready: the worker's own connection (made again if it is gone, as requests would) and one
 * query of the schema version; or the last answer while it is younger than ready_cache_ms:
 * however often /ready is asked, each worker asks the database at most that often.
 */
static enum store_result
pg_ready(void *impl, char *why, size_t why_size)
{
    struct store_pg *pg = impl;
    long long now = monotonic_ms();

    if (pg->ready_at_ms == 0 || now - pg->ready_at_ms >= pg->ready_cache_ms) {
        pg->ready_ok = ensure_connected(pg, now + READY_WAIT_MS) &&
                       probe_schema(pg, monotonic_ms() + PROBE_TIMEOUT_MS);
        snprintf(pg->ready_why, sizeof(pg->ready_why), "%s",
                 pg->ready_ok                  ? ""
                 : pg->last_problem[0] != '\0' ? pg->last_problem
                                               : "database unavailable, reconnecting");
        pg->ready_at_ms = monotonic_ms();
    }
    snprintf(why, why_size, "%s", pg->ready_why);
    return pg->ready_ok ? STORE_OK : STORE_UNAVAILABLE;
}

void
store_pg_set_ready_cache(struct store_pg *pg, long ms)
{
    pg->ready_cache_ms = ms;
}

static const struct store_ops pg_ops = {
    .create = pg_create,
    .get = pg_get,
    .list = pg_list,
    .count = pg_count,
    .update = pg_update,
    .remove = pg_remove,
    .owned_create = pg_owned_create,
    .owned_get = pg_owned_get,
    .owned_list = pg_owned_list,
    .owned_count = pg_owned_count,
    .owned_update = pg_owned_update,
    .owned_remove = pg_owned_remove,
    .user_create = pg_user_create,
    .user_find = pg_user_find,
    .token_create = pg_token_create,
    .token_user = pg_token_user,
    .token_revoke = pg_token_revoke,
    .ready = pg_ready,
};

/* Whether libpq reads conninfo as a connection string (else it is a database name). */
static bool
is_connection_string(const char *conninfo)
{
    return strncmp(conninfo, "postgresql://", 13) == 0 ||
           strncmp(conninfo, "postgres://", 11) == 0 || strchr(conninfo, '=') != NULL;
}

/*
 * Our server options (statement_timeout, client_connection_check_interval) followed by the
 * user's own (from the connection string, else PGOPTIONS): the server applies -c settings in
 * order, so theirs win where both set one. NULL if out of memory.
 */
static char *
merged_options(const char *conninfo, long statement_timeout_ms)
{
    PQconninfoOption *parsed =
        is_connection_string(conninfo) ? PQconninfoParse(conninfo, NULL) : NULL;
    const char *theirs = NULL;
    char ours[128];

    for (PQconninfoOption *o = parsed; o != NULL && o->keyword != NULL; o++)
        if (strcmp(o->keyword, "options") == 0 && o->val != NULL && o->val[0] != '\0')
            theirs = o->val;
    if (theirs == NULL)
        theirs = getenv("PGOPTIONS");
    snprintf(ours, sizeof(ours), "-c statement_timeout=%ld -c client_connection_check_interval=%d",
             statement_timeout_ms, CLIENT_CHECK_INTERVAL_MS);
    size_t size = strlen(ours) + 1 + (theirs != NULL ? strlen(theirs) : 0) + 1;
    char *options = malloc(size);
    if (options != NULL)
        snprintf(options, size, "%s%s%s", ours, theirs != NULL ? " " : "",
                 theirs != NULL ? theirs : "");
    PQconninfoFree(parsed);
    return options;
}

/* How many hosts a connection string names (host=a,b or postgresql://a,b/): at least 1. */
static int
host_count(const char *conninfo)
{
    PQconninfoOption *parsed =
        is_connection_string(conninfo) ? PQconninfoParse(conninfo, NULL) : NULL;
    const char *hosts = NULL;
    int n = 1;

    for (PQconninfoOption *o = parsed; o != NULL && o->keyword != NULL; o++)
        if ((strcmp(o->keyword, "host") == 0 || strcmp(o->keyword, "hostaddr") == 0) &&
            o->val != NULL && o->val[0] != '\0' && hosts == NULL)
            hosts = o->val;
    if (hosts == NULL)
        hosts = getenv("PGHOST");
    for (const char *c = hosts; c != NULL && *c != '\0'; c++)
        n += *c == ',';
    PQconninfoFree(parsed);
    return n;
}

/*
 * How long a probe (a connection attempt while the database is unhealthy) may live: the call
 * deadline, at least PROBE_TIMEOUT_MS, for one host (SCRAM's key derivation alone took over
 * 2 s in a worker under valgrind on a loaded machine). With several hosts (a fail-over pair,
 * target_session_attrs=read-write) libpq tries them one after another within one attempt, and
 * a host that vanished (no RST ever comes) holds the attempt until TCP gives up on it
 * (tcp_user_timeout, our default the call deadline); an attempt given up before that would
 * never get past the first host to a standby promoted behind it. Requests wait for a probe
 * only while the server answers it (PROBE_WAIT_MS of silence), so a longer one costs them
 * nothing.
 */
static long
probe_timeout(const char *conninfo, long db_timeout_ms)
{
    long hosts = host_count(conninfo);
    long probe = hosts > 1 ? hosts * db_timeout_ms : db_timeout_ms;

    return probe > PROBE_TIMEOUT_MS ? probe : PROBE_TIMEOUT_MS;
}

struct store_pg *
store_pg_new(const char *conninfo, long statement_timeout_ms, long db_timeout_ms)
{
    struct store_pg *pg = calloc(1, sizeof(*pg));

    if (pg == NULL)
        return NULL;
    pg->conninfo = strdup(conninfo);
    pg->options = merged_options(conninfo, statement_timeout_ms);
    if (pg->conninfo == NULL || pg->options == NULL) {
        store_pg_free(pg);
        return NULL;
    }
    pg->db_timeout_ms = db_timeout_ms > 0 ? db_timeout_ms : statement_timeout_ms + 500;
    pg->probe_timeout_ms = probe_timeout(conninfo, pg->db_timeout_ms);
    pg->ready_cache_ms = 1000;
    snprintf(pg->tcp_user_timeout, sizeof(pg->tcp_user_timeout), "%ld", pg->db_timeout_ms);
    pg->next_attempt_ms = 0;
    return pg;
}

void
store_pg_free(struct store_pg *pg)
{
    if (pg == NULL)
        return;
    disconnect(pg);
    free(pg->conninfo);
    free(pg->options);

    free(pg);
}

struct store
store_pg_store(struct store_pg *pg)
{
    struct store store = {&pg_ops, pg};
    return store;
}
