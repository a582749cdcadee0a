#!/usr/bin/env python3
# tests/hostile/test_hostile.py: hostile requests through the real stack (nginx -> worker pool
# -> Postgres), sent as raw bytes on raw sockets.
#
# Every case must be answered with a 4xx (the status the case names; what nginx would answer 501
# for, an unknown transfer coding, and 505, an unknown HTTP version, it answers 400), in JSON with a "detail"
# member (422: a list of {loc, msg, type}), whether the worker or nginx's error pages answer;
# nothing it sends may change the notes table (rows and id sequence, checked with psql after
# each case). At the end no worker has died (the pool's pids are unchanged), nginx's error log
# has no [alert], [crit] or [emerg], no worker, nginx worker or Postgres process runs as root,
# and a normal request still works.
# Run by `make check` (a throwaway stack via tests/e2e/with-stack) or against a running stack
# with BASE_URL, STACK_DIR and DATABASE_URL set.
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile  # noqa: E402
from hostile import chunked, e2e, exchange, http  # noqa: E402

e2e.need_stack()
check = e2e.check

VALID = b'{"title": "valid title", "description": "valid description"}'


def body_of(title=b'"valid title"', description=b'"valid description"'):
    return b'{"title": ' + title + b', "description": ' + description + b'}'


CASES = []  # (name, request bytes or dict of exchange() arguments, allowed statuses)


def case(name, data, statuses, **kw):
    kw["data"] = data
    CASES.append((name, kw, set(statuses)))


def post_and_put(name, body, statuses, ctype="application/json"):
    """The same body as a create and as an update of the existing note 1."""
    case("POST " + name, http("POST", "/notes/", body, ctype=ctype), statuses)
    case("PUT " + name, http("PUT", "/notes/1/", body, ctype=ctype), statuses)


# --- malformed and truncated JSON -------------------------------------------------------------
for label, body in [
    ("unclosed object", b"{"),
    ("missing brace", VALID[:-1]),
    ("missing comma", b'{"title": "valid title" "description": "valid description"}'),
    ("unquoted key", b'{title: "valid title", description: "valid description"}'),
    ("single quotes", b"{'title': 'valid title', 'description': 'valid description'}"),
    ("trailing comma", b'{"title": "valid title", "description": "valid description",}'),
    ("trailing garbage", VALID + b" x"),
    ("two documents", VALID + VALID),
    ("raw control character", body_of(b'"valid\x01title"')),
    ("raw newline in a string", body_of(b'"valid\ntitle"')),
    ("bad escape", body_of(b'"valid \\q title"')),
    ("short \\u escape", body_of(b'"\\u12"')),
    ("unterminated string", b'{"title": "valid title'),
    ("comment", b'{"title": "valid title", /* c */ "description": "valid description"}'),
    ("bare word", b"nul"),
    ("only whitespace", b" \r\n\t "),
    ("null document", b"null"),
    ("a list", b"[1, 2, 3]"),
    ("a string", b'"valid title"'),
    ("a number", b"123"),
    ("empty object", b"{}"),
]:
    post_and_put(label, body, {422})
post_and_put("empty body", b"", {422})
for cut in range(1, len(VALID), 6):
    case("POST truncated at byte %d" % cut, http("POST", "/notes/", VALID[:cut]), {422})
# The Content-Length promises more than arrives; the client gives up: no answer, or 400.
case("POST body shorter than Content-Length, client closes",
     http("POST", "/notes/", VALID, length=False, headers=[("Content-Length", "500")]), {400},
     shut_write=True, allow_no_answer=True)

