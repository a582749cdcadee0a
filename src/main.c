/* main.c: the notes worker: settings, the database store, and the FastCGI accept loop. */
#include "config.h"
#include "fcgi_io.h"
#include "handlers.h"
#include "log.h"
#include "metrics.h"
#include "monotonic.h"
#include "router.h"
#include "store_pg.h"
#include "token.h"

#include <errno.h>
#include <fastcgi.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>

static void
on_sighup(int sig)
{
    (void)sig;
    log_reopen_soon();
}

/* The route table, then HEAD for every GET route and OPTIONS for every path. */
static void
print_routes(void)
{
    /* The API's routes, as docs/openapi.json documents them; /ready and /metrics are the
       operator's (README, "Operating it"), not the API's. */
    for (int e = 0; e < ENDPOINT__MAX; e++)
        if (e != ENDPOINT_READY && e != ENDPOINT_METRICS)
            printf("%s %s\n", router_method((enum endpoint)e), router_template((enum endpoint)e));
    for (int e = 0; e < ENDPOINT__MAX; e++) {
        if (e == ENDPOINT_READY || e == ENDPOINT_METRICS)
            continue;
        if (strcmp(router_method((enum endpoint)e), "GET") == 0)
            printf("HEAD %s\n", router_template((enum endpoint)e));
    }
    for (int e = 0; e < ENDPOINT__MAX; e++) {
        bool first = true;
        for (int earlier = 0; earlier < e; earlier++) {
            if (strcmp(router_template((enum endpoint)earlier),
                       router_template((enum endpoint)e)) == 0)
                first = false;
        }
        if (first && e != ENDPOINT_READY && e != ENDPOINT_METRICS)
            printf("OPTIONS %s\n", router_template((enum endpoint)e));
    }
}

static void
usage(FILE *out)
{
    fprintf(out,
            "usage: notes-worker [--routes | --check-config | --config-shell | --config-table | "
            "--help]\n"
            "Serves the notes API over FastCGI on file descriptor 0 (run it under "
            "spawn-fcgi).\n"
            "Settings: the file named by NOTES_CONFIG (`key = value` lines), then the "
            "environment,\n"
            "e.g. DATABASE_URL, NOTES_MAX_BODY (bytes, default %d), NOTES_STATEMENT_TIMEOUT_MS "
            "(default %d),\n"
            "NOTES_DB_TIMEOUT_MS (default: the statement timeout + %d), NOTES_AUTH (on|off),\n"
            "NOTES_TOKEN_TTL (seconds, default %d), NOTES_LIST_MAX (largest page of GET /notes/,\n"
            "default %d; 0: none); the whole list: --config-table.\n"
            "  --check-config  print the effective settings and where each came from "
            "(secrets masked)\n"
            "  --config-shell  the effective settings as shell assignments (for scripts/stack)\n"
            "  --config-table  the list of settings as the README's Markdown table\n",
            CONFIG_DEFAULT_MAX_BODY, CONFIG_DEFAULT_STATEMENT_TIMEOUT_MS,
            CONFIG_DB_TIMEOUT_MARGIN_MS, CONFIG_DEFAULT_TOKEN_TTL_S, CONFIG_DEFAULT_LIST_MAX);
}

static volatile sig_atomic_t stop_requested;

static void
on_stop_signal(int signo)
{
    (void)signo;
    stop_requested = 1;
    FCGX_ShutdownPending();
}

/*
 * SIGTERM and SIGUSR1 (multiwatch's stop) end the worker once the request in hand is answered.
 * Installed before FCGX_Init, which then leaves them alone (it replaces only default or ignored
 * handlers, with its own that let reads and writes fail on EINTR). They stay blocked except
 * while the worker waits for a connection in pselect (serve), so no read or write of a request,
 * not even libfcgi's reading of the parameters, is ever interrupted.
 */
static void
install_stop_handlers(sigset_t *stop_signals)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigemptyset(stop_signals);
    sigaddset(stop_signals, SIGTERM);
    sigaddset(stop_signals, SIGUSR1);
    sa.sa_mask = *stop_signals;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
}

/*
 * Waits, with the stop signals open (mask), until fd is readable: a connection to accept, or
 * the next request on a kept one. False when told to stop.
 */
static bool
next_request_ready(int fd, const sigset_t *mask)
{
    while (!stop_requested) {
        fd_set readable;
        FD_ZERO(&readable);
        FD_SET(fd, &readable);
        int n = pselect(fd + 1, &readable, NULL, NULL, NULL, mask);
        if (n > 0)
            return true;
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "notes-worker: waiting for a connection: %s\n", strerror(errno));
            return false;
        }
    }
    return false;
}

/*
 * Serves requests until told to stop (SIGTERM or SIGUSR1). An answer that failed after its
 * head was sent (a list cut short by the database, a client that went away) ends the connection
 * without FCGI_END_REQUEST, so that it reaches the client as a failed transfer.
 */
