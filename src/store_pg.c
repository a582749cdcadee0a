/* store_pg.c: the notes store in Postgres through libpq. */
#include "store_pg.h"

#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How long a connection attempt may take (libpq's connect_timeout, seconds). */
#define CONNECT_TIMEOUT_S "5"
/* After a failed connection attempt, requests answer 503 at once for this long. */
#define RECONNECT_PAUSE_MS 200

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

static const struct {
    const char *name;
    const char *sql;
    int nparams;
} statements[STMT__MAX] = {
    [STMT_CREATE] = {"create",
                     "INSERT INTO notes (title, description) VALUES ($1, $2) "
                     "RETURNING id, title, description",
                     2},
    [STMT_GET] = {"get", "SELECT id, title, description FROM notes WHERE id = $1", 1},
    [STMT_LIST] = {"list",
                   "SELECT id, title, description FROM notes ORDER BY id "
                   "LIMIT $1::bigint OFFSET $2::bigint",
                   2},
    [STMT_UPDATE] = {"update",
                     "UPDATE notes SET title = $2, description = $3 WHERE id = $1 "
                     "RETURNING id, title, description",
                     3},
    [STMT_DELETE] = {"delete", "DELETE FROM notes WHERE id = $1 RETURNING id, title, description",
                     1},
    [STMT_OWNED_CREATE] = {"owned_create",
                           TOKEN_ME
                           ", ins AS (INSERT INTO notes (title, description, owner) "
                           "SELECT $2, $3, user_id FROM me RETURNING id, title, description) "
                           "SELECT me.user_id, ins.id, ins.title, ins.description "
                           "FROM me LEFT JOIN ins ON true",
                           3},
    [STMT_OWNED_GET] = {"owned_get",
                        TOKEN_ME "SELECT me.user_id, n.id, n.title, n.description FROM me "
                                 "LEFT JOIN notes n ON n.id = $2 AND n.owner = me.user_id",
                        2},
    [STMT_OWNED_LIST] = {"owned_list",
                         TOKEN_ME "SELECT me.user_id, n.id, n.title, n.description FROM me "
                                  "LEFT JOIN LATERAL (SELECT id, title, description FROM notes "
                                  "WHERE owner = me.user_id ORDER BY id LIMIT $2::bigint "
                                  "OFFSET $3::bigint) n ON true ORDER BY n.id",
                         3},
    [STMT_OWNED_UPDATE] = {"owned_update",
                           TOKEN_ME ", up AS (UPDATE notes SET title = $3, description = $4 "
                                    "WHERE id = $2 AND owner = (SELECT user_id FROM me) "
                                    "RETURNING id, title, description) "
                                    "SELECT me.user_id, up.id, up.title, up.description "
                                    "FROM me LEFT JOIN up ON true",
                           4},
    [STMT_OWNED_DELETE] = {"owned_delete",
                           TOKEN_ME ", del AS (DELETE FROM notes WHERE id = $2 "
                                    "AND owner = (SELECT user_id FROM me) "
                                    "RETURNING id, title, description) "
                                    "SELECT me.user_id, del.id, del.title, del.description "
                                    "FROM me LEFT JOIN del ON true",
                           2},
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

struct store_pg {
    char *conninfo;
    char options[64]; /* "-c statement_timeout=N" */
    PGconn *conn;     /* NULL while disconnected */
    long long last_attempt_ms;
    char last_problem[256]; /* the last logged problem, so an outage is logged once */
};

static long long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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
    fprintf(stderr, "notes-worker[%d]: %s\n", (int)getpid(), line);
}

static void
disconnect(struct store_pg *pg)
{
    if (pg->conn != NULL)
        PQfinish(pg->conn);
    pg->conn = NULL;
}

/* Checks that the schema is the one the queries are written for. */
static bool
check_schema(struct store_pg *pg)
{
    PGresult *res = PQexec(pg->conn, "SELECT max(version) FROM schema_migrations");
    bool ok = false;
    char why[160];

    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(why, sizeof(why), "cannot read schema_migrations (%s); run scripts/migrate",
                 PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) != NULL
                     ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
                     : PQerrorMessage(pg->conn));
    } else if (PQgetisnull(res, 0, 0) || atoi(PQgetvalue(res, 0, 0)) != STORE_PG_SCHEMA_VERSION) {
        snprintf(why, sizeof(why),
                 "database schema is at version %s, this worker needs version %d; run "
                 "scripts/migrate",
                 PQgetisnull(res, 0, 0) ? "none" : PQgetvalue(res, 0, 0), STORE_PG_SCHEMA_VERSION);
    } else {
        ok = true;
    }
    PQclear(res);
    if (!ok)
        report(pg, "database not ready", why);
    return ok;
}

static bool
prepare_statements(struct store_pg *pg)
{
    for (int i = 0; i < STMT__MAX; i++) {
        PGresult *res =
            PQprepare(pg->conn, statements[i].name, statements[i].sql, statements[i].nparams, NULL);
        bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        if (!ok)
            report(pg, "cannot prepare statements", PQerrorMessage(pg->conn));
        PQclear(res);
        if (!ok)
            return false;
    }
    return true;
}