# --- depth and size ---------------------------------------------------------------------------
post_and_put("10,000-deep list", b"[" * 10000 + b"]" * 10000, {400})
post_and_put("10,000-deep objects", b'{"a":' * 10000 + b"1" + b"}" * 10000, {400})
post_and_put("10,000-deep title", body_of(b"[" * 10000 + b"]" * 10000), {400})
post_and_put("1 MiB title", body_of(b'"' + b"x" * (1 << 20) + b'"'), {413})
post_and_put("70 KB body (over the worker's 64 KiB)", body_of(b'"' + b"x" * (70 * 1024) + b'"'), {413})
case("POST 70 KB chunked body", http("POST", "/notes/", chunked(body_of(b'"' + b"y" * (70 * 1024) + b'"')),
                                     length=False, headers=[("Transfer-Encoding", "chunked")]), {413})
case("POST 200 KB chunked body", http("POST", "/notes/", chunked(body_of(b'"' + b"z" * (200 * 1024) + b'"')),
                                      length=False, headers=[("Transfer-Encoding", "chunked")]), {413})
case("POST Content-Length 100 MB announced", http("POST", "/notes/", None, headers=[("Content-Length", "100000000")]),
     {413}, allow_no_answer=False)
post_and_put("51-character title", body_of(b'"' + b"t" * 51 + b'"'), {422})
post_and_put("51 emoji title", body_of(b'"' + "\U0001F600".encode() * 51 + b'"'), {422})

# --- UTF-8 ------------------------------------------------------------------------------------
for label, raw in [
    ("invalid byte", b"ab\xffcd"),
    ("overlong slash", b"\xc0\xafabc"),
    ("overlong NUL", b"\xc0\x80abc"),
    ("UTF-8-encoded surrogate", b"\xed\xa0\x80abc"),
    ("beyond U+10FFFF", b"\xf4\x90\x80\x80abc"),
    ("5-byte form", b"\xf8\x88\x80\x80\x80abc"),
    ("truncated sequence", b"abc\xe2\x82"),
    ("lone continuation byte", b"abc\x80"),
]:
    post_and_put("title with " + label, body_of(b'"' + raw + b'"'), {422})
post_and_put("Latin-1 body", body_of('"caf\xe9 title"'.encode("latin-1")), {422})

# --- escapes: lone surrogates, NUL, duplicates ------------------------------------------------
for label, esc in [
    ("high surrogate", b'"abc\\ud800"'),
    ("low surrogate", b'"\\udc00abc"'),
    ("high surrogate then letter", b'"\\ud83d\\u0041bc"'),
    ("reversed pair", b'"\\ude00\\ud83d"'),
    ("NUL escape", b'"ab\\u0000cd"'),
    ("only NUL escapes", b'"\\u0000\\u0000\\u0000"'),
]:
    post_and_put("title with " + label, body_of(esc), {422})
    post_and_put("description with " + label, body_of(description=esc), {422})
post_and_put("NUL in a key", b'{"title\\u0000": "valid title", "description": "valid description"}', {422})
post_and_put("duplicate title, last too short", VALID[:-1] + b', "title": "x"}', {422})
post_and_put("duplicate title, last null", VALID[:-1] + b', "title": null}', {422})
post_and_put("pair list with NUL in a key (fuzz regression)",
             b'[{"title": 0, "ab\\u0000cdefgh": 0}, ["description", "abc"]]', {422})

# --- numbers ----------------------------------------------------------------------------------
post_and_put("5000-digit integer title", body_of(b"1" + b"0" * 5000), {400})
post_and_put("60-digit integer title", body_of(b"9" * 60), {422})
post_and_put("1e999999 title, short description", body_of(b"1e999999", b'"ab"'), {422})
post_and_put("-1e-99999 title, list description", body_of(b"-1e-99999", b"[]"), {422})
post_and_put("huge exponent with huge mantissa", body_of(b"1" * 4000 + b"e" + b"9" * 4000, b"{}"), {422})

# --- content types ----------------------------------------------------------------------------
for ctype in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
              "application/xml", "application/json/evil", "application/jsonx", "json",
              "text/json", "application/ json"]:
    post_and_put("Content-Type " + ctype, VALID, {422}, ctype=ctype)
post_and_put("form body", b"title=valid+title&description=valid+description", {422},
             ctype="application/x-www-form-urlencoded")

