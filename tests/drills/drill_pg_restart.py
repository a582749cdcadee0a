#!/usr/bin/env python3
# tests/drills/drill_pg_restart.py: Postgres stopped and started again under a write load.
#
# Three writers and a reader run on kept-alive connections. After 1.5 s the stack's Postgres is
# stopped (pg_ctl -m fast), 3 s later started again, and the load runs 4 s more. Held when:
#   - every note acknowledged with 201 is in the table afterwards (same id and title);
#   - every answer is 200/201 or a JSON 503 {"detail": "..."}: never 500, 502, 504 or a broken
#     connection; the outage was seen (some 503s) and answered promptly (each under 2 s);
#   - the first write after Postgres is back succeeds within 2 s of it accepting connections;
#   - the workers were not restarted (same pids), and GET /ping answered throughout.
# Bounded: about 10 s of drill plus the stack's start (about 5 s).
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import drill  # noqa: E402
from drill import check, e2e, hostile  # noqa: E402

e2e.need_stack()
drill.need_embedded_pg()

workers_before = e2e.worker_pids()
load = drill.Load(writers=3, readers=1).start()
time.sleep(1.5)

t_stop = time.time()
drill.pg_stop()
t_down = time.time()
time.sleep(1.0)
ping_down = e2e.request("GET", "/ping")
time.sleep(2.0)
drill.pg_start()
t_up = time.time()
time.sleep(4.0)
check(load.finish(), "the load clients finished")
results = load.results

print("# answers: %s; Postgres stopped in %.2f s, down %.2f s" % (drill.summary(results), t_down - t_stop, t_up - t_down))
check(ping_down.status == 200, "GET /ping answers 200 while Postgres is down (%r)" % ping_down)
bad = [r for r in results if r[3] not in (200, 201, 503)]
check(not bad, "only 200, 201 and 503 answers (others: %s)" % drill.dumps([(r[2], r[3], r[4]) for r in bad[:5]]))
outage = [r for r in results if r[3] == 503]
check(len(outage) > 0, "the outage was seen: %d answers were 503" % len(outage))
check(all(drill.is_json_detail(r[4]) for r in outage),
      "every 503 is JSON with a detail (%s)" % drill.dumps([r[4] for r in outage if not drill.is_json_detail(r[4])][:3]))
slow = [r for r in outage if r[1] - r[0] > 2.0]
check(not slow, "503s come promptly, each under 2 s (slowest %.2f s)" % max([r[1] - r[0] for r in outage] or [0]))
check(not [r for r in results if r[0] > t_up + 2.0 and r[3] != (201 if r[2] == "write" else 200)],
      "every request started 2 s after Postgres is back succeeds")
writes_after = sorted(r[1] for r in results if r[2] == "write" and r[3] == 201 and r[0] >= t_up)
first_ok = writes_after[0] - t_up if writes_after else None
check(first_ok is not None and first_ok <= 2.0,
      "the first write succeeds within 2 s of Postgres being back (%s s)" %
      ("%.2f" % first_ok if first_ok is not None else "none"))
missing, acked = drill.acknowledged_in_table(results)
check(len(acked) > 20, "writes were acknowledged around the outage (%d)" % len(acked))
check(not missing, "every acknowledged note is in the table (%d of %d missing: %r)" % (len(missing), len(acked), missing[:5]))
workers_after = e2e.worker_pids()
check(workers_after == workers_before, "the workers were not restarted (%r -> %r)" % (workers_before, workers_after))
drill.record_figure("drill pg_restart: %d requests (%s), outage %.1f s, first write %.2f s after Postgres was back, %d acknowledged notes all kept"
                    % (len(results), drill.summary(results), t_up - t_down, first_ok or -1, len(acked)))
e2e.finish()
