/* settings.c: the settings table, notes.conf and the environment. */
#include "settings.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BODY_LIMIT (64L * 1024 * 1024)

/* clang-format off */
const struct setting_def settings_table[SET__MAX] = {
    [SET_DATABASE_URL] = {"database_url", "DATABASE_URL", "",
        "the Postgres to use (libpq URI or `key=value` string); empty: `scripts/stack` starts its own cluster under `stack_dir`, a worker alone uses libpq's `PG*` variables",
        SETTING_TEXT, 0, 0, NULL, SECRET_URL},
    [SET_APP_DATABASE_URL] = {"app_database_url", "APP_DATABASE_URL", "",
        "with `database_url`: the workers' own least-privilege role on that server (`scripts/db-roles` makes one), while migrations use `database_url`; empty: `database_url`",
        SETTING_TEXT, 0, 0, NULL, SECRET_URL},
    [SET_MAX_BODY] = {"max_body", "NOTES_MAX_BODY", "65536",
        "largest request body the worker accepts in bytes (`413` above); nginx itself refuses bodies 8 KiB beyond it",
        SETTING_NUMBER, 1, MAX_BODY_LIMIT, NULL, SECRET_NONE},
    [SET_STATEMENT_TIMEOUT_MS] = {"statement_timeout_ms", "NOTES_STATEMENT_TIMEOUT_MS", "5000",
        "the workers' Postgres statement timeout; a query past it answers `503`",
        SETTING_NUMBER, 1, 3600L * 1000, NULL, SECRET_NONE},
    [SET_DB_TIMEOUT_MS] = {"db_timeout_ms", "NOTES_DB_TIMEOUT_MS", "",
        "the worker's own deadline for any database call (connect, statement, result), after which it answers `503`; empty: `statement_timeout_ms` + 500",
        SETTING_NUMBER, 1, 3600L * 1000 + 500, NULL, SECRET_NONE},
    [SET_AUTH] = {"auth", "NOTES_AUTH", "off",
        "`on`: accounts and bearer tokens, each note owned by its user; `off`: the open tutorial API",
        SETTING_CHOICE, 0, 0, "on|off", SECRET_NONE},
    [SET_TOKEN_TTL] = {"token_ttl", "NOTES_TOKEN_TTL", "1800",
        "seconds a bearer token stays valid",
        SETTING_NUMBER, 1, 366L * 24 * 3600, NULL, SECRET_NONE},
    [SET_AUTH_RATE_LIMIT] = {"auth_rate_limit", "AUTH_RATE_LIMIT", "2",
        "with `auth = on`: `POST /token` and `/users/` requests per second per client address (bursts of 5 times that; 0: off); more get `429`",
        SETTING_NUMBER, 0, 1000000, NULL, SECRET_NONE},
    [SET_TOKEN_CLEANUP_INTERVAL] = {"token_cleanup_interval", "TOKEN_CLEANUP_INTERVAL", "60",
        "with `auth = on`: seconds between two runs of the background removal of expired and revoked tokens",
        SETTING_NUMBER, 1, 86400, NULL, SECRET_NONE},
    [SET_LIST_MAX] = {"list_max", "NOTES_LIST_MAX", "1000",
        "the largest page of `GET /notes/` (a larger or absent `limit` gives this many, and `Link` the next page); `0`: unbounded, the tutorial's behaviour",
        SETTING_NUMBER, 0, 1000L * 1000 * 1000, NULL, SECRET_NONE},
    [SET_LOG_LEVEL] = {"log_level", "NOTES_LOG_LEVEL", "warn",
        "the worker's JSON log: `error`, `warn` (problems), or `info` (also one line per request)",
        SETTING_CHOICE, 0, 0, "error|warn|info", SECRET_NONE},
    [SET_LOG_FILE] = {"log_file", "NOTES_LOG_FILE", "",
        "the file the worker appends its JSON log to (reopened on SIGHUP); empty: stderr. `scripts/stack` uses `stack_dir/log/worker.log`",
        SETTING_TEXT, 0, 0, NULL, SECRET_NONE},
    [SET_READY_CACHE_MS] = {"ready_cache_ms", "NOTES_READY_CACHE_MS", "1000",
        "a worker answers `GET /ready` from its last database probe for this long (0: probe every time)",
        SETTING_NUMBER, 0, 60000, NULL, SECRET_NONE},
    [SET_METRICS_FILE] = {"metrics_file", "NOTES_METRICS_FILE", "",
        "the shared-memory file in which each worker keeps its counters, so `/metrics` shows the whole pool; empty: this worker's only. `scripts/stack` uses `stack_dir/run/metrics`",
        SETTING_TEXT, 0, 0, NULL, SECRET_NONE},
    [SET_PORT] = {"port", "PORT", "8002",
        "nginx's HTTP port",
        SETTING_NUMBER, 1, 65535, NULL, SECRET_NONE},
    [SET_BIND] = {"bind", "BIND", "",
        "the address nginx listens on; empty: `127.0.0.1` with `auth = off`, all addresses with `auth = on`; beyond loopback with auth off, `up` warns that the API is open",
        SETTING_TEXT, 0, 0, NULL, SECRET_NONE},
    [SET_WORKERS] = {"workers", "WORKERS", "",
        "FastCGI worker processes; empty: the number of CPUs. On 2 cores, 8 gave 70 % more writes per second (see Performance)",
        SETTING_NUMBER, 1, 1024, NULL, SECRET_NONE},
    [SET_NGINX_WORKERS] = {"nginx_workers", "NGINX_WORKERS", "1",
        "nginx worker processes",
        SETTING_NUMBER, 1, 64, NULL, SECRET_NONE},
    [SET_FCGI_KEEPALIVE] = {"fcgi_keepalive", "FCGI_KEEPALIVE", "0",
        "idle FastCGI connections nginx keeps per nginx worker (0: off); must stay below `workers / nginx_workers` (see below)",
        SETTING_NUMBER, 0, 1024, NULL, SECRET_NONE},
    [SET_RATE_LIMIT] = {"rate_limit", "RATE_LIMIT", "0",
        "requests per second per client address (bursts of twice that; 0: off); more get `429 {\"detail\":\"Too Many Requests\"}`",
        SETTING_NUMBER, 0, 1000000, NULL, SECRET_NONE},
    [SET_ACCESS_LOG] = {"access_log", "NOTES_ACCESS_LOG", "json",
        "nginx's access log format: `json` (one object per line) or `plain`; both buffered (64 KiB, flushed each second) and carrying the request id",
        SETTING_CHOICE, 0, 0, "json|plain", SECRET_NONE},
    [SET_METRICS_ALLOW] = {"metrics_allow", "NOTES_METRICS_ALLOW", "",
        "a network (address or CIDR, e.g. `10.0.0.0/8`) that may read `/metrics` besides loopback; empty: loopback only",
        SETTING_TEXT, 0, 0, NULL, SECRET_NONE},
    [SET_STACK_DIR] = {"stack_dir", "STACK_DIR", "",
        "every runtime file: Postgres data, sockets, pid files, logs, rendered configs, build; empty: `var/` in the repository",
        SETTING_TEXT, 0, 0, NULL, SECRET_NONE},
    [SET_BUILD_DIR] = {"build_dir", "BUILD_DIR", "",
        "out-of-tree build directory; empty: `stack_dir/build`",
        SETTING_TEXT, 0, 0, NULL, SECRET_NONE},
    [SET_WORKER] = {"worker", "NOTES_WORKER", "",
        "run this `notes-worker` binary instead of building one",
        SETTING_TEXT, 0, 0, NULL, SECRET_NONE},
    [SET_DISTCHECK] = {"distcheck", "DISTCHECK", "0",
        "`1`: `scripts/stack check` also runs `make distcheck`",
        SETTING_CHOICE, 0, 0, "0|1", SECRET_NONE},
    [SET_CORS_ORIGINS] = {"cors_origins", "NOTES_CORS_ORIGINS", "",
        "origins whose browser pages may call the API (CORS), separated by spaces or commas (`https://app.example`), or `*`; empty: no CORS (browsers refuse cross-origin answers). Preflights are answered by nginx; credentials are never allowed",
        SETTING_TEXT, 0, 0, NULL, SECRET_NONE},
};
/* clang-format on */