# --- paths ------------------------------------------------------------------------------------
case("GET 10 KB path", http("GET", "/" + "a" * 10240), {404})
case("GET 10 KB note id", http("GET", "/notes/" + "7" * 10240 + "/"), {404, 422})
case("DELETE 10 KB path", http("DELETE", "/notes/" + "a" * 10240 + "/"), {422})
case("GET 20 KB path", http("GET", "/" + "a" * 20480), {414})
for method, path, statuses in [
    ("DELETE", "/notes/%2e%2e/%2e%2e/etc/passwd", {400}),
    ("DELETE", "/notes/../../etc/passwd", {400}),
    ("DELETE", "/ping/../notes/", {405}),
    ("DELETE", "/notes/./x/", {422}),
    ("DELETE", "/notes/%2E%2E/", {404}),
    ("DELETE", "/notes/%2F/", {404, 405}),
    ("DELETE", "/notes/1%2F2/", {404}),
    ("DELETE", "/%6Eotes/abc/", {422}),
    ("DELETE", "/notes/%00/", {400}),
    ("DELETE", "/notes/%ff/", {422}),
    ("DELETE", "/notes/%zz/", {400, 422}),
    ("DELETE", "/notes//abc/", {404, 422}),
    ("DELETE", "/notes/1/extra/", {404}),
    ("DELETE", "/notes/1;drop/", {422}),
    ("DELETE", "/notes/1'%20OR%20'1'='1/", {422}),
    ("GET", "/notes/\xff\xfe/".encode("latin-1"), {422}),
]:
    case("%s %s" % (method, path if isinstance(path, str) else path.decode("latin-1")),
         http(method, path), statuses)

# --- ids --------------------------------------------------------------------------------------
for ident, statuses in [
    ("18446744073709551616", {404}), ("9223372036854775808", {404}), ("2147483648", {404}),
    ("9" * 40, {404}), ("-9223372036854775809", {422}), ("0", {422}), ("-1", {422}),
    ("0x10", {422}), ("1e3", {422}), ("1.0", {422}), ("%20-1", {422}), ("+0", {422}),
    ("9" * 5000, {404, 422}),
]:
    case("GET id " + ident[:30], http("GET", "/notes/%s/" % ident), statuses)
    case("PUT valid body to id " + ident[:30], http("PUT", "/notes/%s/" % ident, VALID), statuses)
    case("DELETE id " + ident[:30], http("DELETE", "/notes/%s/" % ident), statuses)

# --- query values -----------------------------------------------------------------------------
for query in ["limit=-1", "limit=abc", "offset=1.5", "limit=", "limit=%FF", "offset=-99999999999999999999",
              "limit=1e3", "limit=0x10", "offset=%00", "limit=1&offset=-1", "limit=" + "9" * 5000]:
    case("GET /notes/?" + query[:40], http("GET", "/notes/?" + query), {422})

# --- methods ----------------------------------------------------------------------------------
case("PATCH the collection", http("PATCH", "/notes/", VALID), {405})
# PATCH on a note applies (issue 12); these must still change nothing:
case("PATCH a note with a stale If-Match", http("PATCH", "/notes/1/", VALID, headers=[("If-Match", '"0"')]), {412})
case("PATCH a note: null title", http("PATCH", "/notes/1/", b'{"title": null}'), {422})
case("DELETE a note with If-Match garbage", http("DELETE", "/notes/1/", headers=[("If-Match", "W/x, \"" * 200)]), {412})
case("PUT with 100 If-Match tags", http("PUT", "/notes/1/", VALID, headers=[("If-Match", ", ".join('"%d"' % i for i in range(100000, 100100)))]), {412})
case("unknown method", http("FROBNICATE", "/notes/1/", VALID), {405})
case("TRACE", http("TRACE", "/notes/"), {405})
case("lower-case method", http("post", "/notes/", VALID), {400})
case("CONNECT", http("CONNECT", "example.com:443"), {400})
case("OPTIONS *", http("OPTIONS", "*"), {400})

