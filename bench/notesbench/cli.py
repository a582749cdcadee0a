"""bench/notesbench/cli.py: the command line and the run as a whole (scripts/bench is its entry point)."""

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time

from .auth import AUTH_SCENARIOS, AuthStack, run_auth
from .chart import draw
from .common import ALL_SCENARIOS, BENCH, die, say
from .machine import busy_processes, machine_info
from .overhead import SCENARIOS as OVERHEAD_SCENARIOS
from .overhead import run_overhead
from .overhead import write as write_overhead
from .procs import descendants, listening_pids, memory_floor
from .report import build_table, check_targets
from .run import run_target
from .stack import CeilingNginx, Stack
from .target import Target
from .tools import Runner

# What scripts/bench --help prints.
USAGE = """scripts/bench: benchmark the notes service through nginx against its ceilings and a peer.

Usage: scripts/bench [options]

Starts a stack with scripts/stack (PORT, default 8400; STACK_DIR, default /tmp/notes-bench-PORT;
WORKERS, NGINX_WORKERS, FCGI_KEEPALIVE, NOTES_WORKER are passed on) unless one already runs in
STACK_DIR (then it is used and left running), or drives a running server given with --url.
Seeds notes, drives every scenario with wrk at each connection count, and measures in the same
run the ceilings:
  static   nginx `return 200` on the same nginx (a location added to the bench's copy of the
           rendered config in STACK_DIR; with --url: on a throwaway stack of this tree)
  fcgi     a trivial libfcgi responder (bench/trivial_fcgi.c, built here with cc) behind the same
           nginx settings and pool size
  pgbench  the worker's own prepared statements (bench/pgbench/*.sql) against the same Postgres
Then runs the same scenarios against every --peer. Writes bench/results/<stamp>.md and .json
(or --out DIR), a chart of requests per second and p99 per scenario (ours, each peer, each
ceiling; gnuplot) as <stamp>.svg shown at the top of the .md, and prints the table.

Options:
  --url URL            benchmark a running server instead of starting one (ceilings: a throwaway
                       stack on --ceiling-port, default 8401; pgbench only with --database-url;
                       CPU "workers" = the processes listening on the URL's port and children)
  --database-url URL   the Postgres of --url (for pgbench, resets and id pools)
  --peer [NAME=]URL    also run the scenarios against this server (repeatable)
  --peer-db NAME=URL   the peer's database: reset with TRUNCATE and bulk id pools (optional)
  --duration S         seconds per measurement (default 5)
  --conns LIST         connection counts (default 1,32,256)
  --threads N          wrk threads (default 2, never more than connections)
  --scenarios LIST     subset of: ping,get,list100,list10k,listlimit,post,put,delete,mixed,
                       get_auth,post_auth (GET /notes/{id}/ and POST /notes/ with a bearer token, on a
                       second stack with NOTES_AUTH=on on a free port; not with --url),
                       list10kgz,page1,search,search_word,search_common,search_short,sort,after,
                       offset (our server only)
  --no-ceilings        skip the static/fcgi/pgbench ceilings
  --no-pgbench         skip the pgbench ceilings only
  --big N              notes for the "10,000 notes" list scenarios (default 10000)
  --huge N             notes for page1, the searches, sort, after, offset (default 100000)
  --out DIR            where results go (default bench/results in the source tree)
  --label TEXT         a note stored with the results (what was changed, what else ran)
  --keep               leave a stack this run started running
  --smoke              a seconds-long check of the harness: 1 s runs at 1 and 4 connections,
                       small seeds, 1-s ceilings; fails on any error or empty result
Tuning (applied to the bench's rendered copy of nginx.conf in STACK_DIR, never to conf/):
  --access-log MODE    keep (default: as conf/ has it, buffer=64k flush=1s), off, buffer, or
                       unbuffered (one write per request)
  --conf-sub 'RE=>REPL'  regular-expression substitution on the rendered nginx.conf (repeatable)
  --trivial-workers N  pool size of the trivial responder (default: WORKERS of the stack)
  --trivial-detach     the trivial responder skips libfcgi's lingering close (FCGX_Detach)

What counting costs (issue 14), instead of the run above:
  --overhead           builds the worker twice from this tree with the same flags, once with
                       NOTES_METRICS_OFF (no counting), serves each from its own pool behind its
                       own server of the stack's nginx, and measures in one run: (1) wrk in
                       alternating rounds (on-off, off-on, ...): per round and scenario the ratio
                       of requests per second with counting / without, and of the workers' CPU
                       per request; the median over the rounds with its spread; (2) callgrind:
                       instructions per request of each build, (Ir(N2) - Ir(N1)) / (N2 - N1), the
                       worker alone under valgrind (not changed by the machine's load). Scenarios
                       ping and get (--scenarios ping,get), --conns default 32, --duration default 3.
                       Writes <stamp>-overhead.md and .json.
  --baseline REV       --overhead against the worker of commit REV (git archive, autoreconf,
                       the same flags) instead of this tree without counting: what the request
                       path costs now against then (e.g. main before issue 14)
  --rounds N           rounds of --overhead (default 8)
  --callgrind-requests N1,N2   requests per callgrind run (default 200,1200)
  --no-callgrind       only the wrk rounds
"""


