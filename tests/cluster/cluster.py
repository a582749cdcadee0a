# tests/cluster/cluster.py: what the cluster drills share (Python 3 stdlib only): control of the
# cluster through scripts/cluster, a mixed load through nginx that records every answer, and the
# checks on what the load saw. The drills run on the cluster's client host (scripts/cluster drill).
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.parse

CLUSTER = os.environ.get("CLUSTER", "scripts/cluster")
BASE = urllib.parse.urlsplit(os.environ.get("BASE_URL", "http://10.213.0.2:8002"))
# No request may take longer than this (seconds): a worker may spend one database deadline
# (NOTES_DB_TIMEOUT_MS, 5.5 s) on a probe and one on the statement, plus a second for the rest.
DEADLINE = float(os.environ.get("CLUSTER_DEADLINE", "12"))
THREADS = int(os.environ.get("CLUSTER_LOAD_THREADS", "6"))
# Every 201 any drill saw: the next drill checks them again (a later fail-over loses nothing).
ACKED_FILE = os.path.join(os.environ.get("CLUSTER_DIR", "var/cluster"), "drill-acked.json")

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def finish(name):
    if failures:
        print("%s: %d check(s) failed" % (name, len(failures)), flush=True)
        sys.exit(1)
    print("%s: passed" % name, flush=True)


