#!/bin/bash
# tests/e2e/test_cors.sh: CORS (issue 12) through nginx, on two throwaway stacks.
#   1. NOTES_CORS_ORIGINS names a page origin (a static server on another port): with curl, a
#      preflight is answered 204 by nginx itself (no upstream in the access log), with the
#      allowed methods and headers, an allowed origin is echoed with Vary: Origin and the
#      exposed headers, another origin gets no CORS header and no credentials are ever allowed;
#      then Chromium on the page calls the API (tests/e2e/cors.cjs, allowed).
#   2. CORS off (the default): no CORS header on any answer, and Chromium's calls are refused.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
if [ "${1:-}" = --inside ]; then
	. "$here/check.sh"
	origin=$PAGE_ORIGIN
	pre() { curl -sS -D - -o /dev/null -X OPTIONS -H "Origin: $1" -H "Access-Control-Request-Method: PUT" \
		-H "Access-Control-Request-Headers: content-type, if-match" "$BASE_URL/notes/1/"; }
	get() { curl -sS -D - -o /dev/null -H "Origin: $1" "$BASE_URL/notes/"; }
	if [ "$CORS_EXPECT" = allowed ]; then
		h=$(pre "$origin")
		expect "preflight from $origin: 204" grep -q '^HTTP/1.1 204' <<<"$h"
		expect "preflight: Access-Control-Allow-Origin $origin" grep -qi "^access-control-allow-origin: $origin"$'\r'"\$" <<<"$h"
		expect "preflight: the methods, PATCH among them" grep -qi '^access-control-allow-methods: .*PATCH' <<<"$h"
		expect "preflight: If-Match is an allowed header" grep -qi '^access-control-allow-headers: .*If-Match' <<<"$h"
		expect "preflight: no credentials" bash -c '! grep -qi "^access-control-allow-credentials" <<<"$1"' _ "$h"
		sleep 1.5 # the access log is flushed once a second
		# The access log is JSON (issue 14): a preflight nginx answered itself has no upstream time.
		line=$(grep '"method":"OPTIONS","uri":"/notes/1/"' "$STACK_DIR/log/nginx-access.log" | tail -n 1)
		expect "preflight answered by nginx, no worker ($line)" grep -q '"status":204,.*"upstream_time":""' <<<"$line"
		h=$(get "$origin")
		expect "GET with Origin: echoed" grep -qi "^access-control-allow-origin: $origin" <<<"$h"
		expect "GET: Vary: Origin" grep -qi '^vary: .*origin' <<<"$h"
		expect "GET: ETag and Link exposed" grep -qi '^access-control-expose-headers: .*ETag.*Link' <<<"$h"
		h=$(get "http://evil.example")
		expect "another origin: no Access-Control-Allow-Origin" bash -c '! grep -qi "^access-control-allow-origin" <<<"$1"' _ "$h"
		h=$(pre "http://evil.example")
		expect "another origin's preflight reaches the worker: 204 with Allow, no CORS" \
			bash -c 'grep -q "^HTTP/1.1 204" <<<"$1" && grep -qi "^allow: " <<<"$1" && ! grep -qi "^access-control" <<<"$1"' _ "$h"
	else
		h=$(pre "$origin")
		expect "CORS off: a preflight gets no CORS header" bash -c '! grep -qi "^access-control" <<<"$1"' _ "$h"
		h=$(get "$origin")
		expect "CORS off: a GET with Origin gets no CORS header and no Vary: Origin" \
			bash -c '! grep -qi "^access-control" <<<"$1" && ! grep -qi "^vary: .*origin" <<<"$1"' _ "$h"
	fi
	expect "Chromium on $origin: calls $CORS_EXPECT" node "$here/cors.cjs"
	[ "$fails" = 0 ]
	exit
fi

. "$top/docs/tests/common.sh" # NODE_PATH with playwright-core (the docs tests' pinned packages)
page_dir=$(mktemp -d "${TMPDIR:-/tmp}/notes-cors-page.XXXXXX")
page_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo '<!doctype html><meta charset="utf-8"><title>another origin</title><p>a page on another origin' \
	>"$page_dir/index.html"
python3 -m http.server --bind 127.0.0.1 --directory "$page_dir" "$page_port" >/dev/null 2>&1 &
page_pid=$!
trap 'kill "$page_pid" 2>/dev/null; rm -rf "$page_dir"' EXIT
export PAGE_ORIGIN=http://127.0.0.1:$page_port PAGE_URL=http://127.0.0.1:$page_port/index.html
for i in $(seq 50); do curl -fsS -o /dev/null "$PAGE_URL" 2>/dev/null && break; sleep 0.1; done
rc=0
echo "# 1. NOTES_CORS_ORIGINS=$PAGE_ORIGIN"
CORS_EXPECT=allowed NOTES_CORS_ORIGINS="http://other.example, $PAGE_ORIGIN" \
	bash "$here/with-stack" -- bash "$0" --inside || rc=1
echo "# 2. CORS off"
CORS_EXPECT=refused NOTES_CORS_ORIGINS= bash "$here/with-stack" -- bash "$0" --inside || rc=1
exit $rc
