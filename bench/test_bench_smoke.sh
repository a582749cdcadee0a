#!/bin/sh
# bench/test_bench_smoke.sh: a seconds-long run of scripts/bench --smoke (every scenario at 1 and
# 4 connections for 1 s, the static/fcgi/pgbench ceilings) on a throwaway stack, to keep the
# harness working, then scripts/bench --overhead --smoke. No timing assertions: it fails when the
# harness breaks, when any request fails or errors, or when the results miss a scenario or a
# ceiling.
set -eu
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${top_builddir:-}
if [ -z "${NOTES_WORKER:-}" ] && [ -n "$builddir" ] && [ -x "$builddir/src/notes-worker" ]; then
	NOTES_WORKER=$(cd "$builddir" && pwd)/src/notes-worker
	export NOTES_WORKER
fi
for tool in wrk pgbench nginx spawn-fcgi multiwatch cc; do
	command -v "$tool" >/dev/null || { echo "bench smoke: $tool is missing" >&2; exit 99; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-smoke.XXXXXX")
STACK_DIR=$tmp/stack
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export STACK_DIR PORT
export WORKERS=2
unset DATABASE_URL BIND BUILD_DIR
cleanup() {
	"$srcdir/scripts/stack" down >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"$srcdir/scripts/bench" --smoke --out "$tmp/results" --label "make check smoke"

json=$(ls "$tmp"/results/*-smoke.json)
md=$(ls "$tmp"/results/*-smoke.md)
python3 - "$json" "$md" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))
md = open(sys.argv[2]).read()
problems = []
want = {"ping", "get", "list100", "list10k", "listlimit", "post", "put", "delete", "mixed",
        "list10kgz", "page1", "search", "search_word", "search_common", "search_short", "sort",
        "after", "offset"}
rows = res["rows"]["ours"]
seen = {(r["scenario"], r["conns"]) for r in rows}
for s in sorted(want):
    for c in (1, 4):
        if (s, c) not in seen:
            problems.append("no result for %s at %d connections" % (s, c))
for r in rows:
    if r["requests"] <= 0 or r["rps"] <= 0:
        problems.append("%s c=%d: no requests" % (r["scenario"], r["conns"]))
    if r["non2xx"] or r["socket_errors"] or r["ids_ran_out"]:
        problems.append("%s c=%d: %d non-2xx, %d socket errors, ids ran out: %s" % (r["scenario"], r["conns"], r["non2xx"], r["socket_errors"], r["ids_ran_out"]))
    if not r["memory"] or r["memory"]["workers"] != 2:
        problems.append("%s c=%d: worker memory not sampled: %r" % (r["scenario"], r["conns"], r["memory"]))
    if r["cpu_pct"].get("workers", 0) <= 0 and r["scenario"] != "ping":
        problems.append("%s c=%d: no worker CPU recorded" % (r["scenario"], r["conns"]))
ce = res["ceilings"]
for k in ("static", "fcgi"):
    for c in ("1", "4"):
        if not ce.get(k, {}).get(c, {}).get("rps"):
            problems.append("no %s ceiling at %s connections" % (k, c))
for k in ("select", "list100", "list10k", "listlimit", "insert", "update", "delete", "mixed"):
    for cl in ("1", "4"):
        r = ce.get("pgbench", {}).get(k, {}).get(cl)
        if not r or r["tps"] <= 0 or r["failed"]:
            problems.append("pgbench %s with %s clients: %r" % (k, cl, r))
if "| get | 4 |" not in md or "### Targets" not in md:
    problems.append("the Markdown table misses rows or the targets")
for p in problems:
    print("bench smoke: " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
echo "bench smoke: ok ($(wc -l <"$md") lines of results)"

# --overhead: both builds (with and without counting), the alternating rounds (1 s each) and
# the callgrind runs (20 and 60 requests). With counting the worker runs more instructions per
# request than without: if not, the two builds are not what they claim to be.
command -v valgrind >/dev/null || { echo "bench smoke: valgrind is missing" >&2; exit 99; }
"$srcdir/scripts/bench" --overhead --smoke --out "$tmp/overhead" --label "make check smoke"
python3 - "$(ls "$tmp"/overhead/*-overhead-smoke.json)" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))
problems = []
for s in ("ping", "get"):
    for c in (1, 4):
        r = res["wrk"].get("%s@%d" % (s, c))
        if not r or r["rps"]["n"] != 2 or not r["rps"]["median"] > 0:
            problems.append("overhead: no ratio of two rounds for %s at %d connections: %r" % (s, c, r))
    cg = res.get("callgrind", {}).get(s)
    if not cg or not cg["on"] > cg["off"] > 0:
        problems.append("overhead: callgrind for %s: %r" % (s, cg))
for p in problems:
    print("bench smoke: " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
echo "bench smoke: --overhead ok"
