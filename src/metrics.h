/*
 * metrics.h: the pool's counters. Each worker owns one slot of a shared-memory file
 * (NOTES_METRICS_FILE, mmap'ed by every worker of the pool) and only ever writes its own slot, with
 * plain relaxed stores: counting costs the request path a few memory writes. /metrics sums every
 * slot on read, so the numbers are the pool's, whichever worker answers. Without a file a worker
 * counts in private memory (its own numbers only).
 */
#ifndef NOTES_METRICS_H
#define NOTES_METRICS_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

enum metric_counter {
    METRIC_DB_ERRORS,         /* store calls that found the database unavailable (503) */
    METRIC_DB_RECONNECTS,     /* successful connections after a worker's first one */
    METRIC_DEADLINE_EXPIRIES, /* statements given up at their client-side deadline */
    METRIC__COUNTERS,
};

/*
 * Maps the file (created if missing) and claims a free slot: one that was never used or whose
 * worker is gone (its counts are kept: totals never go back). path "" = private memory. pool_size
 * is the configured number of workers (0: unknown), shown as a gauge. false with err on failure.
 */
bool metrics_open(const char *path, long pool_size, char *err, size_t err_size);

/* Unmaps. */
void metrics_close(void);

/*
 * NOTES_METRICS_OFF (only scripts/bench --overhead builds with it): the three calls of the
 * request path compile to nothing, so the benchmark compares this worker with one that does
 * not count at all. /metrics still answers, with nothing counted by such a worker.
 */
#ifdef NOTES_METRICS_OFF
static inline void
metrics_count(enum metric_counter c)
{
    (void)c;
}

static inline void
metrics_busy(bool busy)
{
    (void)busy;
}

static inline void
metrics_request(int route, int status, long long duration_us)
{
    (void)route;
    (void)status;
    (void)duration_us;
}
#else
void metrics_count(enum metric_counter c);

/* This worker is serving a request (busy) or waiting for one. */
void metrics_busy(bool busy);

/* One answered request: route index (router's endpoint, or -1 when no route matched), status. */
void metrics_request(int route, int status, long long duration_us);
#endif

/* Appends the Prometheus text exposition (version 0.0.4) of the pool's totals. */
bool metrics_render(struct buf *out);

#endif
