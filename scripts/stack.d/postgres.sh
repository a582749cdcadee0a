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

# The embedded cluster's URLs: the workers' role (no password: peer authentication), the
# schema owner's (migrations) and the superuser's (the stack's own administration, tests).
embedded_url() { printf 'postgresql://%s@/notes?host=%s\n' "$DB_APP_ROLE" "$PG_SOCK"; }
embedded_owner_url() { printf 'postgresql://%s@/notes?host=%s\n' "$DB_OWNER_ROLE" "$PG_SOCK"; }
embedded_admin_url() { printf 'postgresql://postgres@/%s?host=%s\n' "${1:-notes}" "$PG_SOCK"; }

# Who may connect, written at every start (so a cluster made by an older stack with
# `trust` is closed too): only unix-socket peer authentication, each operating-system user
# mapped to the roles it needs. As root: root (the stack, its tests) and postgres to the
# superuser and the owner, the workers' user to the workers' role. As a normal user: that user.
# No `trust` line, no TCP (listen_addresses is empty).
write_pg_access() {
	local owner=$1 me
	me=$(id -un)
	{
		echo "# written by scripts/stack at every start: peer authentication only, no trust"
		echo "# TYPE DATABASE USER AUTH"
		echo "local  notes    $DB_APP_ROLE   peer map=stack"
		echo "local  notes    $DB_OWNER_ROLE peer map=stack"
		echo "local  all      postgres    peer map=stack"
	} | as_user "$owner" sh -c "cat >'$PG_DATA/pg_hba.conf'"
	{
		echo "# written by scripts/stack: MAP SYSTEM-USER ROLE"
		if is_root; then
			printf 'stack %s %s\n' root postgres root "$DB_OWNER_ROLE" root "$DB_APP_ROLE" \
				"$PG_USER" postgres "$PG_USER" "$DB_OWNER_ROLE" "$APP_USER" "$DB_APP_ROLE"
		else
			printf 'stack %s %s\n' "$me" postgres "$me" "$DB_OWNER_ROLE" "$me" "$DB_APP_ROLE"
		fi
	} | as_user "$owner" sh -c "cat >'$PG_DATA/pg_ident.conf'"
}

pg_start() {
	local bin owner
	bin=$(pg_bindir)
	owner=$(id -un)
	is_root && owner=$PG_USER
	mkdir -p "$PG_DIR" "$PG_SOCK"
	touch "$LOG_DIR/postgres.log"
	if is_root; then
		chown "$PG_USER:" "$PG_DIR" "$LOG_DIR/postgres.log"
		chmod 0755 "$PG_DIR"
		chmod 0640 "$LOG_DIR/postgres.log"
		# The data directory itself is 0700 (initdb). The socket directory lets through only
		# Postgres and the workers' group: other local users cannot reach the socket at all.
		chown "$PG_USER:$APP_GROUP" "$PG_SOCK"
		chmod 0710 "$PG_SOCK"
	else
		chmod 0700 "$PG_SOCK"
	fi
	if [ ! -f "$PG_DATA/PG_VERSION" ]; then
		say "creating the embedded Postgres cluster in $PG_DATA"
		as_user "$owner" "$bin/initdb" -D "$PG_DATA" -U postgres --auth-local=peer \
			--auth-host=scram-sha-256 --no-locale \
			-E UTF8 >"$LOG_DIR/initdb.log" 2>&1 ||
			{ cat "$LOG_DIR/initdb.log" >&2; die "initdb failed"; }
		# Only a unix socket inside STACK_DIR: two stacks never compete for a TCP port.
		as_user "$owner" sh -c "cat >>'$PG_DATA/postgresql.conf'" <<-EOF

			# scripts/stack
			listen_addresses = ''
			unix_socket_directories = '$PG_SOCK'
			port = 5432
			password_encryption = 'scram-sha-256'
		EOF
	fi
	write_pg_access "$owner"
	if ! pg_running; then
		say "starting Postgres"
		as_user "$owner" "$bin/pg_ctl" -D "$PG_DATA" -l "$LOG_DIR/postgres.log" -w -t 60 start \
			>/dev/null || { tail -n 20 "$LOG_DIR/postgres.log" >&2; die "Postgres did not start"; }
	fi
	# A running cluster re-reads the access files (they may be new).
	psql -X -q -At -d "$(embedded_admin_url postgres)" -c 'SELECT pg_reload_conf()' >/dev/null
	if [ "$(psql -X -At -d "$(embedded_admin_url postgres)" \
		-c "SELECT count(*) FROM pg_database WHERE datname = 'notes'")" = 0 ]; then
		psql -X -q -d "$(embedded_admin_url postgres)" -c 'CREATE DATABASE notes'
	fi
	# The owner and workers' roles, and what each may do (scripts/db-roles; again after the
	# migrations, for the tables they create).
	DATABASE_URL=$(embedded_admin_url) NOTES_OWNER_ROLE=$DB_OWNER_ROLE NOTES_APP_ROLE=$DB_APP_ROLE \
		"$SRCDIR/scripts/db-roles" || die "cannot set up the database roles"
}

pg_stop() {
	pg_running || return 0
	say "stopping Postgres"
	as_user "$(stat -c %U "$PG_DATA")" "$(pg_bindir)/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
}
