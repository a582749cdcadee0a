# shellcheck shell=bash
# scripts/stack.d/postgres.sh: the embedded Postgres cluster under STACK_DIR (initdb, start, stop, its URL).
# Sourced by scripts/stack (which defines say, warn, die, is_root and SRCDIR); defines functions only.

pg_bindir() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -x "$d/pg_ctl" ] || die "no Postgres server binaries in /usr/lib/postgresql (package postgresql)"
	printf '%s\n' "$d"
}

pg_running() {
	[ -f "$PG_DATA/PG_VERSION" ] || return 1
	as_user "$(stat -c %U "$PG_DATA")" "$(pg_bindir)/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

embedded_url() { printf 'postgresql://postgres@/notes?host=%s\n' "$PG_SOCK"; }

pg_start() {
	local bin owner
	bin=$(pg_bindir)
	owner=$(id -un)
	is_root && owner=$PG_USER
	mkdir -p "$PG_DIR" "$PG_SOCK"
	touch "$LOG_DIR/postgres.log"
	if is_root; then
		chown "$PG_USER:" "$PG_DIR" "$PG_SOCK" "$LOG_DIR/postgres.log"
		# The data directory itself is 0700 (initdb); the socket directory must let the workers (nobody) through to the socket.
		chmod 0755 "$PG_DIR" "$PG_SOCK"
	fi
	if [ ! -f "$PG_DATA/PG_VERSION" ]; then
		say "creating the embedded Postgres cluster in $PG_DATA"
		as_user "$owner" "$bin/initdb" -D "$PG_DATA" -U postgres --auth=trust --no-locale \
			-E UTF8 >"$LOG_DIR/initdb.log" 2>&1 ||
			{ cat "$LOG_DIR/initdb.log" >&2; die "initdb failed"; }
		# Only a unix socket inside STACK_DIR: two stacks never compete for a TCP port.
		as_user "$owner" sh -c "cat >>'$PG_DATA/postgresql.conf'" <<-EOF

			# scripts/stack
			listen_addresses = ''
			unix_socket_directories = '$PG_SOCK'
			port = 5432
		EOF
	fi
	if ! pg_running; then
		say "starting Postgres"
		as_user "$owner" "$bin/pg_ctl" -D "$PG_DATA" -l "$LOG_DIR/postgres.log" -w -t 60 start \
			>/dev/null || { tail -n 20 "$LOG_DIR/postgres.log" >&2; die "Postgres did not start"; }
	fi
	if [ "$(psql -X -At -d "postgresql://postgres@/postgres?host=$PG_SOCK" \
		-c "SELECT count(*) FROM pg_database WHERE datname = 'notes'")" = 0 ]; then
		psql -X -q -d "postgresql://postgres@/postgres?host=$PG_SOCK" -c 'CREATE DATABASE notes'
	fi
}

pg_stop() {
	pg_running || return 0
	say "stopping Postgres"
	as_user "$(stat -c %U "$PG_DATA")" "$(pg_bindir)/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
}
