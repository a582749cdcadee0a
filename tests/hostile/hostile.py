# tests/hostile/hostile.py: raw-socket HTTP and stack inspection shared by the hostile-request
# test and the fault drills (Python 3 standard library only). Built on tests/e2e/e2e.py.
import json
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
import e2e  # noqa: E402,F401  (need_stack, worker_pids, check, finish, ...)


class Raw:
    """One answer read off a raw socket: status, headers (lower-case names), body bytes."""

    def __init__(self, status=None, reason="", headers=None, body=b"", closed_without_answer=False,
                 error=None):
        self.status = status
        self.reason = reason
        self.headers = headers or {}
        self.body = body
        self.closed_without_answer = closed_without_answer
        self.error = error

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None

    def __repr__(self):
        if self.status is None:
            return "<no answer: %s>" % (self.error or "closed")
        return "<%d %s %r>" % (self.status, self.headers.get("content-type", ""), self.body[:160])


def _parse_head(head):
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    status = int(parts[1])
    reason = parts[2].decode("latin-1") if len(parts) > 2 else ""
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    return status, reason, headers


def _dechunk(data):
    """(body, complete) of a chunked body."""
    out, i = b"", 0
    while True:
        nl = data.find(b"\r\n", i)
        if nl < 0:
            return out, False
        size = int(data[i:nl].split(b";")[0] or b"0", 16)
        if size == 0:
            return out, True
        if len(data) < nl + 2 + size + 2:
            return out, False
        out += data[nl + 2:nl + 2 + size]
        i = nl + 2 + size + 2


def exchange(data, timeout=10.0, shut_write=False, pieces=None, pause=0.0):
    """Sends data (or the pieces, pause seconds apart) on a new connection and reads one answer.

    Stops as soon as the answer is complete (Content-Length or the last chunk), so a server that
    keeps the connection open for lingering does not slow the test down."""
    host, port = e2e.base()
    s = socket.create_connection((host, port), timeout=timeout)
    buf = b""
    try:
        try:
            for piece in (pieces if pieces is not None else [data]):
                s.sendall(piece)
                if pause:
                    time.sleep(pause)
            if shut_write:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may answer (and close) before it has read everything
        deadline = time.time() + timeout
        while time.time() < deadline:
            head, sep, rest = buf.partition(b"\r\n\r\n")
            if sep:
                status, reason, headers = _parse_head(head)
                if "content-length" in headers and len(rest) >= int(headers["content-length"]):
                    return Raw(status, reason, headers, rest[:int(headers["content-length"])])
                if headers.get("transfer-encoding", "").lower() == "chunked":
                    body, done = _dechunk(rest)
                    if done:
                        return Raw(status, reason, headers, body)
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                break
            buf += chunk
        head, sep, rest = buf.partition(b"\r\n\r\n")
        if sep:
            status, reason, headers = _parse_head(head)
            return Raw(status, reason, headers, rest)
        return Raw(closed_without_answer=True, error="no answer" if not buf else "partial: %r" % buf[:80])
    finally:
        s.close()


def http(method, path, body=None, headers=(), ctype="application/json", length=True,
         proto=b"HTTP/1.1", host=b"localhost"):
    """The bytes of one request. body: bytes or None; length adds Content-Length for a body."""
    if isinstance(method, str):
        method = method.encode()
    if isinstance(path, str):
        path = path.encode()
    lines = [method + b" " + path + b" " + proto]
    if host is not None:
        lines.append(b"Host: " + host)
    lines.append(b"Connection: close")
    if body is not None and ctype is not None:
        lines.append(b"Content-Type: " + ctype.encode())
    if body is not None and length:
        lines.append(b"Content-Length: %d" % len(body))
    for name, value in headers:
        lines.append((name.encode() if isinstance(name, str) else name) + b": " +
                     (value.encode() if isinstance(value, str) else value))
    return b"\r\n".join(lines) + b"\r\n\r\n" + (body or b"")


def chunked(data, size=1000):
    out = b""
    for i in range(0, len(data), size):
        piece = data[i:i + size]
        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
    return out + b"0\r\n\r\n"


def psql(sql, timeout=30):
    p = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", os.environ["DATABASE_URL"],
                        "-c", sql], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("psql failed: %s" % p.stderr.strip())
    return p.stdout.strip()


TABLE_SUM_SQL = (
    "SELECT count(*) || ' ' || coalesce(md5(string_agg(id || chr(31) || coalesce(title, '') || chr(31) "
    "|| coalesce(description, '') || chr(31) || created_date, chr(30) ORDER BY id)), '-') || ' seq ' "
    "|| (SELECT last_value || '/' || is_called FROM notes_id_seq) FROM notes")


def table_sum():
    """A checksum of every row of notes and of the id sequence (a rejected insert that reached
    the database would still move the sequence)."""
    return psql(TABLE_SUM_SQL)


def log_path(name):
    return os.path.join(os.environ["STACK_DIR"], "log", name)


def log_size(name):
    try:
        return os.path.getsize(log_path(name))
    except OSError:
        return 0


def log_since(name, offset):
    try:
        with open(log_path(name), "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def nginx_alerts(text):
    return [l for l in text.splitlines() if "[alert]" in l or "[crit]" in l or "[emerg]" in l]
