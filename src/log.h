/*
 * log.h: the worker's log: one JSON object per line (time, level, pid, request id, event, and
 * what belongs to it), written with one write(2) to stderr or to NOTES_LOG_FILE, which SIGHUP
 * reopens (logrotate). Lines about a request carry the id nginx gave it (X-Request-ID).
 */
#ifndef NOTES_LOG_H
#define NOTES_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level {
    LOG_ERROR, /* the worker cannot go on as it should */
    LOG_WARN,  /* a problem: the database is gone, a query failed */
    LOG_INFO,  /* every request, and recoveries */
};

/*
 * Sets the level ("error", "warn" or "info") and the file ("" = stderr). Returns false with a
 * message in err when the file cannot be opened. Until called: warn, on stderr.
 */
bool log_open(const char *level, const char *file, char *err, size_t err_size);

/* Whether a line at level would be written. */
bool log_enabled(enum log_level level);

/* Asks for the file to be reopened before the next line (async-signal-safe: SIGHUP). */
void log_reopen_soon(void);

/* The request the next lines are about (its id, "" or NULL: none), and its database time. */
void log_request_begin(const char *request_id);
void log_request_end(void);
void log_add_db_us(long long us);
long long log_db_us(void);

/* {"time":…,"level":…,"pid":…,"request_id":…,"event":event,"detail":detail} (detail may be NULL).
 */
void log_event(enum log_level level, const char *event, const char *detail);

/* The line of one finished request (level info): method, path, status, total and database time. */
void log_request_done(const char *method, const char *path, int status, long long total_us);

#endif
