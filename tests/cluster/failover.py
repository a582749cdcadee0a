# tests/cluster/failover.py: one fail-over under load, shared by drills (b) and (c): the primary's
# host is cut off (its link pulled); the monitor promotes the standby; writes resume by
# themselves; nothing acknowledged is lost, no answer is a 500, no request outlasts the deadline.
import time

import cluster as c

# Answers a client may get while the database fails over: the note, or 503 JSON while there is
# no writable primary. Anything else (500, 502, 504, a dropped connection) fails the drill.
ALLOWED = (200, 201, 503)
FAILOVER_LIMIT = 60  # seconds the monitor may take before the drill gives up
# Once the standby is promoted, the workers must find it within this (seconds): each worker's
# next probe walks the host list (a dead first host costs it tcp_user_timeout).
RESUME_LIMIT = 10


def other(node):
    return "pg2" if node == "pg1" else "pg1"


def failover(name, tag):
    """Cuts off the current primary under load; returns the node that was cut off."""
    primary = c.cluster("primary")
    standby = other(primary)
    states = c.monitor_states()
    c.check(states.get(primary) == "primary" and states.get(standby) == "secondary",
            "%s: %s is primary and %s its synchronous standby (%s)" % (name, primary, standby, states))
    load = c.Load(tag).start()
    time.sleep(3)
    t_sent = time.monotonic()
    c.cluster("link", primary, "down")
    t_cut = time.monotonic()
    wall_cut = time.time()
    print("%s: pulled the link of %s (the primary) at t=%.1f s" % (name, primary, t_cut - load.t0), flush=True)
    promoted = c.wait_until(lambda: c.monitor_states().get(standby) in ("wait_primary", "primary"), FAILOVER_LIMIT)
    if promoted is not None:
        promoted = c.state_reached_at(standby, ("wait_primary", "primary"), wall_cut) - wall_cut

    def writes_back():
        with load.lock:
            return any(r[3] == "create" and r[4] == 201 and r[0] > t_cut for r in load.records)

    resumed = c.wait_until(writes_back, FAILOVER_LIMIT)
    time.sleep(5)
    load.stop()
    load.print_figures(name)
    c.check(promoted is not None, "%s: the monitor promoted %s %.1f s after the cut (limit %d s)" % (
        name, standby, promoted if promoted is not None else -1, FAILOVER_LIMIT))
    first_write = min((r[1] for r in load.records if r[3] == "create" and r[4] == 201 and r[0] > t_cut),
                      default=None)
    last_write = max((r[1] for r in load.records if r[3] == "create" and r[4] == 201 and r[1] < t_sent),
                     default=t_sent)
    c.check(first_write is not None, "%s: writes resumed by themselves, %.1f s after the cut (write outage %.1f s)" % (
        name, (first_write - t_cut) if first_write else -1, (first_write - last_write) if first_write else -1))
    if first_write is not None and promoted is not None:
        lag = first_write - t_cut - promoted
        c.check(lag <= RESUME_LIMIT, "%s: the workers found the new primary %.1f s after its promotion (limit %d s)" % (
            name, lag, RESUME_LIMIT))
    during = load.between(t_cut, first_write or t_cut)
    print("%s: from the cut until writes resumed: %s" % (name, load.summary(during)), flush=True)
    bad = [r for r in load.records if r[4] not in ALLOWED]
    c.check(not bad, "%s: every answer was 200, 201 or 503 JSON (no 500, no 502, no dropped connection)%s" % (
        name, "" if not bad else ": %s" % c.Load.summary(load, bad)))
    p99, worst = load.latencies()
    c.check(worst <= c.DEADLINE, "%s: no request hung: slowest %.2f s <= %.0f s (p99 %.2f s)" % (
        name, worst, c.DEADLINE, p99))
    reads_after = [r for r in load.records if r[0] > (first_write or 0) + 3 and r[2] == "GET"]
    c.check(reads_after and all(r[4] == 200 for r in reads_after),
            "%s: from 3 s after writes resumed, every read found its note (%d reads)" % (name, len(reads_after)))
    c.check_no_loss(name, load)
    return primary


def rejoin(name, node, limit=120):
    """Plugs NODE back in; it must come back as the standby of the new primary."""
    primary = other(node)
    t0 = time.monotonic()
    wall = time.time()
    c.cluster("link", node, "up")
    took = c.wait_until(lambda: c.monitor_states() == {primary: "primary", node: "secondary"}, limit, step=0.5)
    if took is not None:
        took = c.state_reached_at(node, ("secondary",), wall) - wall
    c.check(took is not None, "%s: %s rejoined as the synchronous standby of %s in %.1f s (limit %d s)" % (
        name, node, primary, took if took is not None else time.monotonic() - t0, limit))
    return took
