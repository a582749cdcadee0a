#!/usr/bin/env python3
# tests/drills/drill_two_editors.py: two editors change one note at the same time (issue 12).
#
# Each round both editors read the note (the same ETag), wait for each other, and write it back
# at the same moment with If-Match and a counter in the title one higher than what they read.
# Held when, every round, exactly one write answers 200 and the other 412 (the check and the
# write are one statement: no race between them), the 412 changed nothing, and at the end the
# counter equals the number of writes that won: no update was lost. Then the same race without
# If-Match, as a control: there both writes answer 200 and one of them is lost every round,
# which is what the drill would see if If-Match were ignored.
# Bounded: 60 rounds of two requests each, a few seconds.
import http.client
import json
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import drill  # noqa: E402
from drill import check, e2e  # noqa: E402

e2e.need_stack()
ROUNDS = 60


def call(method, path, body=None, headers=None):
    c = e2e.connect(timeout=10)
    h = dict(headers or {})
    if body is not None:
        h["Content-Type"] = "application/json"
        body = json.dumps(body)
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, r.getheader("ETag"), json.loads(data) if data else None


def counter(note):
    return int(note["title"].split("=")[1])


status, etag, note = call("POST", "/notes/", {"title": "n=0", "description": "edited by two"})
check(status == 201, "the note is created (%d)" % status)
path = "/notes/%d/" % note["id"]


def race(use_if_match):
    """One round: both read, then both write at once. Returns the two statuses."""
    barrier = threading.Barrier(2)
    results = [None, None]

    def editor(i):
        _, tag, seen = call("GET", path)
        barrier.wait()
        headers = {"If-Match": tag} if use_if_match else {}
        st, _, _ = call("PUT", path, {"title": "n=%d" % (counter(seen) + 1), "description": "editor %d" % i},
                        headers)
        results[i] = st

    threads = [threading.Thread(target=editor, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


won = one_winner = 0
for r in range(ROUNDS):
    statuses = sorted(race(True))
    if statuses == [200, 412]:
        one_winner += 1
    won += statuses.count(200)
    if statuses not in ([200, 412], [200, 200]):
        check(False, "round %d: statuses %r" % (r, statuses))
_, _, final = call("GET", path)
# Both reads of a round can come after the other editor's write only if one editor runs ahead
# of the barrier's release; then both see the new ETag and the round has two winners in turn.
check(one_winner >= ROUNDS * 0.9, "with If-Match, exactly one editor wins in %d of %d rounds" % (one_winner, ROUNDS))
check(counter(final) == won, "with If-Match no update is lost: the counter is %d after %d winning writes"
      % (counter(final), won))

lost_before = counter(final)
won = 0
for r in range(ROUNDS):
    won += race(False).count(200)
_, _, final = call("GET", path)
lost = won - (counter(final) - lost_before)
print("     control without If-Match: %d writes answered 200, the counter rose by %d: %d updates lost"
      % (won, counter(final) - lost_before, lost))
check(lost > 0, "the control race loses updates without If-Match (%d lost): the drill can fail" % lost)
e2e.finish()