static char *
trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
        end--;
    *end = '\0';
    return s;
}

static bool
choice_ok(const char *choices, const char *value)
{
    size_t n = strlen(value);
    const char *p = choices;

    while (p != NULL && *p != '\0') {
        const char *bar = strchr(p, '|');
        size_t len = bar != NULL ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, value, n) == 0)
            return true;
        p = bar != NULL ? bar + 1 : NULL;
    }
    return false;
}

/* Whether value is acceptable for setting d; else writes why into why. */
static bool
value_ok(const struct setting_def *d, const char *value, char *why, size_t why_size)
{
    char *end;

    switch (d->type) {
    case SETTING_TEXT:
        return true;
    case SETTING_NUMBER: {
        if (value[0] == '\0' && d->def[0] == '\0')
            return true;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (value[0] == '\0' || errno != 0 || *end != '\0' || v < d->min || v > d->max) {
            snprintf(why, why_size, "expected a whole number from %ld to %ld", d->min, d->max);
            return false;
        }
        return true;
    }
    case SETTING_CHOICE:
        if (choice_ok(d->choices, value))
            return true;
        snprintf(why, why_size, "expected one of %s", d->choices);
        return false;
    }
    return false;
}

static int
find_key(const char *key)
{
    for (int i = 0; i < SET__MAX; i++)
        if (strcmp(settings_table[i].key, key) == 0)
            return i;
    return -1;
}

