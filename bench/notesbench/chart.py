"""bench/notesbench/chart.py: a run's results as a chart (gnuplot, SVG) beside its Markdown table:
requests per second and p99 latency per scenario at one connection count, ours beside each peer
and each scenario's ceiling. chart_rows is pure (unit-tested); draw runs gnuplot."""

import os
import shutil
import subprocess

from .report import ceiling_for


def reference_conns(result):
    conns = result["setup"]["conns"]
    return 32 if 32 in conns else max(conns)


def chart_rows(result, conns=None):
    """(series names, rows): one row per scenario of ours at conns connections, with req/s and
    p99 ms of ours, of each peer (None when it did not run it) and the scenario's first ceiling
    (req/s only; None when there is none)."""
    c = conns or reference_conns(result)
    peers = list(result["peers"])
    names = ["ours"] + peers + ["ceiling"]
    peer_rows = {p: {(r["scenario"], r["conns"]): r for r in result["rows"][p]} for p in peers}
    rows = []
    for r in result["rows"]["ours"]:
        if r["conns"] != c:
            continue
        rps = [r["rps"]]
        p99 = [r["p99_ms"]]
        for p in peers:
            pr = peer_rows[p].get((r["scenario"], c))
            rps.append(pr["rps"] if pr else None)
            p99.append(pr["p99_ms"] if pr else None)
        ceil = ceiling_for(result["ceilings"], r)
        rps.append(ceil[0][1] if ceil else None)
        p99.append(None)
        rows.append((r["scenario"], rps, p99))
    return names, rows


def _cell(v):
    return "NaN" if v is None else "%g" % v


def gnuplot_script(names, rows, dat, out, title):
    """The gnuplot program drawing dat (written by draw) into the SVG out."""
    n = len(names)
    rps_cols = ", ".join("'%s' using %d:xtic(1) title '%s'" % (dat, 2 + i, names[i]) for i in range(n))
    p99_cols = ", ".join("'%s' using %d:xtic(1) title '%s'" % (dat, 2 + n + i, names[i]) for i in range(n - 1))
    return "\n".join([
        "set terminal svg size 1100,720 dynamic font 'sans,11' background '#ffffff'",
        "set output '%s'" % out,
        "set multiplot layout 2,1 title \"%s\"" % title.replace('"', "'"),
        "set style data histogram",
        "set style histogram clustered gap 1",
        "set style fill solid 0.85 border -1",
        "set key top right",
        "set grid ytics",
        "set xtics rotate by -20",
        "set datafile missing 'NaN'",
        "set ylabel 'requests per second'",
        "set logscale y",
        "plot " + rps_cols,
        "unset logscale y",
        "set ylabel 'p99 latency (ms)'",
        "set yrange [0:*]",
        "plot " + p99_cols,
        "unset multiplot",
        "",
    ])


def draw(result, base):
    """Writes base.dat, base.gp and base.svg; returns the SVG's path, or None (with the reason)
    when gnuplot is missing or fails (the Markdown and JSON results are written regardless)."""
    names, rows = chart_rows(result)
    if not rows:
        return None, "no scenario at the reference connection count"
    if not shutil.which("gnuplot"):
        return None, "gnuplot is missing (Debian package gnuplot-nox)"
    dat, gp, svg = base + ".dat", base + ".gp", base + ".svg"
    with open(dat, "w") as f:
        f.write("# scenario " + " ".join("rps_" + n for n in names) + " " +
                " ".join("p99_" + n for n in names[:-1]) + "\n")
        for scenario, rps, p99 in rows:
            f.write(" ".join([scenario] + [_cell(v) for v in rps] + [_cell(v) for v in p99[:-1]]) + "\n")
    title = "notes-api bench %s, %d connections (ceiling: nginx return 200 for ping, pgbench for the rest)" % (
        result.get("started", ""), reference_conns(result))
    with open(gp, "w") as f:
        f.write(gnuplot_script(names, rows, os.path.basename(dat), os.path.basename(svg), title))
    r = subprocess.run(["gnuplot", os.path.basename(gp)], cwd=os.path.dirname(os.path.abspath(gp)),
                       capture_output=True, text=True)
    if r.returncode != 0 or not os.path.exists(svg):
        return None, "gnuplot failed: " + r.stderr.strip()[-300:]
    return svg, None
