# tests/drills/drill.py: what the fault drills share: control of the stack's embedded Postgres,
# a load generator that records every answer, and the pool's workers (Python 3 stdlib only).
# Each drill runs under tests/e2e/with-stack (a throwaway stack: nginx, worker pool, Postgres
# in $STACK_DIR/pg) and is bounded in time.
import glob
import grp
import json
import os
import pwd
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "hostile"))
import hostile  # noqa: E402
from hostile import e2e  # noqa: E402

check = e2e.check


def stack_env():
    """The running stack's settings ($STACK_DIR/stack.env, shell-quoted: read by the shell)."""
    out = subprocess.run(["bash", "-c", 'set -a && . "$STACK_DIR/stack.env" && env -0'], stdout=subprocess.PIPE,
                         check=True).stdout.decode()
    return dict(item.split("=", 1) for item in out.split("\0") if item.startswith("S_"))


def need_embedded_pg():
    """The drills stop and start the stack's own Postgres; an external one is not theirs."""
    if stack_env().get("S_DB_MODE") != "embedded":
        print("SKIP: the stack does not run its own Postgres (S_DB_MODE=%s)" % stack_env().get("S_DB_MODE"))
        sys.exit(77)


def _pg_ctl():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: [int(x) for x in p.split("/")[4].split(".") if x.isdigit()])
    if not found:
        raise RuntimeError("no pg_ctl under /usr/lib/postgresql")
    return found[-1]


def _pg_data():
    return os.path.join(os.environ["STACK_DIR"], "pg", "data")


def _as_owner(cmd):
    """cmd as the owner of the data directory (Postgres refuses to run as root)."""
    owner = pwd.getpwuid(os.stat(_pg_data()).st_uid).pw_name
    if os.geteuid() == 0 and owner != "root":
        cmd = ["runuser", "-u", owner, "--"] + cmd
    return subprocess.run(cmd, cwd="/", stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=90)


def pg_stop():
    p = _as_owner([_pg_ctl(), "-D", _pg_data(), "-m", "fast", "-w", "-t", "60", "stop"])
    if p.returncode != 0:
        raise RuntimeError("pg_ctl stop failed: " + p.stdout)


def pg_start():
    log = hostile.log_path("postgres.log")
    p = _as_owner([_pg_ctl(), "-D", _pg_data(), "-l", log, "-w", "-t", "60", "start"])
    if p.returncode != 0:
        raise RuntimeError("pg_ctl start failed: " + p.stdout)


def pg_processes():
    """The stack's own Postgres: its postmaster (from postmaster.pid) and the postmaster's children."""
    with open(os.path.join(_pg_data(), "postmaster.pid")) as f:
        postmaster = int(f.readline().strip())
    children = []
    for task in os.listdir("/proc/%d/task" % postmaster):
        try:
            with open("/proc/%d/task/%s/children" % (postmaster, task)) as f:
                children += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return postmaster, children


def pg_freeze():
    """SIGSTOP the stack's own Postgres (never anyone else's): a server that stops answering
    without closing anything, like a stalled disk or a frozen VM. Returns what pg_thaw needs."""
    postmaster, _ = pg_processes()
    os.kill(postmaster, signal.SIGSTOP)  # first, so that it forks nothing new meanwhile
    _, children = pg_processes()
    for pid in children:
        try:
            os.kill(pid, signal.SIGSTOP)
        except ProcessLookupError:
            pass
    return [postmaster] + children


def pg_thaw(pids):
    for pid in reversed(pids):
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass


