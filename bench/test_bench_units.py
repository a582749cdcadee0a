#!/usr/bin/python3
"""bench/test_bench_units.py: the pure parts of bench/notesbench (no stack, no network): parsing
wrk's and pgbench's output, process trees, CPU shares, the nginx tuning options, and the
Markdown table and targets a run writes, and --overhead's rounds, ratios, callgrind totals and
nginx servers. Run by make check."""
import os
import sys
import types
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from notesbench import chart, overhead, report, stack, tools  # noqa: E402
from notesbench.common import ALL_SCENARIOS, BENCH, CLK_TCK  # noqa: E402
from notesbench.procs import Groups, descendants  # noqa: E402

WRK_OUT = """Running 1s test @ http://127.0.0.1:8400/ping
  2 threads and 4 connections
BENCH_RESULT requests=12000 duration_us=1000000 bytes=480000 connect=0 read=1 write=0 status=3 \
timeout=0 p50_us=250 p90_us=400 p99_us=900 max_us=5000 mean_us=300.5 exhausted=0 threads=2
"""

PGBENCH_OUT = """pgbench (15.5)
transaction type: bench/pgbench/select.sql
number of failed transactions: 2 (0.010%)
latency average = 0.421 ms
initial connection time = 3.1 ms
tps = 9502.123456 (without initial connection time)
"""


def row(scenario, conns, rps, p99=1.0, non2xx=0, memory=None):
    return {"target": "ours", "scenario": scenario, "conns": conns, "rps": rps, "p50_ms": p99 / 2,
            "p99_ms": p99, "non2xx": non2xx, "socket_errors": 0, "ids_ran_out": False,
            "memory": memory, "cpu_pct": {"nginx": 10, "workers": 50, "postgres": 20, "wrk": 15,
                                          "other": 1}, "cpu_us_per_req": {"nginx": 5, "workers": 20}}


def result(peer_rps=None):
    mem = {"workers": 2, "rss_max_kib": 3072, "anon_max_kib": 512, "pss_max_kib": 1024,
           "hwm_max_kib": 3500}
    res = {
        "setup": {"summary": "2 workers", "conns": [1, 32]},
        "rows": {"ours": [row("ping", 32, 20000.0, memory=mem), row("get", 32, 8000.0, p99=6.0),
                          row("post", 32, 3000.0, non2xx=1)]},
        "ceilings": {
            "static": {32: dict(row("static", 32, 40000.0), cpu_pct={"nginx": 90})},
            "fcgi": {32: dict(row("fcgi", 32, 25000.0), cpu_pct={"nginx": 40, "workers": 60})},
            "pgbench": {"select": {8: {"tps": 20000.0, "latency_avg_ms": 0.4, "failed": 0,
                                       "cpu_pct": {"postgres": 90, "pgbench": 30}}},
                        "insert": {8: {"tps": 5000.0, "latency_avg_ms": 1.6, "failed": 0,
                                       "cpu_pct": {"postgres": 90, "pgbench": 30}}}},
            "memory_floor": {"rss_kib": 2048, "anon_kib": 256, "pss_kib": 700},
        },
        "peers": [],
    }
    if peer_rps:
        res["peers"] = ["fastapi"]
        res["rows"]["fastapi"] = [dict(row("get", 32, peer_rps), target="fastapi")]
    return res


class Parsing(unittest.TestCase):
    def test_wrk_result_line(self):
        r = tools.parse_wrk(WRK_OUT)
        self.assertEqual(r["requests"], 12000)
        self.assertEqual(r["p99_us"], 900)
        self.assertEqual(r["status"], 3)
        self.assertIsInstance(r["mean_us"], float)
        self.assertIsNone(tools.parse_wrk("unable to connect to 127.0.0.1:8400 Connection refused\n"))

    def test_pgbench_summary(self):
        r = tools.parse_pgbench(PGBENCH_OUT, 4)
        self.assertEqual(r, {"tps": 9502.123456, "latency_avg_ms": 0.421, "failed": 2, "clients": 4})
        self.assertIsNone(tools.parse_pgbench("pgbench: error: connection failed\n", 4))

    def test_every_scenario_has_its_script(self):
        lua = set(os.listdir(os.path.join(BENCH, "lua")))
        for script in ("get", "get_id", "put", "post", "delete", "mixed", "common"):
            self.assertIn(script + ".lua", lua)
        self.assertEqual(set(ALL_SCENARIOS), set(report.CEILING_OF))


