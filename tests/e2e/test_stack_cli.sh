#!/bin/bash
# tests/e2e/test_stack_cli.sh: scripts/stack as users drive it. A second `up` changes nothing;
# `status` tells what runs; notes survive `down`/`up`; two stacks run side by side.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/check.sh
. "$here/check.sh"
# No process of this stack left: nothing runs from or in $STACK_DIR (pgrep's own shell excluded).
no_process_left() {
	local pid
	for pid in $(pgrep -f "$STACK_DIR/"); do
		[ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] && continue
		echo "# left running: $(tr '\0' ' ' </proc/$pid/cmdline 2>/dev/null)"
		return 1
	done
	return 0
}
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

note=$(curl -fsS -X POST -H 'Content-Type: application/json' \
	-d '{"title": "persistent", "description": "survives down and up"}' "$BASE_URL/notes/")
id=$(printf '%s' "$note" | json_field id)
expect "created note $id" test -n "$id"

# A second up: says so, touches nothing.
pids_before=$(cat "$STACK_DIR/run/nginx.pid" "$STACK_DIR/run/pool.pid" "$STACK_DIR/pg/data/postmaster.pid" | head -n 3 | tr '\n' ' ')
conf_before=$(stat -c %Y "$STACK_DIR/conf/nginx.conf")
out=$("$STACK" up 2>&1)
rc=$?
pids_after=$(cat "$STACK_DIR/run/nginx.pid" "$STACK_DIR/run/pool.pid" "$STACK_DIR/pg/data/postmaster.pid" | head -n 3 | tr '\n' ' ')
expect "second up exits 0" test $rc -eq 0
expect "second up says it is already running" grep -q "already running on port $PORT" <<<"$out"
expect "second up changes no process ($pids_before)" test "$pids_before" = "$pids_after"
expect "second up does not rewrite the config" test "$conf_before" = "$(stat -c %Y "$STACK_DIR/conf/nginx.conf")"
# Even with other settings it changes nothing.
out=$(PORT=1 WORKERS=7 "$STACK" up 2>&1)
expect "second up with other settings still changes nothing" grep -q "already running on port $PORT" <<<"$out"

# status: what runs, where, with which database.
out=$("$STACK" status 2>&1)
rc=$?
expect "status exits 0 while running" test $rc -eq 0
expect "status names the port" grep -q "nginx: running.*:$PORT/" <<<"$out"
expect "status names the workers" grep -q "pool: running" <<<"$out"
expect "status names the database" grep -q "database: embedded Postgres running, postgresql://" <<<"$out"

# down keeps the data; up brings the same notes back.
"$STACK" down >/dev/null 2>&1
expect "down exits 0" test $? -eq 0
out=$("$STACK" status 2>&1)
rc=$?
expect "status exits 3 when stopped" test $rc -eq 3
expect "nothing answers after down" bash -c "! curl -fsS --max-time 2 '$BASE_URL/ping' >/dev/null 2>&1"
expect "no process left after down" no_process_left
expect "the data is kept" test -f "$STACK_DIR/pg/data/PG_VERSION"
out=$("$STACK" up 2>&1)
rc=$?
[ $rc -eq 0 ] || printf '# %s\n' "$out"
expect "up again" test $rc -eq 0
expect "up again applies no migration twice" grep -q "001_create_notes already applied" <<<"$out"
got=$(curl -fsS "$BASE_URL/notes/$id/")
expect "the note survived down/up ($got)" test "$(printf '%s' "$got" | json_field title)" = persistent
rows=$(psql -X -At -d "$DATABASE_URL" -c 'SELECT count(*) FROM schema_migrations')
expect "schema_migrations has one row per migration ($rows)" test "$rows" = "$(ls "$here/../../sql"/[0-9]*_*.sql | wc -l)"

# A second, independent stack side by side: its own port, directory and database.
outer_url=$BASE_URL
outer_dir=$STACK_DIR
inner() {
	[ "$BASE_URL" != "$outer_url" ] && [ "$STACK_DIR" != "$outer_dir" ] || exit 1
	curl -fsS -X POST -H 'Content-Type: application/json' \
		-d '{"title": "inner only", "description": "second stack"}' "$BASE_URL/notes/" >/dev/null || exit 2
	curl -fsS "$BASE_URL/notes/" | grep -q '"inner only"' || exit 3
	curl -fsS "$outer_url/notes/" | grep -q '"inner only"' && exit 4
	curl -fsS "$outer_url/notes/$id/" | grep -q persistent || exit 5
	exit 0
}
export -f inner
export outer_url outer_dir id
bash "$here/with-stack" -- bash -c inner
rc=$?
expect "a second stack runs side by side, with its own data (rc $rc)" test $rc -eq 0
expect "the first stack still answers" curl -fsS -o /dev/null "$outer_url/ping"

# A stack on an existing server (DATABASE_URL): no embedded Postgres of its own, same data.
ext_dir=$(mktemp -d)
ext_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
out=$(STACK_DIR=$ext_dir PORT=$ext_port "$STACK" up 2>&1)
rc=$?
[ $rc -eq 0 ] || printf '# %s\n' "$out"
expect "up with DATABASE_URL of an existing server" test $rc -eq 0
expect "it starts no Postgres of its own" test ! -e "$ext_dir/pg"
expect "status names the external database" grep -q "database: external, $DATABASE_URL" <<<"$(STACK_DIR=$ext_dir "$STACK" status 2>&1)"
expect "it serves the existing notes" bash -c "curl -fsS 'http://127.0.0.1:$ext_port/notes/$id/' | grep -q persistent"
STACK_DIR=$ext_dir "$STACK" down >/dev/null 2>&1
expect "its down leaves the server running" curl -fsS -o /dev/null "$BASE_URL/notes/$id/"
rm -rf "$ext_dir"

# Configuration errors are refused before anything starts.
"$STACK" down >/dev/null 2>&1
out=$(WORKERS=2 FCGI_KEEPALIVE=1 NGINX_WORKERS=2 "$STACK" up 2>&1)
rc=$?
expect "keep-alive that could pin every worker is refused (rc $rc)" grep -q "could pin all 2 workers" <<<"$out"
expect "the refusal starts nothing" no_process_left
out=$(WORKERS=zero "$STACK" up 2>&1)
expect "a bad WORKERS is refused" grep -q "WORKERS=zero: expected a whole number" <<<"$out"

echo "$([ $fails -eq 0 ] && echo passed || echo FAILED): $fails failure(s)"
[ $fails -eq 0 ]
