"""bench/notesbench/overhead.py: scripts/bench --overhead: what counting (src/metrics.c) costs
the request path, measured so that a loaded machine cannot fake it.

Two workers are built with the same flags: this tree, and this tree with NOTES_METRICS_OFF (the
three metrics calls of the request path compile to nothing), or with --baseline REV the tree
of that commit (main before issue 14, say). Then, on one stack (one nginx, one Postgres):
  1. wrk: each build serves its own pool behind its own nginx server (the stack's settings,
     another port); short rounds alternate the two (on-off, then off-on), and each round gives
     one ratio per scenario: ours with counting / without. A load that comes and goes hits both
     sides of a round alike; the median ratio over the rounds and its spread are reported.
  2. callgrind: each build serves N1, then N2 requests of each scenario over FastCGI, alone,
     under valgrind --tool=callgrind; (Ir(N2) - Ir(N1)) / (N2 - N1) is the instructions per
     request, start-up and exit cancelled out. Instructions do not depend on the load.
"""

import json
import os
import pwd
import grp
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import time

from .common import IS_ROOT, SRCDIR, die, say
from .procs import descendants, proc_table
from .run import measure
from .target import Target
from .web import free_port, wait_http

# Scenario -> (what is requested, wrk script). get: GET /notes/{id}/ over the 100 seeded notes.
SCENARIOS = {"ping": ("/ping", "get"), "get": ("/notes/{id}/", "get_id")}
VARIANTS = ("on", "off")


# --- pure parts (bench/test_bench_units.py) ------------------------------------------------------

def round_order(i):
    """The variants' order in round i: on-off, off-on, ... (a drift over the run cancels)."""
    return VARIANTS if i % 2 == 0 else VARIANTS[::-1]


def spread(values):
    """median, min, max and the rounds' count of a list of ratios."""
    return {"median": round(statistics.median(values), 4), "min": round(min(values), 4),
            "max": round(max(values), 4), "n": len(values)}


def round_ratios(rows, key):
    """rows: the measurements, each with round, variant, scenario, conns and the figure at key
    (a dotted path: "rps", "cpu_us_per_req.workers"). Returns {(scenario, conns): [on/off per
    round]}, rounds missing a side or with a zero skipped."""
    def get(row):
        v = row
        for k in key.split("."):
            v = v.get(k) if isinstance(v, dict) else None
        return v

    pairs = {}
    for r in rows:
        pairs.setdefault((r["scenario"], r["conns"], r["round"]), {})[r["variant"]] = get(r)
    out = {}
    for (scen, conns, _), vs in sorted(pairs.items()):
        if vs.get("on") and vs.get("off"):
            out.setdefault((scen, conns), []).append(vs["on"] / vs["off"])
    return out


def callgrind_total(text):
    """The instruction count (Ir) of a callgrind output file: its totals: (or summary:) line."""
    m = re.search(r"^(?:totals|summary):\s+(\d+)", text, re.M)
    return int(m.group(1)) if m else None


def per_request(small, big, n_small, n_big):
    """Instructions per request from two runs of n_small and n_big requests."""
    return (big - small) / float(n_big - n_small)


def with_servers(text, servers):
    """The stack's nginx.conf with one more server per name -> (port, socket): a copy of its
    server block listening on 127.0.0.1:port whose API location passes to that socket (an
    upstream of the stack's settings)."""
    up = re.search(r"\n    upstream notes_pool \{(.*?)\n    \}", text, re.S)
    srv = re.search(r"\n    server \{.*?\n    \}\n", text, re.S)
    if not up or not srv:
        die("cannot find upstream notes_pool / the server block in the stack's nginx.conf")
    extra = ""
    for name, (port, sock) in sorted(servers.items()):
        body = re.sub(r"server [^;]*;", "server unix:%s;" % sock, up.group(1), count=1)
        extra += "\n    upstream bench_%s {%s\n    }" % (name, body)
        block = re.sub(r"listen [^;]*;", "listen 127.0.0.1:%d;" % port, srv.group(0))
        block = block.replace("fastcgi_pass notes_pool;", "fastcgi_pass bench_%s;" % name)
        extra += "\n    # scripts/bench --overhead: the %s build's pool" % name + block
    return text[:srv.end()] + extra + text[srv.end():]


