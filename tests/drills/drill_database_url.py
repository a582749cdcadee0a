#!/usr/bin/env python3
# tests/drills/drill_database_url.py: the user's DATABASE_URL is respected, and a database the
# worker cannot serve correctly is refused.
#
# The stack's pool is started afresh twice with another DATABASE_URL, then with its own again:
#   a. the workers' own URL with options of the user's: `-c search_path=elsewhere,public`, where
#      schema elsewhere holds its own notes table. Held when the workers read and write that
#      table through nginx (the user's options are merged with ours, not dropped) and ours
#      still apply beside theirs (the sessions are named notes-worker);
#   b. a LATIN1 database (varchar(50) would count bytes there): every database route answers a
#      JSON 503, /ping 200, and the worker log names the problem ('database "notes_latin1" has
#      encoding LATIN1; notes-worker needs a UTF8 database');
#   c. back on the stack's own URL: every note acknowledged with 201 before and during the
#      drill is in its table, as acknowledged.
# Bounded: about 20 s plus the stack's start.
import os
import sys
import urllib.parse

os.environ.update(WORKERS="2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import drill  # noqa: E402
from drill import check, e2e, hostile  # noqa: E402

e2e.need_stack()
drill.need_embedded_pg()
APP_URL = os.environ["APP_DATABASE_URL"]  # the workers' own least-privilege role
APP_ROLE = urllib.parse.urlsplit(APP_URL).username
WORKERS = len(e2e.worker_pids())


def with_query(url, **params):
    u = urllib.parse.urlsplit(url)
    query = urllib.parse.urlencode(urllib.parse.parse_qsl(u.query) + list(params.items()), quote_via=urllib.parse.quote)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, u.path, query, u.fragment))


def table(schema):
    rows = hostile.psql("SELECT id || chr(31) || title FROM %s.notes" % schema)
    return {(int(i), t) for i, _, t in (line.partition("\x1f") for line in rows.splitlines())}


def post(title, what):
    a = e2e.request("POST", "/notes/", {"title": title, "description": what})
    check(a.status == 201 and a.json.get("title") == title, "%s: a note is acknowledged (%r)" % (what, a))
    return (a.json["id"], title) if a.status == 201 else None


acked_public = [post("kept %d" % i, "before the drill") for i in range(3)]

# a. The user's own options.
hostile.psql("DROP SCHEMA IF EXISTS elsewhere CASCADE")
hostile.psql("CREATE SCHEMA elsewhere; CREATE TABLE elsewhere.notes (LIKE public.notes INCLUDING ALL); "
             "CREATE TABLE elsewhere.schema_migrations AS SELECT * FROM public.schema_migrations; "
             "INSERT INTO elsewhere.notes (id, title, description) VALUES (7, 'elsewhere', 'x'); "
             "GRANT USAGE ON SCHEMA elsewhere TO %s; "
             "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA elsewhere TO %s" % (APP_ROLE, APP_ROLE))
theirs = with_query(APP_URL, options="-c search_path=elsewhere,public")
drill.restart_pool(env={"DATABASE_URL": theirs})
got = e2e.request("GET", "/notes/7/")
check(got.status == 200 and got.json.get("title") == "elsewhere", "the workers read schema elsewhere (%r)" % got)
listed = e2e.request("GET", "/notes/")
check(listed.status == 200 and [n["title"] for n in listed.json or []] == ["elsewhere"],
      "the list is elsewhere's, not public's (%r)" % listed)
acked_elsewhere = [post("written elsewhere %d" % i, "with the user's search_path") for i in range(3)]
check(all(a in table("elsewhere") for a in acked_elsewhere), "the writes went to elsewhere.notes")
check(not any(a[1].startswith("written elsewhere") for a in table("public")), "and not to public.notes")
sessions = hostile.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'notes-worker' "
                        "AND usename = '%s'" % APP_ROLE)
check(int(sessions) == WORKERS, "our application_name still applies beside their options (%s sessions)" % sessions)

# b. A LATIN1 database is refused, with a log line that names the problem.
hostile.psql("DROP DATABASE IF EXISTS notes_latin1")
hostile.psql("CREATE DATABASE notes_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
log_offset = hostile.log_size("worker.log")
# The stack's pg_hba.conf lets the workers' role reach its own database only: one line more
# for this one (the stack's own throwaway cluster), taken out again at the end.
hba_path = os.path.join(os.environ["STACK_DIR"], "pg", "data", "pg_hba.conf")
with open(hba_path) as f:
    hba = f.read()
with open(hba_path, "w") as f:
    f.write("local notes_latin1 %s peer map=stack\n%s" % (APP_ROLE, hba))
hostile.psql("SELECT pg_reload_conf()")
u = urllib.parse.urlsplit(APP_URL)
latin1 = urllib.parse.urlunsplit((u.scheme, u.netloc, "/notes_latin1", u.query, u.fragment))
drill.restart_pool(env={"DATABASE_URL": latin1})
ping = e2e.request("GET", "/ping")
check(ping.status == 200, "GET /ping answers on a LATIN1 database (%r)" % ping)
for method, path, body in [("GET", "/notes/1/", None), ("GET", "/notes/", None),
                           ("POST", "/notes/", {"title": "é" * 50, "description": "not stored"})]:
    e2e.check_json_answer(e2e.request(method, path, body), 503, "%s %s on a LATIN1 database" % (method, path))
log = hostile.log_since("worker.log", log_offset)
check('database \\"notes_latin1\\" has encoding LATIN1; notes-worker needs a UTF8 database' in log,
      "the worker log names the encoding (%r)" % [line for line in log.splitlines() if "answered" not in line][-5:])

with open(hba_path, "w") as f:
    f.write(hba)
hostile.psql("SELECT pg_reload_conf()")

# c. Back on the stack's own database: nothing acknowledged was lost.
drill.restart_pool(env={"DATABASE_URL": APP_URL})
got = e2e.request("GET", "/notes/%d/" % acked_public[0][0])
check(got.status == 200 and got.json.get("title") == acked_public[0][1], "the stack's own notes again (%r)" % got)
missing = [a for a in acked_public if a not in table("public")] + [a for a in acked_elsewhere if a not in table("elsewhere")]
check(not missing, "every acknowledged note is in its table (missing: %r)" % missing)
hostile.psql("DROP SCHEMA elsewhere CASCADE")
hostile.psql("DROP DATABASE notes_latin1")
drill.record_figure("drill database_url: the user's search_path kept (3 writes in elsewhere.notes, %d sessions named "
                    "notes-worker); a LATIN1 database refused (503, /ping 200, logged); %d acknowledged notes kept"
                    % (WORKERS, len(acked_public) + len(acked_elsewhere)))
e2e.finish()
