/* config.c: the worker's settings from the environment. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A positive whole number from variable name, or fallback when unset or empty. */
static bool
read_positive(const char *name, long fallback, long max, long *out, char *err, size_t err_size)
{
    const char *text = getenv(name);
    char *end;

    *out = fallback;
    if (text == NULL || text[0] == '\0')
        return true;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || v <= 0 || v > max) {
        snprintf(err, err_size, "%s=%s: expected a whole number from 1 to %ld", name, text, max);
        return false;
    }
    *out = v;
    return true;
}

/* NOTES_AUTH: on or off (default off). */
static bool
read_auth(bool *out, char *err, size_t err_size)
{
    const char *text = getenv("NOTES_AUTH");

    *out = false;
    if (text == NULL || text[0] == '\0' || strcmp(text, "off") == 0)
        return true;
    if (strcmp(text, "on") == 0) {
        *out = true;
        return true;
    }
    snprintf(err, err_size, "NOTES_AUTH=%s: expected on or off", text);
    return false;
}

bool
config_load(struct config *cfg, char *err, size_t err_size)
{
    long max_body, timeout, db_timeout, ttl;
    const char *url = getenv("DATABASE_URL");

    cfg->database_url = url != NULL ? url : "";
    if (!read_positive("NOTES_MAX_BODY", CONFIG_DEFAULT_MAX_BODY, 64L * 1024 * 1024, &max_body, err,
                       err_size) ||
        !read_positive("NOTES_STATEMENT_TIMEOUT_MS", CONFIG_DEFAULT_STATEMENT_TIMEOUT_MS,
                       3600L * 1000, &timeout, err, err_size) ||
        !read_positive("NOTES_DB_TIMEOUT_MS", timeout + CONFIG_DB_TIMEOUT_MARGIN_MS,
                       3600L * 1000 + CONFIG_DB_TIMEOUT_MARGIN_MS, &db_timeout, err, err_size) ||
        !read_positive("NOTES_TOKEN_TTL", CONFIG_DEFAULT_TOKEN_TTL_S, 366L * 24 * 3600, &ttl, err,
                       err_size) ||
        !read_auth(&cfg->auth, err, err_size))
        return false;
    cfg->token_ttl_s = ttl;
    cfg->max_body = (size_t)max_body;
    cfg->statement_timeout_ms = timeout;
    cfg->db_timeout_ms = db_timeout;
    return true;
}