def table(result):
    """The Markdown a run writes."""
    base = result.get("baseline", {}).get("name", "without counting")
    out = ["| scenario | conns | req/s this tree / %s: median [min–max] (rounds) "
           "| worker CPU µs per request, this tree / %s: median [min–max] |" % (base, base),
           "|---|---|---|---|"]
    for key, r in sorted(result["wrk"].items()):
        scen, conns = key.split("@")
        rps, cpu = r["rps"], r.get("cpu")
        out.append("| %s | %s | %.3f [%.3f–%.3f] (%d) | %s |" % (
            scen, conns, rps["median"], rps["min"], rps["max"], rps["n"],
            "%.3f [%.3f–%.3f]" % (cpu["median"], cpu["min"], cpu["max"]) if cpu else "–"))
    if result.get("callgrind"):
        out += ["", "| scenario | worker instructions per request (callgrind), this tree "
                "| %s | difference | the same measured again: this tree / %s |" % (base, base),
                "|---|---|---|---|---|"]
        for scen, c in sorted(result["callgrind"].items()):
            again = " / ".join("%.0f" % c[v + "_each"][-1] if c.get(v + "_each") else "–"
                               for v in VARIANTS)
            out.append("| %s | %.0f | %.0f | %+.0f (%+.2f %%) | %s |" % (
                scen, c["on"], c["off"], c["on"] - c["off"], 100.0 * (c["on"] - c["off"]) / c["off"],
                again))
    return "\n".join(out) + "\n"


# --- building --------------------------------------------------------------------------------

def baseline_info(rev):
    """--baseline REV: its commit and subject, or an error."""
    r = subprocess.run(["git", "-C", SRCDIR, "log", "-1", "--format=%h %s", rev + "^{commit}", "--"],
                       capture_output=True, text=True)
    if r.returncode != 0 or not r.stdout.strip():
        die("overhead: --baseline %s is no commit of this repository" % rev)
    commit, _, subject = r.stdout.strip().partition(" ")
    return {"name": commit, "rev": rev, "subject": subject[:100]}


def _configure(src, build, log):
    os.makedirs(build, exist_ok=True)
    say("overhead: configuring a build tree in %s" % build)
    if subprocess.run([os.path.join(src, "configure"), "-q"], cwd=build, stdout=log, stderr=log).returncode:
        die("overhead: configure failed (%s)" % log.name)


def _make_worker(build, log, cppflags=""):
    r = subprocess.run(["make", "-s", "-B", "-j%d" % (os.cpu_count() or 1), "src/notes-worker",
                        "CPPFLAGS=" + cppflags], cwd=build, stdout=log, stderr=log)
    if r.returncode:
        die("overhead: the build failed (%s)" % log.name)
    return os.path.join(build, "src", "notes-worker")


def build_variants(workdir, dest, baseline=None):
    """The worker built twice with the same flags: this tree ("on"), and ("off") this tree
    without counting, or with baseline the tree of that commit (git archive, autoreconf);
    returns {variant: path} (copies in dest)."""
    log = open(os.path.join(workdir, "build-overhead.log"), "w")
    build = os.path.join(workdir, "build-overhead")
    _configure(SRCDIR, build, log)
    built = {}
    if baseline:
        src = os.path.join(workdir, "baseline-src")
        os.makedirs(src)
        say("overhead: building the worker of %s (%s)" % (baseline["name"], baseline["subject"]))
        archive = subprocess.Popen(["git", "-C", SRCDIR, "archive", baseline["rev"]], stdout=subprocess.PIPE)
        untar = subprocess.run(["tar", "-x", "-C", src], stdin=archive.stdout, stderr=log)
        if archive.wait() != 0 or untar.returncode != 0 or \
                subprocess.run(["autoreconf", "-fi"], cwd=src, stdout=log, stderr=log).returncode:
            die("overhead: cannot unpack and autoreconf %s (%s)" % (baseline["rev"], log.name))
        _configure(src, os.path.join(workdir, "build-baseline"), log)
        built["off"] = _make_worker(os.path.join(workdir, "build-baseline"), log)
    else:
        say("overhead: building the worker without counting")
        built["off"] = _make_worker(build, log, "-DNOTES_METRICS_OFF")
    out = {}
    for variant in ("off", "on"):
        if variant == "on":
            say("overhead: building the worker of this tree")
            built["on"] = _make_worker(build, log)
        out[variant] = os.path.join(dest, "notes-worker-" + variant)
        shutil.copy(built[variant], out[variant])
        os.chmod(out[variant], 0o755)
    # What the builds differ in, checked: the counting function is in one only.
    syms = {v: subprocess.run(["nm", p], capture_output=True, text=True).stdout for v, p in out.items()}
    if " T metrics_request" not in syms["on"] or (not baseline and " T metrics_request" in syms["off"]):
        die("overhead: the builds do not differ in metrics_request as they should")
    return out


# --- the pools ---------------------------------------------------------------------------------

