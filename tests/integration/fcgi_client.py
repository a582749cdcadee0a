#!/usr/bin/env python3
# tests/integration/fcgi_client.py: one FastCGI request to a unix socket, with control over how
# the body is sent, for what cgi-fcgi cannot do (Python 3 standard library only).
#
# Usage: fcgi_client.py SOCK METHOD PATH [--body TEXT] [--cut N] [--pieces N --gap S]
#                       [--signal PID:SIGNAME:AFTER_BYTES_OR_PIECE]
#   --cut N       send only the first N bytes of the body (CONTENT_LENGTH says all), then end
#                 our side of the connection: a body cut short
#   --pieces N --gap S   send the body in N pieces, S seconds apart: a slow body
#   --signal PID:SIG:WHEN  send SIG to PID once WHEN is reached: "piece1" (after the first
#                 piece of the body), or "out:N" (after N bytes of the answer arrived), and
#                 once PID holds the connection (it has one socket more than before)
# Prints one JSON line: {"stdout": TEXT, "end_request": BOOL, "app_status": N|null,
#                        "stdout_bytes": N}
import json
import os
import signal
import socket
import struct
import sys
import time

BEGIN, END, PARAMS, STDIN, STDOUT, STDERR = 1, 3, 4, 5, 6, 7


def record(kind, content, request_id=1):
    return struct.pack("!BBHHBB", 1, kind, request_id, len(content), 0, 0) + content


def pair(name, value):
    out = b""
    for n in (len(name), len(value)):
        out += struct.pack("!B", n) if n < 128 else struct.pack("!I", n | 0x80000000)
    return out + name + value


def main():
    args = sys.argv[1:]
    sock_path, method, path = args[:3]
    opts = {"--body": "", "--cut": None, "--pieces": "1", "--gap": "0", "--signal": None}
    rest = args[3:]
    while rest:
        opts[rest[0]] = rest[1]
        rest = rest[2:]
    body = opts["--body"].encode()
    sig = None
    if opts["--signal"]:
        pid, name, when = opts["--signal"].split(":", 2)
        sig = (int(pid), getattr(signal, name), when)

    def sockets_of(pid):
        try:
            return sum(os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("socket:")
                       for fd in os.listdir("/proc/%d/fd" % pid))
        except OSError:
            return 0

    baseline = sockets_of(sig[0]) if sig else 0

    def maybe_signal(event):
        """The stop is sent once the worker holds our connection (a socket more than before):
        a connection still waiting to be accepted is no request in hand."""
        nonlocal sig
        if sig is not None and sig[2] == event:
            end = time.time() + 20
            while sockets_of(sig[0]) <= baseline and time.time() < end:
                time.sleep(0.01)
            time.sleep(0.05)
            os.kill(sig[0], sig[1])
            sig = None

    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(sock_path)
    params = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "",
              "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body))}
    s.sendall(record(BEGIN, struct.pack("!HB5x", 1, 0)))
    s.sendall(record(PARAMS, b"".join(pair(k.encode(), v.encode()) for k, v in params.items())))
    s.sendall(record(PARAMS, b""))
    if opts["--cut"] is not None:
        s.sendall(record(STDIN, body[:int(opts["--cut"])]))
        s.shutdown(socket.SHUT_WR)
    else:
        pieces, gap = int(opts["--pieces"]), float(opts["--gap"])
        size = max(1, -(-len(body) // pieces))
        for i in range(0, max(len(body), 1), size):
            if body[i:i + size]:
                s.sendall(record(STDIN, body[i:i + size]))
            maybe_signal("piece1")
            if i + size < len(body):
                time.sleep(gap)
        s.sendall(record(STDIN, b""))
    out, out_len, end, app_status, buf = [], 0, False, None, b""
    while True:
        try:
            data = s.recv(65536)
        except socket.timeout:
            break
        if not data:
            break
        buf += data
        while len(buf) >= 8:
            version, kind, _, length, padding, _ = struct.unpack("!BBHHBB", buf[:8])
            if len(buf) < 8 + length + padding:
                break
            content = buf[8:8 + length]
            buf = buf[8 + length + padding:]
            if kind == STDOUT:
                out.append(content)
                out_len += len(content)
                if sig is not None and sig[2].startswith("out:") and out_len >= int(sig[2][4:]):
                    maybe_signal(sig[2])
            elif kind == END:
                end = True
                app_status = struct.unpack("!I", content[:4])[0]
    s.close()
    out = b"".join(out)
    print(json.dumps({"stdout": out.decode("utf-8", "replace"), "end_request": end, "app_status": app_status,
                      "stdout_bytes": len(out)}))


main()
