"""bench/notesbench/stack.py: our stack (scripts/stack) with the bench's ceilings in its nginx, and the tuning options."""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

from .common import BENCH, IS_ROOT, SRCDIR, die, say
from .procs import descendants, read_pidfile
from .web import wait_http


class Stack:
    def __init__(self, args):
        self.args = args
        self.port = int(os.environ.get("PORT", "8400"))
        self.dir = os.path.abspath(os.environ.get("STACK_DIR", "/tmp/notes-bench-%d" % self.port))
        self.started = False
        self.conf = os.path.join(self.dir, "conf", "nginx.conf")
        self.conf_orig = self.conf + ".stack"
        self.bench_dir = os.path.join(self.dir, "bench")
        self.trivial = None
        self.state = {}

    def run_stack(self, cmd, env):
        r = subprocess.run([os.path.join(SRCDIR, "scripts", "stack"), cmd], env=env)
        return r.returncode

    def up(self):
        env = dict(os.environ, STACK_DIR=self.dir, PORT=str(self.port))
        # Lists unbounded, as the tutorial's app answers them: GET /notes/ of 10,000 notes stays
        # a list of 10,000 and compares with the peers (issue 12 bounds pages at 1000 by default).
        env.setdefault("NOTES_LIST_MAX", "0")
        if self.run_stack("status", dict(env)) == 0:
            say("using the stack already running in %s" % self.dir)
        else:
            say("starting a stack in %s on port %d" % (self.dir, self.port))
            if self.run_stack("up", env) != 0:
                die("scripts/stack up failed")
            self.started = True
        with open(os.path.join(self.dir, "stack.env")) as f:
            for line in f:
                k, _, v = line.strip().partition("=")
                self.state[k] = subprocess.run(["bash", "-c", "printf %s " + v],
                                               capture_output=True, text=True).stdout
        self.port = int(self.state["S_PORT"])
        self.workers = int(self.state["S_WORKERS"])
        # The embedded cluster's superuser (resets TRUNCATE, id pools insert in bulk, pgbench);
        # the workers' own role may do neither.
        self.dburl = self.state.get("S_ADMIN_DATABASE_URL") or self.state["S_DATABASE_URL"]
        self.base = "http://127.0.0.1:%d" % self.port

    def nginx_pids(self, table):
        pid = read_pidfile(os.path.join(self.dir, "run", "nginx.pid"))
        return descendants([pid], table) if pid else set()

    def worker_pids(self, table):
        pid = read_pidfile(os.path.join(self.dir, "run", "pool.pid"))
        return descendants([pid], table, include_roots=False) if pid else set()

    def trivial_pids(self, table):
        if not self.trivial:
            return set()
        return descendants([self.trivial.pid], table, include_roots=False)

    def postgres_pids(self, table):
        pid = read_pidfile(os.path.join(self.dir, "pg", "data", "postmaster.pid"))
        return descendants([pid], table) if pid else set()

    def start_trivial(self, workers):
        os.makedirs(self.bench_dir, exist_ok=True)
        os.chmod(self.bench_dir, 0o755)
        binary = os.path.join(self.bench_dir, "trivial_fcgi")
        r = subprocess.run(["cc", "-O2", "-o", binary, os.path.join(BENCH, "trivial_fcgi.c"), "-lfcgi"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            die("cannot build bench/trivial_fcgi.c (libfcgi-dev):\n" + r.stderr)
        sock = os.path.join(self.bench_dir, "trivial.sock")
        if os.path.exists(sock):
            os.unlink(sock)
        owner = ["-U", "www-data", "-G", "www-data", "-M", "0660", "-u", "nobody", "-g", "nogroup"] \
            if IS_ROOT else ["-M", "0600"]
        log = open(os.path.join(self.bench_dir, "trivial.log"), "a")
        env = dict(os.environ)
        env.pop("TRIVIAL_FCGI_DETACH", None)
        if self.args.trivial_detach:
            env["TRIVIAL_FCGI_DETACH"] = "1"
        self.trivial = subprocess.Popen(
            ["spawn-fcgi", "-n", "-s", sock] + owner + ["--", "/usr/bin/multiwatch", "-f", str(workers),
                                                        "--", binary],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd="/", start_new_session=True, env=env)
        for _ in range(50):
            if os.path.exists(sock):
                return sock
            time.sleep(0.1)
        die("the trivial responder pool did not start (log: %s/trivial.log)" % self.bench_dir)

    def stop_trivial(self):
        if self.trivial and self.trivial.poll() is None:
            self.trivial.send_signal(signal.SIGTERM)
            try:
                self.trivial.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.trivial.pid, signal.SIGKILL)
                self.trivial.wait()
        self.trivial = None

    def bench_conf(self, sock):
        """Renders the bench's copy of the stack's nginx.conf: the static and trivial-FastCGI
        ceilings as extra locations with the same settings, plus the tuning options."""
        if not os.path.exists(self.conf_orig):
            shutil.copy(self.conf, self.conf_orig)
        with open(self.conf_orig) as f:
            text = f.read()
        up = re.search(r"upstream notes_pool \{(.*?)\n    \}", text, re.S)
        loc = re.search(r"\n        location / \{(.*?)\n        \}", text, re.S)
        if not up or not loc:
            die("cannot find upstream notes_pool / location / in %s" % self.conf_orig)
        upstream = re.sub(r"server [^;]*;", "server unix:%s;" % sock, up.group(1), count=1)
        extra_up = "\n    upstream bench_trivial {%s\n    }" % upstream
        fcgi_body = loc.group(1).replace("fastcgi_pass notes_pool;", "fastcgi_pass bench_trivial;")
        extra_loc = ("\n        # scripts/bench: the ceilings, with this server's settings"
                     "\n        location = /__bench/static { return 200 '{\"ping\":\"pong\"}'; }"
                     "\n        location = /__bench/fcgi {%s\n        }" % fcgi_body)
        text = text[:up.end()] + extra_up + text[up.end():loc.start()] + extra_loc + text[loc.start():]
        text = apply_tuning(text, self.args)
        with open(self.conf, "w") as f:
            f.write(text)
        self.nginx("-t", "-q")
        self.nginx("-s", "reload")
        # A reload is done when the new workers answer the new location.
        if not wait_http(self.base + "/__bench/static"):
            die("nginx did not take the bench configuration (see %s/log/nginx-error.log)" % self.dir)
        time.sleep(0.5)

    def overhead_conf(self, servers):
        """The stack's nginx.conf with a server per build of scripts/bench --overhead
        (name -> (port, socket)), the tuning options applied to all; reloaded."""
        from .overhead import with_servers
        if not os.path.exists(self.conf_orig):
            shutil.copy(self.conf, self.conf_orig)
        with open(self.conf_orig) as f:
            text = apply_tuning(with_servers(f.read(), servers), self.args)
        with open(self.conf, "w") as f:
            f.write(text)
        self.nginx("-t", "-q")
        self.nginx("-s", "reload")
        for port, _ in servers.values():
            if not wait_http("http://127.0.0.1:%d/ping" % port):
                die("nginx did not take the overhead configuration (see %s/log/nginx-error.log)" % self.dir)
        time.sleep(0.5)

    def restore_conf(self):
        if os.path.exists(self.conf_orig):
            shutil.copy(self.conf_orig, self.conf)
            os.unlink(self.conf_orig)
            if read_pidfile(os.path.join(self.dir, "run", "nginx.pid")):
                self.nginx("-s", "reload")

    def nginx(self, *argv):
        r = subprocess.run(["nginx", "-p", self.dir, "-c", self.conf, "-e",
                            os.path.join(self.dir, "log", "nginx-error.log")] + list(argv),
                           capture_output=True, text=True, cwd="/")
        if r.returncode != 0:
            die("nginx %s failed:\n%s" % (" ".join(argv), r.stderr))

    def down(self):
        self.stop_trivial()
        if self.started and not self.args.keep:
            subprocess.run([os.path.join(SRCDIR, "scripts", "stack"), "down"],
                           env=dict(os.environ, STACK_DIR=self.dir), stdout=subprocess.DEVNULL)
        else:
            self.restore_conf()


def apply_tuning(text, args):
    if args.access_log == "off":
        text = re.sub(r"access_log [^;]*;", "access_log off;", text)
    elif args.access_log == "buffer":
        text = re.sub(r"access_log ([^ ;]+) (notes\w*)[^;]*;", r"access_log \1 \2 buffer=64k flush=1s;", text)
    elif args.access_log == "unbuffered":
        text = re.sub(r"access_log ([^ ;]+) (notes\w*)[^;]*;", r"access_log \1 \2;", text)
    for sub in args.conf_sub:
        pattern, sep, repl = sub.partition("=>")
        if not sep:
            die("--conf-sub wants 'REGEX=>REPLACEMENT': %s" % sub)
        text, n = re.subn(pattern, repl.replace("\\n", "\n"), text)
        if n == 0:
            die("--conf-sub %r matched nothing in the rendered nginx.conf" % sub)
    return text


class CeilingNginx:
    """With --url: the ceilings need an nginx with the project's settings that the bench may
    reconfigure, so a throwaway stack (scripts/stack up in a temporary STACK_DIR on
    --ceiling-port, its own embedded Postgres) serves /__bench/static and /__bench/fcgi."""

    def __init__(self, args, workers):
        self.args = args
        self.stack = Stack(args)
        self.stack.dir = tempfile.mkdtemp(prefix="notes-bench-ceiling.")
        os.chmod(self.stack.dir, 0o755)
        self.stack.port = args.ceiling_port
        self.stack.conf = os.path.join(self.stack.dir, "conf", "nginx.conf")
        self.stack.conf_orig = self.stack.conf + ".stack"
        self.stack.bench_dir = os.path.join(self.stack.dir, "bench")
        self.workers = workers

    def start(self, trivial_workers):
        os.environ.setdefault("WORKERS", str(self.workers))
        self.stack.up()
        sock = self.stack.start_trivial(trivial_workers)
        self.stack.bench_conf(sock)
        return self.stack

    def stop(self):
        self.stack.args.keep = False
        self.stack.started = True
        self.stack.down()
        shutil.rmtree(self.stack.dir, ignore_errors=True)
