"""bench/notesbench/run.py: one measurement (wrk or pgbench, with CPU and memory), and every scenario against one target."""

import os
import subprocess
import sys
import time
import urllib.parse

from .common import BENCH, HUGE_SCENARIOS, die, say
from .procs import Groups, cpu_total
from .target import Target
from .tools import psql
from .web import http_req


def drain(target, limit=180):
    """Waits until the target answers GET /ping within 50 ms twice in a row: a server that fell
    behind (wrk stops, the server still works off the requests it had queued) must not slow
    the next measurement down. Returns the seconds waited."""
    start = time.monotonic()
    good = 0
    while time.monotonic() - start < limit:
        t0 = time.monotonic()
        try:
            ok = http_req("GET", target.base + "/ping", timeout=limit)[0] == 200
        except OSError:
            ok = False
        good = good + 1 if ok and time.monotonic() - t0 < 0.05 else 0
        if good >= 2:
            break
        time.sleep(0.05)
    return round(time.monotonic() - start, 2)


def measure(runner, target, label, path, script, conns, duration, script_args=()):
    """One wrk run; path is what is requested (the URL for the get and get_gzip scripts; a
    description for scripts that make their own requests)."""
    waited = drain(target)
    if waited > 1:
        say("%s: waited %.1f s for the server to work off the previous run's queue" % (target.name, waited))
    before = target.groups.snapshot()
    plain = script in ("get", "get_gzip")  # scripts that request the URL wrk is given
    res, ru = runner.wrk(target.base, path if plain else "/", script, conns, duration, script_args)
    after = target.groups.snapshot()
    cpu = Groups.cpu(before, after)
    secs = res["duration_us"] / 1e6
    cpu["wrk"] = round(100.0 * (ru.ru_utime + ru.ru_stime) / secs, 1)
    cpu["other"] = round(max(0.0, cpu["machine"] - sum(v for k, v in cpu.items()
                                                       if k not in ("machine", "sys_share_pct"))), 1)
    row = {
        "target": target.name, "scenario": label, "conns": conns, "path": path,
        "requests": res["requests"], "seconds": round(secs, 2),
        "rps": round(res["requests"] / secs, 1),
        "p50_ms": res["p50_us"] / 1000.0, "p99_ms": res["p99_us"] / 1000.0,
        "max_ms": res["max_us"] / 1000.0,
        "non2xx": res["status"],
        "socket_errors": res["connect"] + res["read"] + res["write"] + res["timeout"],
        "errors_detail": {k: res[k] for k in ("connect", "read", "write", "timeout")},
        "bytes_per_response": round(res["bytes"] / max(res["requests"], 1)),
        "ids_ran_out": res["exhausted"] > 0,
        "cpu_pct": cpu, "memory": target.rss(), "drain_wait_s": waited,
        # CPU time per request: unlike req/s, it barely moves when other processes load the machine.
        "cpu_us_per_req": {k: round(1e4 * v / max(res["requests"] / secs, 1e-9), 1)
                           for k, v in cpu.items() if k in ("nginx", "workers", "postgres", "wrk")},
    }
    say("%-10s %-10s c=%-3d %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  non-2xx %d  socket %d  cpu %s"
        % (target.name, label, conns, row["rps"], row["p50_ms"], row["p99_ms"], row["non2xx"],
           row["socket_errors"], " ".join("%s=%g" % kv for kv in cpu.items() if kv[0] != "sys_share_pct")))
    return row


def measure_pgbench(runner, target, label, scripts, clients, duration, defines):
    before = target.groups.snapshot()
    res, ru = runner.pgbench(target.dburl, scripts, clients, duration, defines)
    end_total, end_wall = cpu_total(), time.monotonic()
    time.sleep(0.3)  # let the postmaster reap pgbench's backends: their CPU moves to its cutime
    after = (target.groups.snapshot()[0], end_total, end_wall)
    cpu = Groups.cpu(before, after)
    cpu["pgbench"] = round(100.0 * (ru.ru_utime + ru.ru_stime) / max(duration, 1), 1)
    cpu["other"] = round(max(0.0, cpu["machine"] - sum(v for k, v in cpu.items()
                                                       if k not in ("machine", "sys_share_pct"))), 1)
    say("%-10s %-10s clients=%-3d %9.0f tx/s  avg %.2f ms  failed %d  cpu %s"
        % ("pgbench", label, clients, res["tps"], res["latency_avg_ms"] or 0, res["failed"],
           " ".join("%s=%g" % kv for kv in cpu.items() if kv[0] != "sys_share_pct")))
    res["cpu_us_per_tx"] = {k: round(1e4 * v / max(res["tps"], 1e-9), 1)
                            for k, v in cpu.items() if k in ("postgres", "pgbench")}
    res.update({"ceiling": label, "cpu_pct": cpu, "scripts": scripts})
    return res


