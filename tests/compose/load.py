#!/usr/bin/env python3
"""A load for the compose lifecycle checks: threads send requests through nginx, a new connection
for each, until SIGTERM/SIGINT (or --seconds), and every outcome is recorded.

    load.py --url http://127.0.0.1:PORT --out FILE [--threads N] [--seconds S] [--mix write|read]

write: POST /notes/ with a unique title per request; read: GET /notes/ID/ of a note made first,
with one POST in four. Each request ends as one of
    answer   a complete HTTP answer (any status: 201, 200, 503 and nginx's 502 JSON are answers)
    refused  the connection was refused: nothing was sent, nothing can be lost
    dropped  the request was sent and then no complete answer came (reset, closed, truncated,
             timed out): a request in flight that was lost
FILE gets one JSON object per line: {"t": seconds, "kind": ..., "status": ..., "method": ...,
"title": ..., "id": ...}; the summary ({"answer": n, "by_status": {...}, "refused": n,
"dropped": n, "acked_writes": n}) is printed on stdout at the end. Python 3 stdlib only.
"""
import argparse
import http.client
import json
import signal
import socket
import threading
import time
import urllib.parse

stop = threading.Event()


def one(host, port, method, path, body, timeout):
    """Returns (kind, status, parsed JSON or None, error text)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        try:
            conn.connect()
        except ConnectionRefusedError as e:
            return "refused", None, None, str(e)
        except OSError as e:
            return "refused", None, None, "connect: %s" % e
        headers = {"Connection": "close"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
        except (http.client.HTTPException, OSError, socket.timeout) as e:
            return "dropped", None, None, "%s: %s" % (type(e).__name__, e)
        try:
            doc = json.loads(raw) if raw else None
        except ValueError:
            return "dropped", resp.status, None, "not JSON: %r" % raw[:80]
        return "answer", resp.status, doc, None
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--mix", choices=["write", "read"], default="write")
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--pause", type=float, default=0.0, help="seconds between a thread's requests")
    args = ap.parse_args()
    u = urllib.parse.urlsplit(args.url)
    host, port = u.hostname, u.port or 80
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda *_: stop.set())
    out = open(args.out, "w")
    lock = threading.Lock()
    t0 = time.monotonic()
    seed_id = None
    if args.mix == "read":
        kind, status, doc, err = one(host, port, "POST", "/notes/", {"title": "load seed", "description": "read by the load"}, args.timeout)
        if status != 201:
            raise SystemExit("load: cannot create the seed note: %s %s %s" % (kind, status, err))
        seed_id = doc["id"]

    def record(**kw):
        kw["t"] = round(time.monotonic() - t0, 3)
        with lock:
            out.write(json.dumps(kw) + "\n")
            out.flush()

    def worker(n):
        i = 0
        while not stop.is_set() and time.monotonic() - t0 < args.seconds:
            i += 1
            if args.mix == "write" or i % 4 == 0:
                title = "load %d-%d-%d" % (n, i, int(t0 * 1000) % 100000)
                kind, status, doc, err = one(host, port, "POST", "/notes/", {"title": title[:50], "description": "acknowledged write"}, args.timeout)
                nid = doc.get("id") if status == 201 and isinstance(doc, dict) else None
                record(kind=kind, status=status, method="POST", title=title[:50], id=nid, err=err)
            else:
                kind, status, doc, err = one(host, port, "GET", "/notes/%d/" % seed_id, None, args.timeout)
                record(kind=kind, status=status, method="GET", err=err)
            if kind == "refused":
                time.sleep(0.05)
            elif args.pause:
                time.sleep(args.pause)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.threads)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        for t in threads:
            t.join(0.2)
    out.close()
    summary = {"answer": 0, "by_status": {}, "refused": 0, "dropped": 0, "acked_writes": 0}
    for line in open(args.out):
        r = json.loads(line)
        if r["kind"] == "answer":
            summary["answer"] += 1
            summary["by_status"][str(r["status"])] = summary["by_status"].get(str(r["status"]), 0) + 1
            if r["method"] == "POST" and r["status"] == 201:
                summary["acked_writes"] += 1
        else:
            summary[r["kind"]] += 1
    print(json.dumps(summary, sort_keys=True))


if __name__ == "__main__":
    main()
