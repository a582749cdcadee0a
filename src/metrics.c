/* metrics.c: per-worker slots in shared memory, summed into Prometheus text. */
#include "metrics.h"

#include "router.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define METRICS_MAGIC 0x4e4f544d /* "NOTM" */
#define METRICS_LAYOUT 1
#define METRICS_SLOTS 256
#define ROUTES (ENDPOINT__MAX + 1) /* the endpoints, then "no route" */

/* The statuses counted one by one; any other is counted as "other". */
static const int statuses[] = {200, 201, 400, 404, 405, 413, 422, 429, 500, 503, 504};
#define STATUSES (sizeof(statuses) / sizeof(statuses[0]) + 1)

/* Upper bounds of the latency histogram's buckets, in microseconds (then +Inf). */
static const long long bucket_us[] = {250,   500,    1000,   2500,   5000,    10000,  25000,
                                      50000, 100000, 250000, 500000, 1000000, 2500000};
#define BUCKETS (sizeof(bucket_us) / sizeof(bucket_us[0]) + 1)

typedef _Atomic uint64_t counter;

struct slot {
    _Atomic int32_t pid; /* the worker that owns the slot; 0: never used */
    _Atomic uint32_t busy;
    counter starts; /* workers that have owned this slot */
    counter requests[ROUTES][STATUSES];
    counter buckets[BUCKETS]; /* per bucket, not cumulative (summed on read) */
    counter duration_sum_us;
    counter counters[METRIC__COUNTERS];
};

struct shared {
    _Atomic uint32_t magic;
    uint32_t layout;
    uint32_t nslots;
    uint32_t pad;
    struct slot slots[METRICS_SLOTS];
};

static struct shared *shm;
static struct slot *mine;
static long configured_pool;
static bool private_memory; /* calloc'ed, not a shared file */

