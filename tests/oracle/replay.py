#!/usr/bin/env python3
"""Replay the behavioural oracle corpus (cases.json) against a running service.

    python3 tests/oracle/replay.py --url http://127.0.0.1:8080 --dsn "$DATABASE_URL" [--cases FILE]
        [--strict] [--reference] [--skip-tag TAG ...] [--quiet]

It empties the notes table first (psql "$DSN" -c 'TRUNCATE notes RESTART IDENTITY'), then sends
every case in order on a fresh connection (ids depend on earlier cases; sync points in the corpus
set the id sequence with setval so that one create going wrong shifts ids only within its group)
and compares:

  default (our service):
    - status code and response JSON (lists of notes from GET /notes/ compared as sets: the
      reference lists in heap order, which is unspecified);
    - the exact body bytes wherever the reference's are deterministic: every JSON answer but a
      list of more than one note (FastAPI writes compact JSON, json.dumps with
      ensure_ascii=False and separators (",", ":"), and so must we);
    - a JSON Content-Type (application/json) whenever the reference answered JSON;
    - an Allow header is present on every 405;
    - redirect cases: the reference answered 307 and the answer at the redirected location is
      recorded; our service must give that answer directly;
    - reference_500 cases and other deliberate differences ("ours" in the case): a 4xx JSON
      object with a "detail" member, and the declared status / JSON where the case gives one;
      a declared success (HEAD, OPTIONS: methods the reference does not route) is checked for
      its status, the declared Allow, and no body where HEAD or 204 has none.
  --strict: additionally the exact response bytes, the exact Allow value and exact list order.
  --reference: check the corpus against the reference app itself: expects its own answers,
    including the 307 (and Location) before following it, and the 500s (implies --strict).
  --skip-tag TAG: cases with that tag are still sent (later cases depend on them) but not judged.

Prints a diff for every failing case and ends with the line "N passed, M failed"; exits 1 when
anything failed, 2 on a usage or setup error. Python 3 stdlib only.
"""
import argparse
import base64
import difflib
import http.client
import json
import os
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from capture import send  # noqa: E402  (one HTTP client for recording and replaying)


def body_bytes(case):
    if "body_base64" in case:
        return base64.b64decode(case["body_base64"])
    if case.get("body") is None:
        return None
    return case["body"].encode("utf-8")


def expected_bytes(exp):
    if "body_raw_base64" in exp:
        return base64.b64decode(exp["body_raw_base64"])
    return (exp.get("body_raw") or "").encode("utf-8")


def media_type(ctype):
    return (ctype or "").split(";")[0].strip().lower()


def pretty(v):
    return json.dumps(v, indent=1, ensure_ascii=True, sort_keys=False)


def diff_text(want, got, wname="expected", gname="got"):
    return "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True), wname, gname, n=2))


def note_key(n):
    return (n.get("id") if isinstance(n, dict) else None, json.dumps(n, sort_keys=True))


