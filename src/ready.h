/*
 * ready.h: what GET /ready tells any client about a database problem. The store's own text
 * (logged) names sockets, hosts, roles and databases; the answer says only which kind of
 * problem it is and what to do, from a fixed list: a problem it does not know is "see the log".
 */
#ifndef NOTES_READY_H
#define NOTES_READY_H

#include <stddef.h>

/* The public detail for the store's problem ("what: why", as store_pg reports it), into out. */
void ready_public_detail(const char *problem, char *out, size_t out_size);

#endif
