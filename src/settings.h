/*
 * settings.h: the one list of settings of the stack and the worker (name, default, meaning,
 * secret?), read from notes.conf (`key = value` lines, `#` comments; its path in NOTES_CONFIG)
 * and then from the environment, which overrides the file. notes-worker --check-config prints
 * the effective values with their origin, scripts/stack reads them (--config-shell), and the
 * README's configuration table is checked against this list (--config-table).
 */
#ifndef NOTES_SETTINGS_H
#define NOTES_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum setting_id {
    /* the worker */
    SET_DATABASE_URL,
    SET_APP_DATABASE_URL,
    SET_MAX_BODY,
    SET_STATEMENT_TIMEOUT_MS,
    SET_DB_TIMEOUT_MS,
    SET_AUTH,
    SET_TOKEN_TTL,
    SET_AUTH_RATE_LIMIT,
    SET_TOKEN_CLEANUP_INTERVAL,
    SET_LIST_MAX,
    SET_LOG_LEVEL,
    SET_LOG_FILE,
    SET_READY_CACHE_MS,
    SET_METRICS_FILE,
    /* the stack (scripts/stack) */
    SET_PORT,
    SET_BIND,
    SET_WORKERS,
    SET_NGINX_WORKERS,
    SET_FCGI_KEEPALIVE,
    SET_RATE_LIMIT,
    SET_ACCESS_LOG,
    SET_METRICS_ALLOW,
    SET_STACK_DIR,
    SET_BUILD_DIR,
    SET_WORKER,
    SET_DISTCHECK,
    SET_CORS_ORIGINS,
    SET__MAX,
};

enum setting_type {
    SETTING_TEXT,   /* any text */
    SETTING_NUMBER, /* a whole number from min to max; "" only when the default is "" */
    SETTING_CHOICE, /* one of the words in choices (separated by '|') */
};

enum setting_secret {
    SECRET_NONE,
    SECRET_URL, /* a libpq URI or keyword string: its password is masked */
};

struct setting_def {
    const char *key;     /* in notes.conf */
    const char *env;     /* the environment variable that overrides it */
    const char *def;     /* the default, as text ("" = none, see meaning) */
    const char *meaning; /* one line for the README and --check-config */
    enum setting_type type;
    long min, max;       /* SETTING_NUMBER */
    const char *choices; /* SETTING_CHOICE, e.g. "error|warn|info" */
    enum setting_secret secret;
};

extern const struct setting_def settings_table[SET__MAX];

enum setting_origin { ORIGIN_DEFAULT, ORIGIN_FILE, ORIGIN_ENV };

struct settings {
    char *value[SET__MAX]; /* effective values, owned */
    enum setting_origin origin[SET__MAX];
    int line[SET__MAX]; /* ORIGIN_FILE: the line in path */
    char *path;         /* the file read, or NULL */
};

/*
 * Fills s from the defaults, the file at path (NULL or "": none) and the environment. On an
 * unknown key, a malformed line or a bad value writes "FILE:LINE: ..." (or "VAR=value: ...") to
 * err and returns false; s must be freed either way.
 */
bool settings_load(struct settings *s, const char *path, char *err, size_t err_size);

/* Releases the values. settings_free(NULL) does nothing. */
void settings_free(struct settings *s);

const char *settings_text(const struct settings *s, enum setting_id id);

/* A SETTING_NUMBER's value; fallback when it is "". */
long settings_number(const struct settings *s, enum setting_id id, long fallback);

/* The value as it may be shown: a password in it replaced by "***". Writes into out. */
void settings_masked(const struct settings *s, enum setting_id id, char *out, size_t out_size);

/* `key = value  # origin` for every setting, secrets masked (notes-worker --check-config). */
void settings_print(const struct settings *s, FILE *out);

/* `ENV='value'` lines of the effective values for a shell to eval (scripts/stack). */
void settings_print_shell(const struct settings *s, FILE *out);

/* The README's configuration table (Markdown rows), from the list itself. */
void settings_print_table(FILE *out);

#endif
