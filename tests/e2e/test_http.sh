#!/bin/bash
# tests/e2e/test_http.sh: the HTTP conventions of issue 12 through nginx with curl, on a
# throwaway stack at the default NOTES_LIST_MAX (1000): 201 with Location, HEAD and OPTIONS,
# ETags with If-None-Match (304) and If-Match (412, nothing changed), PATCH as a merge patch,
# bounded lists with Link, keyset paging, search, sort and Prefer: count=exact, and gzip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
unset NOTES_LIST_MAX # the default bound
. "$here/check.sh"

api=$BASE_URL
hdr() { tr -d '\r' | grep -i "^$1:" | head -n 1 | cut -d' ' -f2-; }
status() { head -n 1 | cut -d' ' -f2; }
sql() { psql "$DATABASE_URL" -X -q -t -A -v ON_ERROR_STOP=1 -c "$1"; }

# --- 201 Location, ETag
h=$(curl -sS -D - -o "$STACK_DIR/created.json" -H 'Content-Type: application/json' \
	-d '{"title": "first", "description": "the first note"}' "$api/notes/")
id=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' "$STACK_DIR/created.json")
expect "POST: 201" test "$(status <<<"$h")" = 201
expect "POST: Location /notes/$id/" test "$(hdr Location <<<"$h")" = "/notes/$id/"
etag=$(hdr ETag <<<"$h")
expect "POST: a strong ETag ($etag)" grep -Eq '^"[0-9]+"$' <<<"$etag"

