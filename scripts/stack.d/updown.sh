# shellcheck shell=bash
# scripts/stack.d/updown.sh: scripts/stack up and down.
# Sourced by scripts/stack (which defines say, warn, die, is_root and SRCDIR); defines functions only.

cmd_up() {
	init_settings
	up_running_check
	ensure_packages up
	mkdir -p "$STACK_DIR" "$LOG_DIR"
	prepare_dirs
	build_worker
	load_config
	PORT=${PORT:-8002}
	BIND=${BIND:-}
	WORKERS=${WORKERS:-$(nproc)}
	NGINX_WORKERS=${NGINX_WORKERS:-1}
	KEEPALIVE=${FCGI_KEEPALIVE:-0}
	HAVE_DOCS=
	[[ $PORT =~ ^[0-9]+$ ]] && [ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] || die "PORT must be a port number: $PORT"
	[[ $WORKERS =~ ^[0-9]+$ ]] && [ "$WORKERS" -ge 1 ] || die "WORKERS must be a positive integer: $WORKERS"
	[[ $NGINX_WORKERS =~ ^[0-9]+$ ]] && [ "$NGINX_WORKERS" -ge 1 ] || die "NGINX_WORKERS must be a positive integer"
	[[ $KEEPALIVE =~ ^[0-9]+$ ]] || die "FCGI_KEEPALIVE must be an integer >= 0: $KEEPALIVE"
	if [ "$KEEPALIVE" -gt 0 ] && [ $((KEEPALIVE * NGINX_WORKERS)) -ge "$WORKERS" ]; then
		die "FCGI_KEEPALIVE=$KEEPALIVE x NGINX_WORKERS=$NGINX_WORKERS idle connections could pin all $WORKERS workers; keep it below WORKERS / NGINX_WORKERS or 0"
	fi

	# From here on, a failure (or an interrupt) stops whatever this run started.
	UP_DONE=0
	trap '[ "$UP_DONE" = 1 ] || { warn "up failed; stopping what was started"; stop_all >/dev/null 2>&1; }' EXIT
	trap 'exit 1' INT TERM
	# DATABASE_URL naming this stack's own embedded cluster (as tests/e2e/with-stack exports it)
	# is not an external server.
	if [ -n "${DATABASE_URL:-}" ] && [ "$DATABASE_URL" != "$(embedded_url)" ]; then
		DB_MODE=external
		DB_URL=$DATABASE_URL
		psql -X -q -d "$DB_URL" -c 'SELECT 1' >/dev/null || die "cannot connect to DATABASE_URL"
	else
		DB_MODE=embedded
		pg_start
		DB_URL=$(embedded_url)
	fi
	save_state
	if ! DATABASE_URL=$DB_URL "$SRCDIR/scripts/migrate" | sed "s#^#$PROG: #"; then
		die "migrations failed"
	fi
	render_conf
	save_state
	pool_start
	nginx_start
	wait_ping || die "the stack does not answer GET /ping"
	UP_DONE=1
	trap - INT TERM

	say "up: nginx on port $PORT, $WORKERS workers, database: $(printf '%s' "$DB_URL" | redact)"
	say "  API:   http://localhost:$PORT/notes/   (GET /ping, GET|POST /notes/, GET|PUT|DELETE /notes/{id}/)"
	if [ -n "$HAVE_DOCS" ]; then
		say "  docs:  http://localhost:$PORT/docs   http://localhost:$PORT/redoc   http://localhost:$PORT/openapi.json"
	fi
	say "  logs:  $LOG_DIR"
	say "  stop:  scripts/stack down"
}

# A second up while the stack runs changes nothing; a partly running one must be stopped first.
up_running_check() {
	if [ -f "$STATE" ] && { pid_alive "$RUN_DIR/nginx.pid" || pid_alive "$RUN_DIR/pool.pid" || pg_running; }; then
		local rc=0
		cmd_status || rc=$?
		if [ $rc -eq 0 ]; then
			load_state
			say "already running on port $S_PORT; nothing changed (scripts/stack down to stop)"
			exit 0
		fi
		die "partly running; run scripts/stack down first"
	fi
}

stop_all() {
	stop_pid "$RUN_DIR/nginx.pid" QUIT nginx
	stop_pid "$RUN_DIR/pool.pid" TERM "worker pool"
	rm -f "$RUN_DIR/fcgi.sock"
	pg_stop
}

cmd_down() {
	init_settings
	if [ ! -d "$STACK_DIR" ]; then
		say "nothing to stop: no $STACK_DIR"
		return 0
	fi
	stop_all
	say "down (data kept in $STACK_DIR)"
}
