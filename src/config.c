/* config.c: the worker's settings, typed, from the settings table. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

bool
config_load(struct config *cfg, char *err, size_t err_size)
{
    struct settings *s = &cfg->settings;

    if (!settings_load(s, getenv("NOTES_CONFIG"), err, err_size))
        return false;
    cfg->database_url = settings_text(s, SET_DATABASE_URL);
    cfg->max_body = (size_t)settings_number(s, SET_MAX_BODY, CONFIG_DEFAULT_MAX_BODY);
    cfg->statement_timeout_ms =
        settings_number(s, SET_STATEMENT_TIMEOUT_MS, CONFIG_DEFAULT_STATEMENT_TIMEOUT_MS);
    cfg->db_timeout_ms = settings_number(s, SET_DB_TIMEOUT_MS,
                                         cfg->statement_timeout_ms + CONFIG_DB_TIMEOUT_MARGIN_MS);
    cfg->auth = strcmp(settings_text(s, SET_AUTH), "on") == 0;
    cfg->token_ttl_s = settings_number(s, SET_TOKEN_TTL, CONFIG_DEFAULT_TOKEN_TTL_S);
    cfg->list_max = settings_number(s, SET_LIST_MAX, CONFIG_DEFAULT_LIST_MAX);
    cfg->log_level = settings_text(s, SET_LOG_LEVEL);
    cfg->log_file = settings_text(s, SET_LOG_FILE);
    cfg->ready_cache_ms = settings_number(s, SET_READY_CACHE_MS, 1000);
    cfg->metrics_file = settings_text(s, SET_METRICS_FILE);
    cfg->pool_size = settings_number(s, SET_WORKERS, 0);
    return true;
}

void
config_free(struct config *cfg)
{
    if (cfg != NULL)
        settings_free(&cfg->settings);
}
