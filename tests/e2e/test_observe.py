#!/usr/bin/env python3
# tests/e2e/test_observe.py: what an operator sees, on a real stack (nginx, 3 workers, Postgres):
#   1. GET /ready: 200 while the database answers, without a new connection per call; 503 JSON
#      when Postgres stops and 200 again when it is back; compose's health check follows it;
#   2. a request id followed from the client through nginx's access log to the worker's log,
#      and a malformed one replaced;
#   3. /metrics parsed as Prometheus text, counters that match a known number of requests sent
#      over many connections (so across workers), refused (403) to a client in a network
#      namespace of this test's (not loopback);
#   4. `scripts/stack logs --reopen` under load: the logs moved away and reopened, every request
#      of the load in nginx's and the worker's logs, none lost;
#   5. a streamed list (NOTES_LIST_MAX=0, no ?limit=) counted like any statement: the time it
#      waited for the database in its log line's db_ms; a list cut mid-stream by the database a
#      database error in /metrics (and its time in db_ms too).
import concurrent.futures
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "drills"))
import e2e  # noqa: E402

if not os.environ.get("BASE_URL"):
    # A configuration file for what with-stack does not pass on: nginx on every address, so a
    # client in another network namespace can reach it (with auth off the default is loopback).
    import tempfile
    fd, conf = tempfile.mkstemp(prefix="test_observe.", suffix=".conf")
    os.write(fd, b"# tests/e2e/test_observe.py\nbind = 0.0.0.0\n")
    os.close(fd)
    os.chmod(conf, 0o644)
    os.environ.update(WORKERS="3", NOTES_LOG_LEVEL="info", NOTES_CONFIG=conf, NOTES_LIST_MAX="0")
    os.environ.pop("NOTES_ACCESS_LOG", None)
e2e.need_stack()
import drill  # noqa: E402

check = e2e.check
STACK_DIR = os.environ["STACK_DIR"]
LOG = os.path.join(STACK_DIR, "log")
PORT = int(os.environ["PORT"])


def get(path, headers=None):
    return e2e.request("GET", path, headers=headers)


def log_lines(name):
    try:
        with open(os.path.join(LOG, name), errors="replace") as f:
            return f.read().splitlines()
    except OSError:
        return []


def json_lines(*names):
    out = []
    for name in names:
        for line in log_lines(name):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def compose_health(service):
    """The compose health check of service, aimed at this stack's nginx."""
    text = open(os.path.join(e2e.SRCDIR, "docker-compose.yml")).read()
    block = text[text.index("\n  %s:\n" % service):]
    m = re.search(r'test: \["CMD", (.*)\]', block)
    argv = [json.loads(x) for x in re.findall(r'"[^"]*"', m.group(1))]
    argv = [a.replace("127.0.0.1:8002", "127.0.0.1:%d" % PORT) for a in argv]
    # The image's script, from the source tree (docker/ is copied to /etc/notes/).
    argv = [os.path.join(e2e.SRCDIR, "docker", os.path.basename(a)) if a.startswith("/etc/notes/") else a
            for a in argv]
    return subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10,
                          env=dict(os.environ, PORT=str(PORT))).returncode


