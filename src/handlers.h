/*
 * handlers.h: the API: one handler per endpoint, dispatched from the route table. Handlers
 * take everything as arguments (request, response, store), so tests call them directly.
 */
#ifndef NOTES_HANDLERS_H
#define NOTES_HANDLERS_H

#include "request.h"
#include "response.h"
#include "store.h"

/* Answers one request into resp (not yet finished: the caller sends it). */
void handle_request(const struct request *req, struct response *resp, struct store *store);

#endif
