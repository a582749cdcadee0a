"""bench/notesbench/target.py: a server the scenarios run against, and the bookkeeping of its notes."""

import json

from .common import die, say
from .procs import Groups, mem_kib, proc_table
from .tools import psql
from .web import NEW_NOTE, http_many, http_req


class Target:
    """A server the scenarios run against: ours (with its stack) or a peer."""

    def __init__(self, name, url, dburl=None):
        self.name = name
        self.base = url.rstrip("/")
        self.dburl = dburl
        self.groups = Groups()
        self.worker_pids = lambda table: set()

    def rss(self):
        table = proc_table()
        vals = [m for m in (mem_kib(p) for p in self.worker_pids(table)) if m]
        if not vals:
            return None
        return {"workers": len(vals), "rss_max_kib": max(v[0] for v in vals),
                "rss_min_kib": min(v[0] for v in vals), "hwm_max_kib": max(v[1] for v in vals),
                "anon_max_kib": max(v[2] for v in vals), "pss_max_kib": max(v[3] for v in vals)}

    # notes bookkeeping, through the API (and SQL when the database is known)
    def list_ids(self):
        status, body = http_req("GET", self.base + "/notes/", timeout=120)
        if status != 200:
            die("%s: GET /notes/ answered %d" % (self.name, status))
        return sorted(n["id"] for n in json.loads(body))

    def create_one(self):
        status, body = http_req("POST", self.base + "/notes/",
                            {"title": "bench note", "description": "created by scripts/bench"})
        if status != 201:
            die("%s: POST /notes/ answered %d: %s" % (self.name, status, body[:200]))
        return json.loads(body)["id"]

    def reset(self, runner, allow):
        ids = self.list_ids()
        if not ids:
            return
        if self.dburl:
            psql(self.dburl, "TRUNCATE notes RESTART IDENTITY")
            return
        if not allow:
            die("%s has %d notes; the bench needs an empty notes table (pass --reset to delete "
                "them through the API, or give its database)" % (self.name, len(ids)))
        say("%s: deleting %d existing notes" % (self.name, len(ids)))
        http_many(self.base, [("DELETE", "/notes/%d/" % i, None) for i in ids])

    def grow_to(self, runner, count):
        """Creates notes until the table holds exactly count; returns the sorted ids."""
        ids = self.list_ids()
        if len(ids) < count:
            self.create(count - len(ids))
            ids = self.list_ids()
        if len(ids) != count:
            die("%s: wanted %d notes, found %d" % (self.name, count, len(ids)))
        return ids

    def create(self, count):
        """Creates count notes through the API; returns their ids, sorted."""
        answers = http_many(self.base, [("POST", "/notes/", NEW_NOTE)] * count)
        bad = [a for a in answers if a[0] != 201]
        if bad:
            die("%s: %d of %d POST /notes/ failed, e.g. %d %s" % (self.name, len(bad), count, bad[0][0], bad[0][1][:200]))
        return sorted(json.loads(a[1])["id"] for a in answers)

    def pool(self, runner, count):
        """count fresh notes with consecutive ids (to delete); returns (lo, hi)."""
        if self.dburl:
            # created_date given: the tutorial's table has no server-side default for it.
            row = psql(self.dburl, "WITH n AS (INSERT INTO notes (title, description, created_date) "
                       "SELECT 'bench note', 'created by scripts/bench', now() FROM generate_series(1, %d) "
                       "RETURNING id) SELECT min(id) || ' ' || max(id) FROM n" % count)
            lo, hi = map(int, row.split())
            return lo, hi
        ids = self.create(count)
        # Concurrent creators would leave holes; the delete scenario counts them as non-2xx.
        return ids[0], ids[-1]