# --- headers and framing ----------------------------------------------------------------------
case("1000 headers", http("POST", "/notes/", VALID, headers=[("X-Pad-%d" % i, "p" * 80) for i in range(1000)]),
     {400})
case("one 20 KB header", http("POST", "/notes/", VALID, headers=[("X-Big", "b" * 20480)]), {400})
case("20 KB cookie", http("POST", "/notes/", VALID, headers=[("Cookie", "c=" + "k" * 20480)]), {400})
case("Content-Length and Transfer-Encoding", http("POST", "/notes/", chunked(VALID), length=False,
     headers=[("Content-Length", str(len(VALID))), ("Transfer-Encoding", "chunked")]), {400})
case("Transfer-Encoding then Content-Length", http("POST", "/notes/", chunked(VALID), length=False,
     headers=[("Transfer-Encoding", "chunked"), ("Content-Length", "4")]), {400})
case("two Content-Lengths", http("POST", "/notes/", VALID, headers=[("Content-Length", "3")]), {400})
case("negative Content-Length", http("POST", "/notes/", VALID, length=False, headers=[("Content-Length", "-1")]),
     {400})
case("Content-Length beyond 64 bits", http("POST", "/notes/", VALID, length=False,
     headers=[("Content-Length", "99999999999999999999")]), {400})
case("Content-Length with a sign", http("POST", "/notes/", VALID, length=False,
     headers=[("Content-Length", "+%d" % len(VALID))]), {400})
# nginx's own 501 (a transfer coding it does not know) and 505 (an HTTP version it does not
# speak) are bad input like any other: conf/nginx.conf.in turns them into JSON 400s.
case("unknown Transfer-Encoding", http("POST", "/notes/", VALID, length=False,
     headers=[("Transfer-Encoding", "gzip")]), {400})
case("Transfer-Encoding chunked twice", http("POST", "/notes/", chunked(VALID), length=False,
     headers=[("Transfer-Encoding", "chunked, chunked")]), {400})
case("bad chunk size", http("POST", "/notes/", b"zz\r\n" + VALID + b"\r\n0\r\n\r\n", length=False,
     headers=[("Transfer-Encoding", "chunked")]), {400})
case("chunk size beyond 64 bits", http("POST", "/notes/", b"fffffffffffffffffff\r\n" + VALID, length=False,
     headers=[("Transfer-Encoding", "chunked")]), {400, 413})