def run_target(runner, target, args, ceilings):
    """All scenarios against one target. ceilings: None, or a dict this fills with the static,
    fcgi and pgbench figures (only for our own server)."""
    rows = []
    D = args.duration
    scen = args.scenarios
    pg = ceilings is not None and target.dburl and not args.no_ceilings and not args.no_pgbench
    pg_clients = sorted(set(1 if c == 1 else min(c, 8) for c in args.conns))

    def pg_ceiling(key, scripts, defines, pre=None):
        if not pg:
            return
        for cl in pg_clients:
            d = dict(defines)
            if pre:
                d.update(pre(cl))
            ceilings.setdefault("pgbench", {}).setdefault(key, {})[cl] = \
                measure_pgbench(runner, target, key, scripts, cl, D, d)

    target.reset(runner, args.reset)
    if "ping" in scen:
        for c in args.conns:
            rows.append(measure(runner, target, "ping", "/ping", "get", c, D))
    if ceilings is not None and not args.no_ceilings and ceilings.get("stack"):
        st = ceilings["stack"]
        # The ceilings' own processes: the (bench-configured) nginx and the trivial pool.
        static_t = Target("nginx", st.base)
        static_t.groups.add("nginx", st.nginx_pids)
        fcgi_t = Target("trivial", st.base)
        fcgi_t.groups.add("nginx", st.nginx_pids)
        fcgi_t.groups.add("workers", st.trivial_pids)
        fcgi_t.worker_pids = st.trivial_pids
        for c in args.conns:
            ceilings.setdefault("static", {})[c] = measure(runner, static_t, "static", "/__bench/static", "get", c, D)
        for c in args.conns:
            ceilings.setdefault("fcgi", {})[c] = measure(runner, fcgi_t, "fcgi", "/__bench/fcgi", "get", c, D)

    small = 100
    ids = target.grow_to(runner, small)
    lo, hi = ids[0], ids[-1]
    if hi - lo + 1 != small:
        say("%s: the seeded ids are not consecutive (%d..%d)" % (target.name, lo, hi))
    if "get" in scen:
        for c in args.conns:
            rows.append(measure(runner, target, "get", "/notes/{id}/", "get_id", c, D, (lo, hi)))
        pg_ceiling("select", ["select"], {"lo": lo, "hi": hi})
    if "list100" in scen:
        for c in args.conns:
            rows.append(measure(runner, target, "list100", "/notes/", "get", c, D))
        pg_ceiling("list100", ["list_all"], {})

    big = args.big
    if any(s in scen for s in ("list10k", "listlimit", "put", "mixed", "post", "delete")):
        ids = target.grow_to(runner, big)
    lo, hi = ids[0], ids[-1]
    if "list10k" in scen:
        for c in args.conns:
            rows.append(measure(runner, target, "list10k", "/notes/", "get", c, D))
        pg_ceiling("list10k", ["list_all"], {})
    if "list10kgz" in scen and ceilings is not None:
        # The same list asked for with Accept-Encoding: gzip (bytes_per_response: what it saves).
        for c in args.conns:
            rows.append(measure(runner, target, "list10kgz", "/notes/", "get_gzip", c, D))
    if "listlimit" in scen:
        for c in args.conns:
            rows.append(measure(runner, target, "listlimit", "/notes/?limit=100", "get", c, D))
        pg_ceiling("listlimit", ["list"], {"lim": 100})
    if "put" in scen:
        for c in args.conns:
            rows.append(measure(runner, target, "put", "/notes/{id}/", "put", c, D, (lo, hi)))
        pg_ceiling("update", ["update"], {"lo": lo, "hi": hi})
    if "mixed" in scen:
        for c in args.conns:
            rows.append(measure(runner, target, "mixed", "80% GET id, 10% POST, 10% PUT", "mixed", c, D, (lo, hi)))
        pg_ceiling("mixed", ["select@80", "insert@10", "update@10"], {"lo": lo, "hi": hi})
    post_rate = {}
    if "post" in scen:
        for c in args.conns:
            row = measure(runner, target, "post", "/notes/", "post", c, D)
            post_rate[c] = row["rps"]
            rows.append(row)
        pg_ceiling("insert", ["insert"], {})
    if "delete" in scen:
        for c in args.conns:
            need = int(3.0 * post_rate.get(c, 3000 if c > 1 else 1000) * D) + 1000
            plo, phi = target.pool(runner, need)
            rows.append(measure(runner, target, "delete", "/notes/{id}/", "delete", c, D,
                                (plo, phi, runner.threads(c))))
            if rows[-1]["ids_ran_out"]:
                say("%s: delete at %d connections ran out of its %d notes after %.1f s"
                    % (target.name, c, phi - plo + 1, rows[-1]["seconds"]))
        if pg:
            ins = ceilings["pgbench"].get("insert", {})

            def delete_pool(cl):
                rate = ins.get(cl, {}).get("tps", 8000)
                plo, _ = target.pool(runner, int(1.6 * rate * D) + 100 * cl)
                return {"lo": plo, "nc": cl, "n": 0}
            pg_ceiling("delete", ["delete"], {}, pre=delete_pool)
    if ceilings is not None and target.dburl and any(s in scen for s in HUGE_SCENARIOS):
        rows += run_huge(runner, target, args)
    return rows


