#!/usr/bin/env python3
# tests/cluster/drill_app_loss.py, drill (a): under a mixed load through nginx, an app host
# dies (SIGKILL of every process on it). Only requests in flight on it may fail, and only writes
# nginx cannot safely resend (POST); idempotent ones are retried on the other host; no note is
# created twice. Then the dead host is removed and a new one added, each one command and a
# reload, with no request failing.
import time

import cluster as c

NAME = "drill (a) app host lost"


def failed(records):
    return [r for r in records if r[4] not in (200, 201)]


def main():
    victim = "app1"
    load = c.Load("a%d" % int(time.time())).start()
    time.sleep(3)
    # t_kill: when the kill is done. A request sent before may have been in flight on the victim.
    t_sent = time.monotonic()
    c.cluster("kill-host", victim)
    t_kill = time.monotonic()
    print("%s: killed every process of %s at t=%.1f s (the command took %.2f s)" % (
        NAME, victim, t_kill - load.t0, t_kill - t_sent), flush=True)
    time.sleep(7)  # past fail_timeout: nginx tries the dead host again, finds it dead, moves on
    t_remove = time.monotonic()
    c.cluster("remove-app", victim)
    t_removed = time.monotonic()
    added = c.cluster("add-app")
    t_added = time.monotonic()
    time.sleep(3)
    load.stop()
    t_end = time.monotonic()
    print("%s: %s" % (NAME, added.splitlines()[-1]), flush=True)
    load.print_figures(NAME)

    before = load.between(0, t_sent)
    after_kill = load.between(t_kill, t_remove)
    changes = load.between(t_remove, t_end)
    print("%s: after the kill: %s" % (NAME, load.summary(after_kill)), flush=True)
    print("%s: during remove-app (%.1f s) and add-app (%.1f s): %s" % (
        NAME, t_removed - t_remove, t_added - t_removed, load.summary(changes)), flush=True)
    c.check(len(before) > 20 and not failed(before), "%s: %d requests before the kill, none failed" % (NAME, len(before)))
    late = [r for r in failed(load.records) if r[0] >= t_kill]
    c.check(not late, "%s: no request sent after the kill failed (%d did)" % (NAME, len(late)))
    inflight = [r for r in failed(load.records) if r[0] < t_kill]
    not_post = [r for r in inflight if r[2] != "POST"]
    c.check(not not_post, "%s: the %d requests that failed were in flight on %s and all POSTs (others retried)%s" % (
        NAME, len(inflight), victim, "" if not not_post else ": %s" % not_post))
    c.check(all(r[4] == 502 for r in inflight), "%s: a lost POST answers 502 JSON, never 500" % NAME)
    c.check(len(after_kill) > 20, "%s: %d requests served by the other host after the kill" % (NAME, len(after_kill)))
    c.check(len(changes) > 10 and not failed(changes),
            "%s: no request dropped while an app host was removed and one added (%d requests)" % (NAME, len(changes)))
    p99, worst = load.latencies()
    c.check(worst <= c.DEADLINE, "%s: slowest request %.2f s <= %.0f s" % (NAME, worst, c.DEADLINE))
    c.check_no_loss(NAME, load)
    c.finish(NAME)


if __name__ == "__main__":
    main()
