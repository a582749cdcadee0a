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
	AUTH=${NOTES_AUTH:-off}
	[ "$AUTH" = on ] || [ "$AUTH" = off ] || die "NOTES_AUTH must be on or off: $AUTH"
	# With auth off anyone who reaches the API can wipe it: loopback only, unless BIND says
	# otherwise (then a warning). With auth on, all addresses unless BIND says otherwise.
	if [ -z "${BIND:-}" ]; then
		BIND=
		[ "$AUTH" = off ] && BIND=127.0.0.1
	elif [ "$AUTH" = off ] && ! [[ $BIND =~ ^(127\.[0-9.]+|::1|\[::1\]|localhost)$ ]]; then
		warn "WARNING: NOTES_AUTH=off and BIND=$BIND: the API is open to anyone who can reach $BIND:$PORT (they can read, change and delete every note); set NOTES_AUTH=on to require accounts"
	fi
	[ -n "${AUTH_RATE_LIMIT:-}" ] && { [[ $AUTH_RATE_LIMIT =~ ^[0-9]+$ ]] || die "AUTH_RATE_LIMIT must be a whole number of requests per second"; }
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
	if [ -n "${DATABASE_URL:-}" ] && [ "$DATABASE_URL" != "$(embedded_url)" ] &&
		[ "$DATABASE_URL" != "$(embedded_admin_url)" ]; then
		DB_MODE=external
		# Migrations with DATABASE_URL (the schema's owner); the workers with APP_DATABASE_URL
		# (their own least-privilege role, see scripts/db-roles) when given.
		DB_URL=${APP_DATABASE_URL:-$DATABASE_URL}
		DB_ADMIN_URL=$DATABASE_URL
		MIGRATE_URL=$DATABASE_URL
		psql -X -q -d "$DB_URL" -c 'SELECT 1' >/dev/null || die "cannot connect to DATABASE_URL"
	else
		DB_MODE=embedded
		pg_start
		DB_URL=$(embedded_url)
		DB_ADMIN_URL=$(embedded_admin_url)
		MIGRATE_URL=$(embedded_owner_url)
	fi
	save_state
	if ! DATABASE_URL=$MIGRATE_URL "$SRCDIR/scripts/migrate" | sed "s#^#$PROG: #"; then
		die "migrations failed"
	fi
	if [ "$DB_MODE" = embedded ]; then
		DATABASE_URL=$DB_ADMIN_URL NOTES_OWNER_ROLE=$DB_OWNER_ROLE NOTES_APP_ROLE=$DB_APP_ROLE \
			"$SRCDIR/scripts/db-roles" || die "cannot grant the workers' role its rights"
	fi
	render_conf
	save_state
	pool_start
	cleanup_start
	nginx_start
	wait_ping || die "the stack does not answer GET /ping"
	UP_DONE=1
	trap - INT TERM

	say "up: nginx on ${BIND:-all addresses} port $PORT, $WORKERS workers, NOTES_AUTH=$AUTH, database: $(printf '%s' "$DB_URL" | redact)"
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
	stop_pid "$RUN_DIR/cleanup.pid" TERM "token cleanup"
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
