/* config.h: the worker's settings, typed, from the settings table (notes.conf + environment). */
#ifndef NOTES_CONFIG_H
#define NOTES_CONFIG_H

#include "settings.h"

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_DEFAULT_MAX_BODY 65536
#define CONFIG_DEFAULT_STATEMENT_TIMEOUT_MS 5000
#define CONFIG_DEFAULT_LIST_MAX 1000
/* NOTES_DB_TIMEOUT_MS defaults to the statement timeout plus this. */
#define CONFIG_DB_TIMEOUT_MARGIN_MS 500
/* Tokens live 30 minutes, as in FastAPI's security tutorial. */
#define CONFIG_DEFAULT_TOKEN_TTL_S 1800

struct config {
    struct settings settings;  /* every setting with its origin (owns the texts below) */
    const char *database_url;  /* DATABASE_URL: a libpq URI or keyword string; "" = libpq's PG* */
    size_t max_body;           /* NOTES_MAX_BODY: largest accepted body in bytes */
    long statement_timeout_ms; /* NOTES_STATEMENT_TIMEOUT_MS: longest a query may run (server) */
    long db_timeout_ms; /* NOTES_DB_TIMEOUT_MS: the worker's deadline for any database call */
    bool auth;          /* NOTES_AUTH: "on" = accounts and bearer tokens; "off" (default) */
    long token_ttl_s;   /* NOTES_TOKEN_TTL: seconds a token stays valid */
    long list_max;      /* NOTES_LIST_MAX: the largest page of GET /notes/; 0 = unbounded */
    const char *log_level;    /* NOTES_LOG_LEVEL: error, warn or info */
    const char *log_file;     /* NOTES_LOG_FILE: "" = stderr */
    long ready_cache_ms;      /* NOTES_READY_CACHE_MS: how long a /ready probe is reused */
    const char *metrics_file; /* NOTES_METRICS_FILE: "" = this worker's counters only */
    long pool_size;           /* WORKERS: the pool's configured size (0: unknown) */
};

/*
 * Reads notes.conf (its path in NOTES_CONFIG, if set) and the environment; on a bad value
 * writes a message (naming the file and line) to err and returns false. config_free either way.
 */
bool config_load(struct config *cfg, char *err, size_t err_size);

void config_free(struct config *cfg);

#endif