def run_huge(runner, target, args):
    """Issue 12: pages of 100 at --huge notes, searched (?q=), sorted (?sort=-title), and deep by
    keyset (?after=) and by offset, each beside the first page: with their indexes the first
    ones cost about the same; a deep offset walks what it skips. The notes added are word-like
    (bench/word_notes.py: Debian's word list drawn with Zipf's law), and the searches are of
    known frequency: the title of one note (search), a word in about 1 % of the notes
    (search_word), the most frequent word, in about half (search_common), and a two-letter text
    that no trigram can serve (search_short: the bound, one pass over the table)."""
    have = int(psql(target.dburl, "SELECT count(*) FROM notes"))
    if have < args.huge:
        say("%s: adding %d word-like notes (to %d) for the large-list scenarios" % (target.name, args.huge - have, args.huge))
        gen = subprocess.Popen([sys.executable, os.path.join(BENCH, "word_notes.py"), str(args.huge - have)],
                               stdout=subprocess.PIPE)
        r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", target.dburl, "-c",
                            "\\copy notes (title, description) FROM STDIN"], stdin=gen.stdout,
                           capture_output=True, text=True)
        gen.stdout.close()
        if gen.wait() != 0 or r.returncode != 0:
            die("adding word-like notes failed: %s" % r.stderr)
    # What autovacuum does after so many inserts: merge the trigram indexes' pending lists
    # (each search reads a pending list whole: README, "Search").
    psql(target.dburl, "VACUUM ANALYZE notes")
    n = int(psql(target.dburl, "SELECT count(*) FROM notes"))
    mid = psql(target.dburl, "SELECT id || ' ' || title FROM notes ORDER BY id OFFSET %d LIMIT 1" % (n // 2))
    mid_id, phrase = mid.split(" ", 1)
    word = subprocess.run([sys.executable, os.path.join(BENCH, "word_notes.py"), "--rank", "100"],
                          capture_output=True, text=True, check=True).stdout.strip()
    common = subprocess.run([sys.executable, os.path.join(BENCH, "word_notes.py"), "--rank", "1"],
                            capture_output=True, text=True, check=True).stdout.strip()
    short = "qz"
    near_end = psql(target.dburl, "SELECT id FROM notes ORDER BY id OFFSET %d LIMIT 1" % max(0, n - 150))
    q = lambda text: urllib.parse.quote(text)
    paths = {
        "page1": "/notes/?limit=100",
        "search": "/notes/?q=%s&limit=100" % q(phrase),
        "search_word": "/notes/?q=%s&limit=100" % q(word),
        "search_common": "/notes/?q=%s&limit=100" % q(common),
        "search_short": "/notes/?q=%s&limit=100" % q(short),
        "sort": "/notes/?sort=-title&limit=100",
        "after": "/notes/?after=%s&limit=100" % near_end,
        "offset": "/notes/?offset=%d&limit=100" % max(0, n - 150),
    }
    found = {}
    for scen, text in (("search", phrase), ("search_word", word), ("search_common", common), ("search_short", short)):
        lit = text.replace("'", "''")
        found[scen] = int(psql(target.dburl, "SELECT count(*) FROM notes WHERE title_search LIKE "
                               "lower('%%%s%%' COLLATE \"und-x-icu\") OR description_search LIKE "
                               "lower('%%%s%%' COLLATE \"und-x-icu\")" % (lit, lit)))
    rows = []
    for scen in HUGE_SCENARIOS:
        if scen in args.scenarios:
            for c in args.conns:
                row = measure(runner, target, scen, paths[scen], "get", c, args.duration)
                row["notes"] = n
                if scen in found:
                    row["found"] = found[scen]
                rows.append(row)
    say("%s: large-list scenarios at %d notes; searches %s" % (target.name, n, ", ".join(
        "%s %r in %d notes" % (scen, text, found[scen]) for scen, text in
        (("search", phrase), ("search_word", word), ("search_common", common), ("search_short", short)))))
    return rows
