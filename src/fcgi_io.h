/* fcgi_io.h: the only place that speaks FastCGI: a request in, the response's bytes out. */
#ifndef NOTES_FCGI_IO_H
#define NOTES_FCGI_IO_H

#include "buf.h"
#include "request.h"

#include <fcgiapp.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Fills req from an accepted FastCGI request. The body is read to its end (libfcgi does not
 * drain it), kept in body up to limit bytes; beyond that req->body_too_large is set. Returns
 * false when the body ended early (the connection broke, or fewer than CONTENT_LENGTH bytes):
 * an aborted request, to be dropped with fcgi_abort without acting on it.
 */
bool fcgi_read_request(FCGX_Request *fr, size_t limit, struct request *req, struct buf *body);

/*
 * Ends the request by closing its connection without FCGI_END_REQUEST, so that nginx, and
 * through it the client, sees a failed transfer rather than a complete answer.
 */
void fcgi_abort(FCGX_Request *fr);

/* A response_write_fn for FastCGI; ctx is the FCGX_Request. */
bool fcgi_write(void *ctx, const char *data, size_t len);

#endif
