#!/usr/bin/env python3
# tests/cluster/drill_failover.py, drill (b): under a mixed load through nginx, the primary's host
# is cut off (link down). pg_auto_failover promotes the synchronous standby; the workers'
# multi-host DATABASE_URL (target_session_attrs=read-write) finds it; writes resume by
# themselves. Every 201 is there afterwards, no 500, no request longer than the deadline.
# Prints the monitor's fail-over time and the write outage clients saw. Leaves the old primary
# cut off (drill (c) brings it back).
import cluster as c
import failover

NAME = "drill (b) primary cut off"

if __name__ == "__main__":
    failover.failover(NAME, "b%d" % int(c.time.time()))
    c.finish(NAME)