# --- HEAD: GET's status and headers, no body
g=$(curl -sS -D - -o "$STACK_DIR/get.json" "$api/notes/$id/")
h=$(curl -sS -I "$api/notes/$id/")
expect "HEAD: 200" test "$(status <<<"$h")" = 200
# No body on the wire: a GET sent right after the HEAD on the same connection is answered
# right after the HEAD's head.
expect "HEAD: no body (a pipelined GET /ping follows the head at once)" python3 - "$PORT" "$id" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(("HEAD /notes/%s/ HTTP/1.1\r\nHost: x\r\n\r\n"
           "GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % sys.argv[2]).encode())
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
head, _, rest = data.partition(b"\r\n\r\n")
sys.exit(not (head.startswith(b"HTTP/1.1 200") and rest.startswith(b"HTTP/1.1 200") and rest.endswith(b'{"ping":"pong!"}')))
PY
expect "HEAD: GET's Content-Length ($(hdr Content-Length <<<"$g"))" \
	test "$(hdr Content-Length <<<"$h")" = "$(stat -c %s "$STACK_DIR/get.json")"
expect "HEAD: GET's ETag" test "$(hdr ETag <<<"$h")" = "$etag"
expect "HEAD: no Transfer-Encoding" test -z "$(hdr Transfer-Encoding <<<"$h")"
h=$(curl -sS -D - -o /dev/null -I "$api/notes/999999/")
expect "HEAD of a missing note: 404" test "$(status <<<"$h")" = 404
h=$(curl -sS -D - -o /dev/null -I "$api/notes/")
expect "HEAD /notes/: 200 with a Content-Length" bash -c 'grep -q "^HTTP/1.1 200" <<<"$1" && grep -qi "^content-length: [0-9]" <<<"$1"' _ "$h"

# --- OPTIONS
h=$(curl -sS -D - -o "$STACK_DIR/options.out" -X OPTIONS "$api/notes/$id/")
expect "OPTIONS: 204" test "$(status <<<"$h")" = 204
expect "OPTIONS: Allow" test "$(hdr Allow <<<"$h")" = "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"
expect "OPTIONS: no body" test ! -s "$STACK_DIR/options.out"

# --- If-None-Match
h=$(curl -sS -D - -o "$STACK_DIR/304.out" -H "If-None-Match: $etag" "$api/notes/$id/")
expect "If-None-Match with the ETag: 304" test "$(status <<<"$h")" = 304
expect "304: no body" test ! -s "$STACK_DIR/304.out"
expect "304: the ETag" test "$(hdr ETag <<<"$h")" = "$etag"
h=$(curl -sS -D - -o /dev/null -H 'If-None-Match: "0"' "$api/notes/$id/")
expect "If-None-Match with another ETag: 200" test "$(status <<<"$h")" = 200

# --- PATCH, then If-Match with the old ETag: 412 and nothing changes
h=$(curl -sS -D - -o "$STACK_DIR/patched.json" -X PATCH -H 'Content-Type: application/merge-patch+json' \
	-H "If-Match: $etag" -d '{"description": "patched"}' "$api/notes/$id/")
expect "PATCH with If-Match: 200" test "$(status <<<"$h")" = 200
expect "PATCH changed only the description" \
	grep -q '^{"title":"first","description":"patched","id":'"$id"'}$' "$STACK_DIR/patched.json"
new=$(hdr ETag <<<"$h")
expect "PATCH: a new ETag ($new)" test -n "$new" -a "$new" != "$etag"
for m in PUT PATCH DELETE; do
	body=(-H 'Content-Type: application/json' -d '{"title": "lost", "description": "update"}')
	[ $m = DELETE ] && body=()
	h=$(curl -sS -D - -o "$STACK_DIR/412.json" -X $m -H "If-Match: $etag" "${body[@]}" "$api/notes/$id/")
	expect "$m with the old ETag: 412" test "$(status <<<"$h")" = 412
	expect "$m 412: a JSON detail" grep -q '^{"detail":"Precondition failed' "$STACK_DIR/412.json"
done
expect "the note is as PATCH left it" test "$(sql "SELECT title || '/' || description FROM notes WHERE id = $id")" = "first/patched"
h=$(curl -sS -D - -o /dev/null -X DELETE -H 'If-Match: "1"' "$api/notes/999999/")
expect "If-Match on a missing note: 404" test "$(status <<<"$h")" = 404

# --- bounded lists, Link, keyset, search, sort, count
sql "INSERT INTO notes (title, description) SELECT 'bulk ' || lpad(i::text, 4, '0'), 'Crème brûlée ' || i FROM generate_series(1, 1500) i"
total=$(sql "SELECT count(*) FROM notes")
h=$(curl -sS -D - -o "$STACK_DIR/page1.json" "$api/notes/")
n=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$STACK_DIR/page1.json")
expect "GET /notes/ of $total notes: a page of 1000 ($n)" test "$n" = 1000
link=$(hdr Link <<<"$h")
expect "Link to the next page ($link)" grep -Eq '^</notes/\?limit=1000&after=[0-9]+>; rel="next"$' <<<"$link"
next=${link#<}
next=${next%%>*}
h=$(curl -sS -D - -o "$STACK_DIR/page2.json" "$api$next")
n2=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$STACK_DIR/page2.json")
expect "the next page holds the rest ($n2 of $total)" test $((n + n2)) = "$total"
expect "the last page has no Link" test -z "$(hdr Link <<<"$h")"
h=$(curl -sS -D - -o "$STACK_DIR/count.json" -H 'Prefer: count=exact' "$api/notes/?limit=10&offset=20")
expect "Prefer: count=exact: Content-Range 20-29/$total" test "$(hdr Content-Range <<<"$h")" = "20-29/$total"
expect "Preference-Applied: count=exact" test "$(hdr Preference-Applied <<<"$h")" = count=exact
curl -sS -o "$STACK_DIR/q.json" "$api/notes/?q=CR%C3%88ME%20BR%C3%9BL%C3%89E%201499&sort=-title"
expect "?q= is case-insensitive beyond ASCII (CRÈME BRÛLÉE 1499)" \
	python3 -c 'import json, sys; l = json.load(open(sys.argv[1])); sys.exit(not (len(l) == 1 and l[0]["title"] == "bulk 1499"))' "$STACK_DIR/q.json"
curl -sS -o "$STACK_DIR/sorted.json" "$api/notes/?sort=-title&limit=2"
expect "?sort=-title" python3 -c 'import json, sys; l = json.load(open(sys.argv[1])); sys.exit([n["title"] for n in l] != ["first", "bulk 1500"])' "$STACK_DIR/sorted.json"
h=$(curl -sS -D - -o "$STACK_DIR/bad.json" "$api/notes/?sort=name")
expect "?sort=name: 422" test "$(status <<<"$h")" = 422

# --- gzip: only on request, only above 1 KiB, with Vary
h=$(curl -sS -D - -o "$STACK_DIR/list.gz" -H 'Accept-Encoding: gzip' "$api/notes/?limit=100")
expect "a 100-note list with Accept-Encoding: gzip is gzip" test "$(hdr Content-Encoding <<<"$h")" = gzip
expect "gzip: Vary: Accept-Encoding" grep -qi '^vary: accept-encoding' <<<"$h"
expect "gzip: the body decompresses to the JSON" \
	bash -c 'gzip -dc "$1" | python3 -c "import json, sys; sys.exit(len(json.load(sys.stdin)) != 100)"' _ "$STACK_DIR/list.gz"
plain=$(curl -sS -o /dev/null -w '%{size_download}' "$api/notes/?limit=100")
packed=$(stat -c %s "$STACK_DIR/list.gz")
expect "gzip: $packed bytes instead of $plain" test "$packed" -lt $((plain / 3))
h=$(curl -sS -D - -o /dev/null "$api/notes/?limit=100")
expect "no Accept-Encoding: not compressed" test -z "$(hdr Content-Encoding <<<"$h")"
h=$(curl -sS -D - -o /dev/null -H 'Accept-Encoding: gzip' "$api/notes/$id/")
expect "a note (< 1 KiB) is not compressed: its ETag stays strong" \
	bash -c '! grep -qi "^content-encoding" <<<"$1" && grep -Eqi "^etag: \"[0-9]+\"" <<<"$1"' _ "$h"

[ "$fails" = 0 ] && echo "passed" || { echo "FAILED: $fails check(s)"; exit 1; }
