#!/bin/sh
# docker/app-pool.sh: the worker pool in a container, as scripts/stack starts it on a host, but on
# TCP (nginx runs in another container): spawn-fcgi binds the port and execs multiwatch, which
# keeps $WORKERS workers running and replaces any that dies. SIGTERM (docker stop) reaches
# multiwatch, which sends each worker SIGUSR1: it finishes the request in hand and exits.
# The port must be reachable only by nginx (compose's internal network; no `ports:`).
set -eu
exec spawn-fcgi -n -a 0.0.0.0 -p "${FCGI_PORT:-9000}" -- \
	/usr/bin/multiwatch -f "${WORKERS:-2}" -r 1000000 -t 1000 -- "${NOTES_WORKER:-/usr/local/bin/notes-worker}"