def parse_args():
    p = argparse.ArgumentParser(usage="scripts/bench [options] (see --help)", add_help=False)
    p.add_argument("-h", "--help", action="store_true")
    p.add_argument("--url")
    p.add_argument("--database-url")
    p.add_argument("--peer", action="append", default=[])
    p.add_argument("--peer-db", action="append", default=[])
    p.add_argument("--duration", type=float)
    p.add_argument("--conns")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--scenarios")
    p.add_argument("--overhead", action="store_true")
    p.add_argument("--rounds", type=int, default=8)
    p.add_argument("--baseline")
    p.add_argument("--callgrind-requests", default="200,1200")
    p.add_argument("--no-callgrind", dest="callgrind", action="store_false")
    p.add_argument("--no-ceilings", action="store_true")
    p.add_argument("--no-pgbench", action="store_true")
    p.add_argument("--big", type=int, default=10000)
    p.add_argument("--huge", type=int, default=100000)
    p.add_argument("--out")
    p.add_argument("--label", default="")
    p.add_argument("--keep", action="store_true")
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--reset", action="store_true")
    p.add_argument("--access-log", choices=["keep", "off", "buffer", "unbuffered"], default="keep")
    p.add_argument("--conf-sub", action="append", default=[])
    p.add_argument("--trivial-workers", type=int)
    p.add_argument("--trivial-detach", action="store_true")
    p.add_argument("--ceiling-port", type=int, default=8401)
    a = p.parse_args()
    if a.help:
        print(USAGE.strip())
        sys.exit(0)
    known = list(OVERHEAD_SCENARIOS) if a.overhead else ALL_SCENARIOS
    if a.duration is None:
        a.duration = 3 if a.overhead else 5
    a.conns = a.conns or ("32" if a.overhead else "1,32,256")
    a.scenarios = a.scenarios or ",".join(known)
    if a.smoke:
        a.duration, a.conns, a.big, a.huge = 1, "1,4", 300, 2000
        a.rounds, a.callgrind_requests = 2, "20,60"
    a.conns = [int(x) for x in a.conns.split(",") if x]
    a.scenarios = [s for s in a.scenarios.split(",") if s]
    for s in a.scenarios:
        if s not in known:
            p.error("unknown scenario %s (known: %s)" % (s, ",".join(known)))
    try:
        a.callgrind_requests = [int(x) for x in a.callgrind_requests.split(",")]
    except ValueError:
        a.callgrind_requests = []
    if len(a.callgrind_requests) != 2 or not 0 < a.callgrind_requests[0] < a.callgrind_requests[1]:
        p.error("--callgrind-requests wants N1,N2 with 0 < N1 < N2")
    if a.overhead and (a.url or a.peer):
        p.error("--overhead builds and runs this tree: not with --url or --peer")
    if a.baseline and not a.overhead:
        p.error("--baseline is an option of --overhead")
    if a.rounds < 1:
        p.error("--rounds wants at least 1")
    return a


