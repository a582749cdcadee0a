# tests/e2e/e2e.py: helpers shared by the end-to-end tests (Python 3 standard library only).
#
# A test calls e2e.need_stack() first: when BASE_URL is not set, the test runs itself again
# under tests/e2e/with-stack, which starts a throwaway stack and exports BASE_URL, PORT,
# STACK_DIR and DATABASE_URL. With BASE_URL already set, it runs against that server.
import http.client
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.dirname(os.path.dirname(HERE))
WITH_STACK = os.path.join(HERE, "with-stack")
FAILURES = []


def need_stack():
    if not os.environ.get("BASE_URL"):
        script = os.path.abspath(sys.argv[0])
        os.execvp("bash", ["bash", WITH_STACK, "--", sys.executable, script] + sys.argv[1:])


def base():
    u = urllib.parse.urlsplit(os.environ["BASE_URL"])
    return u.hostname, u.port or 80


def connect(timeout=10):
    host, port = base()
    return http.client.HTTPConnection(host, port, timeout=timeout)


class Answer:
    def __init__(self, resp, body):
        self.status = resp.status
        self.headers = resp.headers
        self.raw = body
        self.will_close = resp.will_close
        ctype = resp.headers.get("Content-Type", "")
        self.json = None
        if body and ctype.startswith("application/json"):
            try:
                self.json = json.loads(body)
            except ValueError:
                pass

    def __repr__(self):
        return "%d %r" % (self.status, self.raw[:200])


def request(method, path, body=None, conn=None, headers=None, chunked=False):
    """One request; on a given connection (kept open) or a fresh one (closed after)."""
    own = conn is None
    c = conn or connect()
    h = {}
    if body is not None and not isinstance(body, (bytes, str)) and not chunked:
        body = json.dumps(body)
    if body is not None:
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    if chunked:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        pieces = [data[i:i + 7] for i in range(0, len(data), 7)] or [b""]
        c.request(method, path, body=iter(pieces), headers=h, encode_chunked=True)
    else:
        c.request(method, path, body=body, headers=h)
    resp = c.getresponse()
    ans = Answer(resp, resp.read())
    if own:
        c.close()
    return ans


def raw_exchange(data, timeout=5):
    """Send raw bytes on a new connection; return the answer (headers and Content-Length body)."""
    s = socket.create_connection(base(), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            head, sep, body = out.partition(b"\r\n\r\n")
            if sep:
                length = [l.split(b":", 1)[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
                if length and len(body) >= int(length[0]):
                    break
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


def check(cond, what):
    if cond:
        print("ok   - " + what)
    else:
        print("FAIL - " + what)
        FAILURES.append(what)
    return cond


def check_json_answer(ans, status, what):
    """Status, JSON content type, the security headers nginx adds, and a parsed JSON body."""
    ok = check(ans.status == status, "%s: status %d (got %r)" % (what, status, ans))
    ctype = ans.headers.get("Content-Type", "")
    ok &= check(ctype.startswith("application/json"), "%s: Content-Type application/json (got %r)" % (what, ctype))
    ok &= check(ans.json is not None, "%s: body is JSON" % what)
    ok &= check(ans.headers.get("X-Content-Type-Options") == "nosniff", "%s: X-Content-Type-Options nosniff" % what)
    ok &= check(ans.headers.get("Cache-Control") == "no-store", "%s: Cache-Control no-store" % what)
    ok &= check(ans.headers.get("Server", "nginx") == "nginx", "%s: Server header without version" % what)
    return ok


def stack_run(*args, env=None):
    """scripts/stack with the current stack's environment; returns (rc, output)."""
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([os.path.join(SRCDIR, "scripts", "stack")] + list(args), env=e,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout


def pool_pid():
    with open(os.path.join(os.environ["STACK_DIR"], "run", "pool.pid")) as f:
        return int(f.read().strip())


def worker_pids():
    """The FastCGI workers: multiwatch's children."""
    pid = pool_pid()
    pids = []
    for task in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/children" % (pid, task)) as f:
                pids += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return sorted(pids)


def wait_until(pred, timeout=10.0, step=0.05):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def finish():
    passed = "passed" if not FAILURES else "FAILED"
    print("%s: %d failure(s)" % (passed, len(FAILURES)))
    for f in FAILURES:
        print("  failed: " + f)
    sys.exit(1 if FAILURES else 0)
