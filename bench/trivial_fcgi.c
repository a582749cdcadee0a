/* bench/trivial_fcgi.c: the ceiling of a FastCGI design: a libfcgi responder that answers a
 * constant, like GET /ping, without reading anything but the request's parameters.
 * Built by scripts/bench (cc -O2 bench/trivial_fcgi.c -lfcgi) and run under spawn-fcgi and
 * multiwatch exactly like the notes worker.
 * With TRIVIAL_FCGI_DETACH=1 in the environment (scripts/bench --trivial-detach) it calls
 * FCGX_Detach before FCGX_Finish_r, which makes libfcgi close the connection at once instead of
 * its lingering close (shutdown, then wait up to 2 s for the web server to close its end). */
#include <fcgiapp.h>
#include <signal.h>
#include <stdlib.h>

int
main(void)
{
    static const char answer[] = "Status: 200 OK\r\n"
                                 "Content-Type: application/json\r\n"
                                 "Content-Length: 15\r\n"
                                 "\r\n"
                                 "{\"ping\":\"pong\"}";
    FCGX_Request req;
    const char *detach = getenv("TRIVIAL_FCGI_DETACH");
    int no_linger = detach != NULL && detach[0] == '1';

    signal(SIGPIPE, SIG_IGN);
    if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
        return 1;
    while (FCGX_Accept_r(&req) >= 0) {
        FCGX_PutStr(answer, (int)sizeof(answer) - 1, req.out);
        if (no_linger)
            FCGX_Detach(&req);
        FCGX_Finish_r(&req);
    }
    return 0;
}
