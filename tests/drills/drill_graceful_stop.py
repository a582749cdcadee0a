#!/usr/bin/env python3
# tests/drills/drill_graceful_stop.py: stops during long lists and slow uploads lose nothing.
#
# The stack (3 workers, statement timeout 60 s) holds 300,000 notes.
#   a. The worker pool alone is told to stop (SIGTERM to multiwatch, which passes SIGUSR1 to
#      each worker) while two long GET /notes/ stream through nginx: each list arrives whole
#      (curl exit 0, a JSON array of every note), and the pool is gone within 15 s.
#   b. `scripts/stack down` (nginx first, gracefully, then the pool) while two long lists stream
#      and two slow uploads (a POST body sent in pieces over 2 s) are under way: every list
#      whole, every upload answered 201 with its note.
#   c. After `scripts/stack up` again, every acknowledged note is in the table.
# (nginx buffers request bodies, so through nginx a slow upload occupies no worker; the worker's
# own handling of a stop during a slow body is tested in tests/integration/test_worker_fcgi.sh.)
# Bounded: about 40 s plus the stack's starts.
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

# NOTES_LIST_MAX=0: the long, unbounded lists of the tutorial (the default page is 1000 notes).
os.environ.update(WORKERS="3", NOTES_STATEMENT_TIMEOUT_MS="60000", NOTES_LIST_MAX="0")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import drill  # noqa: E402
from drill import check, e2e, hostile  # noqa: E402

e2e.need_stack()
drill.need_embedded_pg()
ROWS = 300000
# The fill outlived psql's default 30 s with the machine loaded (scripts/soak, run 1): the
# search columns and their trigram indexes are kept up by each row.
hostile.psql("INSERT INTO notes (title, description) SELECT 'title ' || i, 'description ' || i "
             "FROM generate_series(1, %d) AS i" % ROWS, timeout=600)
tmp = tempfile.mkdtemp()


def size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def start_lists(tag):
    out = []
    for i in range(2):
        path = os.path.join(tmp, "%s%d.json" % (tag, i))
        p = subprocess.Popen(["curl", "-sS", "-o", path, "-w", "%{http_code}", os.environ["BASE_URL"] + "/notes/"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out.append((p, path))
    return out


def lists_whole(lists, total, what):
    for p, path in lists:
        code, err = p.communicate(timeout=120)
        try:
            with open(path, "rb") as f:
                n = len(json.loads(f.read()))
        except ValueError:
            n = "not JSON (%d bytes)" % size(path)
        check(p.returncode == 0 and code == "200" and n == total,
              "%s: a list arrives whole (curl exit %d, %s, %s of %d notes) %s" % (what, p.returncode, code, n, total,
                                                                                err.strip()))


class SlowUpload(threading.Thread):
    """A POST /notes/ whose body is sent in 8 pieces over 2 s; keeps (status, json)."""

    def __init__(self, n):
        super().__init__(daemon=True)
        self.title = "slow upload %d" % n
        self.answer = None
        self.started = threading.Event()

    def run(self):
        body = json.dumps({"title": self.title, "description": "sent slowly during a stop"}).encode()
        host, port = e2e.base()
        try:
            s = socket.create_connection((host, port), timeout=60)
            s.sendall(b"POST /notes/ HTTP/1.1\r\nHost: drill\r\nContent-Type: application/json\r\n"
                      b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body))
            step = -(-len(body) // 8)
            for i in range(0, len(body), step):
                s.sendall(body[i:i + step])
                self.started.set()
                time.sleep(0.25)
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            s.close()
            head, _, payload = data.partition(b"\r\n\r\n")
            self.answer = (int(head.split()[1]), json.loads(payload))
        except Exception as exc:  # noqa: BLE001  a broken connection is a result too
            self.answer = (None, repr(exc))


total = int(hostile.psql("SELECT count(*) FROM notes"))

# a. The pool alone stops while lists stream.
lists = start_lists("a")
check(e2e.wait_until(lambda: all(size(path) > 100000 for _, path in lists), timeout=30), "the lists are flowing")
pool = e2e.pool_pid()
t0 = time.time()
os.kill(pool, 15)
lists_whole(lists, total, "pool stopped")
t_lists = time.time()
gone = e2e.wait_until(lambda: not os.path.exists("/proc/%d" % pool), timeout=15)
check(gone, "the pool is gone once its workers finished the lists (%.1f s after the stop, %.1f s after the lists)"
      % (time.time() - t0, time.time() - t_lists))

# b. scripts/stack down during lists and slow uploads (the pool is started again first).
rc, out = e2e.stack_run("down")
check(rc == 0, "scripts/stack down after the pool stopped (%s)" % out.strip()[-200:])
rc, out = e2e.stack_run("up")
check(rc == 0, "scripts/stack up again (%s)" % out.strip()[-200:])
uploads = [SlowUpload(n) for n in range(2)]
for u in uploads:
    u.start()
lists = start_lists("b")
check(e2e.wait_until(lambda: all(size(path) > 100000 for _, path in lists) and all(u.started.is_set() for u in uploads),
                     timeout=30), "the lists are flowing and the uploads under way")
t0 = time.time()
rc, out = e2e.stack_run("down")
t_down = time.time() - t0
check(rc == 0, "scripts/stack down (%.1f s)" % t_down)
lists_whole(lists, total, "stack down")
for u in uploads:
    u.join(60)
    check(u.answer is not None and u.answer[0] == 201 and isinstance(u.answer[1], dict)
          and u.answer[1].get("title") == u.title,
          "stack down: a slow upload is answered 201 with its note (%r)" % (u.answer,))

# c. Everything acknowledged is there after a restart.
rc, out = e2e.stack_run("up")
check(rc == 0, "scripts/stack up after the stop")
acked = [(u.answer[1]["id"], u.title) for u in uploads if u.answer and u.answer[0] == 201]
stored = set()
for line in hostile.psql("SELECT id || chr(31) || title FROM notes WHERE title LIKE 'slow upload %'").splitlines():
    ident, _, title = line.partition("\x1f")
    stored.add((int(ident), title))
check(acked and all(a in stored for a in acked), "every acknowledged upload is in the table (%r)" % acked)
drill.record_figure("drill graceful_stop: 2 lists of %d notes whole through a pool stop and through stack down "
                    "(%.1f s), 2 slow uploads answered 201 and kept" % (total, t_down))
e2e.finish()
