#!/usr/bin/env python3
# tests/e2e/test_rate_limit.py: the optional per-client rate limit (RATE_LIMIT=N in scripts/stack).
# With RATE_LIMIT=5 (bursts of 10), a quick volley of 40 requests from one client gets some 429s,
# answered as JSON like every other error, and nothing that was let through fails; once the
# client slows down it is served again.
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if not os.environ.get("BASE_URL"):
    os.environ["RATE_LIMIT"] = "5"
import e2e  # noqa: E402

e2e.need_stack()

conn = e2e.connect()
statuses = []
limited = None
for _ in range(40):
    ans = e2e.request("GET", "/ping", conn=conn)
    statuses.append(ans.status)
    if ans.status == 429 and limited is None:
        limited = ans
print("# statuses: %r" % statuses)
e2e.check(statuses.count(429) > 0, "a volley beyond the limit gets 429s (%d of 40)" % statuses.count(429))
e2e.check(statuses.count(200) >= 10, "the burst allowance is served (%d of 40)" % statuses.count(200))
e2e.check(set(statuses) <= {200, 429}, "nothing else than 200 or 429 (%r)" % sorted(set(statuses)))
if limited is not None:
    e2e.check_json_answer(limited, 429, "the 429")
    e2e.check(limited.json == {"detail": "Too Many Requests"}, "429 body (got %r)" % limited.json)
time.sleep(1.5)
e2e.check(e2e.request("GET", "/ping").status == 200, "served again after slowing down")
e2e.finish()
