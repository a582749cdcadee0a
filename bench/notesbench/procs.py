"""bench/notesbench/procs.py: processes: who is in which group (nginx, workers, postgres), their CPU ticks and memory."""

import os
import subprocess
import time

from .common import BENCH, CLK_TCK, say


def proc_table():
    """pid -> (ppid, comm, CPU ticks) for every process. The ticks include the reaped children
    (cutime, cstime), so a Postgres backend that ends during a run still counts (its parent,
    the postmaster, is in the same group)."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                data = f.read()
        except OSError:
            continue
        rpar = data.rfind(")")
        comm = data[data.find("(") + 1:rpar]
        fields = data[rpar + 2:].split()
        table[int(name)] = (int(fields[1]), comm, sum(int(x) for x in fields[11:15]),
                            int(fields[12]) + int(fields[14]))
    return table


def descendants(roots, table, include_roots=True):
    children = {}
    for pid, (ppid, *_) in table.items():
        children.setdefault(ppid, []).append(pid)
    out = set(r for r in roots if r in table) if include_roots else set()
    todo = list(roots)
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def read_pidfile(path):
    try:
        with open(path) as f:
            return int(f.readline().strip())
    except (OSError, ValueError):
        return None


def listening_pids(port):
    """The processes holding a TCP socket that listens on port (for peers)."""
    inodes = set()
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                        inodes.add(parts[9])
        except OSError:
            pass
    pids = set()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            for fd in os.listdir("/proc/%s/fd" % name):
                try:
                    link = os.readlink("/proc/%s/fd/%s" % (name, fd))
                except OSError:
                    continue
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    pids.add(int(name))
                    break
        except OSError:
            continue
    return pids


def mem_kib(pid):
    """(VmRSS, VmHWM, RssAnon, Pss) of pid in KiB, or None. RSS counts the shared libraries'
    pages each worker maps (libpq, libssl, ...); RssAnon is the worker's own memory and Pss
    divides shared pages among the processes that map them."""
    vals = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                key = line.split(":", 1)[0]
                if key in ("VmRSS", "VmHWM", "RssAnon"):
                    vals[key] = int(line.split()[1])
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    vals["Pss"] = int(line.split()[1])
    except OSError:
        return None
    if "VmRSS" not in vals:
        return None
    return (vals["VmRSS"], vals.get("VmHWM", 0), vals.get("RssAnon", 0), vals.get("Pss", 0))


def memory_floor(dburl, workdir):
    """Memory of a process that only links libpq and runs one query (bench/libpq_floor.c): the
    floor under any worker's RSS in this design. A dict of KiB, or None when it cannot run."""
    binary = os.path.join(workdir, "libpq_floor")
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libpq"], capture_output=True, text=True)
    r = subprocess.run(["cc", "-O2", "-o", binary, os.path.join(BENCH, "libpq_floor.c")] + flags.stdout.split(),
                       capture_output=True, text=True)
    if flags.returncode != 0 or r.returncode != 0:
        say("memory floor: cannot build bench/libpq_floor.c (libpq-dev): %s" % (flags.stderr + r.stderr).strip())
        return None
    proc = subprocess.Popen([binary, dburl], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        if proc.stdout.readline().strip() != "ready":
            say("memory floor: bench/libpq_floor.c could not query the database")
            return None
        m = mem_kib(proc.pid)
    finally:
        proc.stdin.close()
        proc.wait(10)
    return m and {"rss_kib": m[0], "anon_kib": m[2], "pss_kib": m[3]}


def cpu_total():
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields[:8]), idle


class Groups:
    """Named sets of processes (nginx, workers, postgres) whose CPU and memory a run records."""

    def __init__(self):
        self.finders = {}  # name -> function(table) -> set of pids

    def add(self, name, finder):
        self.finders[name] = finder

    def snapshot(self):
        table = proc_table()
        snap = {}
        for name, finder in self.finders.items():
            pids = finder(table)
            snap[name] = {pid: (table[pid][2], table[pid][3]) for pid in pids if pid in table}
        return snap, cpu_total(), time.monotonic()

    @staticmethod
    def cpu(before, after):
        """CPU of each group between two snapshots, in % of one core; plus the whole machine."""
        (s0, (t0, i0), w0), (s1, (t1, i1), w1) = before, after
        wall = max(w1 - w0, 1e-6)
        out = {}
        sys_share = {}
        for name, pids in s1.items():
            ticks = sum(v[0] - s0.get(name, {}).get(pid, (0, 0))[0] for pid, v in pids.items())
            sys_ticks = sum(v[1] - s0.get(name, {}).get(pid, (0, 0))[1] for pid, v in pids.items())
            out[name] = round(100.0 * ticks / CLK_TCK / wall, 1)
            if ticks > 0:
                sys_share[name] = round(100.0 * sys_ticks / ticks)
        out["sys_share_pct"] = sys_share
        busy = (t1 - t0) - (i1 - i0)
        out["machine"] = round(100.0 * busy / CLK_TCK / wall, 1)
        return out
