#!/bin/sh
# docker/app-pool.sh: the worker pool in a container, as scripts/stack starts it on a host, but on
# TCP (nginx runs in another container): spawn-fcgi binds the port and execs multiwatch, which
# keeps $WORKERS workers running and replaces any that dies. The workers connect as the role
# notes_app (DATABASE_URL without a password; NOTES_APP_PASSWORD, or the file named by
# NOTES_APP_PASSWORD_FILE, becomes libpq's PGPASSWORD).
# Graceful stop: `docker stop` sends SIGTERM (compose's stop_signal) to multiwatch, which is PID 1
# here; it sends each worker SIGUSR1 (libfcgi's graceful shutdown: the request in hand is
# finished, then the worker exits) and exits when they all have.
# The port must be reachable only by nginx (compose's internal network; no `ports:`).
set -eu
if [ -n "${NOTES_APP_PASSWORD_FILE:-}" ]; then
	NOTES_APP_PASSWORD=$(cat "$NOTES_APP_PASSWORD_FILE")
fi
if [ -n "${NOTES_APP_PASSWORD:-}" ]; then
	PGPASSWORD=$NOTES_APP_PASSWORD
	export PGPASSWORD
fi
unset NOTES_APP_PASSWORD NOTES_APP_PASSWORD_FILE
exec spawn-fcgi -n -a 0.0.0.0 -p "${FCGI_PORT:-9000}" -- \
	/usr/bin/multiwatch -f "${WORKERS:-2}" -r 1000000 -t 1000 -- "${NOTES_WORKER:-/usr/local/bin/notes-worker}"