class Processes(unittest.TestCase):
    TABLE = {1: (0, "init", 0, 0), 10: (1, "multiwatch", 0, 0), 11: (10, "notes-worker", 5, 1),
             12: (10, "notes-worker", 7, 2), 13: (12, "child", 1, 0), 20: (1, "nginx", 3, 1)}

    def test_descendants(self):
        self.assertEqual(descendants([10], self.TABLE), {10, 11, 12, 13})
        self.assertEqual(descendants([10], self.TABLE, include_roots=False), {11, 12, 13})
        self.assertEqual(descendants([99], self.TABLE), set())

    def test_cpu_share(self):
        before = ({"workers": {11: (0, 0), 12: (0, 0)}}, (0, 0), 0.0)
        # 1 s of wall time; the workers used CLK_TCK ticks between them (one core), a quarter
        # of it in the kernel; the machine did 2 cores' worth, half of it idle.
        after = ({"workers": {11: (CLK_TCK // 2, CLK_TCK // 4), 12: (CLK_TCK // 2, 0)}},
                 (2 * CLK_TCK, CLK_TCK), 1.0)
        cpu = Groups.cpu(before, after)
        self.assertEqual(cpu["workers"], 100.0)
        self.assertEqual(cpu["sys_share_pct"], {"workers": 25})
        self.assertEqual(cpu["machine"], 100.0)


class Tuning(unittest.TestCase):
    CONF = "http {\n    access_log /x/log/nginx-access.log notes buffer=64k flush=1s;\n    worker_processes 1;\n}\n"

    def args(self, access_log="keep", conf_sub=()):
        return types.SimpleNamespace(access_log=access_log, conf_sub=list(conf_sub))

    def test_access_log_modes(self):
        self.assertEqual(stack.apply_tuning(self.CONF, self.args()), self.CONF)
        self.assertIn("access_log off;", stack.apply_tuning(self.CONF, self.args("off")))
        self.assertIn("access_log /x/log/nginx-access.log notes;",
                      stack.apply_tuning(self.CONF, self.args("unbuffered")))
        # The JSON format keeps its name.
        json_conf = self.CONF.replace(" notes ", " notes_json ")
        self.assertIn("access_log /x/log/nginx-access.log notes_json;",
                      stack.apply_tuning(json_conf, self.args("unbuffered")))
        self.assertIn("access_log /x/log/nginx-access.log notes_json buffer=64k flush=1s;",
                      stack.apply_tuning(json_conf.replace(" buffer=64k flush=1s", ""), self.args("buffer")))

    def test_conf_sub(self):
        out = stack.apply_tuning(self.CONF, self.args(conf_sub=[r"worker_processes \d+;=>worker_processes 2;"]))
        self.assertIn("worker_processes 2;", out)
        with self.assertRaises(SystemExit):  # a substitution that matches nothing is an error
            stack.apply_tuning(self.CONF, self.args(conf_sub=["nothing here=>x"]))


class Report(unittest.TestCase):
    def test_formats(self):
        self.assertEqual(report.fmt_rate(950), "950")
        self.assertEqual(report.fmt_rate(12345), "12.3k")
        self.assertEqual(report.fmt_mib(3072), "3.0")

    def test_ceiling_of_each_scenario(self):
        ce = result()["ceilings"]
        self.assertEqual(report.ceiling_for(ce, row("ping", 32, 1)),
                         [("nginx return 200", 40000.0), ("trivial fcgi", 25000.0)])
        self.assertEqual(report.ceiling_for(ce, row("get", 32, 1)), [("pgbench select c8", 20000.0)])
        self.assertEqual(report.ceiling_for(ce, row("put", 32, 1)), [])

    def test_targets(self):
        t = {x["target"].split(" (")[0].split(";")[0]: x for x in report.check_targets(result(peer_rps=1000.0))}
        self.assertTrue(t["GET /ping ≥ 0.3 × nginx return 200"]["met"])  # 0.5
        self.assertEqual(t["GET /ping ≥ 0.3 × nginx return 200"]["measured"], "0.50")
        self.assertTrue(t["get ≥ 0.3 × pgbench select c8"]["met"])  # 0.4
        self.assertTrue(t["post ≥ 0.5 × pgbench insert c8"]["met"])  # 0.6
        self.assertTrue(t["get ≥ 4.0 × fastapi"]["met"])  # 8
        self.assertFalse(t["p99 get ≤ 5 ms"]["met"])  # 6 ms
        self.assertFalse(t["zero errors at 32 connections"]["met"])  # post had one non-2xx
        self.assertTrue(t["RSS per worker ≤ 4 MiB"]["met"])

    def test_table(self):
        md = report.build_table(result(peer_rps=1000.0))
        self.assertIn("### Scenarios (ours: 2 workers)", md)
        self.assertIn("| get | 32 | 8.0k | 3.00 | 6.00 | 0 / 0 | pgbench select c8 20.0k | 0.40 | 1.0k | 8.0 |", md)
        self.assertIn("| nginx `return 200` | 32 | 40.0k |", md)
        self.assertIn("| select | 8 | 20.0k | 0.40 | 0 | 90 / 30 |", md)
        self.assertIn("| p99 get ≤ 5 ms (c=32) | 6.00 ms | **no** |", md)


class Chart(unittest.TestCase):
    def test_rows_ours_peers_ceiling(self):
        names, rows = chart.chart_rows(result(peer_rps=1000.0))
        self.assertEqual(names, ["ours", "fastapi", "ceiling"])
        by = {r[0]: r for r in rows}
        self.assertEqual(by["get"][1], [8000.0, 1000.0, 20000.0])  # req/s: ours, peer, pgbench
        self.assertEqual(by["get"][2], [6.0, 1.0, None])  # p99 ms: no p99 for a ceiling
        self.assertEqual(by["ping"][1], [20000.0, None, 40000.0])  # the peer ran no ping
        self.assertEqual(by["post"][1][2], 5000.0)

    def test_script_plots_every_series(self):
        names, rows = chart.chart_rows(result(peer_rps=1000.0))
        gp = chart.gnuplot_script(names, rows, "r.dat", "r.svg", "t")
        self.assertIn("set output 'r.svg'", gp)
        self.assertEqual(gp.count("title 'ours'"), 2)
        self.assertEqual(gp.count("title 'ceiling'"), 1)  # req/s only

    def test_draws_an_svg(self):
        import shutil
        import tempfile
        if not shutil.which("gnuplot"):
            self.fail("gnuplot is missing (gnuplot-nox)")
        d = tempfile.mkdtemp()
        try:
            svg, why = chart.draw(dict(result(peer_rps=1000.0), started="x"), os.path.join(d, "run"))
            self.assertIsNotNone(svg, why)
            with open(svg) as f:
                self.assertIn("<svg", f.read(2000))
        finally:
            shutil.rmtree(d)


class Overhead(unittest.TestCase):
    def orow(self, rnd, variant, rps, cpu, scenario="ping", conns=32):
        return {"round": rnd, "variant": variant, "scenario": scenario, "conns": conns, "rps": rps,
                "cpu_us_per_req": {"workers": cpu}}

    def test_rounds_alternate(self):
        self.assertEqual([overhead.round_order(i) for i in range(3)],
                         [("on", "off"), ("off", "on"), ("on", "off")])

    def test_ratio_per_round_and_spread(self):
        rows = [self.orow(0, "on", 990, 22), self.orow(0, "off", 1000, 20),
                self.orow(1, "off", 500, 40), self.orow(1, "on", 550, 40),  # a loaded round
                self.orow(2, "on", 1000, 20), self.orow(2, "off", 1000, 20),
                self.orow(3, "on", 1000, 20)]  # a round without its other side: left out
        rps = overhead.round_ratios(rows, "rps")
        self.assertEqual(list(rps), [("ping", 32)])
        self.assertEqual([round(x, 3) for x in rps[("ping", 32)]], [0.99, 1.1, 1.0])
        self.assertEqual(overhead.spread(rps[("ping", 32)]), {"median": 1.0, "min": 0.99, "max": 1.1, "n": 3})
        cpu = overhead.round_ratios(rows, "cpu_us_per_req.workers")
        self.assertEqual([round(x, 3) for x in cpu[("ping", 32)]], [1.1, 1.0, 1.0])

    def test_callgrind_totals(self):
        text = "version: 1\ncmd: notes-worker\nevents: Ir\nfn=main\n5 10\ntotals: 123456789\n"
        self.assertEqual(overhead.callgrind_total(text), 123456789)
        self.assertEqual(overhead.callgrind_total("events: Ir\nsummary: 42\n"), 42)
        self.assertIsNone(overhead.callgrind_total("no totals here"))
        self.assertEqual(overhead.per_request(1000000, 1250000, 200, 1200), 250.0)

    def test_servers_added_to_nginx_conf(self):
        conf = ("http {\n    upstream notes_pool {\n        server unix:/s/run/fcgi.sock;\n        keepalive 0;\n    }\n"
                "\n    server {\n        listen 127.0.0.1:8400 default_server;\n        location / {\n"
                "            fastcgi_pass notes_pool;\n        }\n    }\n}\n")
        out = overhead.with_servers(conf, {"on": (9001, "/b/on.sock"), "off": (9002, "/b/off.sock")})
        self.assertIn("upstream bench_on {\n        server unix:/b/on.sock;\n        keepalive 0;\n    }", out)
        self.assertIn("upstream bench_off {\n        server unix:/b/off.sock;", out)
        self.assertIn("listen 127.0.0.1:9001;", out)
        self.assertIn("listen 127.0.0.1:9002;", out)
        self.assertIn("fastcgi_pass bench_on;", out)
        self.assertIn("fastcgi_pass bench_off;", out)
        # The stack's own server is kept as it was.
        self.assertEqual(out.count("listen 127.0.0.1:8400 default_server;"), 1)
        self.assertEqual(out.count("fastcgi_pass notes_pool;"), 1)
        self.assertTrue(out.endswith("}\n"))

    def test_table(self):
        res = {"wrk": {"ping@32": {"rps": {"median": 0.998, "min": 0.95, "max": 1.04, "n": 8},
                                   "cpu": {"median": 1.01, "min": 0.97, "max": 1.05, "n": 8}}},
               "callgrind": {"ping": {"on": 12558.0, "off": 12443.0, "on_each": [12558.0, 12558.0],
                                      "off_each": [12443.0, 12443.0]}}}
        md = overhead.table(res)
        self.assertIn("| ping | 32 | 0.998 [0.950–1.040] (8) | 1.010 [0.970–1.050] |", md)
        self.assertIn("| ping | 12558 | 12443 | +115 (+0.92 %) | 12558 / 12443 |", md)
        self.assertIn("req/s this tree / without counting:", md)
        res["baseline"] = {"name": "65c43ef", "rev": "65c43ef", "subject": "before issue 14"}
        self.assertIn("req/s this tree / 65c43ef:", overhead.table(res))


if __name__ == "__main__":
    unittest.main(verbosity=1)
