#!/bin/bash
# The worker as a real FastCGI process (spawn-fcgi, no nginx), driven with cgi-fcgi, against a
# real throwaway Postgres: round trips, 503 while the database is unreachable, clean SIGTERM.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -z "${PGHOST:-}" ]; then
	exec "$here/with-pg" "$0" "$@"
fi
worker=${top_builddir:?}/src/notes-worker
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
failures=0
passes=0

# start NAME [ENV=VALUE...]: a worker on $tmp/NAME.sock; sets $pid.
start() {
	local name=$1
	shift
	env "$@" spawn-fcgi -n -s "$tmp/$name.sock" -- ${TEST_WRAPPER:-} "$worker" 2>>"$tmp/$name.log" &
	pid=$!
	pids+=("$pid")
	for _ in $(seq 50); do [ -S "$tmp/$name.sock" ] && return 0; sleep 0.1; done
	echo "worker $name did not start"; cat "$tmp/$name.log"; exit 1
}

# call SOCK METHOD PATH [BODY]: prints the CGI answer (head and body).
call() {
	local sock=$1 method=$2 path=$3 body=${4:-}
	printf '%s' "$body" | env -i REQUEST_METHOD="$method" PATH_INFO="$path" QUERY_STRING="" \
		CONTENT_TYPE=application/json CONTENT_LENGTH=${#body} \
		cgi-fcgi -bind -connect "$sock"
}

# expect NAME ANSWER STATUS BODY: the answer's status line and its body.
expect() {
	local name=$1 answer=$2 status=$3 body=$4
	local got_status got_body
	# Parameter expansion, not `printf | head` (under pipefail, head's early exit can kill the
	# printf with SIGPIPE: the test then failed with status 141 on a loaded machine).
	got_status=${answer%%$'\n'*}
	got_status=${got_status%$'\r'}
	got_body=$(printf '%s' "$answer" | sed '1,/^\r*$/d')
	if [ "$got_status" = "Status: $status" ] && [ "$got_body" = "$body" ]; then
		echo "ok - $name"
		passes=$((passes + 1))
	else
		echo "not ok - $name: got '$got_status' '$got_body', want 'Status: $status' '$body'"
		failures=$((failures + 1))
	fi
}

psql -qAtc "TRUNCATE notes RESTART IDENTITY" >/dev/null
start good DATABASE_URL=
sock=$tmp/good.sock
expect "ping" "$(call "$sock" GET /ping)" "200 OK" '{"ping":"pong!"}'
expect "create" "$(call "$sock" POST /notes/ '{"title":"foo","description":"bar"}')" \
	"201 Created" '{"title":"foo","description":"bar","id":1}'
expect "read" "$(call "$sock" GET /notes/1/)" "200 OK" '{"title":"foo","description":"bar","id":1}'
expect "update" "$(call "$sock" PUT /notes/1 '{"title":"baz","description":"qux"}')" \
	"200 OK" '{"title":"baz","description":"qux","id":1}'
expect "list" "$(call "$sock" GET /notes/)" "200 OK" '[{"title":"baz","description":"qux","id":1}]'
expect "delete" "$(call "$sock" DELETE /notes/1/)" "200 OK" '{"title":"baz","description":"qux","id":1}'
expect "gone" "$(call "$sock" GET /notes/1/)" "404 Not Found" '{"detail":"Note not found"}'
expect "huge id" "$(call "$sock" GET /notes/99999999999/)" "404 Not Found" '{"detail":"Note not found"}'
count=$(psql -qAtc 'SELECT count(*) FROM notes')
if [ "$count" = 0 ]; then echo "ok - table holds what the answers said"; passes=$((passes + 1)); else
	echo "not ok - table holds $count notes"; failures=$((failures + 1)); fi

# SIGTERM: the worker finishes and exits 0.
kill -TERM "$pid"
if wait "$pid"; then echo "ok - SIGTERM exits 0"; passes=$((passes + 1)); else
	echo "not ok - SIGTERM exit status $?"; failures=$((failures + 1)); fi

# ok_if NAME CONDITION...: a check of its own.
ok_if() {
	local name=$1
	shift
	if "$@"; then echo "ok - $name"; passes=$((passes + 1)); else
		echo "not ok - $name"; failures=$((failures + 1)); fi
}
fcgi() { python3 "$here/fcgi_client.py" "$@"; }

# A body that ends early (the connection broke before CONTENT_LENGTH bytes): an aborted
# request. Nothing is written, and no FCGI_END_REQUEST says it was answered.
start cut DATABASE_URL=
before=$(psql -qAtc 'SELECT count(*) FROM notes')
got=$(fcgi "$tmp/cut.sock" POST /notes/ --body '{"title":"cut short","description":"never stored"}' --cut 20)
ok_if "a body cut short gets no answer (${got:0:120})" \
	test "$(jq -r '.end_request, .stdout_bytes' <<<"$got" | tr '\n' ' ')" = "false 0 "
ok_if "a body cut short writes nothing" test "$(psql -qAtc 'SELECT count(*) FROM notes')" = "$before"
ok_if "the worker serves on after it" test "$(call "$tmp/cut.sock" GET /ping | tail -n1)" = '{"ping":"pong!"}'

# A stop signal during a slow body: the request in hand is finished, whole, then exit 0.
for sig in TERM USR1; do
	start "slow$sig" DATABASE_URL=
	spid=$pid
	# One database request first: the client tells that the worker holds its connection by the
	# worker's sockets, and a database socket opened late (valgrind) would fool that count.
	call "$tmp/slow$sig.sock" GET /notes/1/ >/dev/null
	got=$(fcgi "$tmp/slow$sig.sock" POST /notes/ --body '{"title":"slow body","description":"sent in pieces"}' \
		--pieces 4 --gap 0.4 --signal "$spid:SIG$sig:piece1")
	ok_if "SIG$sig during a slow body: the whole answer ($(cut -c1-160 <<<"$got"))" python3 -c '
import json, re, sys
a = json.loads(sys.argv[1])
sys.exit(0 if a["end_request"] and re.fullmatch(r"Status: 201 Created\r\n.*\r\n\r\n\{\"title\":\"slow body\",\"description\":\"sent in pieces\",\"id\":\d+\}", a["stdout"], re.S) else 1)' "$got"
	if wait "$spid"; then st=0; else st=$?; fi
	ok_if "SIG$sig during a slow body: then the worker exits 0 (status $st)" test "$st" = 0
done
ok_if "both slow bodies were stored" test "$(psql -qAtc "SELECT count(*) FROM notes WHERE title = 'slow body'")" = 2

# A stop signal during a long list (unbounded: NOTES_LIST_MAX=0): the whole list, then exit 0.
psql -qAtc "INSERT INTO notes (title, description) SELECT 'long ' || i, 'list' FROM generate_series(1, 200000) AS i" >/dev/null
total=$(psql -qAtc 'SELECT count(*) FROM notes')
start longlist DATABASE_URL= NOTES_STATEMENT_TIMEOUT_MS=120000 NOTES_LIST_MAX=0
lpid=$pid
fcgi "$tmp/longlist.sock" GET /notes/ --signal "$lpid:SIGTERM:out:1000" >"$tmp/longlist.json"
count=$(python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
print(len(json.loads(a["stdout"].split("\r\n\r\n", 1)[1])) if a["end_request"] else "no end, %d bytes" % a["stdout_bytes"])' "$tmp/longlist.json" 2>&1 || true)
ok_if "SIGTERM during a long list: all $total notes arrive ($count)" test "$count" = "$total"
if wait "$lpid"; then st=0; else st=$?; fi
ok_if "SIGTERM during a long list: then the worker exits 0 (status $st)" test "$st" = 0
psql -qAtc "DELETE FROM notes WHERE description = 'list'" >/dev/null

# A database that cannot be reached: /ping still answers, database routes say 503.
start down DATABASE_URL=postgresql://nobody@127.0.0.1:1/none
sock=$tmp/down.sock
expect "ping while the database is down" "$(call "$sock" GET /ping)" "200 OK" '{"ping":"pong!"}'
expect "503 while the database is down" "$(call "$sock" GET /notes/)" "503 Service Unavailable" \
	'{"detail":"Database unavailable, try again shortly"}'
if grep -q "cannot connect to the database" "$tmp/down.log"; then
	echo "ok - the outage is logged"; passes=$((passes + 1))
else
	echo "not ok - no log line about the outage"; failures=$((failures + 1))
fi

# (A LATIN1 database refused and a DATABASE_URL with its own options: tests/drills/drill_database_url.py.)

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