case("two Host headers", http("POST", "/notes/", VALID, headers=[("Host", "other")]), {400})
case("HTTP/1.1 without Host", http("POST", "/notes/", VALID, host=None), {400})
case("NUL in a header name", http("POST", "/notes/", VALID, headers=[(b"X-A\x00b", "1")]), {400})
case("space in a header name", http("POST", "/notes/", VALID, headers=[("X A", "1")]), {400})
case("NUL in the request line", http("POST", b"/no\x00tes/", VALID), {400})
case("HTTP/2 preface on HTTP/1", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", {400})
case("HTTP/3.0 request line", http("POST", "/notes/", VALID, proto=b"HTTP/3.0"), {400})
case("garbage request line", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64 + b"\r\n\r\n", {400})


def check_answer(name, ans, statuses, allow_no_answer):
    if ans.status is None:
        return check(allow_no_answer, "%s: an answer (%r)" % (name, ans))
    # Always a 4xx: never 500, 501, 502, 503, 504 or 505.
    ok = check(ans.status in statuses and 400 <= ans.status < 500,
               "%s: status %s (got %r)" % (name, "/".join(map(str, sorted(statuses))), ans))
    ctype = ans.headers.get("content-type", "")
    ok &= check(ctype.startswith("application/json"), "%s: JSON Content-Type (got %r)" % (name, ctype))
    doc = ans.json()
    ok &= check(isinstance(doc, dict) and "detail" in doc, "%s: JSON body with detail (%r)" % (name, ans.body[:120]))
    if ans.status == 422 and isinstance(doc, dict):
        detail = doc.get("detail")
        ok &= check(isinstance(detail, list) and detail and all(
            isinstance(d, dict) and isinstance(d.get("loc"), list) and isinstance(d.get("msg"), str)
            and isinstance(d.get("type"), str) for d in detail), "%s: 422 detail is a list of {loc, msg, type}" % name)
    ok &= check(ans.headers.get("x-content-type-options") == "nosniff", "%s: nosniff" % name)
    ok &= check(ans.headers.get("server", "nginx") == "nginx", "%s: no version in Server" % name)
    return ok


# A few notes to aim updates and deletes at.
for i in range(3):
    a = exchange(http("POST", "/notes/", body_of(b'"kept note %d"' % i, b'"must not change"')))
    check(a.status == 201, "setup: note %d created (%r)" % (i, a))
workers_before = e2e.worker_pids()
check(len(workers_before) >= 1, "workers run (%r)" % workers_before)
nginx_log_at = hostile.log_size("nginx-error.log")
pool_log_at = hostile.log_size("pool.log")
sum_before = hostile.table_sum()
print("# table before: " + sum_before)

started = time.time()
sent = 0
for name, kw, statuses in CASES:
    allow_no_answer = kw.pop("allow_no_answer", False)
    data = kw.pop("data")
    ans = exchange(data, **kw)
    sent += 1
    check_answer(name, ans, statuses, allow_no_answer)
    now = hostile.table_sum()
    if not check(now == sum_before, "%s: notes table unchanged" % name):
        print("#   table now: " + now)
        sum_before = now

print("# %d hostile requests in %.1f s" % (sent, time.time() - started))
workers_after = e2e.worker_pids()
check(workers_after == workers_before, "no worker died or was replaced (%r -> %r)" % (workers_before, workers_after))
alerts = hostile.nginx_alerts(hostile.log_since("nginx-error.log", nginx_log_at))
check(not alerts, "no [alert]/[crit]/[emerg] in nginx's error log (%r)" % alerts[:3])
pool_log = hostile.log_since("pool.log", pool_log_at)
check("signal" not in pool_log and "died" not in pool_log and "exit" not in pool_log,
      "the pool log is silent (%r)" % pool_log[-300:])


def uid_of(pid):
    """The process's uid, or None when it has exited meanwhile (a Postgres backend, say)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            return [int(line.split()[1]) for line in f if line.startswith("Uid:")][0]
    except FileNotFoundError:
        return None


def children(pid):
    out = []
    for task in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/children" % (pid, task)) as f:
                out += [int(x) for x in f.read().split()]
        except FileNotFoundError:
            pass
    return out


# Nothing that handles a request or the data runs as root (when the stack is started as root).
run = os.path.join(os.environ["STACK_DIR"], "run")
with open(os.path.join(run, "nginx.pid")) as f:
    nginx_workers = children(int(f.read().split()[0]))
pg_pid_file = os.path.join(os.environ["STACK_DIR"], "pg", "data", "postmaster.pid")
postgres = []
if os.path.exists(pg_pid_file):
    with open(pg_pid_file) as f:
        master = int(f.readline())
    postgres = [master] + children(master)
for what, pids in (("FastCGI workers", e2e.worker_pids()), ("nginx workers", nginx_workers),
                   ("Postgres processes", postgres)):
    uids = sorted({uid_of(p) for p in pids} - {None})
    check(pids == [] and what == "Postgres processes" or (pids and 0 not in uids),
          "%s do not run as root (uids %r)" % (what, uids))

a = exchange(http("POST", "/notes/", body_of(b'"after the storm"', b'"still works"')))
check(a.status == 201, "a normal create still works afterwards (%r)" % a)
with open(os.environ.get("HOSTILE_FIGURES", os.devnull), "a") as f:
    f.write("hostile requests: %d\n" % sent)
e2e.finish()