bool
store_pg_connect(struct store_pg *pg)
{
    const char *keys[] = {"dbname", "connect_timeout", "options", "application_name", NULL};
    const char *values[] = {pg->conninfo, CONNECT_TIMEOUT_S, pg->options, "notes-worker", NULL};

    disconnect(pg);
    pg->last_attempt_ms = now_ms();
    pg->conn = PQconnectdbParams(keys, values, 1);
    if (pg->conn == NULL)
        return false;
    if (PQstatus(pg->conn) != CONNECTION_OK) {
        report(pg, "cannot connect to the database", PQerrorMessage(pg->conn));
        disconnect(pg);
        return false;
    }
    if (!check_schema(pg) || !prepare_statements(pg)) {
        disconnect(pg);
        return false;
    }
    if (pg->last_problem[0] != '\0')
        fprintf(stderr, "notes-worker[%d]: database connection ready\n", (int)getpid());
    pg->last_problem[0] = '\0';
    return true;
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
 * A usable connection, or false: reconnects when the connection is gone, at most once per
 * RECONNECT_PAUSE_MS so that an outage costs requests nothing but a quick 503.
 */
static bool
ensure_connected(struct store_pg *pg)
{
    if (pg->conn != NULL && idle_connection_alive(pg->conn))
        return true;
    if (pg->conn != NULL) {
        report(pg, "database connection lost", "reconnecting");
        disconnect(pg);
        pg->last_attempt_ms = 0; /* the server may be back already: try at once */
    }
    if (now_ms() - pg->last_attempt_ms < RECONNECT_PAUSE_MS)
        return false;
    return store_pg_connect(pg);
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

/* Copies one result row (id, title, description) into a note. */
static void
copy_note(const PGresult *res, int row, struct note *out)
{
    out->id = (int32_t)strtol(PQgetvalue(res, row, 0), NULL, 10);
    copy_text(out->title, sizeof(out->title), res, row, 1);
    copy_text(out->description, sizeof(out->description), res, row, 2);
}

/*
 * Runs a prepared statement and returns its result (the caller PQclears it), or NULL when the
 * database is unavailable. A read that finds the connection broken is tried once more on a fresh
 * one; a write is not, as it may have been applied.
 */
static PGresult *
exec_prepared(struct store_pg *pg, enum statement stmt, const char *const *params, bool retry)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!ensure_connected(pg))
            return NULL;
        PGresult *res = PQexecPrepared(pg->conn, statements[stmt].name, statements[stmt].nparams,
                                       params, NULL, NULL, 0);
        if (PQresultStatus(res) == PGRES_TUPLES_OK)
            return res;
        report(pg, statements[stmt].name, PQerrorMessage(pg->conn));
        PQclear(res);
        if (!retry || PQstatus(pg->conn) == CONNECTION_OK)
            return NULL;
        disconnect(pg);
        pg->last_attempt_ms = 0; /* the server may be back already: try at once */
    }
    return NULL;
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

static enum store_result
pg_update(void *impl, int32_t id, const struct note *in, struct note *out)
{
    char id_text[16];
    const char *params[] = {id_text, in->title, in->description};

    snprintf(id_text, sizeof(id_text), "%d", (int)id);
    return run_single(impl, STMT_UPDATE, params, false, out);
}

static enum store_result
pg_remove(void *impl, int32_t id, struct note *out)
{
    char id_text[16];
    const char *params[] = {id_text};

    snprintf(id_text, sizeof(id_text), "%d", (int)id);
    return run_single(impl, STMT_DELETE, params, false, out);
}

/* A list of at most this many rows (a small ?limit=) is fetched in one result. */
#define LIST_AT_ONCE_MAX_ROWS 1000

