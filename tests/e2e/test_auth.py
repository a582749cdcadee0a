#!/usr/bin/env python3
# tests/e2e/test_auth.py: NOTES_AUTH=on through nginx, workers and Postgres (issue 10).
# Two users register and log in (OAuth2 password grant, a form), each creates notes and sees only
# their own; another user's note answers 404 to read, update and delete and stays unchanged;
# requests without a valid token (missing, malformed, tampered, revoked by /logout, expired after
# NOTES_TOKEN_TTL) answer 401 with WWW-Authenticate: Bearer and change nothing; a taken username
# answers 409; a flood of logins from one address gets 429 JSON while another address is served.
# Then a dump of the database holds no password and no token in clear, nor do the logs; the
# background job removes the expired and revoked tokens.
import json
import os
import socket
import subprocess
import sys
import time
import hashlib
import http.client
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
TTL = 12
if not os.environ.get("BASE_URL"):
    os.environ["NOTES_AUTH"] = "on"
    os.environ["NOTES_TOKEN_TTL"] = str(TTL)
    os.environ["TOKEN_CLEANUP_INTERVAL"] = "1"
import e2e  # noqa: E402

e2e.need_stack()
check = e2e.check

PASSWORDS = {"alice": "alice-in-wonderland-42", "bob": "bob-the-builder-77"}
issued = []  # every token the service gave out


class SourceConnection(http.client.HTTPConnection):
    """An HTTP connection from a given local address (127.0.0.x: another client to nginx)."""

    def __init__(self, source, **kw):
        host, port = e2e.base()
        super().__init__(host, port, source_address=(source, 0), **kw)


def call(method, path, body=None, token=None, form=None, headers=None, source=None):
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = "Bearer " + token
    if form is not None:
        body = urllib.parse.urlencode(form)
        h["Content-Type"] = "application/x-www-form-urlencoded"
    conn = SourceConnection(source, timeout=10) if source else None
    ans = e2e.request(method, path, body, conn=conn, headers=h)
    if conn:
        conn.close()
    return ans


def pace():
    # The flow stays under /token and /users/'s per-address limit (2/s, bursts of 10).
    time.sleep(0.3)


def login(name, password=None):
    pace()
    a = call("POST", "/token", form={"username": name, "password": password or PASSWORDS[name]})
    check(a.status == 200 and a.json and a.json.get("token_type") == "bearer",
          "%s logs in (%r)" % (name, a))
    token = a.json["access_token"] if a.json else ""
    issued.append(token)
    return token, a


def notes_table():
    return e2e_psql("SELECT id, title, description, coalesce(owner, 0) FROM notes ORDER BY id")


def e2e_psql(sql):
    p = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", os.environ["DATABASE_URL"],
                        "-c", sql], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.stdout


def is_401(a, what):
    ok = e2e.check_json_answer(a, 401, what)
    ok &= check(a.headers.get("WWW-Authenticate") == "Bearer", "%s: WWW-Authenticate: Bearer (got %r)"
                % (what, a.headers.get("WWW-Authenticate")))
    return ok


# --- open routes stay open; notes need a token ----------------------------------------------
check(call("GET", "/ping").json == {"ping": "pong!"}, "/ping answers without a token")
check(call("GET", "/openapi.json").status == 200, "/openapi.json answers without a token")
a = call("GET", "/notes/")
is_401(a, "GET /notes/ without a token")
check(a.json == {"detail": "Not authenticated"}, "the 401 says Not authenticated (%r)" % a.json)

# --- accounts --------------------------------------------------------------------------------
for name in ("alice", "bob"):
    pace()
    a = call("POST", "/users/", {"username": name, "password": PASSWORDS[name]})
    e2e.check_json_answer(a, 201, "register %s" % name)
    check(a.json is not None and set(a.json) == {"id", "username"} and a.json["username"] == name,
          "register %s answers id and username only (%r)" % (name, a.json))
