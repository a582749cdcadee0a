#!/usr/bin/env python3
# tests/e2e/test_routes.py: every route through nginx over real HTTP, on a throwaway stack:
# trailing-slash forms, 404/405, 422, keep-alive, chunked bodies, 413 from the worker and from
# nginx, nginx's own 400/414 as JSON, and the headers nginx adds.
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402
from e2e import check, check_json_answer, request  # noqa: E402

e2e.need_stack()
tag = uuid.uuid4().hex[:8]

# --- ping, both forms
for path in ("/ping", "/ping/"):
    a = request("GET", path)
    if check_json_answer(a, 200, "GET " + path):
        check(a.json == {"ping": "pong!"}, "GET %s answers pong (got %r)" % (path, a.json))

# --- create, with and without the trailing slash
created = []
for path in ("/notes/", "/notes"):
    payload = {"title": "title %s %s" % (tag, path), "description": "desc " + tag}
    a = request("POST", path, payload)
    if check_json_answer(a, 201, "POST " + path):
        check(isinstance(a.json.get("id"), int) and a.json["id"] > 0, "POST %s gives an id" % path)
        check(a.json.get("title") == payload["title"] and a.json.get("description") == payload["description"],
              "POST %s echoes the note" % path)
        created.append(a.json)
check(len(created) == 2, "two notes created")
n1 = created[0] if created else {"id": 1}

# --- read one, all four forms of the path
for path in ("/notes/%d/" % n1["id"], "/notes/%d" % n1["id"]):
    a = request("GET", path)
    if check_json_answer(a, 200, "GET " + path):
        check({k: a.json.get(k) for k in ("id", "title", "description")} == n1, "GET %s is the created note" % path)

# --- list, both forms; limit/offset
for path in ("/notes/", "/notes"):
    a = request("GET", path)
    if check_json_answer(a, 200, "GET " + path):
        ids = [n.get("id") for n in a.json] if isinstance(a.json, list) else []
        check(all(n["id"] in ids for n in created), "GET %s lists the created notes" % path)
a = request("GET", "/notes/?limit=1&offset=0")
if check_json_answer(a, 200, "GET /notes/?limit=1&offset=0"):
    check(isinstance(a.json, list) and len(a.json) == 1, "limit=1 gives one note (got %r)" % a)
a = request("GET", "/notes/?limit=-1")
check_json_answer(a, 422, "GET /notes/?limit=-1")

# --- update, both forms
for i, path in enumerate(("/notes/%d/" % n1["id"], "/notes/%d" % n1["id"])):
    payload = {"title": "updated %d %s" % (i, tag), "description": "new desc %d" % i}
    a = request("PUT", path, payload)
    if check_json_answer(a, 200, "PUT " + path):
        check(a.json == dict(payload, id=n1["id"]), "PUT %s answers the new note (got %r)" % (path, a.json))
    a = request("GET", "/notes/%d/" % n1["id"])
    check(a.json is not None and a.json.get("title") == payload["title"], "GET after PUT %s sees the update" % path)

# --- validation
a = request("POST", "/notes/", {"title": "ab", "description": "valid"})
if check_json_answer(a, 422, "POST with a too short title"):
    check(isinstance(a.json.get("detail"), list) and a.json["detail"], "422 carries a detail list")
a = request("POST", "/notes/", b"{not json")
check_json_answer(a, 422, "POST with broken JSON")
a = request("GET", "/notes/0/")
check_json_answer(a, 422, "GET /notes/0/ (id must be > 0)")

# --- not found, method not allowed
for method, path, detail in (
    ("GET", "/notes/2147483000/", "Note not found"),
    ("PUT", "/notes/2147483000/", "Note not found"),
    ("DELETE", "/notes/2147483000", "Note not found"),
    ("GET", "/no/such/path", "Not Found"),
    ("GET", "/", "Not Found"),
):
    body = {"title": "whatever", "description": "whatever"} if method == "PUT" else None
    a = request(method, path, body)
    if check_json_answer(a, 404, "%s %s" % (method, path)):
        check(a.json.get("detail") == detail, "%s %s: detail %r (got %r)" % (method, path, detail, a.json))
for method, path in (("DELETE", "/notes/"), ("PATCH", "/notes/"), ("POST", "/notes/1/"), ("PUT", "/notes"),
                     ("POST", "/ping")):
    a = request(method, path, {"title": "whatever", "description": "whatever"})
    if check_json_answer(a, 405, "%s %s" % (method, path)):
        check(a.json.get("detail") == "Method Not Allowed", "%s %s: detail (got %r)" % (method, path, a.json))

# --- delete, then it is gone
n2 = created[1] if len(created) > 1 else {"id": 2}
a = request("DELETE", "/notes/%d/" % n2["id"])
if check_json_answer(a, 200, "DELETE /notes/{id}/"):
    check({k: a.json.get(k) for k in ("id", "title", "description")} == n2, "DELETE answers the deleted note")
a = request("GET", "/notes/%d/" % n2["id"])
check_json_answer(a, 404, "GET after DELETE")
a = request("DELETE", "/notes/%d" % n2["id"])
check_json_answer(a, 404, "DELETE again, without the slash")