static bool
set_value(struct settings *s, int id, const char *value)
{
    char *copy = strdup(value);

    if (copy == NULL)
        return false;
    free(s->value[id]);
    s->value[id] = copy;
    return true;
}

/* Reads the file at s->path into s. */
static bool
read_file(struct settings *s, char *err, size_t err_size)
{
    FILE *f = fopen(s->path, "r");
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0;
    bool ok = true;
    char why[128];

    if (f == NULL) {
        snprintf(err, err_size, "%s: cannot read the configuration file: %s", s->path,
                 strerror(errno));
        return false;
    }
    while (ok && getline(&line, &cap, f) >= 0) {
        char *text = trim(line), *eq, *key, *value;
        size_t vlen;
        int id;

        lineno++;
        if (text[0] == '\0' || text[0] == '#')
            continue;
        eq = strchr(text, '=');
        if (eq == NULL) {
            snprintf(err, err_size, "%s:%d: expected `key = value`, found \"%.60s\"", s->path,
                     lineno, text);
            ok = false;
            break;
        }
        *eq = '\0';
        key = trim(text);
        value = trim(eq + 1);
        vlen = strlen(value);
        if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
            value[vlen - 1] = '\0';
            value++;
        }
        id = find_key(key);
        if (id < 0) {
            snprintf(err, err_size, "%s:%d: unknown setting \"%.60s\"", s->path, lineno, key);
            ok = false;
        } else if (s->origin[id] == ORIGIN_FILE) {
            snprintf(err, err_size, "%s:%d: %s is already set on line %d", s->path, lineno, key,
                     s->line[id]);
            ok = false;
        } else if (!value_ok(&settings_table[id], value, why, sizeof(why))) {
            snprintf(err, err_size, "%s:%d: %s = %.60s: %s", s->path, lineno, key, value, why);
            ok = false;
        } else if (!set_value(s, id, value)) {
            snprintf(err, err_size, "out of memory");
            ok = false;
        } else {
            s->origin[id] = ORIGIN_FILE;
            s->line[id] = lineno;
        }
    }
    free(line);
    fclose(f);
    return ok;
}

bool
settings_load(struct settings *s, const char *path, char *err, size_t err_size)
{
    char why[128];

    memset(s, 0, sizeof(*s));
    for (int i = 0; i < SET__MAX; i++) {
        if (!set_value(s, i, settings_table[i].def)) {
            snprintf(err, err_size, "out of memory");
            return false;
        }
        s->origin[i] = ORIGIN_DEFAULT;
    }
    if (path != NULL && path[0] != '\0') {
        s->path = strdup(path);
        if (s->path == NULL) {
            snprintf(err, err_size, "out of memory");
            return false;
        }
        if (!read_file(s, err, err_size))
            return false;
    }
    for (int i = 0; i < SET__MAX; i++) {
        const struct setting_def *d = &settings_table[i];
        const char *v = getenv(d->env);

        if (v == NULL || v[0] == '\0') /* empty is unset, as before the file existed */
            continue;
        if (!value_ok(d, v, why, sizeof(why))) {
            snprintf(err, err_size, "%s=%.60s: %s", d->env, v, why);
            return false;
        }
        if (!set_value(s, i, v)) {
            snprintf(err, err_size, "out of memory");
            return false;
        }
        s->origin[i] = ORIGIN_ENV;
    }
    return true;
}