def worker_identity(stack):
    """A running stack worker's environment, uid and gid: the pools and callgrind runs get the
    very settings the stack's own workers have."""
    pids = sorted(stack.worker_pids(proc_table()))
    for pid in pids:
        try:
            with open("/proc/%d/environ" % pid, "rb") as f:
                env = dict(x.decode().split("=", 1) for x in f.read().split(b"\0") if b"=" in x)
            with open("/proc/%d/status" % pid) as f:
                status = f.read()
        except OSError:
            continue
        uid = int(re.search(r"^Uid:\s+(\d+)", status, re.M).group(1))
        gid = int(re.search(r"^Gid:\s+(\d+)", status, re.M).group(1))
        return env, uid, gid
    die("overhead: no worker of the stack found")


class Pool:
    """One build's pool: spawn-fcgi + multiwatch on a socket of its own, the stack's settings."""

    def __init__(self, stack, name, binary, env, uid, gid):
        self.sock = os.path.join(stack.bench_dir, "overhead-%s.sock" % name)
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        owner = ["-U", "www-data", "-G", "www-data", "-M", "0660", "-u", pwd.getpwuid(uid).pw_name,
                 "-g", grp.getgrgid(gid).gr_name] if IS_ROOT else ["-M", "0600"]
        log = open(os.path.join(stack.bench_dir, "overhead-%s.log" % name), "a")
        self.proc = subprocess.Popen(
            ["spawn-fcgi", "-n", "-s", self.sock] + owner +
            ["--", "/usr/bin/multiwatch", "-f", str(stack.workers), "--", binary],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd="/", start_new_session=True, env=env)
        for _ in range(50):
            if os.path.exists(self.sock):
                return
            time.sleep(0.1)
        die("overhead: the %s pool did not start (%s)" % (name, log.name))

    def pids(self, table):
        return descendants([self.proc.pid], table, include_roots=False)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


# --- callgrind -----------------------------------------------------------------------------------

def _record(kind, content):
    return struct.pack("!BBHHBB", 1, kind, 1, len(content), 0, 0) + content


def _pair(name, value):
    out = b""
    for n in (len(name), len(value)):
        out += struct.pack("!B", n) if n < 128 else struct.pack("!I", n | 0x80000000)
    return out + name + value


def fcgi_get(sock_path, path, request_id):
    """One FastCGI GET as nginx sends it (the parameters the worker reads); returns the status."""
    params = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "DOCUMENT_URI": path, "QUERY_STRING": "",
              "CONTENT_LENGTH": "0", "REQUEST_ID": request_id}
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(sock_path)
    s.sendall(_record(1, struct.pack("!HB5x", 1, 0)) +
              _record(4, b"".join(_pair(k.encode(), v.encode()) for k, v in params.items())) +
              _record(4, b"") + _record(5, b""))
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    m = re.search(rb"Status: (\d{3})", data)
    return int(m.group(1)) if m else 200


def callgrind_run(binary, env, uid, gid, outdir, paths, n):
    """The worker alone under callgrind serving n requests (paths, in turn) over FastCGI; its
    instruction total."""
    tag = "%s-%s-%d" % (os.path.basename(binary), re.sub(r"\W", "", paths[0]) or "x", n)
    sock_path = os.path.join(outdir, tag + ".sock")
    out = os.path.join(outdir, tag + ".callgrind")
    if os.path.exists(sock_path):
        os.unlink(sock_path)  # the same run measured again
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(sock_path)
    lsock.listen(16)
    as_user = ["setpriv", "--reuid=%d" % uid, "--regid=%d" % gid, "--clear-groups", "--"] \
        if IS_ROOT and uid != 0 else []
    proc = subprocess.Popen(as_user + ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, binary],
                            stdin=lsock.fileno(), stdout=subprocess.DEVNULL,
                            stderr=open(out + ".log", "w"), cwd="/", env=env)
    lsock.close()
    try:
        for i in range(n):
            status = fcgi_get(sock_path, paths[i % len(paths)], "overhead-%d" % i)
            if status != 200:
                die("overhead: GET %s under callgrind answered %d (%s.log)" % (paths[i % len(paths)], status, out))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(120)
        os.unlink(sock_path)
    with open(out) as f:
        total = callgrind_total(f.read())
    if total is None:
        die("overhead: no totals in %s" % out)
    return total


# --- the run ---------------------------------------------------------------------------------------