def worker_backends():
    return int(drill.hostile.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'notes-worker'"))


# --- 1. readiness -----------------------------------------------------------------------------
a = get("/ready")
e2e.check_json_answer(a, 200, "GET /ready with the database up")
check(a.json == {"status": "ready", "database": "ok"}, "/ready says ready (%r)" % a.json)
check(compose_health("nginx") == 0, "compose's nginx health check passes")
before = worker_backends()
t0 = time.monotonic()
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    statuses = list(pool.map(lambda _: get("/ready").status, range(300)))
took = time.monotonic() - t0
check(statuses.count(200) == 300, "300 GET /ready in %.1f s all 200" % took)
check(worker_backends() == before, "they opened no connection (%d worker backends before and after)" % before)

drill.pg_stop()
try:
    # Each worker caches its probe for ready_cache_ms (1 s): wait until every worker knows, as
    # all_ready() below does for the way back.
    check(e2e.wait_until(lambda: all(get("/ready").status == 503 for _ in range(20)), 15, 0.5),
          "Postgres stopped: every worker's /ready answers 503 within 15 s")
    a = get("/ready")
    e2e.check_json_answer(a, 503, "GET /ready with Postgres down")
    check(a.json and a.json.get("status") == "not ready" and a.json.get("detail"),
          "the 503 says what is wrong (%r)" % (a.json,))
    detail = (a.json or {}).get("detail") or ""
    check(detail.startswith("cannot connect to the database") and STACK_DIR not in detail
          and ".s.PGSQL" not in detail and "socket" not in detail,
          "it names the kind of problem, not the socket's path (%r)" % detail)
    check(any(l.get("event") == "cannot connect to the database" and ".s.PGSQL" in (l.get("detail") or "")
              for l in json_lines("worker.log")),
          "the worker's log keeps libpq's own words, with the socket")
    check(compose_health("nginx") != 0, "compose's nginx health check fails")
    check(get("/ping").status == 200, "/ping (liveness) still answers 200")
    rc, out = e2e.stack_run("status")
    check("ready:" in out and "not ready" in out, "scripts/stack status shows not ready")

    # --- 2. a failing request followed by its id (while the database is down)
    rid = "trace-" + uuid.uuid4().hex[:12]
    a = get("/notes/1/", headers={"X-Request-ID": rid})
    check(a.status == 503, "GET /notes/1/ answers 503 while Postgres is down (%r)" % a)
    check(a.headers.get("X-Request-ID") == rid, "the answer carries the client's X-Request-ID")
finally:
    drill.pg_start()
check(e2e.wait_until(lambda: get("/ready").status == 200, 20), "Postgres back: /ready 200 again within 20 s")


def all_ready():
    """Every worker back: 20 answers of /ready in a row, over fresh connections, are 200."""
    return all(get("/ready").status == 200 for _ in range(20))


check(e2e.wait_until(all_ready, 30, 0.5), "every worker ready again within 30 s")


def all_serve():
    """Every worker reads the database again: 24 reads at a time (so each of the 3 workers takes
    some) all answer 200. /ready in a row may all go to one worker; a worker that saw the outage
    and no request since could still be reconnecting, and the counts and locks below need
    every worker on a live connection."""
    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        return all(st == 200 for st in pool.map(lambda _: get("/notes/?limit=1").status, range(24)))


check(e2e.wait_until(all_serve, 30, 0.5), "every worker reads the database again within 30 s")
check(compose_health("nginx") == 0, "compose's nginx health check passes again")

time.sleep(1.5)  # nginx writes its access log at least once a second
access = [l for l in json_lines("nginx-access.log") if l.get("request_id") == rid]
check(len(access) == 1 and access[0].get("status") == 503 and access[0].get("uri") == "/notes/1/",
      "nginx's JSON access log has the request under its id (%r)" % access)
worker = [l for l in json_lines("worker.log") if l.get("request_id") == rid]
events = [l.get("event") for l in worker]
check("request" in events and any(l.get("level") == "warn" for l in worker),
      "the worker's log has the request and its problem under the same id (%r)" % events)
done = [l for l in worker if l.get("event") == "request"]
check(done and done[0].get("status") == 503 and "db_ms" in done[0] and "time" in done[0],
      "the worker's line: status, database time, time (%r)" % done[:1])

for bad in ("has space", "x" * 65, "semi;colon"):
    a = get("/ping", headers={"X-Request-ID": bad})
    got = a.headers.get("X-Request-ID", "")
    check(re.fullmatch(r"[0-9a-f]{32}", got) is not None, "malformed X-Request-ID %r replaced by nginx's (%r)" % (bad[:10], got))
a = get("/ping")
check(re.fullmatch(r"[0-9a-f]{32}", a.headers.get("X-Request-ID", "")) is not None, "a request without one gets one")


# --- 3. metrics -------------------------------------------------------------------------------
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")*)?\})? (-?[0-9.e+-]+|\+Inf|NaN)$')


def scrape():
    """/metrics as {(name, frozenset(labels)): value}; problems when it is not Prometheus text."""
    a = get("/metrics")
    problems = []
    if a.status != 200:
        return None, ["status %d" % a.status]
    if not a.headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"):
        problems.append("Content-Type %r" % a.headers.get("Content-Type"))
    samples, types = {}, {}
    for line in a.raw.decode().splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
            continue
        if line.startswith("# HELP ") or not line:
            continue
        m = SAMPLE.match(line)
        if not m:
            problems.append("not a sample: %r" % line)
            continue
        labels = frozenset(re.findall(r'([a-zA-Z_]+)="([^"]*)"', m.group(3) or ""))
        samples[(m.group(1), labels)] = float(m.group(5))
        base = re.sub(r"_(bucket|sum|count)$", "", m.group(1))
        if m.group(1) not in types and base not in types:
            problems.append("no TYPE for %s" % m.group(1))
    return samples, problems


def requests_of(s, route, status, method="GET"):
    return s.get(("notes_requests_total", frozenset({("method", method), ("route", route), ("status", status)})), 0)


s0, problems = scrape()
check(s0 is not None and not problems, "/metrics is Prometheus text (%r)" % problems[:3])
N_PING, N_MISS = 240, 30
count_id = "count-%s-" % uuid.uuid4().hex[:8]
with concurrent.futures.ThreadPoolExecutor(12) as pool:
    got = list(pool.map(lambda i: get("/ping" if i < N_PING else "/notes/999999/",
                                      {"X-Request-ID": "%s%d" % (count_id, i)}).status, range(N_PING + N_MISS)))
check(got.count(200) == N_PING and got.count(404) == N_MISS, "sent %d GET /ping and %d GET of a missing note (statuses %r)" % (N_PING, N_MISS, sorted(set(got))))
s1, problems = scrape()
check(not problems, "second scrape is Prometheus text too")
d_ping = requests_of(s1, "/ping", "200") - requests_of(s0, "/ping", "200")
d_miss = requests_of(s1, "/notes/{id}/", "404") - requests_of(s0, "/notes/{id}/", "404")
check(d_ping == N_PING, "notes_requests_total /ping 200 grew by %d (sent %d): the pool's total" % (d_ping, N_PING))
check(d_miss == N_MISS, "notes_requests_total /notes/{id}/ 404 grew by %d (sent %d)" % (d_miss, N_MISS))
served = {}
for l in json_lines("worker.log"):
    if (l.get("request_id") or "").startswith(count_id) and l.get("event") == "request":
        served[l.get("pid")] = served.get(l.get("pid"), 0) + 1
check(len(served) >= 2 and sum(served.values()) == N_PING + N_MISS,
      "they were served by %d workers (%r): the counters are the pool's sum, not one worker's"
      % (len(served), sorted(served.values())))
count = ("notes_request_duration_seconds_count", frozenset())
inf = ("notes_request_duration_seconds_bucket", frozenset({("le", "+Inf")}))
check(s1[count] - s0[count] == N_PING + N_MISS + 1,
      "the latency histogram counted them all, and the first scrape (%d)" % (s1[count] - s0[count]))
check(s1[inf] == s1[count], "its +Inf bucket equals its count")
buckets = sorted(((float(dict(k[1])["le"]), v) for k, v in s1.items()
                  if k[0] == "notes_request_duration_seconds_bucket" and dict(k[1])["le"] != "+Inf"))
check(all(b[1] <= c[1] for b, c in zip(buckets, buckets[1:])), "the buckets are cumulative")
check(s1[("notes_pool_size", frozenset())] == 3 and s1[("notes_pool_workers", frozenset())] == 3,
      "pool size 3, 3 workers running")
check(1 <= s1[("notes_pool_busy_workers", frozenset())] <= 3, "busy workers counted (the scrape's own)")
check(s1[("notes_db_errors_total", frozenset())] >= 1, "the 503 of the outage is a database error")
check(s1[("notes_db_reconnects_total", frozenset())] >= 1, "the workers' reconnections after it are counted")
check(("notes_db_deadline_expiries_total", frozenset()) in s1, "deadline expiries are exported")

# From another host: a network namespace of this test's, on a veth pair to this one.
ns = "i14m%d" % (os.getpid() % 100000)
net = "10.214.%d" % (os.getpid() % 250)
host_if, ns_if = ns + "h", ns + "n"


def sh(*argv):
    return subprocess.run(list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30)


setup = [("ip", "netns", "add", ns), ("ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if),
         ("ip", "link", "set", ns_if, "netns", ns), ("ip", "addr", "add", net + ".1/30", "dev", host_if),
         ("ip", "link", "set", host_if, "up"), ("ip", "-n", ns, "addr", "add", net + ".2/30", "dev", ns_if),
         ("ip", "-n", ns, "link", "set", ns_if, "up"), ("ip", "-n", ns, "link", "set", "lo", "up")]
try:
    failed = [" ".join(c) + ": " + r.stdout.strip() for c in setup for r in [sh(*c)] if r.returncode != 0]
    check(not failed, "a network namespace %s at %s.2 (%s)" % (ns, net, failed[:1]))

    def from_ns(path):
        r = sh("ip", "netns", "exec", ns, "curl", "-sS", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}",
               "http://%s.1:%d%s" % (net, PORT, path))
        return r.stdout.strip()

    check(from_ns("/ping") == "200", "from the namespace, /ping answers 200 (the stack is reachable)")
    check(from_ns("/metrics") == "403", "from the namespace, /metrics is refused with 403")
    check(from_ns("/metrics/") == "403", "and /metrics/ too")
finally:
    sh("ip", "link", "del", host_if)
    sh("ip", "netns", "del", ns)
check(get("/metrics/").status == 200, "from loopback, /metrics/ answers")


# --- 4. log reopen under load -----------------------------------------------------------------
prefix = "load-%s-" % uuid.uuid4().hex[:8]
sent, stop = [], threading.Event()


def load(t):
    c = e2e.connect()
    i = 0
    while not stop.is_set():
        rid = "%s%d-%d" % (prefix, t, i)
        try:
            a = e2e.request("GET", "/ping", conn=c, headers={"X-Request-ID": rid})
        except OSError:
            c.close()
            c = e2e.connect()
            continue
        if a.status == 200:
            sent.append(rid)
        i += 1
    c.close()


threads = [threading.Thread(target=load, args=(t,)) for t in range(6)]
for t in threads:
    t.start()
time.sleep(1.5)
for name in ("nginx-access.log", "worker.log"):
    os.rename(os.path.join(LOG, name), os.path.join(LOG, name + ".1"))  # what logrotate does
time.sleep(0.5)
rc, out = e2e.stack_run("logs", "--reopen")
check(rc == 0, "scripts/stack logs --reopen (%s)" % out.strip().replace("\n", "; "))
time.sleep(1.5)
stop.set()
for t in threads:
    t.join()
time.sleep(1.5)
ids = set(sent)
for name in ("nginx-access.log", "worker.log"):
    old = {l.get("request_id") for l in json_lines(name + ".1")} & ids
    new = {l.get("request_id") for l in json_lines(name)} & ids
    check(len(old) > 0 and len(new) > 0, "%s: lines before the reopen in the moved file (%d), after it in the new one (%d)"
          % (name, len(old), len(new)))
    check(old | new == ids, "%s: every one of the %d requests of the load is logged (%d missing)"
          % (name, len(ids), len(ids - old - new)))
    check(not (old & new), "%s: none twice" % name)


# --- 5. streamed lists in db_ms and the database errors ----------------------------------------
def worker_line(rid):
    """The worker's request line for request id rid (None while it is not written)."""
    lines = [l for l in json_lines("worker.log") if l.get("request_id") == rid and l.get("event") == "request"]
    return lines[0] if lines else None


# a. A streamed list that waits LOCK_S for the table: that wait is database time. Every worker
#    on a live connection first (one that connected under the lock would wait in its prepares).
LOCK_S = 0.8
check(e2e.wait_until(all_serve, 30, 0.5), "every worker reads the database before the lock")
locker = subprocess.Popen(["psql", "-X", "-q", "-At", "-d", os.environ["DATABASE_URL"]], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
locker.stdin.write("BEGIN; LOCK TABLE notes IN ACCESS EXCLUSIVE MODE; SELECT 'locked';\n")
locker.stdin.flush()
check(locker.stdout.readline().strip() == "locked", "the notes table is locked")
rid = "stream-" + uuid.uuid4().hex[:12]
with concurrent.futures.ThreadPoolExecutor(1) as pool:
    pending = pool.submit(get, "/notes/", {"X-Request-ID": rid})
    time.sleep(LOCK_S)
    locker.stdin.write("ROLLBACK;\n")
    locker.stdin.close()
    locker.wait(30)
    a = pending.result()
check(a.status == 200 and isinstance(a.json, list), "the streamed list waited for the lock and answered 200 (%r)" % a)
check(e2e.wait_until(lambda: worker_line(rid) is not None, 5), "the worker logged it")
line = worker_line(rid) or {}
check(LOCK_S * 1000 * 0.75 <= line.get("db_ms", 0) <= line.get("ms", 0),
      "its db_ms holds the %.1f s it waited for the database (db_ms %s of ms %s)" % (LOCK_S, line.get("db_ms"), line.get("ms")))

# b. A list cut mid-stream by the database: one database error, its database time in db_ms.
#    Made certain, not raced: as soon as the answer's head arrives, nginx is stopped (SIGSTOP),
#    so the worker's writes block, then its reads, until the server's session waits to send
#    (ClientWrite); that session is terminated and nginx let go on. 200,000 notes (about 10 MB
#    of JSON) are many times what the sockets between them hold. (Stopping nginx only after
#    100 kB had reached the client lost the race under load: nginx, which buffers, had already
#    read a 5 MB list whole.)
ROWS = 200000
LIST_SQL = "application_name = 'notes-worker' AND state = 'active' AND query LIKE 'SELECT id, title%'"
drill.hostile.psql("INSERT INTO notes (title, description) SELECT 'r', 'r' FROM generate_series(1, %d)" % ROWS, timeout=300)


def children(parent):
    """The pids whose parent is parent (from /proc; a process gone meanwhile is skipped)."""
    out = []
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/stat" % p) as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == parent:
                    out.append(int(p))
        except (OSError, ValueError, IndexError):
            pass
    return out


with open(os.path.join(STACK_DIR, "run", "nginx.pid")) as f:
    nginx_workers = children(int(f.read()))
s0, _ = scrape()
errors = ("notes_db_errors_total", frozenset())
rid = "cut-" + uuid.uuid4().hex[:12]
conn = e2e.connect(timeout=30)
conn.request("GET", "/notes/", headers={"X-Request-ID": rid})
resp = conn.getresponse()
for p in nginx_workers:
    os.kill(p, signal.SIGSTOP)
try:
    blocked = e2e.wait_until(lambda: drill.hostile.psql(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'ClientWrite' AND " + LIST_SQL) == "1", 15, 0.1)
    killed = drill.hostile.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE " + LIST_SQL)
finally:
    for p in nginx_workers:
        os.kill(p, signal.SIGCONT)
got = b""
try:
    got = resp.read()
    raised = "nothing"
except http.client.IncompleteRead as exc:
    got = exc.partial
    raised = type(exc).__name__
except Exception as exc:  # noqa: BLE001
    raised = type(exc).__name__
conn.close()
check(resp.status == 200 and got.startswith(b"[{") and nginx_workers,
      "a list of %d notes flowing (%d bytes arrived), nginx (%d workers) stopped" % (ROWS, len(got), len(nginx_workers)))
check(blocked and killed == "1", "its database session waited to send, mid-stream, and was terminated (%s)" % killed)
check(raised == "IncompleteRead", "the client sees the list cut short (%s)" % raised)
s1, _ = scrape()
check(s1[errors] - s0[errors] == 1, "notes_db_errors_total grew by 1 (%d): the cut list is a database error"
      % (s1[errors] - s0[errors]))
check(e2e.wait_until(lambda: worker_line(rid) is not None, 5), "the worker logged the cut list")
line = worker_line(rid) or {}
check(0 < line.get("db_ms", 0) <= line.get("ms", 0),
      "its line has the time it waited for the database (db_ms %s of ms %s)" % (line.get("db_ms"), line.get("ms")))

if os.path.basename(os.environ.get("NOTES_CONFIG", "")).startswith("test_observe."):
    # The stack down first: without its configuration file with-stack's `down` fails, and
    # the stack (nginx, the pool, Postgres) would outlive the test.
    rc, out = e2e.stack_run("down")
    check(rc == 0, "scripts/stack down (%s)" % out.strip().replace("\n", "; "))
    os.unlink(os.environ["NOTES_CONFIG"])
e2e.finish()
