"""bench/notesbench/auth.py: the authenticated scenarios (NOTES_AUTH=on): a second stack of the
same tree beside ours, a user with a bearer token, and GET /notes/{id}/ and POST /notes/ with
that token, so the table shows them next to the open ones of the same run."""

import http.client as httpclient
import json
import os
import shutil
import subprocess
import urllib.parse

from .common import SRCDIR, die, say
from .procs import descendants, read_pidfile
from .run import measure
from .target import Target
from .tools import psql
from .web import free_port

AUTH_SCENARIOS = {"get_auth": "get", "post_auth": "post"}


def _call(base, method, path, body=None, headers=None):
    u = urllib.parse.urlsplit(base)
    conn = httpclient.HTTPConnection(u.hostname, u.port, timeout=60)
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    out = (r.status, r.read())
    conn.close()
    return out


class AuthStack:
    """scripts/stack up with NOTES_AUTH=on in its own STACK_DIR, on a free port."""

    def __init__(self, stack):
        self.port = free_port()
        self.dir = stack.dir + "-auth"
        self.keep = stack.args.keep
        self.started = False
        self.base = "http://127.0.0.1:%d" % self.port
        self.token = None

    def env(self):
        return dict(os.environ, STACK_DIR=self.dir, PORT=str(self.port), NOTES_AUTH="on",
                    NOTES_TOKEN_TTL="86400")

    def up(self):
        stack = os.path.join(SRCDIR, "scripts", "stack")
        if subprocess.run([stack, "status"], env=self.env(), stdout=subprocess.DEVNULL).returncode != 0:
            say("starting a NOTES_AUTH=on stack in %s on port %d" % (self.dir, self.port))
            if subprocess.run([stack, "up"], env=self.env()).returncode != 0:
                die("scripts/stack up (NOTES_AUTH=on) failed")
            self.started = True
        state = {}
        with open(os.path.join(self.dir, "stack.env")) as f:
            for line in f:
                k, _, v = line.strip().partition("=")
                state[k] = subprocess.run(["bash", "-c", "printf %s " + v], capture_output=True, text=True).stdout
        self.dburl = state.get("S_ADMIN_DATABASE_URL") or state["S_DATABASE_URL"]
        user = {"username": "bench", "password": "bench-password-1"}
        status, body = _call(self.base, "POST", "/users/", json.dumps(user), {"Content-Type": "application/json"})
        if status not in (201, 409):
            die("auth stack: POST /users/ answered %d %s" % (status, body[:200]))
        status, body = _call(self.base, "POST", "/token", urllib.parse.urlencode(user),
                             {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 200:
            die("auth stack: POST /token answered %d %s" % (status, body[:200]))
        self.token = json.loads(body)["access_token"]
        self.user_id = int(psql(self.dburl, "SELECT id FROM users WHERE username = 'bench'"))

    def tree(self, pidfile, include_roots=True):
        def pids(table):
            pid = read_pidfile(os.path.join(self.dir, pidfile))
            return descendants([pid], table, include_roots) if pid else set()
        return pids

    def target(self):
        t = Target("ours", self.base, self.dburl)
        nginx = self.tree("run/nginx.pid")
        workers = self.tree("run/pool.pid", include_roots=False)
        pg = self.tree("pg/data/postmaster.pid")
        t.groups.add("nginx", nginx)
        t.groups.add("workers", workers)
        t.groups.add("postgres", pg)
        t.worker_pids = workers
        return t

    def seed(self, count):
        """count notes of the bench user with consecutive ids; returns (lo, hi)."""
        psql(self.dburl, "TRUNCATE notes RESTART IDENTITY")
        row = psql(self.dburl, "WITH n AS (INSERT INTO notes (title, description, owner) SELECT 'bench note', "
                   "'created by scripts/bench', %d FROM generate_series(1, %d) RETURNING id) "
                   "SELECT min(id) || ' ' || max(id) FROM n" % (self.user_id, count))
        lo, hi = map(int, row.split())
        return lo, hi

    def down(self):
        if self.started and not self.keep:
            subprocess.run([os.path.join(SRCDIR, "scripts", "stack"), "down"], env=self.env(),
                           stdout=subprocess.DEVNULL)
            shutil.rmtree(self.dir, ignore_errors=True)


def run_auth(runner, auth_stack, args):
    """The authenticated scenarios at every connection count; rows like run_target's, with the
    scenario names get_auth and post_auth."""
    rows = []
    target = auth_stack.target()
    lo, hi = auth_stack.seed(100)
    tok = auth_stack.token
    if "get_auth" in args.scenarios:
        for c in args.conns:
            rows.append(measure(runner, target, "get_auth", "/notes/{id}/ (bearer)", "get_id_auth", c,
                                args.duration, (lo, hi, tok)))
    if "post_auth" in args.scenarios:
        for c in args.conns:
            rows.append(measure(runner, target, "post_auth", "/notes/ (bearer)", "post_auth", c,
                                args.duration, (tok,)))
    return rows