class Result:
    def __init__(self, status, hdrs, data):
        self.status, self.hdrs, self.data = status, hdrs, data
        self.json = None
        self.json_error = None
        if data:
            try:
                self.json = json.loads(data.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                self.json_error = str(e)

    def describe(self):
        text = self.data.decode("utf-8", "backslashreplace")
        if len(text) > 600:
            text = text[:600] + "...(%d bytes)" % len(self.data)
        return "%d, Content-Type %r, Allow %r, body %s" % (
            self.status, self.hdrs.get("content-type"), self.hdrs.get("allow"), text)


def check_answer(case, exp, res, strict):
    """Compare one answer with the reference's recorded answer; return a list of problems."""
    problems = []
    if res.status != exp["status"]:
        problems.append("status: expected %d, got %d" % (exp["status"], res.status))
    method = case["method"]
    if exp.get("json") is not None and method != "HEAD":
        if media_type(res.hdrs.get("content-type")) != "application/json":
            problems.append("Content-Type: expected application/json, got %r" % res.hdrs.get("content-type"))
        if res.json_error is not None:
            problems.append("body is not JSON (%s): %r" % (res.json_error, res.data[:300]))
        else:
            want, got = exp["json"], res.json
            if case.get("unordered_list") and not strict and isinstance(want, list) and isinstance(got, list):
                want = sorted(want, key=note_key)
                got = sorted(got, key=note_key)
            if want != got:
                problems.append("JSON differs:\n" + diff_text(pretty(want), pretty(got)))
            elif json.dumps(want) != json.dumps(got):
                # equal as Python values but member order differs (dicts compare unordered)
                problems.append("JSON member order differs:\n" + diff_text(pretty(want), pretty(got)))
    if (not strict and method != "HEAD" and exp.get("json") is not None and deterministic_bytes(case, exp)
            and res.data != expected_bytes(exp)):
        problems.append("body bytes differ:\n" +
                        diff_text(expected_bytes(exp).decode("utf-8", "backslashreplace") + "\n",
                                  res.data.decode("utf-8", "backslashreplace") + "\n"))
    if exp["status"] == 405 and "allow" not in res.hdrs:
        problems.append("405 without an Allow header (reference: Allow: %s)" % exp.get("allow"))
    if strict:
        if "allow" in exp and res.hdrs.get("allow") != exp["allow"]:
            problems.append("Allow: expected %r, got %r" % (exp["allow"], res.hdrs.get("allow")))
        if res.hdrs.get("content-type") != exp.get("content_type"):
            problems.append("Content-Type: expected %r, got %r" % (exp.get("content_type"), res.hdrs.get("content-type")))
        want_b = expected_bytes(exp)
        if method != "HEAD" and res.data != want_b:
            problems.append("body bytes differ:\n" + diff_text(want_b.decode("utf-8", "backslashreplace") + "\n",
                                                             res.data.decode("utf-8", "backslashreplace") + "\n"))
    return problems


def deterministic_bytes(case, exp):
    """Whether the reference's body bytes do not depend on chance: all but a list of several
    notes in heap order."""
    return not (case.get("unordered_list") and isinstance(exp.get("json"), list) and len(exp["json"]) > 1)


def check_ours(case, res):
    """A deliberate difference: a clear 4xx JSON answer, and the declared status/JSON if any."""
    ours = case["ours"]
    problems = []
    if "status" in ours:
        if res.status != ours["status"]:
            problems.append("status: expected %d (deliberately unlike the reference's %d), got %d"
                            % (ours["status"], case["expected"]["status"], res.status))
    elif not 400 <= res.status < 500:
        problems.append("status: expected a 4xx (the reference answers %d), got %d" % (case["expected"]["status"], res.status))
    if "allow" in ours and res.hdrs.get("allow") != ours["allow"]:
        problems.append("Allow: expected %r, got %r" % (ours["allow"], res.hdrs.get("allow")))
    if ours.get("status", 400) < 400:
        if (case["method"] == "HEAD" or ours["status"] == 204) and res.data:
            problems.append("expected no body, got %r" % res.data[:300])
        return problems
    if media_type(res.hdrs.get("content-type")) != "application/json":
        problems.append("Content-Type: expected application/json, got %r" % res.hdrs.get("content-type"))
    if res.json_error is not None or not isinstance(res.json, dict) or "detail" not in res.json:
        problems.append("expected a JSON object with a \"detail\" member, got %r" % res.data[:300])
    elif "json" in ours and res.json != ours["json"]:
        problems.append("JSON differs:\n" + diff_text(pretty(ours["json"]), pretty(res.json)))
    return problems


def run_case(base, case, mode_reference, strict):
    body = body_bytes(case)
    chunked = case.get("chunked", False)
    res = Result(*send(base, case["method"], case["path"], case["headers"], body, chunked))
    problems = []
    if mode_reference:
        if "redirect" in case:
            red = case["redirect"]
            loc = urllib.parse.urlsplit(res.hdrs.get("location", ""))
            locpath = loc.path + ("?" + loc.query if loc.query else "")
            if res.status != red["status"] or locpath != red["location"]:
                problems.append("redirect: expected %d to %s, got %s" % (red["status"], red["location"], res.describe()))
                return problems, res
            res = Result(*send(base, case["method"], red["location"], case["headers"], body, chunked))
        problems += check_answer(case, case["expected"], res, strict=True)
    elif "ours" in case:
        problems += check_ours(case, res)
    else:
        problems += check_answer(case, case["expected"], res, strict)
    return problems, res


def truncate(dsn):
    subprocess.run(["psql", dsn, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", "TRUNCATE notes RESTART IDENTITY"],
                   check=True)


def set_next_id(dsn, next_id):
    subprocess.run(["psql", dsn, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-o", "/dev/null", "-c",
                    "SELECT setval(pg_get_serial_sequence('notes', 'id'), %d, false)" % next_id], check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True, help="base URL of the service under test")
    ap.add_argument("--dsn", required=True, help="libpq DSN of the service's database (TRUNCATE via psql)")
    ap.add_argument("--cases", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.json"))
    ap.add_argument("--reference", action="store_true", help="expect the reference app's own answers (307s, 500s)")
    ap.add_argument("--strict", action="store_true", help="also compare exact bytes, Allow values and list order")
    ap.add_argument("--skip-tag", action="append", default=[], help="send but do not judge cases with this tag")
    ap.add_argument("--quiet", action="store_true", help="print only failures and the summary")
    args = ap.parse_args()

    try:
        with open(args.cases, encoding="utf-8") as f:
            corpus = json.load(f)
        truncate(args.dsn)
    except (OSError, ValueError, subprocess.CalledProcessError) as e:
        print("replay: setup failed: %s" % e, file=sys.stderr)
        return 2

    base = args.url.rstrip("/")
    passed = failed = skipped = 0
    for i, case in enumerate(corpus["cases"], 1):
        if "sync_next_id" in case:
            try:
                set_next_id(args.dsn, case["sync_next_id"])
            except subprocess.CalledProcessError as e:
                print("replay: sync point failed: %s" % e, file=sys.stderr)
                return 2
            continue
        label = "#%d %s (%s %s)" % (i, case["name"], case["method"],
                                    case["path"] if len(case["path"]) < 80 else case["path"][:77] + "...")
        try:
            problems, res = run_case(base, case, args.reference, args.strict)
        except (OSError, http.client.HTTPException) as e:
            problems, res = ["request failed: %r" % e], None
        if set(case.get("tags", [])) & set(args.skip_tag):
            skipped += 1
            if not args.quiet:
                print("SKIP %s" % label)
            continue
        if problems:
            failed += 1
            print("FAIL %s" % label)
            if case["headers"]:
                print("  request headers: %s" % case["headers"])
            if case.get("body") is not None or "body_base64" in case:
                shown = case.get("body") if case.get("body") is not None else "base64:" + case["body_base64"]
                print("  request body: %r" % (shown if len(shown) < 300 else shown[:300] + "..."))
            for p in problems:
                print("  " + p.replace("\n", "\n    "))
            if res is not None:
                print("  got: " + res.describe())
        else:
            passed += 1
            if not args.quiet:
                print("ok   %s" % label)
    if skipped:
        print("%d skipped (sent, not judged: tags %s)" % (skipped, ", ".join(args.skip_tag)))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