pace()
a = call("POST", "/users/", {"username": "alice", "password": "another-password"})
e2e.check_json_answer(a, 409, "a taken username")
check(a.json == {"detail": "Username already registered"}, "409 body (%r)" % a.json)
pace()
a = call("POST", "/users/", {"username": "al", "password": "short"})
e2e.check_json_answer(a, 422, "username and password too short")
check(a.json and [e["loc"] for e in a.json["detail"]] == [["body", "username"], ["body", "password"]],
      "the 422 names both fields (%r)" % a.json)

alice, ans = login("alice")
check(ans.json.get("expires_in") == TTL, "expires_in is NOTES_TOKEN_TTL (%r)" % ans.json)
check(len(alice) == 43, "a token of 43 characters (256 bits)")
bob, _ = login("bob")
pace()
a = call("POST", "/token", form={"username": "alice", "password": "not-her-password"})
is_401(a, "a wrong password")
check(a.json == {"detail": "Incorrect username or password"}, "wrong password body (%r)" % a.json)
pace()
a = call("POST", "/token", form={"username": "nobody-here", "password": "whatever-it-is"})
is_401(a, "an unknown username")
a = call("GET", "/users/me", token=alice)
check(a.status == 200 and a.json and a.json.get("username") == "alice", "GET /users/me is alice (%r)" % a)

# --- owned notes -----------------------------------------------------------------------------
mine = {}
for who, token in (("alice", alice), ("bob", bob)):
    mine[who] = []
    for i in range(2):
        a = call("POST", "/notes/", {"title": "%s note %d" % (who, i), "description": "belongs to " + who},
                 token=token)
        e2e.check_json_answer(a, 201, "%s creates a note" % who)
        mine[who].append(a.json["id"])
for who, token in (("alice", alice), ("bob", bob)):
    a = call("GET", "/notes/", token=token)
    ids = [n["id"] for n in a.json] if a.status == 200 else None
    check(ids == mine[who], "%s lists exactly their notes (%r)" % (who, ids))
    a = call("GET", "/notes/?limit=1&offset=1", token=token)
    check(a.status == 200 and [n["id"] for n in a.json] == mine[who][1:], "%s pages their notes (%r)" % (who, a))

before = notes_table()
victim = mine["alice"][0]
for method, body in (("GET", None), ("PUT", {"title": "stolen", "description": "by bob"}), ("DELETE", None)):
    a = call(method, "/notes/%d/" % victim, body, token=bob)
    e2e.check_json_answer(a, 404, "bob %s alice's note" % method)
    check(a.json == {"detail": "Note not found"}, "bob %s alice's note: 404 as a missing note (%r)"
          % (method, a.json))
    a = call(method, "/notes/999999/", body, token=bob)
    check(a.status == 404 and a.json == {"detail": "Note not found"}, "bob %s a missing note: the same 404" % method)
check(notes_table() == before, "bob's attempts changed nothing")
a = call("PUT", "/notes/%d/" % victim, {"title": "changed", "description": "by alice"}, token=alice)
check(a.status == 200 and a.json["title"] == "changed", "alice updates her note (%r)" % a)
a = call("DELETE", "/notes/%d/" % mine["alice"][1], token=alice)
check(a.status == 200, "alice deletes her note (%r)" % a)

# --- tokens that are not valid ---------------------------------------------------------------
before = notes_table()
body = {"title": "must not", "description": "be stored"}
tampered = alice[:-2] + ("A" if alice[-2] != "A" else "B") + alice[-1]
bad = [("missing", None, None), ("another scheme", None, {"Authorization": "Basic YWxpY2U6eA=="}),
       ("malformed", "abc", None), ("tampered", tampered, None), ("empty bearer", None, {"Authorization": "Bearer "})]
for what, token, headers in bad:
    for method, path, b in (("GET", "/notes/", None), ("POST", "/notes/", body),
                            ("GET", "/notes/%d/" % victim, None),
                            ("PUT", "/notes/%d/" % victim, body), ("DELETE", "/notes/%d/" % victim, None),
                            ("POST", "/notes/", {"title": "x"})):
        is_401(call(method, path, b, token=token, headers=headers), "%s token: %s %s" % (what, method, path))
check(notes_table() == before, "requests without a valid token changed nothing")