def main():
    args = parse_args()
    # SIGTERM unwinds like Ctrl-C, so the trivial pool stops and the nginx config is restored.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    for tool in ("wrk", "nginx", "spawn-fcgi", "multiwatch", "cc", "psql", "pgbench"):
        if not shutil.which(tool):
            die("%s is missing (Debian packages: wrk nginx spawn-fcgi multiwatch gcc postgresql-client "
                "libfcgi-dev)" % tool)
    started = time.time()
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out_dir = os.path.abspath(args.out or os.path.join(BENCH, "results"))
    os.makedirs(out_dir, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="notes-bench-work.")
    runner = Runner(args, workdir)
    stack = ceiling_nginx = auth_stack = None
    result = {"started": datetime.datetime.now().isoformat(timespec="seconds"), "label": args.label,
              "machine": machine_info(), "rows": {}, "ceilings": {}, "peers": []}
    if args.overhead:
        overhead_main(args, runner, workdir, out_dir, stamp, result)
        return
    try:
        if args.url:
            ours = Target("ours", args.url, args.database_url)
            port = int(re.search(r":(\d+)", args.url.split("//", 1)[-1]).group(1)) \
                if re.search(r":(\d+)", args.url.split("//", 1)[-1]) else 80
            ours.groups.add("workers", lambda t, port=port: descendants(listening_pids(port), t))
            ours.worker_pids = lambda t: set()
            workers = int(os.environ.get("WORKERS", os.cpu_count()))
            summary = "--url %s" % args.url
            if not args.no_ceilings:
                ceiling_nginx = CeilingNginx(args, workers)
                st = ceiling_nginx.start(args.trivial_workers or workers)
                result["ceilings"]["stack"] = st
            conf_text = None
        else:
            stack = Stack(args)
            stack.up()
            ours = Target("ours", stack.base, stack.dburl)
            ours.groups.add("nginx", stack.nginx_pids)
            ours.groups.add("workers", stack.worker_pids)
            ours.groups.add("postgres", stack.postgres_pids)
            ours.worker_pids = stack.worker_pids
            sock = stack.start_trivial(args.trivial_workers or stack.workers)
            stack.bench_conf(sock)
            with open(stack.conf) as f:
                conf_text = f.read()
            if not args.no_ceilings:
                result["ceilings"]["stack"] = stack
            summary = "%d workers, nginx worker_processes %s, FastCGI keepalive %s, access_log %s%s" % (
                stack.workers, re.search(r"worker_processes (\S+);", conf_text).group(1),
                stack.state.get("S_KEEPALIVE", "?"), args.access_log,
                "".join(", sub %s" % s for s in args.conf_sub))
        result["setup"] = {"summary": summary, "conns": args.conns, "duration_s": args.duration,
                           "scenarios": args.scenarios, "wrk_threads": args.threads,
                           "nginx_conf": conf_text}
        say("ours: %s" % summary)
        result["rows"]["ours"] = run_target(runner, ours, args, result["ceilings"])
        if stack and any(s in args.scenarios for s in AUTH_SCENARIOS):
            auth_stack = AuthStack(stack)
            auth_stack.up()
            result["rows"]["ours"] += run_auth(runner, auth_stack, args)
        if ours.dburl and not args.no_ceilings:
            result["ceilings"]["memory_floor"] = memory_floor(ours.dburl, workdir)
        result["ceilings"].pop("stack", None)
        peer_dbs = dict(x.split("=", 1) for x in args.peer_db)
        for i, spec in enumerate(args.peer):
            name, sep, url = spec.partition("=")
            if not sep or "://" in name:
                name, url = "peer%d" % (i + 1), spec
            peer = Target(name, url, peer_dbs.get(name))
            m = re.search(r":(\d+)", url.split("//", 1)[-1])
            pport = int(m.group(1)) if m else 80
            pids = lambda t, pport=pport: descendants(listening_pids(pport), t)
            peer.groups.add("workers", pids)
            if stack:
                peer.groups.add("postgres", stack.postgres_pids)
            peer.worker_pids = pids
            say("peer %s: %s" % (name, url))
            result["rows"][name] = run_target(runner, peer, args, None)
            result["peers"].append(name)
    finally:
        result["ceilings"].pop("stack", None)
        if stack:
            stack.down()
        if auth_stack:
            auth_stack.down()
        if ceiling_nginx:
            ceiling_nginx.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    result["seconds"] = round(time.time() - started)
    result["machine"]["busy_processes_at_end"] = busy_processes()
    result["targets"] = check_targets(result)
    table = build_table(result)
    head = "## Benchmark %s\n\nMachine: %s, %s CPUs, %s MiB; load at end %s. %s s per measurement, wrk %d threads.%s\n\n" % (
        result["started"], result["machine"].get("cpu_model", "?"), result["machine"]["cpus"],
        result["machine"].get("mem_total_kib", 0) // 1024, " ".join(result["machine"].get("loadavg_at_end", [])),
        args.duration, args.threads, ("\n\n" + args.label) if args.label else "")
    base = os.path.join(out_dir, stamp + ("-smoke" if args.smoke else ""))
    svg, why = draw(result, base)
    if svg:
        result["chart"] = os.path.basename(svg)
        head += "![requests per second and p99 per scenario](%s)\n\n" % os.path.basename(svg)
    else:
        say("no chart: %s" % why)
    md = head + table
    with open(base + ".md", "w") as f:
        f.write(md)
    with open(base + ".json", "w") as f:
        json.dump(result, f, indent=1, default=str)
    print(md)
    say("results: %s.md, %s.json%s (%d s)" % (base, base, ", " + svg if svg else "", result["seconds"]))
    if args.smoke:
        bad = [r for rs in result["rows"].values() for r in rs
               if r["requests"] == 0 or r["non2xx"] or r["socket_errors"]]
        if "memory_floor" in result["ceilings"] and not result["ceilings"]["memory_floor"]:
            die("smoke: the memory floor (bench/libpq_floor.c) could not be measured")
        if bad:
            die("smoke: %d measurements had errors or no requests: %s" % (
                len(bad), ", ".join("%s %s c=%d" % (r["target"], r["scenario"], r["conns"]) for r in bad)))


def overhead_main(args, runner, workdir, out_dir, stamp, head):
    """scripts/bench --overhead: counting's cost (bench/notesbench/overhead.py)."""
    stack = Stack(args)
    started = time.time()
    try:
        stack.up()
        result = run_overhead(args, stack, runner, workdir)
    finally:
        stack.down()
        shutil.rmtree(workdir, ignore_errors=True)
    result.update(started=head["started"], label=args.label, machine=machine_info(),
                  seconds=round(time.time() - started))
    result["machine"]["busy_processes_at_end"] = busy_processes()
    base = os.path.join(out_dir, stamp + "-overhead" + ("-smoke" if args.smoke else ""))
    print(write_overhead(result, base))
    say("results: %s.md, %s.json (%d s)" % (base, base, result["seconds"]))
    want = ["%s@%d" % (s, c) for s in args.scenarios for c in args.conns]
    if args.smoke and ([w for w in want if w not in result["wrk"]] or
                       (args.callgrind and sorted(result.get("callgrind", {})) != sorted(args.scenarios))):
        die("smoke: the overhead results miss a scenario (wrk %s, callgrind %s)" % (
            sorted(result["wrk"]), sorted(result.get("callgrind", {}))))
