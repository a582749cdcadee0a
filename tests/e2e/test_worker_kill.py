#!/usr/bin/env python3
# tests/e2e/test_worker_kill.py: workers killed with SIGKILL under load are replaced by
# multiwatch and later requests succeed; with the whole pool gone nginx answers a JSON 502.
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402
from e2e import check, check_json_answer, request  # noqa: E402

e2e.need_stack()
WORKERS = int(os.environ.get("WORKERS", "2"))

a = request("POST", "/notes/", {"title": "survivor", "description": "outlives its worker"})
check(a.status == 201, "a note to read under load (%r)" % a)
nid = a.json["id"] if a.json else 1

before = e2e.worker_pids()
check(len(before) == WORKERS, "%d workers run under multiwatch (%r)" % (WORKERS, before))

# Load: a few clients on kept-alive connections, reading and writing, until told to stop.
stop = threading.Event()
results = []  # (time, status, detail)
lock = threading.Lock()


def client(n):
    conn = e2e.connect(timeout=10)
    i = 0
    while not stop.is_set():
        i += 1
        try:
            if i % 3 == 0:
                ans = request("POST", "/notes/", {"title": "load %d %d" % (n, i), "description": "under load"},
                              conn=conn)
            else:
                ans = request("GET", "/notes/%d/" % nid, conn=conn)
            item = (time.time(), ans.status, ans.json)
            if ans.will_close:
                conn.close()
                conn = e2e.connect(timeout=10)
        except Exception as exc:  # a broken client connection counts as a failure
            item = (time.time(), None, repr(exc))
            conn.close()
            conn = e2e.connect(timeout=10)
        with lock:
            results.append(item)
    conn.close()


threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
for t in threads:
    t.start()
time.sleep(1.0)

# Kill one worker, then (after it is replaced) all of them at once.
victim = before[0]
t_kill1 = time.time()
os.kill(victim, signal.SIGKILL)
replaced = e2e.wait_until(lambda: victim not in e2e.worker_pids() and len(e2e.worker_pids()) == WORKERS, 5)
check(replaced, "the killed worker %d was replaced (now %r)" % (victim, e2e.worker_pids()))
time.sleep(1.0)
all_before = e2e.worker_pids()
t_kill2 = time.time()
for pid in all_before:
    os.kill(pid, signal.SIGKILL)
replaced = e2e.wait_until(lambda: not set(all_before) & set(e2e.worker_pids())
                          and len(e2e.worker_pids()) == WORKERS, 5)
check(replaced, "all %d workers killed at once were replaced (%r -> %r)" % (WORKERS, all_before, e2e.worker_pids()))
time.sleep(1.5)
stop.set()
for t in threads:
    t.join(30)
check(not any(t.is_alive() for t in threads), "load clients finished")

ok = [r for r in results if r[1] in (200, 201)]
bad = [r for r in results if r[1] not in (200, 201)]
late = [r for r in results if r[0] > t_kill2 + 1.0]
print("# %d requests under load, %d failed: %r" % (len(results), len(bad), [(r[1], r[2]) for r in bad][:5]))
check(len(ok) > 50, "requests were served under load (%d)" % len(ok))
# Only the requests in the hands of a killed worker may fail, and only with nginx's JSON 502.
check(len(bad) <= 1 + len(all_before), "at most one failure per killed worker (%d)" % len(bad))
check(all(r[1] == 502 and isinstance(r[2], dict) and "detail" in r[2] for r in bad),
      "failures are JSON 502 answers")
check(late and all(r[1] in (200, 201) for r in late), "every request after the kills succeeded (%d)" % len(late))

# Later requests, on fresh and kept connections, all succeed.
conn = e2e.connect()
statuses = [request("GET", "/notes/%d/" % nid, conn=conn).status for _ in range(40)]
conn.close()
check(statuses == [200] * 40, "40 requests after the kills all succeed")
a = request("GET", "/notes/%d/" % nid)
check(a.json is not None and a.json.get("title") == "survivor", "the note survived its workers")

# The whole pool gone: nginx itself answers, in JSON.
os.kill(e2e.pool_pid(), signal.SIGTERM)
gone = e2e.wait_until(lambda: not os.path.exists("/proc/%d" % e2e.pool_pid()), 10)
check(gone, "the pool stops on SIGTERM")
a = request("GET", "/notes/%d/" % nid)
check_json_answer(a, 502, "GET with no pool behind nginx")
rc, out = e2e.stack_run("status")
check(rc == 1 and "pool: stopped" in out, "status reports the pool stopped (rc %d)" % rc)

e2e.finish()