# --- keep-alive: many requests, answers of every kind, on one connection
conn = e2e.connect()
sock = None
kept = True
for i in range(30):
    kind = i % 6
    if kind == 0:
        a = request("GET", "/ping", conn=conn)
        ok = a.status == 200
    elif kind == 1:
        a = request("POST", "/notes/", {"title": "kept %d" % i, "description": "on one connection"}, conn=conn)
        ok = a.status == 201
    elif kind == 2:
        a = request("POST", "/notes/", {"title": "x", "description": "y" * 60}, conn=conn)  # 422 with a body
        ok = a.status == 422
    elif kind == 3:
        a = request("GET", "/notes/2147483000/", conn=conn)
        ok = a.status == 404
    elif kind == 4:
        a = request("PATCH", "/notes/", b'{"title": "unread body"}', conn=conn)  # 405 with a body
        ok = a.status == 405
    else:
        a = request("GET", "/notes/?limit=2", conn=conn)
        ok = a.status == 200
    if not ok or a.will_close:
        kept = False
        check(False, "keep-alive request %d answered %r (will_close=%s)" % (i, a, a.will_close))
        break
    if sock is None:
        sock = conn.sock
    elif conn.sock is not sock:
        kept = False
        check(False, "keep-alive: the connection was replaced at request %d" % i)
        break
conn.close()
check(kept, "30 requests (200/201/404/405/422) answered on one kept-alive connection")

# --- chunked request bodies (nginx buffers them whole before the worker sees them)
payload = {"title": "chunked " + tag, "description": "sent in 7-byte chunks"}
a = request("POST", "/notes/", payload, chunked=True)
if check_json_answer(a, 201, "POST /notes/ with a chunked body"):
    check(a.json.get("title") == payload["title"], "chunked POST stored the whole body")
    cid = a.json["id"]
    payload2 = {"title": "rechunked " + tag, "description": "PUT in chunks"}
    a = request("PUT", "/notes/%d/" % cid, payload2, chunked=True)
    if check_json_answer(a, 200, "PUT with a chunked body"):
        check(a.json == dict(payload2, id=cid), "chunked PUT stored the whole body")
conn = e2e.connect()
a1 = request("POST", "/notes/", {"title": "chunk ka 1", "description": "x" * 40}, conn=conn, chunked=True)
a2 = request("POST", "/notes/", {"title": "chunk ka 2", "description": "y" * 40}, conn=conn, chunked=True)
conn.close()
check(a1.status == 201 and a2.status == 201, "two chunked POSTs on one kept-alive connection (%r, %r)" % (a1, a2))

# --- 413: just over the worker's limit (worker answers), far over it (nginx answers)
def big(n):
    # valid JSON of exactly n bytes: the size alone is what is wrong with it
    head = '{"title": "big", "description": "'
    return (head + "d" * (n - len(head) - 2) + '"}').encode()


for size, who in ((65537, "worker"), (70000, "worker"), (200000, "nginx"), (1 << 20, "nginx")):
    a = request("POST", "/notes/", big(size))
    if check_json_answer(a, 413, "POST of %d bytes (%s's 413)" % (size, who)):
        check(isinstance(a.json.get("detail"), str), "413 of %d bytes has a detail string" % size)
a = request("POST", "/notes/", big(200000), chunked=True)
check_json_answer(a, 413, "chunked POST of 200000 bytes")
a = request("POST", "/notes/", big(65536))
check(a.status != 413, "a body of exactly 64 KiB is not refused for its size (got %r)" % a)
a = request("GET", "/ping")
check(a.status == 200, "the service answers after the 413s")

# --- nginx's own errors are JSON
for what, data, status in (
    ("garbage request line", b"GARBAGE\r\n\r\n", 400),
    ("Content-Length with chunked", b"POST /notes/ HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n", 400),
    ("header too large", b"GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n", 400),
    ("URI too long", b"GET /" + b"a" * 40000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    ("unknown Transfer-Encoding", b"POST /notes/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
    ("HTTP/3.0 request line", b"GET /ping HTTP/3.0\r\nHost: x\r\n\r\n", 400),
):
    out = e2e.raw_exchange(data)
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    hdrs = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
    check(lines[0].startswith("HTTP/1.1 %d" % status), "%s: nginx answers %d (got %r)" % (what, status, lines[0]))
    check(hdrs.get("content-type", "").startswith("application/json"), "%s: JSON content type" % what)
    check(body.startswith(b'{"detail":'), "%s: JSON detail body (got %r)" % (what, body[:80]))
    # nginx's 501 and 505 become 400s that say what was not understood.
    said = {"unknown Transfer-Encoding": b"Transfer-Encoding", "HTTP/3.0 request line": b"HTTP version"}
    if what in said:
        check(said[what] in body, "%s: the detail names the problem (got %r)" % (what, body[:80]))

# --- internal error locations are not reachable from outside
a = request("GET", "/.nginx-error/502")
check(a.status == 404, "nginx's error pages are internal (got %r)" % a)

e2e.finish()
