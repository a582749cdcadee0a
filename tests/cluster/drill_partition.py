#!/usr/bin/env python3
# tests/cluster/drill_partition.py, drill (d), not in the default list (it takes about a minute
# more): the primary is cut off from the monitor and the standby only; the app hosts still reach
# it and keep writing there. Its commits wait for the standby that it cannot reach, so none may
# be acknowledged: every 201 of the drill is still there after the monitor promoted the standby
# and the old primary demoted itself and rejoined. Run: scripts/cluster drill drill_partition
import time

import cluster as c
import failover

NAME = "drill (d) primary partitioned from monitor and standby"
LIMIT = 90


def route(node, verb, addrs):
    for a in addrs:
        c.cluster("exec", node, "ip", "route", verb, "blackhole", a + "/32")


if __name__ == "__main__":
    primary = c.cluster("primary")
    standby = failover.other(primary)
    net = c.os.environ.get("CLUSTER_NET", "10.213.0")
    peers = [net + ".10", net + (".12" if primary == "pg1" else ".11")]
    load = c.Load("d%d" % int(time.time())).start()
    time.sleep(3)
    route(primary, "add", peers)
    t_cut = time.monotonic()
    wall = time.time()
    print("%s: %s reaches neither the monitor nor %s; the app hosts still reach it" % (NAME, primary, standby),
          flush=True)
    promoted = c.wait_until(lambda: c.monitor_states().get(standby) in ("wait_primary", "primary"), LIMIT)

    def writes_on_new_primary():
        with load.lock:
            return any(r[3] == "create" and r[4] == 201 and r[0] > t_cut + (promoted or 0) for r in load.records)

    resumed = c.wait_until(writes_on_new_primary, LIMIT)
    time.sleep(3)
    load.stop()
    route(primary, "del", peers)
    load.print_figures(NAME)
    c.check(promoted is not None, "%s: the monitor promoted %s %.1f s after the partition" % (
        NAME, standby, (c.state_reached_at(standby, ("wait_primary", "primary"), wall) - wall) if promoted else -1))
    c.check(resumed is not None, "%s: writes went on (on %s) %.1f s after the partition" % (
        NAME, standby, (promoted or 0) + (resumed or -1)))
    print("%s: during the partition: %s" % (NAME, load.summary(load.between(t_cut, t_cut + (promoted or 0) +
                                                                             (resumed or 0)))), flush=True)
    bad = [r for r in load.records if r[4] not in failover.ALLOWED]
    c.check(not bad, "%s: every answer was 200, 201 or 503%s" % (NAME, "" if not bad else ": " + load.summary(bad)))
    p99, worst = load.latencies()
    c.check(worst <= c.DEADLINE, "%s: slowest request %.2f s <= %.0f s" % (NAME, worst, c.DEADLINE))
    c.check_no_loss(NAME, load)
    took = c.wait_until(lambda: c.monitor_states() == {standby: "primary", primary: "secondary"}, 120, step=0.5)
    c.check(took is not None, "%s: %s rejoined as the standby once the partition ended" % (NAME, primary))
    c.finish(NAME)
