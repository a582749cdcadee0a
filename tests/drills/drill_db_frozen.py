#!/usr/bin/env python3
# tests/drills/drill_db_frozen.py: the database stops answering (SIGSTOP), then comes back.
#
# The stack runs 2 workers with a 1 s statement timeout and a 1.5 s client deadline
# (NOTES_DB_TIMEOUT_MS). Two writers and a reader run on kept-alive connections, and a prober
# sends GET /ping every 0.1 s. After 1.5 s every process of the stack's own Postgres is
# SIGSTOPped (a stalled disk, a frozen VM, a partition without a reset: nothing is closed, the
# server simply stops answering) for 6 s, well past the deadline, then SIGCONTed; the load runs
# 4 s more. Held when:
#   - every answer is 200/201 or a JSON 503: never 500, 502, 504 or a broken connection;
#   - no database request waits much longer than the deadline (each under 4 s: the deadline,
#     one probe of 1 s and a generous margin), and once the outage is known the 503s come at
#     once (their median under 0.3 s: fail fast, not one deadline each);
#   - GET /ping keeps answering: every probe gets 200, each under 1.5 s once the outage is
#     known, none over 3 s at all;
#   - requests succeed again within 2 s of the database thawing, with no restart (same pids);
#   - the worker log says what happened ("no answer within 1500 ms");
#   - every note acknowledged with 201 is in the table afterwards.
# Bounded: about 12 s of drill plus the stack's start.
import os
import statistics
import sys
import threading
import time

os.environ.update(WORKERS="2", NOTES_STATEMENT_TIMEOUT_MS="1000", NOTES_DB_TIMEOUT_MS="1500")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import drill  # noqa: E402
from drill import check, e2e, hostile  # noqa: E402

e2e.need_stack()
drill.need_embedded_pg()
DEADLINE = 1.5


class Prober:
    """GET /ping every 0.1 s on a fresh connection: (t_start, t_end, status)."""

    def __init__(self):
        self.results, self.stop = [], threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stop.is_set():
            t0 = time.time()
            try:
                status = e2e.request("GET", "/ping").status
            except Exception as exc:  # noqa: BLE001  a broken connection is a result too
                status = repr(exc)
            self.results.append((t0, time.time(), status))
            time.sleep(0.1)

    def start(self):
        self.thread.start()
        return self

    def finish(self):
        self.stop.set()
        self.thread.join(30)


workers_before = e2e.worker_pids()
log_offset = hostile.log_size("worker.log")  # the workers' JSON log (NOTES_LOG_FILE)
load = drill.Load(writers=2, readers=1, timeout=30).start()
prober = Prober().start()
time.sleep(1.5)

frozen = drill.pg_freeze()
t_freeze = time.time()
try:
    time.sleep(6.0)
finally:
    drill.pg_thaw(frozen)
t_thaw = time.time()
time.sleep(4.0)
check(load.finish(), "the load clients finished")
prober.finish()
results, pings = load.results, prober.results

print("# answers: %s; frozen %.1f s; %d pings" % (drill.summary(results), t_thaw - t_freeze, len(pings)))
bad = [r for r in results if r[3] not in (200, 201, 503)]
check(not bad, "only 200, 201 and 503 answers (others: %s)" % drill.dumps([(r[2], r[3], r[4]) for r in bad[:5]]))
outage = [r for r in results if r[3] == 503]
check(len(outage) > 10, "the outage was seen: %d answers were 503" % len(outage))
check(all(drill.is_json_detail(r[4]) for r in outage), "every 503 is JSON with a detail")
during = [r for r in results if t_freeze <= r[0] <= t_thaw]
slowest = max([r[1] - r[0] for r in during] or [0])
check(slowest < 4.0, "no request waits much past the deadline during the freeze (slowest %.2f s)" % slowest)
known = t_freeze + DEADLINE + 0.5
late_503 = [r[1] - r[0] for r in outage if r[0] >= known]
median_503 = statistics.median(late_503) if late_503 else None
check(median_503 is not None and median_503 < 0.3,
      "once the outage is known, 503s come at once (median %s s of %d)" %
      ("%.3f" % median_503 if median_503 is not None else "-", len(late_503)))
ping_bad = [p for p in pings if p[2] != 200]
check(not ping_bad, "every GET /ping answered 200 (others: %r)" % ping_bad[:3])
ping_frozen = [p[1] - p[0] for p in pings if known <= p[0] <= t_thaw]
ping_max_known = max(ping_frozen or [0])
ping_max = max([p[1] - p[0] for p in pings] or [0])
check(len(ping_frozen) > 10 and ping_max_known < 1.5,
      "GET /ping answers within 1.5 s while the database is frozen (%d probes, slowest %.3f s)" %
      (len(ping_frozen), ping_max_known))
check(ping_max < 3.0, "no GET /ping took 3 s or more (slowest %.3f s)" % ping_max)
after = sorted(r[1] for r in results if r[0] >= t_thaw and r[3] in (200, 201))
first_ok = after[0] - t_thaw if after else None
check(first_ok is not None and first_ok <= 2.0,
      "requests succeed within 2 s of the database answering again (%s s)" %
      ("%.2f" % first_ok if first_ok is not None else "none"))
check(not [r for r in results if r[0] > t_thaw + 2.0 and r[3] not in (200, 201)],
      "every request started 2 s after the thaw succeeds")
log = hostile.log_since("worker.log", log_offset)
check("no answer within 1500 ms" in log, "the workers log the deadline (%r)" % log[-300:])
missing, acked = drill.acknowledged_in_table(results)
check(len(acked) > 20, "writes were acknowledged around the freeze (%d)" % len(acked))
check(not missing, "every acknowledged note is in the table (%d of %d missing: %r)" % (len(missing), len(acked), missing[:5]))
check(e2e.worker_pids() == workers_before, "the workers were not restarted")
drill.record_figure(
    "drill db_frozen: %d requests (%s) over a %.1f s freeze; slowest during the freeze %.2f s; "
    "median 503 once known %.3f s; /ping slowest %.3f s while frozen, %.3f s overall; first success %.2f s after the thaw"
    % (len(results), drill.summary(results), t_thaw - t_freeze, slowest, median_503 or -1, ping_max_known, ping_max,
       first_ok if first_ok is not None else -1))
e2e.finish()
