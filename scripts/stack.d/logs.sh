# shellcheck shell=bash
# scripts/stack.d/logs.sh: scripts/stack logs --reopen: every process reopens its log file.
# Sourced by scripts/stack (which defines say, warn, die, is_root and SRCDIR); defines functions only.

# For logrotate (postrotate: scripts/stack logs --reopen): nginx (USR1 through `nginx -s reopen`:
# it writes its buffered lines, then reopens) and each worker of the pool (SIGHUP: it reopens
# before its next line). Postgres keeps its log (pg_ctl -l) open: rotate it with copytruncate.
cmd_logs() {
	[ "${1:-}" = --reopen ] || die "usage: scripts/stack logs --reopen"
	init_settings
	local pid n=0
	if pid_alive "$RUN_DIR/nginx.pid"; then
		nginx -p "$STACK_DIR" -c "$CONF_OUT/nginx.conf" -e "$LOG_DIR/nginx-error.log" -s reopen ||
			die "nginx did not reopen its logs"
		say "nginx: logs reopened"
	fi
	if pid_alive "$RUN_DIR/pool.pid"; then
		# As root the workers run as notes, who cannot create files in the log directory: the
		# new file is made here, for them (logrotate's `create` would do the same).
		if [ ! -e "$LOG_DIR/worker.log" ]; then
			touch "$LOG_DIR/worker.log"
			is_root && chown "$APP_USER:$APP_GROUP" "$LOG_DIR/worker.log"
		fi
		for pid in $(pgrep -P "$(cat "$RUN_DIR/pool.pid")"); do
			kill -HUP "$pid" 2>/dev/null && n=$((n + 1))
		done
		say "pool: $n workers reopen $LOG_DIR/worker.log"
	fi
}
