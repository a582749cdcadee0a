#!/usr/bin/env python3
# tests/drills/drill_crash_loop.py: workers that crash over and over must not shrink the pool.
#
# multiwatch stops restarting a child that dies more than -r times (default 3) within -t ms
# (default 10 s), and exits once every child is given up: a crash loop would silently shrink
# the pool, down to nothing (nginx then answers 502 for good). The drill crashes workers with
# SIGKILL as fast as they are replaced:
#   1. one slot, 8 times in a row: afterwards the pool must be back at its size within 15 s;
#   2. every slot, 8 times in a row: the same, and the API must answer again.
# Held when the pool recovers its size (whatever does it: multiwatch settings or a supervisor),
# the event is in the pool's log, and requests succeed afterwards.
# Bounded: about 40 s at worst plus the stack's start.
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import drill  # noqa: E402
from drill import check, e2e, hostile  # noqa: E402

e2e.need_stack()
WORKERS = int(os.environ.get("WORKERS", "2"))
KILLS = 8


def safe_worker_pids():
    try:
        return e2e.worker_pids()
    except OSError:  # the pool itself is gone
        return []


def crash_slot_repeatedly(victim):
    """Kills victim, then each replacement that appears, KILLS times; returns the kills done."""
    done = 0
    seen = set(safe_worker_pids())  # a killed pid stays listed until multiwatch reaps it
    while done < KILLS:
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass
        done += 1
        # The replacement: a pid never seen before.
        if not e2e.wait_until(lambda: set(safe_worker_pids()) - seen, 1.5, 0.01):
            break  # nothing replaced it: the slot was given up
        new = sorted(set(safe_worker_pids()) - seen)
        seen.update(new)
        victim = new[0]
    return done


def pool_back(timeout):
    return e2e.wait_until(lambda: len(safe_worker_pids()) == WORKERS, timeout, 0.2)


check(len(e2e.worker_pids()) == WORKERS, "the pool starts with %d workers" % WORKERS)
log_at = hostile.log_size("pool.log")

# 1. One slot crashes over and over.
kills = crash_slot_repeatedly(e2e.worker_pids()[0])
time.sleep(0.5)
print("# after %d kills of one slot: workers %r" % (kills, safe_worker_pids()))
check(pool_back(15), "one crashing slot: the pool is back at %d workers within 15 s (now %r)"
      % (WORKERS, safe_worker_pids()))
ok = sum(e2e.request("GET", "/ping").status == 200 for _ in range(10))
check(ok == 10, "requests succeed after one slot's crash loop (%d of 10)" % ok)

# 2. Every slot crashes over and over.
for pid in list(safe_worker_pids()):
    crash_slot_repeatedly(pid)
time.sleep(0.5)
print("# after crash loops in every slot: workers %r" % safe_worker_pids())
check(pool_back(15), "every slot crashing: the pool is back at %d workers within 15 s (now %r)"
      % (WORKERS, safe_worker_pids()))


def api_answers():
    try:
        return e2e.request("GET", "/notes/").status == 200
    except OSError:
        return False


check(e2e.wait_until(api_answers, 5, 0.2), "the API answers again after the crash loops")
log = hostile.log_since("pool.log", log_at)
check(log.strip() != "", "the crash loop is in the pool's log (%r)" % log[-200:])
gave_up = log.count("not forking again")
drill.record_figure("drill crash_loop: %d workers, %d SIGKILLs per slot; multiwatch gave up %d times; pool now %d workers"
                    % (WORKERS, KILLS, gave_up, len(safe_worker_pids())))
e2e.finish()
