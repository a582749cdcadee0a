#!/bin/bash
# tests/e2e/test_config.sh: one configuration file for the stack and the worker. The README's
# table and conf/notes.conf.example list exactly the worker's settings; `scripts/stack config`
# shows each value's origin (default, file:line, environment) with the password masked; a bad
# file stops `up` naming the line before anything starts; a stack started with --config runs
# with the file's port, pool size and (file-relative) directory, the environment winning.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
STACK=$top/scripts/stack
fails=0
ok() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; fails=$((fails + 1)); }
expect() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}
if [ -z "${NOTES_WORKER:-}" ] && [ -n "${top_builddir:-}" ] && [ -x "$top_builddir/src/notes-worker" ]; then
	NOTES_WORKER=$(cd "$top_builddir" && pwd)/src/notes-worker
fi
[ -n "${NOTES_WORKER:-}" ] || { echo "test_config: set NOTES_WORKER or top_builddir" >&2; exit 99; }
export NOTES_WORKER
unset DATABASE_URL BIND BUILD_DIR PORT WORKERS STACK_DIR NOTES_CONFIG NGINX_WORKERS FCGI_KEEPALIVE \
	RATE_LIMIT NOTES_MAX_BODY NOTES_STATEMENT_TIMEOUT_MS DISTCHECK
tmp=$(mktemp -d "${TMPDIR:-/tmp}/notes-config.XXXXXX")
chmod 0755 "$tmp"
cleanup() {
	NOTES_CONFIG= STACK_DIR=$tmp/stack "$STACK" down >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# --- 1. one list: the README's table and the example file are the worker's
readme_table=$(sed -n '/<!-- settings table: begin/,/<!-- settings table: end/p' "$top/README.md" | sed '1d;$d')
expect "the README's configuration table is notes-worker --config-table" \
	diff <(printf '%s\n' "$readme_table") <("$NOTES_WORKER" --config-table)
keys=$("$NOTES_WORKER" --config-table | sed -n 's/^| `\([a-z_]*\)` .*/\1/p' | sort)
example_keys=$(sed -n 's/^\([a-z_]*\) *=.*/\1/p' "$top/conf/notes.conf.example" | sort)
expect "conf/notes.conf.example sets every setting once ($(wc -w <<<"$keys") keys)" test "$keys" = "$example_keys"
out=$(env -u NOTES_WORKER NOTES_CONFIG=$top/conf/notes.conf.example "$NOTES_WORKER" --check-config 2>&1)
expect "the example file is accepted, every value from it" \
	test "$(grep -c '# file .*notes.conf.example:[0-9]*$' <<<"$out")" -eq "$(wc -w <<<"$keys")"

# --- 2. scripts/stack config: origins and masking
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/notes.conf" <<EOF
# a test configuration
port = $port

workers = 3
stack_dir = stack
statement_timeout_ms = 4000
EOF
out=$("$STACK" --config "$tmp/notes.conf" config 2>/dev/null)
rc=$?
expect "config exits 0 (rc $rc)" test $rc -eq 0
expect "config shows the file's port with file and line" grep -qx "port = $port    # file $tmp/notes.conf:2" <<<"$out"
expect "config shows a default as such" grep -qx "nginx_workers = 1    # default" <<<"$out"
out=$(NOTES_STATEMENT_TIMEOUT_MS=3000 DATABASE_URL='postgresql://notes:hunter2@db.invalid/notes' \
	NOTES_CONFIG=$tmp/notes.conf "$STACK" config 2>/dev/null)
expect "the environment overrides the file" grep -qx "statement_timeout_ms = 3000    # environment NOTES_STATEMENT_TIMEOUT_MS" <<<"$out"
expect "the password is masked" grep -qx "database_url = postgresql://notes:\*\*\*@db.invalid/notes    # environment DATABASE_URL" <<<"$out"
expect "the password appears nowhere" bash -c "! grep -q hunter2 <<<'$out'"
expect "config names the derived stack dir (relative to the file)" grep -q "stack_dir $tmp/stack," <<<"$out"

# --- 3. a bad file stops up before anything starts, naming the line
printf 'port = %s\n# fine so far\nworkers = many\n' "$port" >"$tmp/bad.conf"
out=$("$STACK" --config "$tmp/bad.conf" up 2>&1)
rc=$?
expect "up with a bad value fails (rc $rc)" test $rc -ne 0
expect "the error names file and line ($(tail -n 2 <<<"$out" | head -n 1))" \
	grep -q "$tmp/bad.conf:3: workers = many: expected a whole number from 1 to 1024" <<<"$out"
expect "nothing answers on the port" bash -c "! curl -fsS --max-time 2 http://127.0.0.1:$port/ping >/dev/null 2>&1"
printf 'prot = 1\n' >"$tmp/typo.conf"
out=$("$STACK" --config "$tmp/typo.conf" config 2>&1)
rc=$?
expect "config with an unknown key exits 2 (rc $rc)" test $rc -eq 2
expect "the unknown key is named with its line" grep -q "typo.conf:1: unknown setting \"prot\"" <<<"$out"

# --- 4. up with the file: its port, its pool size, its directory; the environment wins
out=$("$STACK" --config "$tmp/notes.conf" up 2>&1)
rc=$?
[ $rc -eq 0 ] || printf '# %s\n' "$out"
expect "up --config starts (rc $rc)" test $rc -eq 0
expect "it answers on the file's port" curl -fsS -o /dev/null --max-time 5 "http://127.0.0.1:$port/ping"
expect "its runtime files are in the file-relative stack_dir" test -f "$tmp/stack/stack.env"
status=$(NOTES_CONFIG=$tmp/notes.conf "$STACK" status 2>&1)
expect "status shows the file's 3 workers" grep -q "3 of 3 workers" <<<"$status"
pids=$(pgrep -P "$(cat "$tmp/stack/run/pool.pid")" | head -n 1)
envs=$(tr '\0' '\n' <"/proc/$pids/environ" 2>/dev/null)
expect "the workers run with the file's statement timeout" grep -qx "NOTES_STATEMENT_TIMEOUT_MS=4000" <<<"$envs"
NOTES_CONFIG=$tmp/notes.conf "$STACK" down >/dev/null 2>&1
out=$(WORKERS=2 "$STACK" --config "$tmp/notes.conf" up 2>&1)
status=$(STACK_DIR=$tmp/stack "$STACK" status 2>&1)
expect "WORKERS in the environment overrides the file's 3" grep -q "2 of 2 workers" <<<"$status"

echo "$([ $fails -eq 0 ] && echo passed || echo FAILED): $fails failure(s)"
[ $fails -eq 0 ]