/* Single writer per slot: a relaxed load and store, no locked instruction. */
static void
bump(counter *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

static uint64_t
get(counter *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

static bool
pid_alive(int32_t pid)
{
    return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

static void
release(size_t size)
{
    if (private_memory)
        free(shm);
    else
        munmap(shm, size);
    shm = NULL;
    private_memory = false;
}

static struct slot *
claim_slot(void)
{
    int32_t me = (int32_t)getpid();

    for (int i = 0; i < METRICS_SLOTS; i++) {
        struct slot *s = &shm->slots[i];
        int32_t owner = atomic_load(&s->pid);
        if (owner == me)
            return s;
        if (owner != 0 && pid_alive(owner))
            continue;
        if (atomic_compare_exchange_strong(&s->pid, &owner, me))
            return s;
    }
    return NULL;
}

bool
metrics_open(const char *path, long pool_size, char *err, size_t err_size)
{
    size_t size = sizeof(struct shared);
    void *mem;

    configured_pool = pool_size;
    if (path == NULL || path[0] == '\0') {
        mem = calloc(1, size); /* this worker's counters only */
        if (mem == NULL) {
            snprintf(err, err_size, "out of memory for the metrics");
            return false;
        }
        private_memory = true;
    } else {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0 ||
            ((size_t)st.st_size < size && ftruncate(fd, (off_t)size) != 0)) {
            snprintf(err, err_size, "cannot open the metrics file %s: %s", path, strerror(errno));
            if (fd >= 0)
                close(fd);
            return false;
        }
        mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        close(fd);
    }
    if (mem == MAP_FAILED) {
        snprintf(err, err_size, "cannot map the metrics memory: %s", strerror(errno));
        return false;
    }
    shm = mem;
    uint32_t zero = 0;
    if (atomic_compare_exchange_strong(&shm->magic, &zero, METRICS_MAGIC)) {
        shm->layout = METRICS_LAYOUT;
        shm->nslots = METRICS_SLOTS;
    } else if (zero != METRICS_MAGIC || shm->layout != METRICS_LAYOUT) {
        snprintf(err, err_size, "%s is not a metrics file of this version", path);
        release(size);
        return false;
    }
    mine = claim_slot();
    if (mine == NULL) {
        snprintf(err, err_size, "all %d metrics slots are taken", METRICS_SLOTS);
        release(size);
        return false;
    }
    bump(&mine->starts, 1);
    return true;
}

void
metrics_close(void)
{
    if (shm != NULL) {
        atomic_store(&mine->busy, 0);
        release(sizeof(*shm));
    }
    mine = NULL;
}

#ifndef NOTES_METRICS_OFF
void
metrics_count(enum metric_counter c)
{
    if (mine != NULL)
        bump(&mine->counters[c], 1);
}

void
metrics_busy(bool busy)
{
    if (mine != NULL)
        atomic_store_explicit(&mine->busy, busy ? 1 : 0, memory_order_relaxed);
}

void
metrics_request(int route, int status, long long duration_us)
{
    size_t r = route >= 0 && route < ENDPOINT__MAX ? (size_t)route : ROUTES - 1;
    size_t s = STATUSES - 1, b = BUCKETS - 1;

    if (mine == NULL)
        return;
    for (size_t i = 0; i < STATUSES - 1; i++)
        if (statuses[i] == status)
            s = i;
    for (size_t i = 0; i < BUCKETS - 1; i++)
        if (duration_us <= bucket_us[i]) {
            b = i;
            break;
        }
    bump(&mine->requests[r][s], 1);
    bump(&mine->buckets[b], 1);
    bump(&mine->duration_sum_us, duration_us > 0 ? (uint64_t)duration_us : 0);
}
#endif

static bool appendf(struct buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool
appendf(struct buf *out, const char *fmt, ...)
{
    char line[512];
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    return n >= 0 && (size_t)n < sizeof(line) && buf_append(out, line, (size_t)n);
}

bool
metrics_render(struct buf *out)
{
    static const char *const counter_names[METRIC__COUNTERS][2] = {
        {"notes_db_errors_total",
         "Store calls that found the database unavailable (answered 503)."},
        {"notes_db_reconnects_total", "Database connections made after a worker's first one."},
        {"notes_db_deadline_expiries_total", "Statements given up at their deadline."},
    };
    uint64_t req[ROUTES][STATUSES] = {{0}}, buckets[BUCKETS] = {0}, sum_us = 0, starts = 0;
    uint64_t counters[METRIC__COUNTERS] = {0}, count = 0;
    unsigned alive = 0, busy = 0;
    bool ok = true;

    if (shm == NULL)
        return buf_append_str(out, "# metrics are off\n");
    for (int i = 0; i < METRICS_SLOTS; i++) {
        struct slot *s = &shm->slots[i];
        int32_t pid = atomic_load(&s->pid);
        if (pid == 0)
            continue;
        if (pid_alive(pid)) {
            alive++;
            busy += atomic_load_explicit(&s->busy, memory_order_relaxed) != 0;
        }
        starts += get(&s->starts);
        for (size_t r = 0; r < ROUTES; r++)
            for (size_t st = 0; st < STATUSES; st++)
                req[r][st] += get(&s->requests[r][st]);
        for (size_t b = 0; b < BUCKETS; b++)
            buckets[b] += get(&s->buckets[b]);
        sum_us += get(&s->duration_sum_us);
        for (int c = 0; c < METRIC__COUNTERS; c++)
            counters[c] += get(&s->counters[c]);
    }
    ok = ok && buf_append_str(out, "# HELP notes_requests_total Requests answered by the worker "
                                   "pool, by route and status.\n"
                                   "# TYPE notes_requests_total counter\n");
    for (size_t r = 0; r < ROUTES; r++)
        for (size_t st = 0; st < STATUSES; st++) {
            char status[8];
            if (req[r][st] == 0)
                continue;
            if (st < STATUSES - 1)
                snprintf(status, sizeof(status), "%d", statuses[st]);
            else
                snprintf(status, sizeof(status), "other");
            ok = ok &&
                 appendf(out,
                         "notes_requests_total{method=\"%s\",route=\"%s\",status=\"%s\"} %llu\n",
                         r < ENDPOINT__MAX ? router_method((enum endpoint)r) : "",
                         r < ENDPOINT__MAX ? router_template((enum endpoint)r) : "none", status,
                         (unsigned long long)req[r][st]);
        }
    ok = ok && buf_append_str(out, "# HELP notes_request_duration_seconds Time from a request's "
                                   "arrival at a worker to its answer.\n"
                                   "# TYPE notes_request_duration_seconds histogram\n");
    for (size_t b = 0; b < BUCKETS; b++) {
        count += buckets[b];
        if (b < BUCKETS - 1)
            ok = ok && appendf(out, "notes_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
                               (double)bucket_us[b] / 1e6, (unsigned long long)count);
        else
            ok = ok && appendf(out, "notes_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                               (unsigned long long)count);
    }
    ok = ok && appendf(out, "notes_request_duration_seconds_sum %.6f\n", (double)sum_us / 1e6);
    ok = ok &&
         appendf(out, "notes_request_duration_seconds_count %llu\n", (unsigned long long)count);
    for (int c = 0; c < METRIC__COUNTERS; c++)
        ok = ok && appendf(out, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", counter_names[c][0],
                           counter_names[c][1], counter_names[c][0], counter_names[c][0],
                           (unsigned long long)counters[c]);
    ok = ok && appendf(out,
                       "# HELP notes_worker_starts_total Worker processes started (a restart "
                       "counts again).\n# TYPE notes_worker_starts_total counter\n"
                       "notes_worker_starts_total %llu\n",
                       (unsigned long long)starts);
    ok = ok && appendf(out,
                       "# HELP notes_pool_size Worker processes the pool is configured to "
                       "run.\n# TYPE notes_pool_size gauge\nnotes_pool_size %ld\n",
                       configured_pool);
    ok = ok && appendf(out,
                       "# HELP notes_pool_workers Worker processes running now.\n"
                       "# TYPE notes_pool_workers gauge\nnotes_pool_workers %u\n",
                       alive);
    ok = ok && appendf(out,
                       "# HELP notes_pool_busy_workers Workers serving a request now (this "
                       "one included).\n# TYPE notes_pool_busy_workers gauge\n"
                       "notes_pool_busy_workers %u\n",
                       busy);
    return ok;
}