static int
serve(const struct config *cfg, struct store *store, const sigset_t *stop_signals)
{
    FCGX_Request fr;
    struct buf body = BUF_INIT;
    struct auth_settings auth = {cfg->token_ttl_s};

    if (FCGX_InitRequest(&fr, 0, 0) != 0) {
        fprintf(stderr, "notes-worker: cannot initialise the FastCGI request\n");
        return 1;
    }
    sigset_t waiting;
    sigprocmask(SIG_BLOCK, stop_signals, &waiting);
    sigdelset(&waiting, SIGTERM);
    sigdelset(&waiting, SIGUSR1);
    for (;;) {
        struct request req;
        struct response resp;

        /* The one place a stop is taken: waiting for the next request, none in hand. */
        if (!FCGX_IsCGI() &&
            !next_request_ready(fr.ipcFd >= 0 ? fr.ipcFd : FCGI_LISTENSOCK_FILENO, &waiting))
            break;
        int accepted = FCGX_Accept_r(&fr);
        if (accepted == -EAGAIN || accepted == -EWOULDBLOCK)
            continue; /* another worker took the connection first */
        if (accepted < 0)
            break;
        long long start = monotonic_us();
        metrics_busy(true);
        if (!fcgi_read_request(&fr, cfg->max_body, &req, &body)) {
            fcgi_abort(&fr); /* the body ended early: an aborted request, nothing is done */
        } else {
            req.auth = cfg->auth ? &auth : NULL;
            log_request_begin(req.request_id);
            req.list_max = cfg->list_max;
            response_init(&resp, fcgi_write, &fr);
            handle_request(&req, &resp, store);
            bool whole = response_finish(&resp);
            long long took = monotonic_us() - start;
            metrics_request(resp.route, resp.status, took);
            if (resp.status >= 500)
                log_event(LOG_WARN, "answered with an error", response_reason(resp.status));
            log_request_done(req.method, req.path, resp.status, took);
            log_request_end();
            response_free(&resp);
            if (!whole) {
                fcgi_abort(&fr);
            } else {
                /* The whole request was read and the whole answer written: close the
                   connection at once instead of libfcgi's lingering close, which waits for
                   nginx to close first (measured: +54 % requests/s on /ping, +45 % on GET
                   /notes/{id}/). */
                FCGX_Detach(&fr);
                FCGX_Finish_r(&fr);
            }
        }
        metrics_busy(false);
        if (body.cap > 4 * cfg->max_body)
            buf_free(&body);
    }
    FCGX_Free(&fr, 1);
    buf_free(&body);
    return 0;
}

int
main(int argc, char **argv)
{
    struct config cfg;
    char err[512];
    const char *mode = argc > 1 ? argv[1] : "";

    if (strcmp(mode, "--routes") == 0) {
        print_routes();
        return 0;
    }
    if (strcmp(mode, "--config-table") == 0) {
        settings_print_table(stdout);
        return 0;
    }
    bool check_only = strcmp(mode, "--check-config") == 0;
    bool shell = strcmp(mode, "--config-shell") == 0;
    if (argc > 1 && !check_only && !shell) {
        bool help = strcmp(argv[1], "--help") == 0;
        usage(help ? stdout : stderr);
        return help ? 0 : 2;
    }
    if (!config_load(&cfg, err, sizeof(err))) {
        fprintf(stderr, "notes-worker: %s\n", err);
        config_free(&cfg);
        return 2;
    }
    if (check_only || shell) {
        if (shell)
            settings_print_shell(&cfg.settings, stdout);
        else
            settings_print(&cfg.settings, stdout);
        config_free(&cfg);
        return 0;
    }
    if (cfg.auth && !token_init()) {
        fprintf(stderr, "notes-worker: cannot initialise libsodium\n");
        config_free(&cfg);
        return 1;
    }
    if (!log_open(cfg.log_level, cfg.log_file, err, sizeof(err))) {
        fprintf(stderr, "notes-worker: %s\n", err);
        config_free(&cfg);
        return 1;
    }
    if (!metrics_open(cfg.metrics_file, cfg.pool_size, err, sizeof(err))) {
        /* Counting is not worth refusing requests for: count this worker alone. */
        log_event(LOG_WARN, "metrics: this worker counts alone", err);
        metrics_open("", cfg.pool_size, err, sizeof(err));
    }
    sigset_t stop_signals;
    install_stop_handlers(&stop_signals);
    /* SIGHUP reopens the log file (logrotate); SA_RESTART, so accept and reads carry on. */
    struct sigaction hup;
    memset(&hup, 0, sizeof(hup));
    hup.sa_handler = on_sighup;
    hup.sa_flags = SA_RESTART;
    sigemptyset(&hup.sa_mask);
    sigaction(SIGHUP, &hup, NULL);
    if (FCGX_Init() != 0) {
        fprintf(stderr, "notes-worker: cannot initialise libfcgi\n");
        config_free(&cfg);
        return 1;
    }
    /* After FCGX_Init, which installs its own: a write to a closed connection fails with EPIPE. */
    signal(SIGPIPE, SIG_IGN);
    /* Every worker of the pool wakes for a new connection (serve): those that lose the race get
       EAGAIN from accept instead of blocking there, where no stop could reach them. Accepted
       connections do not inherit O_NONBLOCK (Linux). */
    if (!FCGX_IsCGI()) {
        int flags = fcntl(FCGI_LISTENSOCK_FILENO, F_GETFL);
        if (flags < 0 || fcntl(FCGI_LISTENSOCK_FILENO, F_SETFL, flags | O_NONBLOCK) < 0) {
            fprintf(stderr, "notes-worker: cannot make the listening socket non-blocking: %s\n",
                    strerror(errno));
            return 1;
        }
    }
    struct store_pg *pg =
        store_pg_new(cfg.database_url, cfg.statement_timeout_ms, cfg.db_timeout_ms);
    if (pg == NULL) {
        fprintf(stderr, "notes-worker: out of memory\n");
        config_free(&cfg);
        return 1;
    }
    store_pg_set_ready_cache(pg, cfg.ready_cache_ms);
    /* A database that is down now is not fatal: requests answer 503 until it is back. */
    store_pg_connect(pg);
    struct store store = store_pg_store(pg);
    int status = serve(&cfg, &store, &stop_signals);
    store_pg_free(pg);
    metrics_close();
    config_free(&cfg);
    return status;
}
