# shellcheck shell=bash
# scripts/stack.d/pool.sh: the FastCGI worker pool (spawn-fcgi + multiwatch).
# Sourced by scripts/stack (which defines say, warn, die, is_root and SRCDIR); defines functions only.

pool_start() {
	local sock=$RUN_DIR/fcgi.sock args=() workers=$WORKERS
	local log_file=${NOTES_LOG_FILE:-$LOG_DIR/worker.log} metrics_file=${NOTES_METRICS_FILE:-$RUN_DIR/metrics}
	install -m 0755 "$WORKER_BIN" "$STACK_DIR/bin/notes-worker"
	rm -f "$sock"
	# The workers' JSON log, and their counters: fresh for each start of the pool, owned by the
	# user the workers run as (who cannot create files in these directories).
	touch "$log_file"
	rm -f "$metrics_file"
	: >"$metrics_file"
	chmod 0600 "$metrics_file"
	is_root && chown "$APP_USER:$APP_GROUP" "$log_file" "$metrics_file"
	if is_root; then
		# The socket belongs to nginx's workers; the FastCGI workers run as notes.
		args=(-U "$NGINX_USER" -G "$NGINX_GROUP" -M 0660 -u "$APP_USER" -g "$APP_GROUP")
	else
		args=(-M 0600)
	fi
	# A worker that cannot start (a bad setting) would be restarted forever below: check first.
	DATABASE_URL="$DB_URL" "$STACK_DIR/bin/notes-worker" --check-config >/dev/null ||
		die "the worker refuses its settings (see above)"
	say "starting $WORKERS workers"
	# spawn-fcgi binds the socket and execs multiwatch, which keeps WORKERS workers running and
	# turns SIGTERM into SIGUSR1 (libfcgi's graceful stop) for each. Not multiwatch's -s: see
	# README. setsid: the pool outlives this shell and its terminal.
	# multiwatch gives up on a child that dies more than -r times, each within -t ms of its
	# start; its default (3 in 10 s) lets a crash loop shrink the pool to nothing. Here a worker
	# that lived 1 s starts a fresh count, and the count is out of reach: every death is
	# replaced and logged in pool.log ("Spawning child[i] failed, next try").
	(
		# The workers get every effective setting in their environment (load_config), not the
		# file: as root they run as notes, who may not read it.
		set -a
		eval "$CONFIG_SHELL"
		set +a
		unset NOTES_CONFIG
		export STACK_DIR BUILD_DIR WORKERS=$workers NOTES_LOG_FILE=$log_file NOTES_METRICS_FILE=$metrics_file
		export DATABASE_URL="$DB_URL"
		cd /
		exec setsid spawn-fcgi -n -s "$sock" "${args[@]}" -- \
			/usr/bin/multiwatch -f "$workers" -r "$RESPAWNS" -t 1000 -- "$STACK_DIR/bin/notes-worker"
	) </dev/null >>"$LOG_DIR/pool.log" 2>&1 &
	echo $! >"$RUN_DIR/pool.pid"
	local i
	for i in $(seq 50); do
		[ -S "$sock" ] && return 0
		pid_alive "$RUN_DIR/pool.pid" || break
		sleep 0.1
	done
	tail -n 20 "$LOG_DIR/pool.log" >&2
	die "the worker pool did not start (log: $LOG_DIR/pool.log)"
}

# NOTES_AUTH=on: scripts/token-cleanup removes expired and revoked tokens in the background,
# as the workers' user with the workers' role (it deletes tokens, nothing else).
cleanup_start() {
	[ "$AUTH" = on ] || return 0
	install -m 0755 "$SRCDIR/scripts/token-cleanup" "$STACK_DIR/bin/token-cleanup"
	local as=()
	is_root && as=(setpriv --reuid="$APP_USER" --regid="$APP_GROUP" --clear-groups --)
	(
		export DATABASE_URL="$DB_URL"
		[ -n "${TOKEN_CLEANUP_INTERVAL:-}" ] && export TOKEN_CLEANUP_INTERVAL
		cd /
		exec setsid "${as[@]}" "$STACK_DIR/bin/token-cleanup"
	) </dev/null >>"$LOG_DIR/cleanup.log" 2>&1 &
	echo $! >"$RUN_DIR/cleanup.pid"
}