# logout revokes at once; another session of the same user goes on.
alice2, _ = login("alice")
a = call("POST", "/logout", token=alice)
check(a.status == 204 and a.raw == b"", "POST /logout answers 204 without a body (%r)" % a)
is_401(call("GET", "/notes/", token=alice), "the logged-out token")
is_401(call("POST", "/logout", token=alice), "logging out twice")
check(call("GET", "/notes/", token=alice2).status == 200, "alice's other token still works")

# --- expiry ----------------------------------------------------------------------------------
expiring, _ = login("bob")
issued_at = time.time()
check(call("GET", "/notes/", token=expiring).status == 200, "a fresh token works")

# --- rate limit: a flood from one address, another address still served --------------------
statuses = []
for _ in range(40):
    statuses.append(call("POST", "/token", form={"username": "alice", "password": "guess"},
                         source="127.0.0.2"))
codes = [s.status for s in statuses]
print("# flood statuses: %r" % codes)
check(codes.count(429) > 0, "a login flood from one address gets 429s (%d of 40)" % codes.count(429))
check(set(codes) <= {401, 429}, "the flood gets nothing but 401 and 429 (%r)" % sorted(set(codes)))
limited = [s for s in statuses if s.status == 429]
if limited:
    e2e.check_json_answer(limited[0], 429, "the 429")
    check(limited[0].json == {"detail": "Too Many Requests"}, "429 body (%r)" % limited[0].json)
if os.environ.get("NOTES_CLIENTS_SHARE_ADDRESS"):
    # tests/compose: Docker's userland proxy (an engine without iptables) hands nginx every
    # client from one address, so no other address can be shown to be served meanwhile.
    print("# NOT CHECKED: another address during the flood (every client reaches nginx from one address)")
    time.sleep(6)  # the flood's address may log in again (2 requests/s, bursts of 10)
else:
    pace()
    a = call("POST", "/token", form={"username": "bob", "password": PASSWORDS["bob"]})
    check(a.status == 200, "another address logs in during the flood (%r)" % a)
    fresh = a.json["access_token"] if a.json else ""
    issued.append(fresh)
    check(call("GET", "/users/me", token=fresh).status == 200, "/users/me answers during the flood")

wait = issued_at + TTL + 1.5 - time.time()
if wait > 0:
    time.sleep(wait)
is_401(call("GET", "/notes/", token=expiring), "a token past NOTES_TOKEN_TTL")
final, _ = login("alice")  # valid for the checks below

# --- nothing secret at rest or in the logs ---------------------------------------------------
dump = subprocess.run(["pg_dump", "-d", os.environ["DATABASE_URL"]], stdout=subprocess.PIPE,
                      stderr=subprocess.PIPE).stdout.decode("utf-8", "replace")
check("alice" in dump and "$argon2id$" in dump, "the dump holds the accounts, with argon2id hashes")
for name, pw in PASSWORDS.items():
    check(pw not in dump, "the dump does not hold %s's password" % name)
leaked = [t for t in issued if t and t in dump]
check(leaked == [], "the dump holds none of the %d tokens in clear (%d found)" % (len(issued), len(leaked)))
stored = e2e_psql("SELECT encode(hash, 'hex') FROM tokens").split()
check(hashlib.sha256(final.encode()).hexdigest() in stored, "tokens are stored as their SHA-256")
logs = ""
for f in os.listdir(os.path.join(os.environ["STACK_DIR"], "log")):
    with open(os.path.join(os.environ["STACK_DIR"], "log", f), "rb") as fh:
        logs += fh.read().decode("utf-8", "replace")
check(not any(t and t in logs for t in issued) and not any(pw in logs for pw in PASSWORDS.values()),
      "no token and no password in the stack's logs")

# --- the background job removes expired and revoked tokens -----------------------------------
gone = lambda: e2e_psql("SELECT count(*) FROM tokens WHERE expires_at <= now() OR revoked_at IS NOT NULL").strip() == "0"
check(e2e.wait_until(gone, 15), "expired and revoked tokens are removed in the background")
check(e2e_psql("SELECT count(*) FROM tokens").strip() != "0", "valid tokens are kept")
check(call("GET", "/notes/", token=final).status == 200, "a valid token still works after the cleanup")
e2e.finish()
