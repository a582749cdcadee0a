/*
 * store_pg.h: the notes store in Postgres through libpq: one connection per worker, prepared
 * statements, reconnection after an outage, and a schema version check.
 */
#ifndef NOTES_STORE_PG_H
#define NOTES_STORE_PG_H

#include "store.h"

/*
 * The migration the worker's queries are written for (sql/NNN_*.sql). The worker runs against
 * this version or a later one: migrations are additive (ARCHITECTURE.md).
 */
#define STORE_PG_SCHEMA_VERSION 4

struct store_pg;

/*
 * Creates the store; it connects on first use and again after any failure, so a database
 * that is down at start only makes requests answer 503 until it is up. conninfo is the user's
 * connection string (its settings win over ours); statement_timeout_ms is the server's limit,
 * db_timeout_ms the client's deadline for every database call (<= 0: statement timeout +
 * 500 ms). NULL if out of memory.
 */
struct store_pg *store_pg_new(const char *conninfo, long statement_timeout_ms, long db_timeout_ms);

/* GET /ready reuses a probe's answer for this long (0: probe every time; default 1000). */
void store_pg_set_ready_cache(struct store_pg *pg, long ms);

/* Tries to connect now (at start-up, to log the database's state early). */
bool store_pg_connect(struct store_pg *pg);

/* Closes the connection and frees the store. store_pg_free(NULL) does nothing. */
void store_pg_free(struct store_pg *pg);

/* The store interface backed by pg (which must outlive it). */
struct store store_pg_store(struct store_pg *pg);

#endif