def cluster(*args, timeout=120):
    p = subprocess.run([CLUSTER] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("scripts/cluster %s: exit %d: %s" % (" ".join(args), p.returncode, p.stdout))
    return p.stdout.strip()


def monitor_states():
    """{node: reported state} as the monitor sees them; a node whose goal differs from what it
    last reported (a primary cut off still "reports" primary) shows as "reported->goal"."""
    out = monitor_sql("SELECT nodename || '=' || reportedstate || CASE WHEN goalstate <> reportedstate "
                      "THEN '->' || goalstate ELSE '' END FROM pgautofailover.node")
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def monitor_sql(sql):
    return cluster("exec", "monitor", "runuser", "-u", "postgres", "--", "psql", "-X", "-At", "-h", "/run/postgresql",
                   "-d", "pg_auto_failover", "-c", sql)


def state_reached_at(node, states, after):
    """When (time.time()) the monitor recorded NODE reporting one of STATES, first after AFTER:
    from the monitor's own event log, so the figure does not include how often we poll."""
    out = monitor_sql("SELECT extract(epoch FROM min(eventtime)) FROM pgautofailover.event "
                      "WHERE nodename = '%s' AND reportedstate IN (%s) AND eventtime > to_timestamp(%f)" % (
                          node, ", ".join("'%s'" % s for s in states), after))
    return float(out) if out else None


def wait_until(cond, limit, step=0.2):
    """Seconds until cond() held, or None after limit seconds."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        try:
            if cond():
                return time.monotonic() - t0
        except (RuntimeError, subprocess.TimeoutExpired):
            pass
        time.sleep(step)
    return None


def request(method, path, body=None):
    """(status, parsed body or None); status is 'error: ...' when no HTTP answer came."""
    conn = http.client.HTTPConnection(BASE.hostname, BASE.port or 80, timeout=DEADLINE + 15)
    try:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Connection": "close"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        raw = r.read()
        try:
            doc = json.loads(raw)
        except ValueError:
            doc = None
        return r.status, doc
    except (OSError, http.client.HTTPException) as e:
        return "error: %s" % type(e).__name__, None
    finally:
        conn.close()


class Load:
    """THREADS clients, each in a loop of mixed requests on its own notes: POST (35 %), GET of a
    note it created (35 %), PUT of one (15 %), a short list (10 %), /ping (5 %). One connection
    per request. Every answer is kept: (start, end, method, kind, status)."""

    def __init__(self, tag, max_requests=200000):
        self.tag = tag
        self.max_requests = max_requests
        self.records = []
        self.acked = {}  # id -> title of every 201
        self.allowed = {}  # id -> descriptions it may have now (acknowledged or maybe applied)
        self.lock = threading.Lock()
        self.stop_flag = threading.Event()
        self.threads = []
        self.t0 = time.monotonic()

    def _record(self, t0, method, kind, status):
        with self.lock:
            self.records.append((t0, time.monotonic(), method, kind, status))
            if len(self.records) >= self.max_requests:
                self.stop_flag.set()

    def _client(self, n):
        rnd = random.Random("%s-%d" % (self.tag, n))
        mine = []
        seq = 0
        while not self.stop_flag.is_set():
            x = rnd.random()
            t0 = time.monotonic()
            if x < 0.35 or not mine:
                seq += 1
                title = "%s-%d-%d" % (self.tag, n, seq)
                status, doc = request("POST", "/notes/", {"title": title, "description": "first"})
                self._record(t0, "POST", "create", status)
                if status == 201:
                    with self.lock:
                        self.acked[doc["id"]] = title
                        self.allowed[doc["id"]] = {"first"}
                    mine.append(doc["id"])
                    # Read your own write at once: the note is there.
                    t1 = time.monotonic()
                    s2, d2 = request("GET", "/notes/%d/" % doc["id"])
                    self._record(t1, "GET", "read-own-write", s2)
                    if s2 == 200 and d2.get("title") != title:
                        self._record(t1, "GET", "read-own-write", "wrong note")
            elif x < 0.70:
                nid = rnd.choice(mine)
                status, doc = request("GET", "/notes/%d/" % nid)
                self._record(t0, "GET", "get", status if status != 404 else "404 for an acknowledged note")
            elif x < 0.85:
                nid = rnd.choice(mine)
                seq += 1
                desc = "update %d" % seq
                with self.lock:
                    self.allowed[nid].add(desc)  # may be applied even if the answer is lost
                status, doc = request("PUT", "/notes/%d/" % nid, {"title": self.acked[nid], "description": desc})
                self._record(t0, "PUT", "update", status)
                if status == 200:
                    with self.lock:
                        self.allowed[nid] = {desc}
            elif x < 0.95:
                status, doc = request("GET", "/notes/?limit=5")
                self._record(t0, "GET", "list", status)
            else:
                status, doc = request("GET", "/ping")
                self._record(t0, "GET", "ping", status)

    def start(self):
        for n in range(THREADS):
            t = threading.Thread(target=self._client, args=(n,), daemon=True)
            t.start()
            self.threads.append(t)
        return self

    def stop(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join(DEADLINE + 30)

    # --- what the load saw ---

    def between(self, t_from, t_to):
        return [r for r in self.records if t_from <= r[0] < t_to]

    def summary(self, records=None):
        records = self.records if records is None else records
        by = {}
        for r in records:
            key = "%s %s" % (r[2], r[4])
            by[key] = by.get(key, 0) + 1
        return ", ".join("%s: %d" % kv for kv in sorted(by.items()))

    def latencies(self, records=None):
        records = self.records if records is None else records
        lat = sorted(r[1] - r[0] for r in records)
        if not lat:
            return 0.0, 0.0
        return lat[int(0.99 * (len(lat) - 1))], lat[-1]

    def print_figures(self, name):
        dur = max(r[1] for r in self.records) - min(r[0] for r in self.records)
        p99, worst = self.latencies()
        print("%s: %d requests in %.1f s (%.0f/s), p99 %.3f s, slowest %.3f s" % (
            name, len(self.records), dur, len(self.records) / dur, p99, worst), flush=True)
        print("%s: answers: %s" % (name, self.summary()), flush=True)


def save_acked(load):
    """Adds this drill's acknowledged notes to the file the next drills check."""
    old = load_acked()
    old.update({str(k): v for k, v in load.acked.items()})
    with open(ACKED_FILE + ".tmp", "w") as f:
        json.dump(old, f)
    os.replace(ACKED_FILE + ".tmp", ACKED_FILE)


def load_acked():
    try:
        with open(ACKED_FILE) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def all_notes():
    """Every note in the database, through the API: {id: note}."""
    status, doc = request("GET", "/notes/")
    if status != 200:
        raise RuntimeError("GET /notes/ answered %s" % status)
    return {n["id"]: n for n in doc}


def check_no_loss(name, load):
    """Every 201 this and the earlier drills saw is there, with its title; no note created
    twice; every note's description is one its writer may have left."""
    notes = wait_for_answer(all_notes)
    acked = load_acked()
    acked.update({str(k): v for k, v in load.acked.items()})
    missing = [i for i, title in acked.items() if notes.get(int(i), {}).get("title") != title]
    check(not missing, "%s: all %d acknowledged notes (201) are in the database%s" % (
        name, len(acked), "" if not missing else "; missing: %s" % missing[:10]))
    titles = {}
    for n in notes.values():
        titles[n["title"]] = titles.get(n["title"], 0) + 1
    dup = [t for t, c in titles.items() if c > 1 and t.startswith(load.tag)]
    check(not dup, "%s: no note created twice (%d titles of this drill)%s" % (
        name, sum(1 for t in titles if t.startswith(load.tag)), "" if not dup else ": %s" % dup[:10]))
    wrong = [i for i, allowed in load.allowed.items() if i in notes and notes[i]["description"] not in allowed]
    check(not wrong, "%s: every note holds its last acknowledged update (or one whose answer was lost)%s" % (
        name, "" if not wrong else ": %s" % wrong[:10]))
    save_acked(load)


def wait_for_answer(fn, limit=30):
    t0 = time.monotonic()
    while True:
        try:
            return fn()
        except RuntimeError:
            if time.monotonic() - t0 > limit:
                raise
            time.sleep(0.5)
