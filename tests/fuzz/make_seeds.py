#!/usr/bin/env python3
# tests/fuzz/make_seeds.py: writes the seed corpora of the fuzz targets from the oracle corpus
# (tests/oracle/cases.json: every request the reference app was asked) plus a few hand-made
# hostile inputs. Dev-only; its output is committed under tests/fuzz/corpus/. Files are named
# by the SHA-1 of their content (as libFuzzer names them), so running it again adds nothing new.
#
# Usage: python3 tests/fuzz/make_seeds.py [--cases tests/oracle/cases.json] [--out tests/fuzz/corpus]
import argparse
import base64
import hashlib
import json
import os
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.dirname(os.path.dirname(HERE))
MAX_SEED = 20000  # bytes; larger inputs slow the fuzzer down for nothing

# Content-Types as fuzz_body.c's table numbers them (byte 0 of a fuzz_body input).
BODY_TYPES = [None, "application/json", "application/json; charset=utf-8",
              "application/merge-patch+json", "text/plain", " APPLICATION/JSON ",
              "application/x-www-form-urlencoded", ""]

EXTRA_BODIES = [
    b'{"title": "abc", "description": "def"}',
    b'{"title": "\\ud83d\\ude00\\ud83d\\ude00\\ud83d", "description": "\\u0000\\u0041bc"}',
    b'{"title": 1e999, "description": -0.0000001}',
    b'{"title": 123456789012345678901234567890, "description": true}',
    b'{"title": NaN, "description": -Infinity}',
    b'{"title": "a", "title": "abcd", "description": "x", "description": "last wins"}',
    b'[' * 950 + b']' * 950,
    b'{"a":' * 100 + b'1' + b'}' * 100,
    b'\xef\xbb\xbf{"title": "bom", "description": "bom body"}',
    b'{"title": "\xed\xa0\x80abc", "description": "\xc0\xaf"}',
    b'{"title": "abc\\', b'{"title": "\\u12', b'{"title": "\\uZZZZ"}', b'  \n\t ',
    b'{"title":"abc","description":"def"} x', b'0123', b'-', b'1.', b'1e', b'1e+', b'"\\/"',
]

EXTRA_REQUESTS = [
    (0, "GET", "/notes/", "limit=1&offset=1", None, b""),
    (0, "GET", "/notes/", "limit=%2B1_0&offset=-0&limit=", None, b""),
    (0, "GET", "/notes/99999999999999999999999/", "", None, b""),
    (0, "GET", "/notes/ +1_0 /", "", None, b""),
    (0, "PUT", "/notes/1", "", "application/json", b'{"title": "new title", "description": "new text"}'),
    (0, "DELETE", "/notes/2/", "", None, b""),
    (1, "POST", "/notes/", "", "application/json", b'{"title": "abc", "description": "def"}'),
    (2, "POST", "/notes/", "", "application/json", b'{"title": "abc", "description": "def"}'),
    (4, "POST", "/notes/", "", "application/json", b""),
    (0, "PATCH", "/notes/1/", "", None, b""),
    (0, "GET", "/notes//", "", None, b""),
    (0, "GET", "/notes/../ping", "", None, b""),
    (0, "GET", "/" + "a" * 10000, "", None, b""),
]


def request_input(flags, method, path, query, ctype, body):
    parts = [method.encode(), path, query.encode() if isinstance(query, str) else query,
             (ctype or "").encode()]
    parts = [p if isinstance(p, bytes) else p.encode() for p in parts]
    return bytes([flags]) + b"\n".join(parts) + b"\n" + body


def write(outdir, data):
    if len(data) > MAX_SEED:
        return 0
    os.makedirs(outdir, exist_ok=True)
    name = os.path.join(outdir, hashlib.sha1(data).hexdigest())
    if os.path.exists(name):
        return 0
    with open(name, "wb") as f:
        f.write(data)
    return 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default=os.path.join(SRCDIR, "tests", "oracle", "cases.json"))
    ap.add_argument("--out", default=os.path.join(HERE, "corpus"))
    args = ap.parse_args()
    with open(args.cases, encoding="utf-8") as f:
        cases = [c for c in json.load(f)["cases"] if "method" in c]

    req_dir = os.path.join(args.out, "fuzz_request")
    body_dir = os.path.join(args.out, "fuzz_body")
    n_req = n_body = 0
    for c in cases:
        if c.get("body_base64"):
            body = base64.b64decode(c["body_base64"])
        elif c.get("body") is not None:
            body = c["body"].encode("utf-8", "surrogatepass")
        else:
            body = b""
        ctype = c["headers"].get("Content-Type")
        raw_path, _, query = c["path"].partition("?")
        # nginx hands the worker the decoded path ($uri); the query stays raw.
        path = urllib.parse.unquote_to_bytes(raw_path)
        n_req += write(req_dir, request_input(0, c["method"], path, query, ctype, body))
        if body:
            t = BODY_TYPES.index(ctype) if ctype in BODY_TYPES else 1
            n_body += write(body_dir, bytes([t]) + body)
    for flags, method, path, query, ctype, body in EXTRA_REQUESTS:
        n_req += write(req_dir, request_input(flags, method, path.encode(), query, ctype, body))
    for i, body in enumerate(EXTRA_BODIES):
        n_body += write(body_dir, bytes([1]) + body)
        n_body += write(body_dir, bytes([i % len(BODY_TYPES)]) + body)
    print("fuzz_request: %d new seeds, fuzz_body: %d new seeds" % (n_req, n_body))


if __name__ == "__main__":
    main()