def run_overhead(args, stack, runner, workdir):
    """The whole --overhead run on a stack that is up; returns its result (JSON-able)."""
    os.makedirs(stack.bench_dir, exist_ok=True)
    os.chmod(stack.bench_dir, 0o755)  # the workers' user runs the builds from there
    baseline = baseline_info(args.baseline) if args.baseline else None
    binaries = build_variants(workdir, stack.bench_dir, baseline)
    env, uid, gid = worker_identity(stack)
    result = {"scenarios": args.scenarios, "rounds": args.rounds, "duration_s": args.duration,
              "conns": args.conns, "workers": stack.workers, "wrk": {}, "rows": [],
              "baseline": baseline or {"name": "without counting", "rev": None,
                                       "subject": "this tree built with NOTES_METRICS_OFF"}}
    pools = {}
    try:
        for v in VARIANTS:
            pools[v] = Pool(stack, v, binaries[v], env, uid, gid)
        ports = {v: free_port() for v in VARIANTS}
        stack.overhead_conf({v: (ports[v], pools[v].sock) for v in VARIANTS})
        targets = {}
        for v in VARIANTS:
            t = Target(v, "http://127.0.0.1:%d" % ports[v], stack.dburl)
            t.groups.add("workers", pools[v].pids)
            t.groups.add("nginx", stack.nginx_pids)
            t.groups.add("postgres", stack.postgres_pids)
            t.worker_pids = pools[v].pids
            if not wait_http(t.base + "/ping"):
                die("overhead: the %s server on port %d does not answer" % (v, ports[v]))
            targets[v] = t
        targets["on"].reset(runner, True)
        ids = targets["on"].grow_to(runner, 100)
        lo, hi = ids[0], ids[-1]
        for r in range(args.rounds):
            say("overhead: round %d of %d (%s first)" % (r + 1, args.rounds, round_order(r)[0]))
            for scen in args.scenarios:
                path, script = SCENARIOS[scen]
                for c in args.conns:
                    for v in round_order(r):
                        row = measure(runner, targets[v], scen, path, script, c, args.duration,
                                      (lo, hi) if scen == "get" else ())
                        row.update(round=r, variant=v)
                        result["rows"].append(row)
        bad = [x for x in result["rows"] if x["non2xx"] or x["socket_errors"] or not x["requests"]]
        if bad:
            die("overhead: %d measurements had errors (e.g. %s %s round %d)" % (
                len(bad), bad[0]["variant"], bad[0]["scenario"], bad[0]["round"]))
        cpu = round_ratios(result["rows"], "cpu_us_per_req.workers")
        for key, ratios in round_ratios(result["rows"], "rps").items():
            result["wrk"]["%s@%d" % key] = {"rps": spread(ratios),
                                            "cpu": spread(cpu[key]) if cpu.get(key) else None}
        if shutil.which("valgrind") and args.callgrind:
            result["callgrind"] = run_callgrind(args, binaries, env, uid, gid, stack, lo, hi)
        elif args.callgrind:
            say("overhead: valgrind is missing: no instruction counts")
    finally:
        for p in pools.values():
            p.stop()
        stack.restore_conf()
    return result


def run_callgrind(args, binaries, env, uid, gid, stack, lo, hi):
    outdir = os.path.join(stack.bench_dir, "callgrind")
    os.makedirs(outdir, exist_ok=True)
    if IS_ROOT:
        os.chown(outdir, uid, gid)
    n1, n2 = args.callgrind_requests
    out = {}
    for scen in args.scenarios:
        paths = ["/ping"] if scen == "ping" else ["/notes/%d/" % i for i in range(lo, hi + 1)]
        out[scen] = {}
        # Each measured twice: the second shows how repeatable an instruction count is here.
        for rep in range(2):
            for v in VARIANTS:
                small = callgrind_run(binaries[v], env, uid, gid, outdir, paths, n1)
                big = callgrind_run(binaries[v], env, uid, gid, outdir, paths, n2)
                each = per_request(small, big, n1, n2)
                out[scen].setdefault(v + "_each", []).append(each)
                out[scen].setdefault(v + "_totals", []).append([small, big])
                say("overhead: callgrind %-4s %-3s %.1f instructions per request (%d requests: %d, %d: %d)"
                    % (scen, v, each, n1, small, n2, big))
        for v in VARIANTS:
            out[scen][v] = out[scen][v + "_each"][0]
        out[scen]["requests"] = [n1, n2]
    return out


def write(result, base):
    b = result["baseline"]
    head = ("## The request path's cost (scripts/bench --overhead) %s\n\nThis tree against %s "
            "(%s). Machine: %s; load at end %s. %d workers per build; %d rounds of %g s per "
            "scenario and build, alternating (this tree first, then the other first).%s\n\n" % (
                result["started"], b["name"], b["subject"], result["machine"].get("cpu_model", "?"),
                " ".join(result["machine"].get("loadavg_at_end", [])), result["workers"],
                result["rounds"], result["duration_s"],
                ("\n\n" + result["label"]) if result.get("label") else ""))
    md = head + table(result)
    with open(base + ".md", "w") as f:
        f.write(md)
    with open(base + ".json", "w") as f:
        json.dump(result, f, indent=1, default=str)
    return md