void
settings_free(struct settings *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < SET__MAX; i++) {
        free(s->value[i]);
        s->value[i] = NULL;
    }
    free(s->path);
    s->path = NULL;
}

const char *
settings_text(const struct settings *s, enum setting_id id)
{
    return s->value[id] != NULL ? s->value[id] : "";
}

long
settings_number(const struct settings *s, enum setting_id id, long fallback)
{
    const char *v = settings_text(s, id);
    return v[0] == '\0' ? fallback : strtol(v, NULL, 10);
}

/* Appends n bytes of s to out (size bytes with the NUL) at *o, as far as they fit. */
static void
put(char *out, size_t size, size_t *o, const char *s, size_t n)
{
    if (*o + n >= size)
        n = *o + 1 < size ? size - *o - 1 : 0;
    memcpy(out + *o, s, n);
    *o += n;
    out[*o] = '\0';
}

/* Copies src into out, replacing the password of a URI (user:PASS@) and any password=VALUE. */
static void
mask_url(const char *src, char *out, size_t out_size)
{
    size_t o = 0;
    const char *scheme = strstr(src, "://");
    const char *pw_start = NULL, *pw_end = NULL;

    out[0] = '\0';
    if (scheme != NULL) {
        const char *auth = scheme + 3;
        size_t auth_len = strcspn(auth, "/?#");
        const char *at = memchr(auth, '@', auth_len);
        const char *colon = at != NULL ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon != NULL) {
            pw_start = colon + 1;
            pw_end = at;
        }
    }
    for (const char *p = src; *p != '\0';) {
        if (p == pw_start) {
            put(out, out_size, &o, "***", 3);
            p = pw_end;
        } else if (strncmp(p, "password=", 9) == 0 && (p == src || strchr(" ?&", p[-1]) != NULL)) {
            put(out, out_size, &o, "password=***", 12);
            p += 9;
            p += strcspn(p, " &");
        } else {
            put(out, out_size, &o, p, 1);
            p++;
        }
    }
}

void
settings_masked(const struct settings *s, enum setting_id id, char *out, size_t out_size)
{
    if (settings_table[id].secret == SECRET_URL)
        mask_url(settings_text(s, id), out, out_size);
    else
        snprintf(out, out_size, "%s", settings_text(s, id));
}

void
settings_print(const struct settings *s, FILE *out)
{
    char shown[1024];

    fprintf(out, "# effective settings; file: %s\n",
            s->path != NULL ? s->path : "none (NOTES_CONFIG unset)");
    for (int i = 0; i < SET__MAX; i++) {
        settings_masked(s, (enum setting_id)i, shown, sizeof(shown));
        fprintf(out, "%s = %s", settings_table[i].key, shown);
        if (s->origin[i] == ORIGIN_FILE)
            fprintf(out, "    # file %s:%d\n", s->path, s->line[i]);
        else if (s->origin[i] == ORIGIN_ENV)
            fprintf(out, "    # environment %s\n", settings_table[i].env);
        else
            fprintf(out, "    # default\n");
    }
}

void
settings_print_shell(const struct settings *s, FILE *out)
{
    for (int i = 0; i < SET__MAX; i++) {
        fprintf(out, "%s='", settings_table[i].env);
        for (const char *p = settings_text(s, (enum setting_id)i); *p != '\0'; p++) {
            if (*p == '\'')
                fputs("'\\''", out);
            else
                fputc(*p, out);
        }
        fputs("'\n", out);
    }
}

void
settings_print_table(FILE *out)
{
    fputs("| key | environment | default | meaning |\n|---|---|---|---|\n", out);
    for (int i = 0; i < SET__MAX; i++) {
        const struct setting_def *d = &settings_table[i];
        fprintf(out, "| `%s` | `%s` | %s%s%s | %s%s |\n", d->key, d->env, d->def[0] ? "`" : "",
                d->def[0] ? d->def : "(empty)", d->def[0] ? "`" : "", d->meaning,
                d->secret != SECRET_NONE ? " (secret: masked when shown)" : "");
    }
}
