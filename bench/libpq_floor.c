/* bench/libpq_floor.c: the memory floor of any worker that talks to Postgres through libpq.
 * It connects to the database given as its argument, runs one query, prints "ready" and waits
 * until its standard input closes; scripts/bench reads its VmRSS, RssAnon and PSS meanwhile.
 * Built by scripts/bench (cc -O2 bench/libpq_floor.c $(pkg-config --cflags --libs libpq)). */
#include <libpq-fe.h>
#include <stdio.h>

int
main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: libpq_floor DATABASE_URL\n");
        return 2;
    }
    PGconn *conn = PQconnectdb(argv[1]);
    PGresult *res = PQexec(conn, "SELECT count(*) FROM notes");
    int ok = PQresultStatus(res) == PGRES_TUPLES_OK;

    if (!ok)
        fprintf(stderr, "libpq_floor: %s", PQerrorMessage(conn));
    PQclear(res);
    if (ok) {
        printf("ready\n");
        fflush(stdout);
        while (getchar() != EOF)
            ;
    }
    PQfinish(conn);
    return ok ? 0 : 1;
}
