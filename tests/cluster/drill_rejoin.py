#!/usr/bin/env python3
# tests/cluster/drill_rejoin.py, drill (c): the old primary (cut off by drill (b)) is plugged back
# in and rejoins as the synchronous standby; then the new primary is cut off and the fail-over
# goes the other way, losing nothing that drills (a), (b) or (c) saw acknowledged. Last, the
# second victim is plugged back in too, so the cluster ends whole.
import cluster as c
import failover

NAME = "drill (c) rejoin, second fail-over"

if __name__ == "__main__":
    states = c.monitor_states()
    cut = [n for n, s in states.items() if s.split("->")[-1] not in ("primary", "wait_primary")]
    if len(cut) != 1:
        c.check(False, "%s: one node is cut off (as drill (b) leaves it): %s" % (NAME, states))
        c.finish(NAME)
    failover.rejoin(NAME, cut[0])
    second = failover.failover(NAME, "c%d" % int(c.time.time()))
    failover.rejoin(NAME, second)
    c.finish(NAME)
