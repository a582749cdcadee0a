/* log.c: the worker's JSON log lines. */
#include "log.h"

#include "utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 4096

static enum log_level max_level = LOG_WARN;
static char log_path[1024]; /* "" = stderr */
static int log_fd = STDERR_FILENO;
static volatile sig_atomic_t reopen_wanted;
static char request_id[80];
static long long request_db_us;

static const char *const level_names[] = {"error", "warn", "info"};

/* Opens log_path for appending in place of the current file; false with errno set on failure. */
static bool
open_file(void)
{
    int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

    if (fd < 0)
        return false;
    if (log_fd != STDERR_FILENO)
        close(log_fd);
    log_fd = fd;
    return true;
}

bool
log_open(const char *level, const char *file, char *err, size_t err_size)
{
    for (int i = 0; i <= LOG_INFO; i++)
        if (strcmp(level, level_names[i]) == 0)
            max_level = (enum log_level)i;
    snprintf(log_path, sizeof(log_path), "%s", file != NULL ? file : "");
    if (log_path[0] != '\0' && !open_file()) {
        snprintf(err, err_size, "cannot open the log file %s: %s", log_path, strerror(errno));
        return false;
    }
    return true;
}

bool
log_enabled(enum log_level level)
{
    return level <= max_level;
}

void
log_reopen_soon(void)
{
    reopen_wanted = 1;
}

void
log_request_begin(const char *id)
{
    snprintf(request_id, sizeof(request_id), "%s", id != NULL ? id : "");
    request_db_us = 0;
}

void
log_request_end(void)
{
    request_id[0] = '\0';
    request_db_us = 0;
}

void
log_add_db_us(long long us)
{
    request_db_us += us;
}

long long
log_db_us(void)
{
    return request_db_us;
}

/* A line being built: fixed size, so logging never allocates; what does not fit is cut. */
struct line {
    char text[LINE_MAX_BYTES];
    size_t len;
};

static void
put(struct line *l, const char *s, size_t n)
{
    if (l->len + n > sizeof(l->text) - 2) /* room for "}\n" */
        n = sizeof(l->text) - 2 - l->len;
    memcpy(l->text + l->len, s, n);
    l->len += n;
}

static void
put_str(struct line *l, const char *s)
{
    put(l, s, strlen(s));
}

/* s as a JSON string; bytes of invalid UTF-8 become '?' (a log line stays valid JSON). */
static void
put_json(struct line *l, const char *s)
{
    size_t n = strlen(s);
    bool valid = utf8_validate(s, n, NULL);

    put(l, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(l, esc, 2);
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            put(l, esc, 6);
        } else if (c >= 0x80 && !valid) {
            put(l, "?", 1);
        } else {
            put(l, (const char *)&s[i], 1);
        }
    }
    put(l, "\"", 1);
}

static void
begin_line(struct line *l, enum log_level level, const char *event)
{
    struct timespec ts;
    struct tm tm;
    char head[128];

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    l->len = 0;
    int n =
        snprintf(head, sizeof(head),
                 "{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\",\"level\":\"%s\",\"pid\":%d,",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 ts.tv_nsec / 1000000, level_names[level], (int)getpid());
    put(l, head, (size_t)n);
    put_str(l, "\"request_id\":");
    if (request_id[0] != '\0')
        put_json(l, request_id);
    else
        put_str(l, "null");
    put_str(l, ",\"event\":");
    put_json(l, event);
}

static void
end_line(struct line *l)
{
    memcpy(l->text + l->len, "}\n", 2);
    l->len += 2;
    if (reopen_wanted) {
        reopen_wanted = 0;
        if (log_path[0] != '\0')
            open_file(); /* on failure the old file stays in use */
    }
    /* One write per line: with O_APPEND, lines of different workers never interleave. */
    while (write(log_fd, l->text, l->len) < 0 && errno == EINTR)
        ;
}

void
log_event(enum log_level level, const char *event, const char *detail)
{
    struct line l;

    if (!log_enabled(level))
        return;
    begin_line(&l, level, event);
    if (detail != NULL) {
        char trimmed[1024];
        snprintf(trimmed, sizeof(trimmed), "%s", detail);
        trimmed[strcspn(trimmed, "\n")] = '\0';
        put_str(&l, ",\"detail\":");
        put_json(&l, trimmed);
    }
    end_line(&l);
}

void
log_request_done(const char *method, const char *path, int status, long long total_us)
{
    struct line l;
    char nums[128];

    if (!log_enabled(LOG_INFO))
        return;
    begin_line(&l, LOG_INFO, "request");
    put_str(&l, ",\"method\":");
    put_json(&l, method);
    put_str(&l, ",\"path\":");
    put_json(&l, path);
    int n = snprintf(nums, sizeof(nums), ",\"status\":%d,\"ms\":%.3f,\"db_ms\":%.3f", status,
                     (double)total_us / 1000.0, (double)request_db_us / 1000.0);
    put(&l, nums, (size_t)n);
    end_line(&l);
}
