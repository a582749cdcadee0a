"""bench/notesbench/report.py: the results as Markdown, and the issue's targets met or missed (pure: no I/O)."""


# Which ceiling each scenario is compared with.
CEILING_OF = {
    "ping": ("fcgi", None), "get": ("pgbench", "select"), "list100": ("pgbench", "list100"),
    "list10k": ("pgbench", "list10k"), "listlimit": ("pgbench", "listlimit"),
    "post": ("pgbench", "insert"), "put": ("pgbench", "update"), "delete": ("pgbench", "delete"),
    "mixed": ("pgbench", "mixed"),
    # NOTES_AUTH=on (bench/notesbench/auth.py): the same statements plus the token's lookup.
    "get_auth": ("pgbench", "select"), "post_auth": ("pgbench", "insert"),
    # issue 12: compared with a first page of the same notes (bench/results/README.md), no ceiling
    "list10kgz": ("pgbench", "list10k"), "page1": (None, None), "search": (None, None),
    "search_word": (None, None), "search_common": (None, None), "search_short": (None, None),
    "sort": (None, None), "after": (None, None), "offset": (None, None),
}


def ceiling_for(ceilings, row):
    kind, key = CEILING_OF[row["scenario"]]
    c = row["conns"]
    if kind is None:
        return []
    if kind == "fcgi":
        out = []
        for k in ("static", "fcgi"):
            r = ceilings.get(k, {}).get(c)
            if r:
                out.append(("nginx return 200" if k == "static" else "trivial fcgi", r["rps"]))
        return out
    cl = 1 if c == 1 else min(c, 8)
    r = ceilings.get("pgbench", {}).get(key, {}).get(cl)
    return [("pgbench %s c%d" % (key, cl), r["tps"])] if r else []


def fmt_rate(x):
    return "%.1fk" % (x / 1000) if x >= 1000 else "%.0f" % x


def fmt_mib(kib):
    return "%.1f" % (kib / 1024.0)


