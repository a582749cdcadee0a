"""bench/notesbench/web.py: HTTP helpers: single requests, many over keep-alive connections, waiting for an answer."""

import http.client as httpclient
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


def http_req(method, url, body=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def http_many(base, requests, threads=8):
    """Sends (method, path, body) requests over threads keep-alive connections (to create and
    delete notes between measurements, not to measure); returns the answers' (status, body)."""
    u = urllib.parse.urlsplit(base)
    out = [None] * len(requests)
    nxt = iter(range(len(requests)))
    lock = threading.Lock()

    def work():
        conn = httpclient.HTTPConnection(u.hostname, u.port or 80, timeout=60)
        while True:
            with lock:
                i = next(nxt, None)
            if i is None:
                break
            method, path, body = requests[i]
            data = json.dumps(body).encode() if body is not None else None
            headers = {"Content-Type": "application/json"} if data is not None else {}
            for attempt in (1, 2):
                try:
                    conn.request(method, path, body=data, headers=headers)
                    r = conn.getresponse()
                    out[i] = (r.status, r.read())
                    break
                except (OSError, httpclient.HTTPException):
                    conn.close()
                    conn = httpclient.HTTPConnection(u.hostname, u.port or 80, timeout=60)
                    if attempt == 2:
                        raise
        conn.close()

    ts = [threading.Thread(target=work) for _ in range(max(1, min(threads, len(requests))))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


NEW_NOTE = {"title": "bench note", "description": "created by scripts/bench"}


def wait_http(url, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if http_req("GET", url, timeout=2)[0] == 200:
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
