#!/usr/bin/env python3
"""Capture the behavioural oracle corpus from a running reference app.

Dev-only tool (python3 stdlib only). It drives a running instance of the reference FastAPI
notes app with a fixed, ordered list of requests and records every answer in
tests/oracle/cases.json, which tests/oracle/replay.py replays against our service.

    python3 tests/oracle/capture.py --url http://127.0.0.1:8010 \
        --dsn postgresql://postgres:postgres@127.0.0.1:5610/notes [--out tests/oracle/cases.json]

The database behind the app must be the one --dsn points at: the capture starts with
TRUNCATE notes RESTART IDENTITY (via psql) so that note ids are predictable; cases run in
sequence and later cases depend on earlier creates/updates/deletes. Sync points
({"sync_next_id": N}) set the id sequence so that a create that went differently in one group
does not shift the ids of the groups after it.

Per case we record: name, method, path (raw, as sent), headers (Content-Type or none), body
(string; or body_base64 when the bytes are not valid UTF-8; null = no body at all),
expected status / JSON / raw body / Allow / Content-Type, and:
  - redirect: {status, location} when the reference answered 3xx; "expected" is then the
    answer at the redirected location (the request is re-sent there, same method and body),
    which is what our service answers directly.
  - reference_500: true when the reference answered 500; "ours" then says what our service
    deliberately answers instead (a clear 4xx JSON).
"""
import argparse
import base64
import datetime
import http.client
import json
import subprocess
import sys
import urllib.parse

JSON = {"Content-Type": "application/json"}