def _gone(pid):
    """Whether process pid has ended (reaped here when it is a pool this drill started)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def restart_pool(between=None, env=None):
    """Stops the stack's worker pool (SIGTERM to multiwatch) and starts a fresh one the way
    scripts/stack does: spawn-fcgi + multiwatch on the same socket, with the same socket owner
    and mode, the same workers' user, binary and environment (env: settings changed in it).
    between() runs while no pool runs. Returns the fresh workers' pids (a failed check if they
    do not all start)."""
    stack_dir = os.environ["STACK_DIR"]
    sock = os.path.join(stack_dir, "run", "fcgi.sock")
    workers = e2e.worker_pids()
    st = os.stat(sock)
    with open("/proc/%d/status" % workers[0]) as f:
        uid = [int(line.split()[1]) for line in f if line.startswith("Uid:")][0]
    worker_bin = os.readlink("/proc/%d/exe" % workers[0])
    with open("/proc/%d/environ" % workers[0], "rb") as f:
        env = dict([item.decode().split("=", 1) for item in f.read().split(b"\0") if b"=" in item], **(env or {}))
    pool_pid = e2e.pool_pid()
    os.kill(pool_pid, signal.SIGTERM)
    check(e2e.wait_until(lambda: _gone(pool_pid), 15), "the old pool stopped")
    if between is not None:
        between()
    args = ["spawn-fcgi", "-n", "-s", sock, "-M", "%o" % (st.st_mode & 0o777)]
    if os.geteuid() == 0:
        args += ["-U", pwd.getpwuid(st.st_uid).pw_name, "-G", grp.getgrgid(st.st_gid).gr_name,
                 "-u", pwd.getpwuid(uid).pw_name, "-g", grp.getgrgid(pwd.getpwuid(uid).pw_gid).gr_name]
    args += ["--", "/usr/bin/multiwatch", "-f", str(len(workers)), "--", worker_bin]
    os.unlink(sock)
    with open(hostile.log_path("pool.log"), "ab") as log:
        pool = subprocess.Popen(args, cwd="/", env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                start_new_session=True)
    with open(os.path.join(stack_dir, "run", "pool.pid"), "w") as f:
        f.write("%d\n" % pool.pid)  # `scripts/stack down` stops this pool
    check(e2e.wait_until(lambda: len(e2e.worker_pids()) == len(workers), 10),
          "a fresh pool of %d workers started (%r)" % (len(workers), e2e.worker_pids()))
    return e2e.worker_pids()


def pg_running():
    return _as_owner([_pg_ctl(), "-D", _pg_data(), "status"]).returncode == 0


class Load:
    """Clients sending requests until stopped; every answer is kept as
    (t_start, t_end, kind, status, json, sent_title)."""

    def __init__(self, writers=3, readers=1, keep_alive=True, timeout=40):
        self.writers, self.readers, self.keep_alive, self.timeout = writers, readers, keep_alive, timeout
        self.results = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = []
        self.tag = "drill%d" % (time.time() * 1000 % 100000000)

    def _client(self, n, kind):
        conn = e2e.connect(timeout=self.timeout) if self.keep_alive else None
        i = 0
        while not self.stop.is_set():
            i += 1
            title = "%s w%d n%d" % (self.tag, n, i)
            t0 = time.time()
            try:
                if kind == "write":
                    ans = e2e.request("POST", "/notes/", {"title": title[:50], "description": "written in a drill"},
                                      conn=conn)
                else:
                    ans = e2e.request("GET", "/notes/?limit=5", conn=conn)
                item = (t0, time.time(), kind, ans.status, ans.json, title[:50])
                if conn is not None and ans.will_close:
                    conn.close()
                    conn = e2e.connect(timeout=self.timeout)
            except Exception as exc:  # noqa: BLE001  a broken connection is a result too
                item = (t0, time.time(), kind, None, repr(exc), title[:50])
                if conn is not None:
                    conn.close()
                    conn = e2e.connect(timeout=self.timeout)
                time.sleep(0.05)
            with self.lock:
                self.results.append(item)
            time.sleep(0.002)  # hard enough to matter, gentle on a shared machine
        if conn is not None:
            conn.close()

    def start(self):
        for n in range(self.writers):
            self.threads.append(threading.Thread(target=self._client, args=(n, "write"), daemon=True))
        for n in range(self.readers):
            self.threads.append(threading.Thread(target=self._client, args=(100 + n, "read"), daemon=True))
        for t in self.threads:
            t.start()
        return self

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(self.timeout + 5)
        return not any(t.is_alive() for t in self.threads)


def acknowledged_in_table(results):
    """(missing, acknowledged): every 201 answer's note must be in the table, same id and title."""
    acked = [(r[4]["id"], r[5]) for r in results if r[3] == 201 and isinstance(r[4], dict) and "id" in r[4]]
    if not acked:
        return [], acked
    rows = hostile.psql("SELECT id || chr(31) || title FROM notes")
    stored = set()
    for line in rows.splitlines():
        ident, _, title = line.partition("\x1f")
        stored.add((int(ident), title))
    missing = [a for a in acked if a not in stored]
    return missing, acked


def summary(results):
    counts = {}
    for r in results:
        counts[r[3]] = counts.get(r[3], 0) + 1
    return ", ".join("%s: %d" % (k, v) for k, v in sorted(counts.items(), key=lambda kv: str(kv[0])))


def is_json_detail(doc):
    return isinstance(doc, dict) and isinstance(doc.get("detail"), str)


def record_figure(line):
    path = os.environ.get("DRILL_FIGURES")
    if path:
        with open(path, "a") as f:
            f.write(line + "\n")
    print("# " + line)


def dumps(x):
    return json.dumps(x, default=str)[:300]
