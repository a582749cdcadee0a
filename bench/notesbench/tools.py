"""bench/notesbench/tools.py: the load generators (wrk with bench/lua, pgbench with bench/pgbench) and psql."""

import os
import re
import subprocess

from .common import BENCH, die


RESULT_RE = re.compile(r"BENCH_RESULT (.*)")


def parse_wrk(out):
    """The BENCH_RESULT line bench/lua/common.lua prints at the end of a wrk run, as a dict of
    numbers (key=value; a value with a dot is a float), or None when wrk printed none."""
    m = RESULT_RE.search(out)
    if not m:
        return None
    return {k: float(v) if "." in v else int(v) for k, v in (kv.split("=") for kv in m.group(1).split())}


def parse_pgbench(out, clients):
    """pgbench's summary: tx/s (without connection time), average latency, failed transactions;
    None when it printed no tps line."""
    m = re.search(r"tps = ([0-9.]+) \(without initial", out)
    if not m:
        return None
    lat = re.search(r"latency average = ([0-9.]+) ms", out)
    failed = re.search(r"number of failed transactions: (\d+)", out)
    return {"tps": float(m.group(1)), "latency_avg_ms": float(lat.group(1)) if lat else None,
            "failed": int(failed.group(1)) if failed else 0, "clients": clients}


class Runner:
    def __init__(self, args, workdir):
        self.args = args
        self.workdir = workdir
        self.scripts = {}

    def script(self, name):
        if name not in self.scripts:
            path = os.path.join(self.workdir, name + ".lua")
            with open(path, "w") as out:
                for part in ("common", name):
                    with open(os.path.join(BENCH, "lua", part + ".lua")) as f:
                        out.write(f.read() + "\n")
            self.scripts[name] = path
        return self.scripts[name]

    def threads(self, conns):
        return max(1, min(self.args.threads, conns))

    def wrk(self, base, path, script, conns, duration, script_args=(), timeout="10s"):
        """Runs wrk; returns (parsed BENCH_RESULT dict, wrk's rusage)."""
        cmd = ["wrk", "-t", str(self.threads(conns)), "-c", str(conns), "-d", "%gs" % duration,
               "--timeout", timeout, "-s", self.script(script), base + path]
        if script_args:
            cmd += ["--"] + [str(a) for a in script_args]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        out = proc.stdout.read()
        _, status, rusage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        res = parse_wrk(out)
        if proc.returncode != 0 or res is None:
            die("wrk failed (%s):\n%s" % (" ".join(cmd), out[-2000:]))
        return res, rusage

    def pgbench(self, dburl, scripts, clients, duration, defines):
        cmd = ["pgbench", "-n", "-M", "prepared", "-T", "%d" % max(1, round(duration)),
               "-c", str(clients), "-j", str(min(clients, self.args.threads))]
        for k, v in defines.items():
            cmd += ["-D", "%s=%s" % (k, v)]
        for s in scripts:
            name, _, weight = s.partition("@")
            cmd += ["-f", os.path.join(BENCH, "pgbench", name + ".sql") + ("@" + weight if weight else "")]
        cmd.append(dburl)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        out = proc.stdout.read()
        _, status, rusage = os.wait4(proc.pid, 0)
        res = parse_pgbench(out, clients)
        if os.waitstatus_to_exitcode(status) != 0 or res is None:
            die("pgbench failed (%s):\n%s" % (" ".join(cmd), out[-2000:]))
        return res, rusage


def psql(dburl, sql):
    r = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", dburl, "-c", sql],
                       capture_output=True, text=True)
    if r.returncode != 0:
        die("psql failed: %s\n%s" % (sql, r.stderr))
    return r.stdout.strip()