def truncate(dsn):
    subprocess.run(
        ["psql", dsn, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", "TRUNCATE notes RESTART IDENTITY"],
        check=True,
    )


def set_next_id(dsn, next_id):
    """Sync point: the next note created gets this id (in both the reference's and our database)."""
    subprocess.run(
        ["psql", dsn, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-o", "/dev/null", "-c",
         "SELECT setval(pg_get_serial_sequence('notes', 'id'), %d, false)" % next_id],
        check=True,
    )


def send(base, method, path, headers, body, chunked=False, timeout=30):
    """Send one request on a fresh connection; return (status, headers dict lower-case, bytes)."""
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        if body is not None:
            if chunked:
                conn.putheader("Transfer-Encoding", "chunked")
            else:
                conn.putheader("Content-Length", str(len(body)))
        conn.putheader("Connection", "close")
        conn.endheaders()
        if body is not None:
            if chunked:
                half = len(body) // 2
                for part in (body[:half], body[half:]):
                    if part:
                        conn.send(b"%x\r\n" % len(part) + part + b"\r\n")
                conn.send(b"0\r\n\r\n")
            else:
                conn.send(body)
        resp = conn.getresponse()
        data = resp.read()
        hdrs = {}
        for k, v in resp.getheaders():
            hdrs.setdefault(k.lower(), v)
        return resp.status, hdrs, data
    finally:
        conn.close()


def record_answer(status, hdrs, data):
    ans = {"status": status}
    ctype = hdrs.get("content-type")
    ans["content_type"] = ctype
    if "allow" in hdrs:
        ans["allow"] = hdrs["allow"]
    if "location" in hdrs:
        ans["location"] = hdrs["location"]
    try:
        text = data.decode("utf-8")
        ans["body_raw"] = text
    except UnicodeDecodeError:
        ans["body_raw_base64"] = base64.b64encode(data).decode("ascii")
        text = None
    ans["json"] = None
    if data and ctype and ctype.split(";")[0].strip() == "application/json":
        ans["json"] = json.loads(data)
    return ans


class Corpus:
    def __init__(self):
        self.cases = []
        self.names = set()

    def sync(self, next_id):
        """A sync point: a create that went wrong earlier does not shift the ids after it."""
        self.cases.append({"name": "sync: next note id %d" % next_id, "sync_next_id": next_id})

    def add(self, name, method, path, body=None, headers=None, ctype=None, tags=(), ours=None,
            chunked=False):
        """body: None (no body at all), str (sent as UTF-8) or bytes (sent raw).
        headers: explicit header dict; ctype: shortcut for a Content-Type header.
        ours: what our service deliberately answers where the reference answers 500."""
        assert name not in self.names, name
        self.names.add(name)
        if headers is None:
            headers = {} if ctype is None else {"Content-Type": ctype}
        if isinstance(body, str):
            raw = body.encode("utf-8")
        else:
            raw = body
        case = {"name": name, "method": method, "path": path, "headers": dict(headers)}
        if raw is None:
            case["body"] = None
        else:
            try:
                case["body"] = raw.decode("utf-8")
            except UnicodeDecodeError:
                case["body"] = None
                case["body_base64"] = base64.b64encode(raw).decode("ascii")
        if chunked:
            case["chunked"] = True
        if tags:
            case["tags"] = list(tags)
        if ours is not None:
            case["ours"] = ours
        self.cases.append(case)


def body_bytes(case):
    if "body_base64" in case:
        return base64.b64decode(case["body_base64"])
    if case["body"] is None:
        return None
    return case["body"].encode("utf-8")


def note(t, d):
    return json.dumps({"title": t, "description": d}, ensure_ascii=False)


NOT_FOUND_NOTE = {"status": 404, "json": {"detail": "Note not found"},
                  "why": "id beyond 32 bits: the reference fails in the database driver (500); no such note can exist"}
# Issue 12: methods the reference does not route (405) and we answer (README, "Where we answer
# differently"): HEAD is GET without a body, OPTIONS is 204 with Allow, PATCH a merge patch.
OURS_HEAD = {"status": 200, "even_without_500": True, "why": "HEAD is answered like GET, without a body (RFC 9110 9.3.2)"}
OURS_PATCH_422 = {"status": 422, "even_without_500": True, "why": "PATCH is a JSON Merge Patch here: no body / a bad id is 422 as for PUT"}


def ours_options(allow):
    return {"status": 204, "allow": allow, "even_without_500": True, "why": "OPTIONS answers 204 with the path's methods"}


OURS_422 = {"status": 422, "why": "Postgres text cannot hold NUL / UTF-8 cannot encode a lone surrogate: "
                                  "the reference fails in the database (500); we reject it as invalid input"}


def build():
    c = Corpus()
    add = c.add
    valid = note("valid title", "valid description")

    # --- basics -------------------------------------------------------------------------
    add("ping", "GET", "/ping")
    add("ping query string ignored", "GET", "/ping?x=1&y")
    add("ping with a JSON body is ignored", "GET", "/ping", body="{bad json", ctype="application/json")
    add("list empty", "GET", "/notes/")
    add("create note 1", "POST", "/notes/", body=note("first note", "first description"), ctype="application/json")
    add("read note 1", "GET", "/notes/1/")
    add("create note 2", "POST", "/notes/", body=note("second note", "second description"), ctype="application/json")
    add("create note 3", "POST", "/notes/", body=note("third note", "third description"), ctype="application/json")
    add("list three notes", "GET", "/notes/")
    add("list with query string ignored", "GET", "/notes/?foo=bar")
    add("update note 1", "PUT", "/notes/1/", body=note("first note, edited", "edited description"), ctype="application/json")
    add("read updated note 1", "GET", "/notes/1/")
    add("list after update", "GET", "/notes/")
    add("delete note 2", "DELETE", "/notes/2/")
    add("read deleted note 2", "GET", "/notes/2/")
    add("delete deleted note 2", "DELETE", "/notes/2/")
    add("update deleted note 2", "PUT", "/notes/2/", body=valid, ctype="application/json")
    add("list after delete", "GET", "/notes/")
    add("read missing 999", "GET", "/notes/999/")
    add("update missing 999", "PUT", "/notes/999/", body=valid, ctype="application/json")
    add("delete missing 999", "DELETE", "/notes/999/")
    add("read max int32 2147483647", "GET", "/notes/2147483647/")
    add("update max int32 2147483647", "PUT", "/notes/2147483647/", body=valid, ctype="application/json")
    add("delete max int32 2147483647", "DELETE", "/notes/2147483647/")
    add("create note 4 (id after a delete)", "POST", "/notes/", body=note("fourth note", "fourth description"), ctype="application/json")
    add("read note 3", "GET", "/notes/3/")
    add("read note 1 with a body on GET (ignored)", "GET", "/notes/1/", body=note("x", "y"), ctype="application/json")
    add("delete note 3 with a body (ignored)", "DELETE", "/notes/3/", body="not json at all", ctype="application/json")
    add("update note 4 title only changes", "PUT", "/notes/4/", body=note("fourth note", "new description"), ctype="application/json")
    add("update note 4 same values", "PUT", "/notes/4/", body=note("fourth note", "new description"), ctype="application/json")
    add("read note 4", "GET", "/notes/4/")

    # --- path ids -----------------------------------------------------------------------
    for label, seg in [
        ("0", "0"), ("-1", "-1"), ("-0", "-0"), ("00", "00"), ("abc", "abc"), ("1.5", "1.5"),
        ("1.0", "1.0"), ("1e0", "1e0"), ("0x1", "0x1"), ("empty-ish %20", "%20"),
        ("leading space %201", "%201"), ("trailing space 1%20", "1%20"), ("tab %091", "%091"),
        ("+1", "+1"), ("+5", "+5"), ("1_0", "1_0"), ("0_1", "0_1"), ("1__0", "1__0"), ("_1", "_1"),
        ("01", "01"), ("%31 (percent-encoded 1)", "%31"), ("e-acute", "%C3%A9"),
        ("arabic-indic digit one", "%D9%A1"), ("min int32 -2147483648", "-2147483648"),
        ("-2147483649", "-2147483649"), ("1 2", "1%202"), ("--1", "--1"), ("1-", "1-"),
    ]:
        add("read id " + label, "GET", "/notes/%s/" % seg, tags=["path-id"])
    for label, seg in [("0", "0"), ("-1", "-1"), ("abc", "abc"), ("+1", "+1"), ("0_1", "0_1"), ("%201", "%201")]:
        add("update id " + label, "PUT", "/notes/%s/" % seg, body=note("updated via " + label, "valid description"),
            ctype="application/json", tags=["path-id"])
    for label, seg in [("0", "0"), ("-1", "-1"), ("abc", "abc"), ("+4", "+4"), ("0_4", "0_4")]:
        add("delete id " + label, "DELETE", "/notes/%s/" % seg, tags=["path-id"])
    add("update id abc with empty object: path and body errors", "PUT", "/notes/abc/", body="{}", ctype="application/json")
    add("update id 0 with short title: path and body errors", "PUT", "/notes/0/", body=note("ab", "valid description"), ctype="application/json")
    add("update id abc with malformed JSON: only the JSON error", "PUT", "/notes/abc/", body="{", ctype="application/json")
    add("update missing 999 with invalid body: 422 before db", "PUT", "/notes/999/", body=note("ab", "cd"), ctype="application/json")
    add("update missing 999 with empty object: 422 before db", "PUT", "/notes/999/", body="{}", ctype="application/json")
    add("update missing 999 with no body: 422 before db", "PUT", "/notes/999/")
    add("update missing 999 with malformed JSON: 422", "PUT", "/notes/999/", body="[1,", ctype="application/json")
    add("update huge id with invalid body: 422 before db", "PUT", "/notes/2147483648/", body="{}", ctype="application/json")
    big4300 = "9" * 4300
    add("read id 4301 chars (space + 4300 digits)", "GET", "/notes/%20" + big4300 + "/", tags=["path-id", "huge-id"])
    add("read id 4301 digits", "GET", "/notes/9" + big4300 + "/", tags=["path-id", "huge-id"])

    # --- validation of note bodies (POST) -------------------------------------------------
    P = lambda name, body, **kw: add(name, "POST", "/notes/", body=body, ctype=kw.pop("ctype", "application/json"), **kw)
    add("create: no body, no content type", "POST", "/notes/")
    add("create: no body, JSON content type", "POST", "/notes/", ctype="application/json")
    P("create: empty body", "")
    P("create: empty object", "{}")
    P("create: only title", '{"title": "only title"}')
    P("create: only description", '{"description": "only description"}')
    P("create: null title", '{"title": null, "description": "valid description"}')
    P("create: null both", '{"title": null, "description": null}')
    c.sync(100)
    P("create: title number 1 (coerced, too short)", '{"title": 1, "description": "valid description"}')
    P("create: title number 100 (coerced to \"100\")", '{"title": 100, "description": "valid description"}')
    P("create: title 1.5 (coerced to \"1.5\")", '{"title": 1.5, "description": "valid description"}')
    P("create: title 1e20", '{"title": 1e20, "description": "valid description"}')
    P("create: title 1E5", '{"title": 1E5, "description": "valid description"}')
    P("create: title 1.0", '{"title": 1.0, "description": "valid description"}')
    P("create: title -0.0", '{"title": -0.0, "description": "valid description"}')
    P("create: title -0 (int, too short)", '{"title": -0, "description": "valid description"}')
    P("create: title 0.1", '{"title": 0.1, "description": "valid description"}')
    P("create: title 1e-7", '{"title": 1e-7, "description": "valid description"}')
    P("create: title 1e16", '{"title": 1e16, "description": "valid description"}')
    P("create: title 1e15", '{"title": 1e15, "description": "valid description"}')
    P("create: title 123456789.123456789", '{"title": 123456789.123456789, "description": "valid description"}')
    P("create: title 12345678901234567890123 (big int)", '{"title": 12345678901234567890123, "description": "valid description"}')
    P("create: title 1E400 (overflows to inf)", '{"title": 1E400, "description": "valid description"}')
    P("create: title -1E400", '{"title": -1E400, "description": "valid description"}')
    P("create: title true", '{"title": true, "description": "valid description"}')
    P("create: title false", '{"title": false, "description": "valid description"}')
    P("create: description true", '{"title": "valid title", "description": true}')
    P("create: description 12 (coerced, too short)", '{"title": "valid title", "description": 12}')
    P("create: title list", '{"title": ["abc"], "description": "valid description"}')
    P("create: title empty list", '{"title": [], "description": "valid description"}')
    P("create: title object", '{"title": {"a": "abc"}, "description": "valid description"}')
    P("create: title and description objects", '{"title": {}, "description": []}')
    P("create: title list nested 100 deep", '{"title": ' + "[" * 100 + "]" * 100 + ', "description": "valid description"}')
    c.sync(150)
    P("create: title empty string", note("", "valid description"))
    P("create: title 1 char", note("a", "valid description"))
    P("create: title 2 chars", note("ab", "valid description"))
    P("create: title exactly 3", note("abc", "valid description"))
    P("create: title 3 spaces (no stripping)", note("   ", "valid description"))
    P("create: description 2 chars", note("valid title", "de"))
    P("create: both 2 chars (two errors)", note("ab", "cd"))
    P("create: title exactly 50", note("t" * 50, "valid description"))
    P("create: title 51", note("t" * 51, "valid description"))
    P("create: description exactly 50", note("valid title", "d" * 50))
    P("create: description 51", note("valid title", "d" * 51))
    P("create: both 51 (two errors)", note("t" * 51, "d" * 51))
    P("create: title short, description long", note("ab", "d" * 51))
    P("create: title 50 x e-acute", note("é" * 50, "valid description"))
    P("create: title 51 x e-acute", note("é" * 51, "valid description"))
    P("create: title 2 x e-acute", note("éé", "valid description"))
    P("create: title 3 x e-acute", note("ééé", "valid description"))
    P("create: title e-acute as \\u00e9 escapes x2", '{"title": "\\u00e9\\u00e9", "description": "valid description"}')
    P("create: title decomposed e + combining accent x2 (4 code points)", note("e\u0301e\u0301", "valid description"))
    P("create: title 1 decomposed e (2 code points)", note("e\u0301", "valid description"))
    P("create: title emoji x2 via surrogate escapes (2 chars)", '{"title": "\\ud83d\\ude00\\ud83d\\ude00", "description": "valid description"}')
    P("create: title emoji x3 via surrogate escapes", '{"title": "\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00", "description": "valid description"}')
    P("create: title emoji x3 raw UTF-8", note("\U0001F600" * 3, "valid description"))
    P("create: title 50 emoji", note("\U0001F600" * 50, "valid description"))
    P("create: title 51 emoji", note("\U0001F600" * 51, "valid description"))
    P("create: title CJK 3 chars", note("日本語", "valid description"))
    P("create: title with escapes \\n \\t \\\" \\\\ \\/", '{"title": "a\\nb\\tc\\"d\\\\e\\/f", "description": "valid description"}')
    P("create: title with control char escapes", '{"title": "\\u0001\\u001f\\u007f\\b\\f\\r", "description": "valid description"}')
    P("create: title with HTML and slash", note("<b>bold</b> & </script>", "valid description"))
    P("create: title with U+2028 and U+FEFF", note("a\u2028b\ufeffc", "valid description"))
    c.sync(200)
    P("create: lone surrogate + 1 char (2 chars, too short)", '{"title": "a\\ud800", "description": "valid description"}')
    P("create: extra unknown fields ignored", '{"title": "valid title", "description": "valid description", "id": 12345, "created_date": "x", "extra": [1, {}]}')
    P("create: duplicate keys, last wins (valid)", '{"title": "ab", "description": "valid description", "title": "duplicate wins"}')
    P("create: duplicate keys, last wins (invalid)", '{"title": "valid title", "description": "valid description", "title": "x"}')
    P("create: errors follow field order, not key order", '{"description": 1, "title": 1}')
    P("create: both fields wrong type, key order reversed", '{"description": [], "title": null}')
    P("create: keys are case sensitive", '{"Title": "valid title", "DESCRIPTION": "valid description"}')
    P("create: body []", "[]")
    P("create: body [1]", "[1]")
    P("create: body list of pairs (dict() accepts it)", '[["title", "from pairs"], ["description", "pairs description"]]')
    P("create: body list of bad pairs", '[["title", "from pairs", "x"]]')
    c.sync(250)
    D = lambda name, body: P("create: body " + name, body, tags=["dict-coercion"])
    D("list of 2-char strings (dict() pairs)", '["ab", "cd"]')
    D("list of one 2-member object (its keys form a pair)", '[{"title": 1, "description": 2}]')
    D("list of pairs, duplicate key last wins", '[["title", "abc"], ["description", "valid description"], ["title", "from pair 3"]]')
    D("list of pairs with null title", '[["title", null], ["description", "valid description"]]')
    D("list of one number pair", '[[1, 2]]')
    D("list of a 1-element list", '[["a"]]')
    D("list of an empty list", '[[]]')
    D("list of a 3-char string", '["abc"]')
    D("list of a 1-member object", '[{"a": 1}]')
    D("list of null", '[null]')
    P("create: body \"str\"", '"str"')
    P("create: body \"\" (empty string)", '""')
    P("create: body \"ab\" (2-char string)", '"ab"')
    P("create: body 1", "1")
    P("create: body 0", "0")
    P("create: body true", "true")
    P("create: body false", "false")
    P("create: body null", "null")
    P("create: body 1.5", "1.5")
    c.sync(300)
    P("create: NaN and Infinity accepted", '{"title": NaN, "description": Infinity}')
    P("create: -Infinity", '{"title": -Infinity, "description": "valid description"}')
    P("create: body NaN", "NaN")
    P("create: whitespace around a valid object", ' \t\r\n{"title": "spaced", "description": "valid description"}\n\r\t ')
    c.sync(320)
    P("create: UTF-8 BOM before the object", b'\xef\xbb\xbf' + note("after a BOM", "valid description").encode())
    P("create: UTF-16-LE body with BOM", b'\xff\xfe' + note("utf16 title", "valid description").encode("utf-16-le"),
      tags=["exotic-encoding"])
    P("create: UTF-16-BE body without BOM", note("utf16be title", "valid description").encode("utf-16-be"),
      tags=["exotic-encoding"])
    P("create: only a BOM (UTF-16-LE)", b"\xff\xfe", tags=["exotic-encoding"])
    P("create: invalid UTF-8 byte in a string", b'{"title": "ab\xffc", "description": "valid description"}')
    P("create: invalid UTF-8 overlong", b'{"title": "\xc0\xafabc", "description": "valid description"}')
    P("create: truncated UTF-8 at end", b'{"title": "abc", "description": "valid description"}\xe2\x82')
    P("create: Latin-1 byte e9", b'{"title": "caf\xe9", "description": "valid description"}')
    P("create: arrays nested 5000 deep (recursion limit)", "[" * 5000 + "]" * 5000, tags=["deep-nesting"])
    P("create: integer title with 4301 digits (int limit)", '{"title": ' + "1" * 4301 + ', "description": "valid description"}',
      tags=["big-number"])
    P("create: integer title with 4300 digits", '{"title": ' + "1" * 4300 + ', "description": "valid description"}',
      tags=["big-number"])
    c.sync(340)
    add("create: chunked transfer encoding", "POST", "/notes/", body=note("chunked note", "sent in chunks"),
        ctype="application/json", chunked=True)

    # --- PUT validation mirrors POST ----------------------------------------------------------
    U = lambda name, body: add(name, "PUT", "/notes/1/", body=body, ctype="application/json")
    U("update 1: empty object", "{}")
    U("update 1: only title", '{"title": "only title"}')
    U("update 1: title 2 chars", note("ab", "valid description"))
    U("update 1: title 51", note("t" * 51, "valid description"))
    U("update 1: title number 100", '{"title": 100, "description": "updated by a number"}')
    U("update 1: body []", "[]")
    U("update 1: body null", "null")
    U("update 1: malformed", '{"title": "abc",')
    add("update 1: no body", "PUT", "/notes/1/")
    add("update 1: text/plain", "PUT", "/notes/1/", body=valid, ctype="text/plain")
    add("read note 1 after PUT validation cases", "GET", "/notes/1/")

    # --- malformed JSON: every distinct json error message ----------------------------------
    M = lambda name, body: add("malformed: " + name, "POST", "/notes/", body=body, ctype="application/json", tags=["jsondecode"])
    M("Expecting value (garbage)", "garbage")
    M("Expecting value (single space)", " ")
    M("Expecting value (only newlines)", "\n\n\n")
    M("Expecting value (missing value)", '{"title":}')
    M("Expecting value (array trailing comma)", "[1,]")
    M("Expecting value (tru)", "tru")
    M("Expecting value (True)", "True")
    M("Expecting value (-)", "-")
    M("Expecting value (.5)", ".5")
    M("Expecting value (NUL byte)", "\u0000")
    M("Expecting value (form feed is not whitespace)", '\f{"title": "valid title", "description": "valid description"}')
    M("Expecting value (nan lowercase)", '{"title": nan}')
    M("Expecting value (-Inf)", '{"title": -Inf}')
    M("Expecting value (+1)", '{"title": +1}')
    M("Expecting value (comment)", '/* c */ {}')
    M("Expecting property name (single quotes)", "{'title': 'abc'}")
    M("Expecting property name (trailing comma)", '{"title": "abc", }')
    M("Expecting property name (lone brace)", "{")
    M("Expecting property name (unquoted key)", "{title: 1}")
    M("Expecting ':' delimiter", '{"title" "abc"}')
    M("Expecting ':' delimiter (end)", '{"title"')
    M("Expecting ',' delimiter (object)", '{"title": "abc" "description": "def"}')
    M("Expecting ',' delimiter (unterminated object)", '{"title": "abc"')
    M("Expecting ',' delimiter (array)", "[1 2]")
    M("Expecting ',' delimiter (unterminated array)", "[1")
    M("Unterminated string starting at", '{"title": "abc')
    M("Unterminated string (in key)", '{"tit')
    M("Unterminated string (backslash at end)", '{"title": "abc\\')
    M("Invalid control character at (raw newline)", '{"title": "ab\ncd", "description": "valid description"}')
    M("Invalid control character at (raw tab)", '{"title": "ab\tcd", "description": "valid description"}')
    M("Invalid control character at (raw NUL)", '{"title": "ab\u0000cd", "description": "valid description"}')
    M("Invalid \\escape (\\x)", '{"title": "a\\x", "description": "valid description"}')
    M("Invalid \\escape (\\a)", '{"title": "a\\a"}')
    M("Invalid \\escape (\\U)", '{"title": "\\U0041"}')
    M("Invalid \\uXXXX escape (short)", '{"title": "\\u12"}')
    M("Invalid \\uXXXX escape (non-hex)", '{"title": "\\u12G4", "description": "valid description"}')
    M("Invalid \\uXXXX escape (at end)", '{"title": "\\u')
    M("Invalid \\uXXXX escape (bad low surrogate)", '{"title": "\\ud83d\\u12x4"}')
    M("Expecting ',' delimiter (01 in an object)", '{"title": 01}')
    M("Expecting ',' delimiter (1. in an object)", '{"title": 1., "description": "valid description"}')
    M("Expecting ',' delimiter (1.e5 in an array)", '[1.e5]')
    M("Extra data (two objects)", "{} {}")
    M("Extra data (01)", "01")
    M("Extra data (1.)", "1.")
    M("Extra data (1e)", "1e")
    M("Extra data (trailing garbage)", '{"title": "valid title", "description": "valid description"} x')
    M("Extra data (trailing NUL)", '{"title": "valid title", "description": "valid description"}\u0000')
    M("multi-line: lineno/colno > 1", '{\n  "title": "abc",\n  "description": "def",\n}')
    M("multi-line with CRLF", '{\r\n  "title": "abc",\r\n  "description" "def"\r\n}')
    M("CR only is not a line break for lineno", '{\r  "title": "abc",\r  "description" "def"\r}')
    M("leading newlines then garbage", "\n\n\n   x")
    M("non-ASCII before the error (pos in characters)", '{"title": "éééé日本語\U0001F600", "description": "d", x}')
    M("non-ASCII on a later line", '{"title": "éé",\n "description": "日本"\n x}')
    M("surrogate escape before the error", '{"title": "\\ud83d\\ude00", x}')
    M("Unterminated string after non-ASCII", '{"title": "é", "description": "日本')

    c.sync(400)
    # --- content types ----------------------------------------------------------------------
    for label, ct in [
        ("application/json; charset=utf-8", "application/json; charset=utf-8"),
        ("application/json;charset=UTF-8", "application/json;charset=UTF-8"),
        ("APPLICATION/JSON", "APPLICATION/JSON"),
        ("application/json; charset=latin-1 (charset ignored)", "application/json; charset=latin-1"),
        ("application/vnd.api+json", "application/vnd.api+json"),
        ("application/merge-patch+json", "application/merge-patch+json"),
        ("empty Content-Type header", ""),
        ("text/plain", "text/plain"),
        ("text/json", "text/json"),
        ("application/jsonx", "application/jsonx"),
        ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded"),
        ("application/xml", "application/xml"),
        ("json (no slash)", "json"),
        ("application/octet-stream", "application/octet-stream"),
    ]:
        add("content type: " + label, "POST", "/notes/", body=note("ctype " + ct[:20], "content type test"),
            headers={"Content-Type": ct}, tags=["content-type"])
    add("content type: none, valid JSON body", "POST", "/notes/", body=note("no content type", "still parsed"), tags=["content-type"])
    add("content type: none, malformed JSON body", "POST", "/notes/", body="{oops", tags=["content-type"])
    add("content type: text/plain, malformed body", "POST", "/notes/", body="{oops", ctype="text/plain", tags=["content-type"])
    add("content type: text/plain, empty body", "POST", "/notes/", body="", ctype="text/plain", tags=["content-type"])
    add("content type: form body", "POST", "/notes/", body="title=form+title&description=form+description",
        ctype="application/x-www-form-urlencoded", tags=["content-type"])
    mp = ('--XyZ\r\nContent-Disposition: form-data; name="title"\r\n\r\nmultipart title\r\n'
          '--XyZ\r\nContent-Disposition: form-data; name="description"\r\n\r\nmultipart description\r\n--XyZ--\r\n')
    add("content type: multipart/form-data", "POST", "/notes/", body=mp, ctype="multipart/form-data; boundary=XyZ", tags=["content-type"])
    add("content type: vnd+json malformed", "POST", "/notes/", body="[", ctype="application/vnd.api+json", tags=["content-type"])

    c.sync(500)
    # --- methods, unknown paths, trailing slashes -------------------------------------------
    for method, path in [
        ("POST", "/ping"), ("PUT", "/ping"), ("DELETE", "/ping"), ("PATCH", "/ping"), ("OPTIONS", "/ping"),
        ("HEAD", "/ping"), ("DELETE", "/notes/"), ("PUT", "/notes/"), ("PATCH", "/notes/"),
        ("OPTIONS", "/notes/"), ("HEAD", "/notes/"), ("POST", "/notes/1/"), ("PATCH", "/notes/1/"),
        ("OPTIONS", "/notes/1/"), ("HEAD", "/notes/1/"), ("PATCH", "/notes/abc/"), ("PATCH", "/notes/0/"),
        ("PATCH", "/notes/999/"), ("FOO", "/notes/"),
    ]:
        ours = None
        if method == "HEAD":
            ours = OURS_HEAD
        elif method == "OPTIONS":
            ours = ours_options({"/ping": "GET, HEAD, OPTIONS", "/notes/": "GET, HEAD, POST, OPTIONS"}.get(
                path, "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"))
        elif method == "PATCH" and path.startswith("/notes/") and path != "/notes/":
            ours = OURS_PATCH_422
        add("method %s %s" % (method, path), method, path, tags=["method"], ours=ours)
    # On a missing note, so that our answer (404: PATCH applies) changes no data later cases read;
    # the reference answers every PATCH 405, whatever the id or body.
    add("method PATCH /notes/999/ with a valid body", "PATCH", "/notes/999/", body=valid, ctype="application/json",
        tags=["method"], ours=dict(NOT_FOUND_NOTE, even_without_500=True, why="PATCH applies here: no note 999"))
    add("method POST /notes/1/ with a valid body", "POST", "/notes/1/", body=valid, ctype="application/json", tags=["method"])
    for method, path in [
        ("GET", "/"), ("GET", "/nope"), ("GET", "/notes/1/2/"), ("GET", "/notes/1/x"), ("GET", "/notes//"),
        ("GET", "/Notes/"), ("GET", "/NOTES/1/"), ("GET", "/ping/x"), ("GET", "/notes/1/2"), ("POST", "/"),
        ("DELETE", "/nope"), ("GET", "/notesx/"), ("GET", "/pingx"), ("POST", "/notes/1/2/"),
    ]:
        add("unknown path %s %s" % (method, path), method, path, tags=["unknown-path"])
    for method, path, body in [
        ("GET", "/notes", None), ("GET", "/notes?foo=bar", None), ("GET", "/notes/1", None), ("GET", "/notes/999", None),
        ("GET", "/notes/abc", None), ("GET", "/notes/0", None), ("GET", "/ping/", None),
        ("POST", "/notes", note("via redirect", "posted without slash")), ("PUT", "/notes/1", note("put without slash", "put without slash")),
        ("DELETE", "/notes/3", None), ("DELETE", "/notes", None), ("PATCH", "/notes/1", None), ("POST", "/notes", "{}"),
    ]:
        add("no trailing slash %s %s%s" % (method, path, " " + body if body == "{}" else ""), method, path, body=body,
            ours=OURS_PATCH_422 if method == "PATCH" else None,
            ctype="application/json" if body is not None else None, tags=["redirect"])

    # --- where the reference answers 500 (we deliberately answer a 4xx) --------------------------
    for label, seg in [("2147483648", "2147483648"), ("99999999999999999999", "99999999999999999999"),
                       ("4294967297", "4294967297"), ("4300 digits", big4300)]:
        add("read huge id " + label, "GET", "/notes/%s/" % seg, tags=["huge-id"], ours=NOT_FOUND_NOTE)
    add("update huge id 2147483648", "PUT", "/notes/2147483648/", body=valid, ctype="application/json", tags=["huge-id"], ours=NOT_FOUND_NOTE)
    add("delete huge id 2147483648", "DELETE", "/notes/2147483648/", tags=["huge-id"], ours=NOT_FOUND_NOTE)
    add("update huge id 99999999999999999999", "PUT", "/notes/99999999999999999999/", body=valid, ctype="application/json", tags=["huge-id"], ours=NOT_FOUND_NOTE)
    add("delete huge id 99999999999999999999", "DELETE", "/notes/99999999999999999999/", tags=["huge-id"], ours=NOT_FOUND_NOTE)
    add("read huge id without trailing slash", "GET", "/notes/2147483648", tags=["huge-id", "redirect"], ours=NOT_FOUND_NOTE)
    P("create: NUL in title (\\u0000 escape)", '{"title": "ab\\u0000cd", "description": "valid description"}', tags=["nul"], ours=OURS_422)
    P("create: NUL in description", '{"title": "valid title", "description": "\\u0000\\u0000\\u0000"}', tags=["nul"], ours=OURS_422)
    P("create: NUL in title, description too short (422 from validation)", '{"title": "ab\\u0000cd", "description": "d"}', tags=["nul"])
    P("create: lone high surrogate \\ud800", '{"title": "ab\\ud800", "description": "valid description"}', tags=["surrogate"], ours=OURS_422)
    P("create: lone low surrogate \\udc00", '{"title": "\\udc00abc", "description": "valid description"}', tags=["surrogate"], ours=OURS_422)
    P("create: high surrogate then non-surrogate escape", '{"title": "\\ud83d\\u0041bc", "description": "valid description"}', tags=["surrogate"], ours=OURS_422)
    P("create: reversed surrogate pair", '{"title": "\\ude00\\ud83dabc", "description": "valid description"}', tags=["surrogate"], ours=OURS_422)
    P("create: raw CESU surrogate bytes (ED A0 80)", b'{"title": "ab\xed\xa0\x80", "description": "valid description"}', tags=["surrogate"],
      ours={"why": "Python decodes the body with surrogatepass, so these bytes become a lone surrogate (500 in the "
                   "database); they are not valid UTF-8: any clear 4xx (400 like other invalid UTF-8, or 422)"})
    add("update 1: NUL in title", "PUT", "/notes/1/", body='{"title": "ab\\u0000cd", "description": "valid description"}', ctype="application/json", tags=["nul"], ours=OURS_422)
    add("update 1: lone surrogate", "PUT", "/notes/1/", body='{"title": "ab\\udfff", "description": "valid description"}', ctype="application/json", tags=["surrogate"], ours=OURS_422)
    add("update missing 999 with NUL", "PUT", "/notes/999/", body='{"title": "ab\\u0000cd", "description": "valid description"}',
        ctype="application/json", tags=["nul"],
        ours=dict(OURS_422, even_without_500=True, why="the reference reads the row first (404); we reject NUL during validation, before the database"))

    c.sync(600)
    add("create after the rejected inputs (id continuity)", "POST", "/notes/", body=note("after rejects", "valid description"), ctype="application/json")

    # --- final state ------------------------------------------------------------------------
    add("read note 1 at the end", "GET", "/notes/1/")
    add("list at the end", "GET", "/notes/")
    add("delete note 1", "DELETE", "/notes/1/")
    add("ping at the end", "GET", "/ping")
    return c.cases


def capture(base, dsn, cases):
    out = []
    for case in cases:
        if "sync_next_id" in case:
            set_next_id(dsn, case["sync_next_id"])
            out.append(case)
            continue
        body = body_bytes(case)
        status, hdrs, data = send(base, case["method"], case["path"], case["headers"], body, case.get("chunked", False))
        rec = dict(case)
        if status in (301, 302, 303, 307, 308) and "location" in hdrs:
            loc = urllib.parse.urlsplit(hdrs["location"])
            locpath = loc.path + ("?" + loc.query if loc.query else "")
            rec["redirect"] = {"status": status, "location": locpath}
            if "redirect" not in rec.get("tags", []):
                rec.setdefault("tags", []).append("redirect")
            status, hdrs, data = send(base, case["method"], locpath, case["headers"], body, case.get("chunked", False))
        rec["expected"] = record_answer(status, hdrs, data)
        if status == 500:
            rec["reference_500"] = True
            if "ours" not in rec:
                print("WARNING: %s: reference answered 500 but no deliberate answer is declared" % case["name"], file=sys.stderr)
        elif "ours" in rec and not rec["ours"].get("even_without_500"):
            print("WARNING: %s: declared a deliberate answer but reference answered %d" % (case["name"], status), file=sys.stderr)
            del rec["ours"]
        if rec["method"] == "GET" and status == 200 and isinstance(rec["expected"]["json"], list):
            # The reference lists with "SELECT ... FROM notes" (no ORDER BY): heap order, which
            # changes after updates. Replay compares such lists as sets of notes.
            rec["unordered_list"] = True
        out.append(rec)
        r = rec["expected"]
        print("%-70.70s %s%d %s" % (case["name"], ("%d->" % rec["redirect"]["status"]) if "redirect" in rec else "",
                                     status, (r.get("body_raw") or "")[:100].replace("\n", " ")))
    return out


def versions():
    info = {}
    try:
        res = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Package}=${Version}\\n", "python3-fastapi", "python3-starlette",
             "python3-pydantic", "python3-uvicorn", "python3-databases", "python3-asyncpg", "python3-sqlalchemy",
             "python3-h11", "python3.11"],
            capture_output=True, text=True)
        for line in res.stdout.split():
            k, _, v = line.partition("=")
            info[k] = v
    except OSError:
        pass
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True, help="base URL of the running reference app, e.g. http://127.0.0.1:8010")
    ap.add_argument("--dsn", required=True, help="libpq DSN of the reference's database (for TRUNCATE via psql)")
    ap.add_argument("--out", default=None, help="output file (default: cases.json next to this script)")
    args = ap.parse_args()
    import os
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.json")
    truncate(args.dsn)
    cases = capture(args.url.rstrip("/"), args.dsn, build())
    doc = {
        "description": "Behavioural oracle: requests replayed in order against an empty notes table "
                       "(TRUNCATE notes RESTART IDENTITY), with the reference FastAPI app's answers.",
        "captured": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
        "reference": versions(),
        "cases": cases,
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=True, indent=1)
        f.write("\n")
    n500 = sum(1 for c in cases if c.get("reference_500"))
    nsync = sum(1 for c in cases if "sync_next_id" in c)
    nred = sum(1 for c in cases if "redirect" in c)
    print("captured %d cases (%d reference 500, %d redirects) and %d sync points -> %s"
          % (len(cases) - nsync, n500, nred, nsync, out))


if __name__ == "__main__":
    main()
