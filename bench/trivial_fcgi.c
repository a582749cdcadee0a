/* bench/trivial_fcgi.c: the ceiling of a FastCGI design: a libfcgi responder that answers a
 * constant, like GET /ping, without reading anything but the request's parameters.
 * Built by scripts/bench (cc -O2 bench/trivial_fcgi.c -lfcgi) and run under spawn-fcgi and
 * multiwatch exactly like the notes worker. */
#include <fcgiapp.h>
#include <signal.h>

int
main(void)
{
    static const char answer[] = "Status: 200 OK\r\n"
                                 "Content-Type: application/json\r\n"
                                 "Content-Length: 15\r\n"
                                 "\r\n"
                                 "{\"ping\":\"pong\"}";
    FCGX_Request req;

    signal(SIGPIPE, SIG_IGN);
    if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
        return 1;
    while (FCGX_Accept_r(&req) >= 0) {
        FCGX_PutStr(answer, (int)sizeof(answer) - 1, req.out);
        FCGX_Finish_r(&req);
    }
    return 0;
}
