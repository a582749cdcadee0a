#!/bin/bash
# tests/e2e/test_least_privilege.sh: nothing in the stack is reachable by a local user who is not
# part of it, and each part has only the rights it needs (issue 10). With NOTES_AUTH=off (the
# default) nginx listens on loopback only, and BIND beyond loopback warns. As another local user
# (nobody) the embedded Postgres refuses every role; no `trust` line is left in pg_hba; the
# workers' role reads and writes notes but cannot create, alter, drop or truncate a table, write
# the schema version, change accounts, or reach another database; the workers run as their own
# system user, nginx's workers as www-data; stack.env is readable by its owner only.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/check.sh
. "$here/check.sh"

sock_dir=$STACK_DIR/pg/run
listen=$(ss -ltnH "sport = :$PORT" | awk '{print $4}' | sort -u | tr '\n' ' ')
expect "NOTES_AUTH=off: nginx listens on loopback only ($listen)" test "$listen" = "127.0.0.1:$PORT "
# A second stack with BIND=0.0.0.0 and auth off warns (then stops at a refused setting).
other=$(mktemp -d)
out=$(STACK_DIR=$other BIND=0.0.0.0 WORKERS=2 FCGI_KEEPALIVE=1 NGINX_WORKERS=2 "$STACK" up 2>&1)
expect "BIND=0.0.0.0 with auth off warns that the API is open" grep -q "WARNING: NOTES_AUTH=off and BIND=0.0.0.0" <<<"$out"
STACK_DIR=$other "$STACK" down >/dev/null 2>&1
rm -rf "$other"

expect "no trust line in pg_hba" test "$(psql -X -At -d "$DATABASE_URL" -c "SELECT count(*) FROM pg_hba_file_rules WHERE auth_method = 'trust' OR error IS NOT NULL")" = 0
expect "only peer authentication on the socket" test "$(psql -X -At -d "$DATABASE_URL" -c "SELECT string_agg(DISTINCT type || ' ' || auth_method, ',') FROM pg_hba_file_rules")" = "local peer"

if [ "$(id -u)" = 0 ]; then
	expect "the socket directory is closed to other users ($(stat -c '%U:%G %a' "$sock_dir"))" \
		test "$(stat -c '%a' "$sock_dir")" = 710
	expect "nobody cannot even reach the socket directory" bash -c "! runuser -u nobody -- test -x '$sock_dir'"
	for role in postgres notes_owner notes_app; do
		err=$(cd / && runuser -u nobody -- psql -X -At -d "postgresql://$role@/notes?host=$sock_dir" -c 'SELECT 1' 2>&1)
		rc=$?
		expect "another local user (nobody) is refused as $role (${err%%$'\n'*})" test $rc -ne 0
	done
	# Even with the directory open, peer authentication maps nobody to no role.
	chmod 0711 "$sock_dir"
	for role in postgres notes_owner notes_app; do
		err=$(cd / && runuser -u nobody -- psql -X -At -d "postgresql://$role@/notes?host=$sock_dir" -c 'SELECT 1' 2>&1)
		rc=$?
		expect "with the socket reachable, nobody is still refused as $role (${err%%$'\n'*})" \
			bash -c "[ $rc -ne 0 ] && grep -q 'Peer authentication failed' <<<\"\$1\"" _ "$err"
	done
	chmod 0710 "$sock_dir"
	as_app() { (cd / && runuser -u notes -- psql -X -At -v ON_ERROR_STOP=1 -d "$APP_DATABASE_URL" -c "$1" 2>&1); }
	workers=$(ps -o user= --ppid "$(cat "$STACK_DIR/run/pool.pid")" | sort -u | tr '\n' ' ')
	expect "the workers run as notes ($workers)" test "$workers" = "notes "
	nginx_workers=$(ps -o user= --ppid "$(cat "$STACK_DIR/run/nginx.pid")" | sort -u | tr '\n' ' ')
	expect "nginx's workers run as www-data ($nginx_workers)" test "$nginx_workers" = "www-data "
else
	as_app() { psql -X -At -v ON_ERROR_STOP=1 -d "$APP_DATABASE_URL" -c "$1" 2>&1; }
	expect "the socket directory is the stack user's only" test "$(stat -c '%a' "$sock_dir")" = 700
fi

expect "the workers' role reads notes" test "$(as_app 'SELECT count(*) >= 0 FROM notes')" = t
expect "the workers' role is not a superuser" test "$(as_app 'SELECT rolsuper OR rolcreaterole OR rolcreatedb FROM pg_roles WHERE rolname = current_user')" = f
for sql in 'CREATE TABLE intruder (a int)' 'DROP TABLE notes' 'ALTER TABLE notes ADD COLUMN x int' \
	'TRUNCATE notes' 'CREATE INDEX ON notes (title)' 'DROP TABLE schema_migrations' \
	"INSERT INTO schema_migrations (version, name) VALUES (998, 'forged')" 'DELETE FROM users' \
	'UPDATE users SET password_hash = password_hash' 'CREATE SCHEMA intruder' 'CREATE ROLE intruder'; do
	out=$(as_app "$sql")
	expect "the workers' role cannot: $sql (${out%%$'\n'*})" grep -q 'permission denied\|must be owner' <<<"$out"
done
out=$(as_app '\c postgres' 2>&1)
expect "the workers' role cannot reach another database" grep -qi 'failed\|denied\|no pg_hba' <<<"$out"
expect "the tables are the owner role's" test "$(psql -X -At -d "$DATABASE_URL" -c "SELECT string_agg(DISTINCT tableowner, ',') FROM pg_tables WHERE schemaname = 'public'")" = notes_owner
expect "stack.env is readable by its owner only" test "$(stat -c '%a' "$STACK_DIR/stack.env")" = 600
expect "stack.env holds no password" bash -c "! grep -qi 'password\|:[^/@]*@' '$STACK_DIR/stack.env'"
[ $fails -eq 0 ]
