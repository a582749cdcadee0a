#!/usr/bin/env python3
# tests/drills/drill_db_frozen_at_start.py: the worker pool starts while the database is frozen.
#
# The stack runs 2 workers with the default-sized deadlines (statement timeout 5 s, client
# deadline 5.5 s: NOTES_DB_TIMEOUT_MS). Every process of its Postgres is SIGSTOPped (a frozen
# VM, a stalled disk, a partition without a reset), then the pool is stopped and started
# afresh, so each worker's first connection attempt meets a server that accepts the TCP
# connection (the kernel does) and never answers. A worker must not spend a deadline finding
# that out, nor make its first request wait for one. For 5 s two clients send database
# requests one after another on fresh connections and a prober sends GET /ping, then the
# database is SIGCONTed. Held when:
#   - every answer is a JSON 503 while frozen (never 500, 502, 504 or a broken connection), and
#     /ping answers 200;
#   - no request waits a deadline: each under 3 s (a fresh worker knows a silent database
#     after 1 s; a deadline is 5.5 s), and their median is under 0.3 s (fail fast);
#   - the workers log what happened ("no answer within 1000 ms");
#   - requests succeed within 2 s of the thaw, from the same workers (no restart);
#   - every note acknowledged before the drill is still in the table.
# Bounded: about 15 s plus the stack's start.
import os
import statistics
import sys
import threading
import time

os.environ.update(WORKERS="2", NOTES_STATEMENT_TIMEOUT_MS="5000", NOTES_DB_TIMEOUT_MS="5500")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import drill  # noqa: E402
from drill import check, e2e, hostile  # noqa: E402

e2e.need_stack()
drill.need_embedded_pg()
DEADLINE = 5.5
FROZEN_S = 5.0

acked = []
for i in range(5):
    a = e2e.request("POST", "/notes/", {"title": "kept %d" % i, "description": "acknowledged before"})
    check(a.status == 201, "a note before the drill (%r)" % a)
    if a.status == 201:
        acked.append((a.json["id"], a.json["title"]))
log_offset = hostile.log_size("worker.log")

frozen = []


def freeze():
    frozen.extend(drill.pg_freeze())


results, lock, stop = [], threading.Lock(), threading.Event()


def client(kind):
    """Requests one after another on fresh connections: (t_start, t_end, kind, status, json)."""
    while not stop.is_set():
        t0 = time.time()
        try:
            if kind == "ping":
                ans = e2e.request("GET", "/ping")
            elif kind == "write":
                ans = e2e.request("POST", "/notes/", {"title": "while frozen", "description": "not stored"})
            else:
                ans = e2e.request("GET", "/notes/%d/" % acked[0][0])
            item = (t0, time.time(), kind, ans.status, ans.json)
        except Exception as exc:  # noqa: BLE001  a broken connection is a result too
            item = (t0, time.time(), kind, None, repr(exc))
        with lock:
            results.append(item)
        time.sleep(0.05)


try:
    fresh = drill.restart_pool(between=freeze)
    t_start = time.time()
    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in ("read", "write", "ping")]
    for t in threads:
        t.start()
    time.sleep(FROZEN_S)
    stop.set()
    for t in threads:
        t.join(3 * DEADLINE)
    check(not any(t.is_alive() for t in threads), "the clients finished")
finally:
    drill.pg_thaw(frozen)
t_thaw = time.time()

db = [r for r in results if r[2] != "ping"]
pings = [r for r in results if r[2] == "ping"]
print("# while frozen: %d database requests, %d pings" % (len(db), len(pings)))
check(len(db) > 10, "the clients were answered while frozen (%d answers)" % len(db))
bad = [r for r in db if r[3] != 503 or not drill.is_json_detail(r[4])]
check(not bad, "every database request was a JSON 503 while frozen (others: %s)"
      % drill.dumps([(r[2], r[3], r[4]) for r in bad[:5]]))
check(pings and all(p[3] == 200 for p in pings), "GET /ping answered 200 (others: %s)"
      % drill.dumps([p[3:] for p in pings if p[3] != 200][:3]))
waits = [r[1] - r[0] for r in db]
slowest, median = max(waits or [0]), statistics.median(waits or [0])
check(slowest < 3.0, "no request waited a deadline (%.1f s) for a fresh worker: slowest %.2f s" % (DEADLINE, slowest))
check(median < 0.3, "the 503s come at once (median %.3f s of %d)" % (median, len(waits)))
ping_slowest = max([p[1] - p[0] for p in pings] or [0])
check(ping_slowest < 3.0, "GET /ping never waited long (slowest %.2f s)" % ping_slowest)
log = hostile.log_since("worker.log", log_offset)
check("no answer within 1000 ms" in log, "the workers log the silent database (%r)" % log[-300:])

first_ok = None
while time.time() < t_thaw + 5:
    ans = e2e.request("GET", "/notes/%d/" % acked[0][0])
    if ans.status == 200:
        first_ok = time.time() - t_thaw
        break
    check(ans.status == 503, "answers before recovery are 503 (%r)" % ans)
    time.sleep(0.05)
check(first_ok is not None and first_ok <= 2.0, "requests succeed within 2 s of the thaw (%s)"
      % ("%.2f s" % first_ok if first_ok is not None else "never"))
for _ in range(6):  # every worker, not just the first, has recovered
    check(e2e.request("GET", "/notes/%d/" % acked[0][0]).status == 200, "a read after the thaw")
check(e2e.worker_pids() == fresh, "the same workers recovered without a restart")
stored = set()
for line in hostile.psql("SELECT id || chr(31) || title FROM notes").splitlines():
    ident, _, title = line.partition("\x1f")
    stored.add((int(ident), title))
missing = [a for a in acked if a not in stored]
check(not missing, "every acknowledged note is in the table (missing: %r)" % missing)
drill.record_figure(
    "drill db_frozen_at_start: pool started on a frozen database (deadline %.1f s): %d database requests, all 503, "
    "slowest %.2f s, median %.3f s; /ping slowest %.2f s; first success %.2f s after the thaw"
    % (DEADLINE, len(db), slowest, median, ping_slowest, first_ok if first_ok is not None else -1))
e2e.finish()