/* Fetches a bounded list in one result: one allocation instead of one per row. */
static enum store_result
list_at_once(struct store_pg *pg, const char *const *params, store_row_fn on_row, void *arg)
{
    PGresult *res = exec_prepared(pg, STMT_LIST, params, true);

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

/* Streams a list row by row (single-row mode), so memory stays flat however long it is. */
static enum store_result
list_streamed(struct store_pg *pg, const char *const *params, store_row_fn on_row, void *arg)
{
    enum store_result result = STORE_OK;
    bool wanted = true;
    PGresult *res;

    if (!ensure_connected(pg))
        return STORE_UNAVAILABLE;
    if (!PQsendQueryPrepared(pg->conn, statements[STMT_LIST].name, 2, params, NULL, NULL, 0) ||
        !PQsetSingleRowMode(pg->conn)) {
        report(pg, "list", PQerrorMessage(pg->conn));
        disconnect(pg);
        return STORE_UNAVAILABLE;
    }
    /* Read every result to the end, even after the client went away, to keep the protocol. */
    while ((res = PQgetResult(pg->conn)) != NULL) {
        ExecStatusType status = PQresultStatus(res);
        if (status == PGRES_SINGLE_TUPLE && wanted) {
            struct note note;
            copy_note(res, 0, &note);
            wanted = on_row(arg, &note);
        } else if (status != PGRES_SINGLE_TUPLE && status != PGRES_TUPLES_OK) {
            report(pg, "list", PQerrorMessage(pg->conn));
            result = STORE_UNAVAILABLE;
        }
        PQclear(res);
    }
    return result;
}

static enum store_result
pg_list(void *impl, long long limit, long long offset, store_row_fn on_row, void *arg)
{
    char limit_text[24], offset_text[24];
    const char *params[] = {limit >= 0 ? limit_text : NULL, offset_text};

    snprintf(limit_text, sizeof(limit_text), "%lld", limit);
    snprintf(offset_text, sizeof(offset_text), "%lld", offset);
    if (limit >= 0 && limit <= LIST_AT_ONCE_MAX_ROWS)
        return list_at_once(impl, params, on_row, arg);
    return list_streamed(impl, params, on_row, arg);
}

/* --- NOTES_AUTH=on ------------------------------------------------------------------------ */

/* Runs an owned statement: (user_id, id, title, description), see TOKEN_ME. */
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
        if (result == STORE_OK) {
            out->id = (int32_t)strtol(PQgetvalue(res, 0, 1), NULL, 10);
            copy_text(out->title, sizeof(out->title), res, 0, 2);
            copy_text(out->description, sizeof(out->description), res, 0, 3);
        }
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
pg_owned_update(void *impl, const struct token_hash *token, int32_t id, const struct note *in,
                struct note *out)
{
    char id_text[16];
    const char *params[] = {token->hex, id_text, in->title, in->description};

    snprintf(id_text, sizeof(id_text), "%d", (int)id);
    return run_owned(impl, STMT_OWNED_UPDATE, params, false, out);
}

static enum store_result
pg_owned_remove(void *impl, const struct token_hash *token, int32_t id, struct note *out)
{
    char id_text[16];
    const char *params[] = {token->hex, id_text};

    snprintf(id_text, sizeof(id_text), "%d", (int)id);
    return run_owned(impl, STMT_OWNED_DELETE, params, false, out);
}

/*
 * A user's notes, in one result: no row means no valid token, one row without id an empty
 * list. (Owned lists are not streamed: a ?limit= above 1000 still comes in one result.)
 */
static enum store_result
pg_owned_list(void *impl, const struct token_hash *token, long long limit, long long offset,
              store_row_fn on_row, void *arg)
{
    char limit_text[24], offset_text[24];
    const char *params[] = {token->hex, limit >= 0 ? limit_text : NULL, offset_text};

    snprintf(limit_text, sizeof(limit_text), "%lld", limit);
    snprintf(offset_text, sizeof(offset_text), "%lld", offset);
    PGresult *res = exec_prepared(impl, STMT_OWNED_LIST, params, true);
    if (res == NULL)
        return STORE_UNAVAILABLE;
    int rows = PQntuples(res);
    if (rows == 0 || PQgetisnull(res, 0, 0)) {
        PQclear(res);
        return STORE_UNAUTHORIZED;
    }
    for (int row = 0; row < rows && !PQgetisnull(res, row, 1); row++) {
        struct note note;
        note.id = (int32_t)strtol(PQgetvalue(res, row, 1), NULL, 10);
        copy_text(note.title, sizeof(note.title), res, row, 2);
        copy_text(note.description, sizeof(note.description), res, row, 3);
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

static const struct store_ops pg_ops = {
    .create = pg_create,
    .get = pg_get,
    .list = pg_list,
    .update = pg_update,
    .remove = pg_remove,
    .owned_create = pg_owned_create,
    .owned_get = pg_owned_get,
    .owned_list = pg_owned_list,
    .owned_update = pg_owned_update,
    .owned_remove = pg_owned_remove,
    .user_create = pg_user_create,
    .user_find = pg_user_find,
    .token_create = pg_token_create,
    .token_user = pg_token_user,
    .token_revoke = pg_token_revoke,
};

struct store_pg *
store_pg_new(const char *conninfo, long statement_timeout_ms)
{
    struct store_pg *pg = calloc(1, sizeof(*pg));

    if (pg == NULL)
        return NULL;
    pg->conninfo = strdup(conninfo);
    if (pg->conninfo == NULL) {
        free(pg);
        return NULL;
    }
    snprintf(pg->options, sizeof(pg->options), "-c statement_timeout=%ld", statement_timeout_ms);
    pg->last_attempt_ms = -RECONNECT_PAUSE_MS;
    return pg;
}

void
store_pg_free(struct store_pg *pg)
{
    if (pg == NULL)
        return;
    disconnect(pg);
    free(pg->conninfo);
    free(pg);
}

struct store
store_pg_store(struct store_pg *pg)
{
    struct store store = {&pg_ops, pg};
    return store;
}
