/* ready.c: the store's problem as GET /ready may say it, without internal names or paths. */
#include "ready.h"

#include <stdio.h>
#include <string.h>

/* The store's label (what its log line starts with), a word of libpq's or the server's text
   (NULL: any), and what the answer says. The first that matches wins. */
static const struct {
    const char *label;
    const char *word;
    const char *detail;
} kinds[] = {
    {"cannot connect to the database", "no answer within",
     "cannot connect to the database: no answer in time"},
    {"cannot connect to the database", "authentication",
     "cannot connect to the database: authentication failed"},
    {"cannot connect to the database", "does not exist",
     "cannot connect to the database: no such database or role"},
    {"cannot connect to the database", "starting up",
     "cannot connect to the database: the server is starting up"},
    {"cannot connect to the database", "shutting down",
     "cannot connect to the database: the server is shutting down"},
    {"cannot connect to the database", "too many",
     "cannot connect to the database: the server has too many connections"},
    {"cannot connect to the database", NULL,
     "cannot connect to the database: the server does not accept connections"},
    {"database refused", NULL, "the database is not UTF8: notes-worker needs a UTF8 database"},
    {"database not ready", "schema is at version", NULL}, /* our own text: versions only */
    {"database not ready", NULL, "cannot read the database schema's version; run scripts/migrate"},
    {"cannot prepare statements", NULL,
     "the database schema does not match this worker; run scripts/migrate"},
    {"database connection lost", NULL, "database connection lost, reconnecting"},
    {"ready", "no answer within", "the database does not answer in time"},
    {"ready", NULL, "the database connection broke, reconnecting"},
};

void
ready_public_detail(const char *problem, char *out, size_t out_size)
{
    const char *sep = strstr(problem, ": ");
    size_t label_len = sep != NULL ? (size_t)(sep - problem) : strlen(problem);
    const char *why = sep != NULL ? sep + 2 : "";

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strlen(kinds[i].label) != label_len ||
            strncmp(problem, kinds[i].label, label_len) != 0 ||
            (kinds[i].word != NULL && strstr(why, kinds[i].word) == NULL))
            continue;
        snprintf(out, out_size, "%s", kinds[i].detail != NULL ? kinds[i].detail : why);
        return;
    }
    snprintf(out, out_size, "database unavailable (the worker's log says why)");
}
