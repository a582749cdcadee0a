#!/usr/bin/env python3
# tests/drills/drill_pg_down_at_start.py: the worker pool starts while Postgres is down.
#
# Postgres is stopped, then the stack's pool is stopped and started afresh (spawn-fcgi +
# multiwatch on the same socket, the worker contract's way to run it), so every worker starts
# without a database. Held when:
#   - GET /ping answers 200 and every database route answers a JSON 503 (never 500/502/504);
#   - once Postgres is started, the same workers (no restart) answer 200/201 within 2 s, and
#     everything works: create, read, update, list, delete.
# Bounded: about 10 s plus the stack's start.
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import drill  # noqa: E402
from drill import check, e2e, hostile  # noqa: E402

e2e.need_stack()
drill.need_embedded_pg()
WORKERS = len(e2e.worker_pids())

a = e2e.request("POST", "/notes/", {"title": "before the outage", "description": "kept"})
check(a.status == 201, "a note before the outage (%r)" % a)
kept_id = a.json["id"] if a.json else 1

fresh = drill.restart_pool(between=drill.pg_stop)  # every worker starts without a database

ping = e2e.request("GET", "/ping")
check(ping.status == 200 and ping.json == {"ping": "pong!"}, "GET /ping answers while Postgres is down (%r)" % ping)
down_answers = [
    ("GET /notes/", e2e.request("GET", "/notes/")),
    ("GET /notes/1/", e2e.request("GET", "/notes/%d/" % kept_id)),
    ("POST /notes/", e2e.request("POST", "/notes/", {"title": "while down", "description": "not stored"})),
    ("PUT /notes/1/", e2e.request("PUT", "/notes/%d/" % kept_id, {"title": "while down", "description": "not stored"})),
    ("DELETE /notes/1/", e2e.request("DELETE", "/notes/%d/" % kept_id)),
]
for name, ans in down_answers:
    e2e.check_json_answer(ans, 503, "%s with Postgres down" % name)
# Validation still answers without a database.
bad = e2e.request("POST", "/notes/", {"title": "x"})
check(bad.status == 422, "validation answers 422 without a database (%r)" % bad)

drill.pg_start()
t_up = time.time()
first = None
while time.time() < t_up + 5:
    ans = e2e.request("POST", "/notes/", {"title": "after the outage", "description": "stored"})
    if ans.status == 201:
        first = time.time() - t_up
        break
    check(ans.status == 503, "answers before recovery are 503 (%r)" % ans)
    time.sleep(0.05)
check(first is not None and first <= 2.0, "the first write succeeds within 2 s of Postgres being up (%s)" %
      ("%.2f s" % first if first is not None else "never"))
new_id = ans.json["id"] if ans.json else 0
for _ in range(3 * WORKERS):  # every worker, not just the first, has recovered
    check(e2e.request("GET", "/notes/%d/" % kept_id).status == 200, "GET the old note after recovery")
check(e2e.request("PUT", "/notes/%d/" % new_id, {"title": "updated", "description": "after"}).status == 200,
      "PUT after recovery")
lst = e2e.request("GET", "/notes/")
check(lst.status == 200 and {n["id"] for n in lst.json} >= {kept_id, new_id}, "the list after recovery has both notes")
check(e2e.request("DELETE", "/notes/%d/" % new_id).status == 200, "DELETE after recovery")
check(e2e.worker_pids() == fresh, "the same workers recovered without a restart (%r -> %r)" % (fresh, e2e.worker_pids()))
drill.record_figure("drill pg_down_at_start: pool started without Postgres, /ping 200, db routes 503, first write %.2f s after Postgres came up"
                    % (first if first is not None else -1))
e2e.finish()
