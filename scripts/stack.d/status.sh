# shellcheck shell=bash
# scripts/stack.d/status.sh: scripts/stack status: what runs, on which port, with which database.
# Sourced by scripts/stack (which defines say, warn, die, is_root and SRCDIR); defines functions only.

redact() { sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#; s#(password=)[^ ]*#\1***#'; }

cmd_status() {
	init_settings
	load_state
	local n=0 up=0 line pids
	if pid_alive "$RUN_DIR/nginx.pid"; then
		say "nginx: running (pid $(cat "$RUN_DIR/nginx.pid")), http://localhost:$S_PORT/"
		up=$((up + 1))
	else
		say "nginx: stopped"
	fi
	n=$((n + 1))
	if pid_alive "$RUN_DIR/pool.pid"; then
		pids=$(pgrep -P "$(cat "$RUN_DIR/pool.pid")" | tr '\n' ' ' || true)
		local count
		count=$(wc -w <<<"$pids")
		say "pool: running (multiwatch pid $(cat "$RUN_DIR/pool.pid"); $count of ${S_WORKERS:-?} workers: ${pids:-none}), socket $RUN_DIR/fcgi.sock"
		if [ "$count" -lt "${S_WORKERS:-0}" ]; then
			# A worker slot is empty: multiwatch may be between respawns, or may have given up.
			warn "pool: only $count of $S_WORKERS workers run (see $LOG_DIR/pool.log); scripts/stack down && scripts/stack up"
		else
			up=$((up + 1))
		fi
	else
		say "pool: stopped"
	fi
	n=$((n + 1))
	if [ "$S_DB_MODE" = external ]; then
		line=$(printf '%s' "${S_ADMIN_DATABASE_URL:-$S_DATABASE_URL}" | redact)
		say "database: external, $line"
	elif [ -f "$PG_DATA/PG_VERSION" ]; then
		n=$((n + 1))
		if pg_running; then
			say "database: embedded Postgres running, $(embedded_url)"
			up=$((up + 1))
		else
			say "database: embedded Postgres stopped (data in $PG_DATA)"
		fi
	else
		say "database: none yet"
	fi
	[ -n "$S_AUTH" ] && say "auth: NOTES_AUTH=$S_AUTH"
	# Readiness as a client sees it: a worker reaches the database at the expected schema.
	if pid_alive "$RUN_DIR/nginx.pid"; then
		local ready
		ready=$(curl -sS --max-time 3 "http://127.0.0.1:$S_PORT/ready" 2>&1 || true)
		say "ready: ${ready:-no answer} (GET /ready)"
	fi
	say "stack dir: $STACK_DIR"
	if [ $up -eq 0 ]; then return 3; fi
	if [ $up -lt $n ]; then return 1; fi
	return 0
}