def build_table(result):
    rows = result["rows"]["ours"]
    peers = [p for p in result["peers"]]
    head = ["scenario", "conns", "req/s", "p50 ms", "p99 ms", "non-2xx / socket err", "ceiling (req/s)",
            "ratio"]
    for p in peers:
        head += [p + " req/s", "× " + p]
    head += ["RSS / anon / PSS per worker MiB", "CPU % nginx / workers / pg / wrk / other",
             "CPU µs/req nginx / workers / pg"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    peer_rows = {p: {(r["scenario"], r["conns"]): r for r in result["rows"][p]} for p in peers}
    for r in rows:
        ceil = ceiling_for(result["ceilings"], r)
        cs = "<br>".join("%s %s" % (n, fmt_rate(v)) for n, v in ceil) or "–"
        rs = "<br>".join("%.2f" % (r["rps"] / v) for _, v in ceil if v) or "–"
        cells = [r["scenario"], str(r["conns"]), fmt_rate(r["rps"]), "%.2f" % r["p50_ms"],
                 "%.2f" % r["p99_ms"], "%d / %d%s" % (r["non2xx"], r["socket_errors"],
                                                      " (ids ran out)" if r["ids_ran_out"] else ""),
                 cs, rs]
        for p in peers:
            pr = peer_rows[p].get((r["scenario"], r["conns"]))
            if pr:
                note = " (%d non-2xx, %d err)" % (pr["non2xx"], pr["socket_errors"]) \
                    if pr["non2xx"] or pr["socket_errors"] else ""
                cells += [fmt_rate(pr["rps"]) + note, "%.1f" % (r["rps"] / pr["rps"]) if pr["rps"] else "–"]
            else:
                cells += ["–", "–"]
        m = r["memory"]
        cells.append("%s / %s / %s" % (fmt_mib(m["rss_max_kib"]), fmt_mib(m["anon_max_kib"]),
                                       fmt_mib(m["pss_max_kib"])) if m else "–")
        cpu = r["cpu_pct"]
        cells.append("%g / %g / %g / %g / %g" % (cpu.get("nginx", 0), cpu.get("workers", 0),
                                                 cpu.get("postgres", 0), cpu.get("wrk", 0), cpu.get("other", 0)))
        us = r.get("cpu_us_per_req", {})
        cells.append("%g / %g / %g" % (us.get("nginx", 0), us.get("workers", 0), us.get("postgres", 0)))
        lines.append("| " + " | ".join(cells) + " |")
    ceil_lines = []
    for k, label in (("static", "nginx `return 200`"), ("fcgi", "trivial libfcgi responder")):
        for c, r in sorted(result["ceilings"].get(k, {}).items()):
            cpu = r["cpu_pct"]
            us = r.get("cpu_us_per_req", {})
            ceil_lines.append("| %s | %d | %s | %.2f | %.2f | %d / %d | %g / %g / %g | %g / %g |" % (
                label, c, fmt_rate(r["rps"]), r["p50_ms"], r["p99_ms"], r["non2xx"], r["socket_errors"],
                cpu.get("nginx", 0), cpu.get("workers", 0), cpu.get("wrk", 0),
                us.get("nginx", 0), us.get("workers", 0)))
    pg_lines = []
    for key, per in result["ceilings"].get("pgbench", {}).items():
        for cl, r in sorted(per.items()):
            cpu = r["cpu_pct"]
            pg_lines.append("| %s | %d | %s | %.2f | %d | %g / %g |" % (
                key, cl, fmt_rate(r["tps"]), r["latency_avg_ms"] or 0, r["failed"],
                cpu.get("postgres", 0), cpu.get("pgbench", 0)))
    out = ["### Scenarios (ours: %s)" % result["setup"]["summary"], ""] + lines
    if ceil_lines:
        out += ["", "### Ceilings behind the same nginx", "",
                "| ceiling | conns | req/s | p50 ms | p99 ms | non-2xx / socket err | CPU % nginx / workers / wrk | CPU µs/req nginx / workers |",
                "|---|---|---|---|---|---|---|---|"] + ceil_lines
    if pg_lines:
        out += ["", "### pgbench (the worker's prepared statements, same Postgres)", "",
                "| statement | clients | tx/s | avg latency ms | failed | CPU % pg / pgbench |",
                "|---|---|---|---|---|---|"] + pg_lines
    targets = check_targets(result)
    if targets:
        out += ["", "### Targets (issue 6)", "", "| target | measured | met |", "|---|---|---|"]
        out += ["| %s | %s | %s |" % (t["target"], t["measured"], "yes" if t["met"] else "**no**")
                for t in targets]
    return "\n".join(out) + "\n"


def check_targets(result):
    rows = {(r["scenario"], r["conns"]): r for r in result["rows"]["ours"]}
    ce = result["ceilings"]
    out = []

    def add(name, measured, met):
        out.append({"target": name, "measured": measured, "met": bool(met)})

    ref_c = 32 if 32 in result["setup"]["conns"] else max(result["setup"]["conns"])
    ping, static = rows.get(("ping", ref_c)), ce.get("static", {}).get(ref_c)
    fcgi = ce.get("fcgi", {}).get(ref_c)
    if ping and static:
        x = ping["rps"] / static["rps"]
        bound = "; the design's own ceiling, the trivial libfcgi responder: %.2f" % (
            fcgi["rps"] / static["rps"]) if fcgi else ""
        add("GET /ping ≥ 0.3 × nginx return 200 (c=%d)%s" % (ref_c, bound), "%.2f" % x, x >= 0.3)
    for scen, pgkey, peer_x, pg_x in (("get", "select", 4.0, 0.3), ("post", "insert", 2.5, 0.5)):
        r = rows.get((scen, ref_c))
        if not r:
            continue
        cl = min(ref_c, 8)
        pgr = ce.get("pgbench", {}).get(pgkey, {}).get(cl)
        if pgr:
            x = r["rps"] / pgr["tps"]
            # A read cannot be faster than /ping, which does no database work on the same path.
            bound = "; needs %s req/s, /ping made %s" % (fmt_rate(pg_x * pgr["tps"]), fmt_rate(ping["rps"])) \
                if scen == "get" and ping and x < pg_x else ""
            add("%s ≥ %.1f × pgbench %s c%d (c=%d)%s" % (scen, pg_x, pgkey, cl, ref_c, bound), "%.2f" % x,
                x >= pg_x)
        for p in result["peers"]:
            pr = {(q["scenario"], q["conns"]): q for q in result["rows"][p]}.get((scen, ref_c))
            if pr and pr["rps"]:
                x = r["rps"] / pr["rps"]
                add("%s ≥ %.1f × %s (c=%d)" % (scen, peer_x, p, ref_c), "%.1f" % x, x >= peer_x)
    for scen, open_scen in (("get_auth", "get"), ("post_auth", "post")):
        r, o = rows.get((scen, ref_c)), rows.get((open_scen, ref_c))
        if r and o and o["rps"]:
            x = r["rps"] / o["rps"]
            add("%s (bearer token, NOTES_AUTH=on) ≥ 0.85 × %s (open) (c=%d)" % (scen, open_scen, ref_c),
                "%.2f" % x, x >= 0.85)
    for scen in ("ping", "get", "list100", "listlimit"):
        r = rows.get((scen, ref_c))
        if r:
            add("p99 %s ≤ 5 ms (c=%d)" % (scen, ref_c), "%.2f ms" % r["p99_ms"], r["p99_ms"] <= 5.0)
    top = max(result["setup"]["conns"])
    errs = [(r["scenario"], r["non2xx"], r["socket_errors"]) for r in result["rows"]["ours"] if r["conns"] == top]
    if errs:
        bad = ["%s %d/%d" % e for e in errs if e[1] or e[2]]
        add("zero errors at %d connections" % top, ", ".join(bad) or "0 in %d scenarios" % len(errs), not bad)
    mems = [r["memory"] for r in result["rows"]["ours"] if r["memory"]]
    if mems:
        hwm = max(m["hwm_max_kib"] for m in mems)
        anon = max(m["anon_max_kib"] for m in mems)
        pss = max(m["pss_max_kib"] for m in mems)
        floor = result["ceilings"].get("memory_floor")
        add("RSS per worker ≤ 4 MiB (peak VmHWM over the run)%s" % (
            "; floor: a process that only links libpq and runs one query, %s MiB RSS, %s MiB anon"
            % (fmt_mib(floor["rss_kib"]), fmt_mib(floor["anon_kib"])) if floor else ""),
            "%s MiB" % fmt_mib(hwm), hwm <= 4096)
        add("private memory per worker ≤ 4 MiB (RssAnon; PSS %s MiB)" % fmt_mib(pss), "%s MiB" % fmt_mib(anon),
            anon <= 4096)
    return out
