#!/usr/bin/env python3
"""What the members' client start-up took in a real run (docs/fidelity.md).

    startup.py RUNDIR            prints --set arguments: groups.G.startup=[NNNms, ...]

A scenario's `startup` (a member's process start until its client's first
request) is an input of the simulator, not something it predicts: the JVMs
of the test machine take what they take (1 to 2 s for one, 4 to 6 s for
three at once on two cores), so fidelity.sh gives the simulator what the
Kafka run measured before comparing what it predicts (time to stable).
Measured from each member.start after run time 0 to that member's next
member.joined (its join answered), only for groups whose join is answered
at once (KIP-848, static members; a classic JoinGroup waits for the
rebalance).  Printed per group as a `startup` list, each member its own:
which of two restarted members joins first decides, to the heartbeat, who
waits a whole interval for whose partitions (kip848-rolling-restart).
"""
import json
import os
import re
import sys


def quick_join_groups(resolved):
    """Groups of a scenario.resolved.yaml whose join is answered at once."""
    out, gid = set(), None
    for line in resolved.splitlines():
        m = re.match(r"^  - id: (\S+)$", line)
        if m:
            gid = m.group(1)
        elif gid and re.match(r"^    (protocol: consumer|static: true)$", line):
            out.add(gid)
        elif not line.startswith("  "):
            gid = None
    return out


def measured_by_member(rundir):
    """{group: [(member index, seconds) per start, in start order]} of a run directory."""
    resolved = open(os.path.join(rundir, "scenario.resolved.yaml")).read()
    groups = quick_join_groups(resolved)
    starts, took = {}, {}
    for line in open(os.path.join(rundir, "trace.jsonl")):
        e = json.loads(line)
        if e.get("group") not in groups:
            continue
        if e["kind"] == "member.start" and e["t_us"] > 0:
            starts[e["node"]] = e["t_us"]
        elif e["kind"] == "member.joined" and e["node"] in starts:
            index = int(e["node"].rsplit("/", 1)[1])
            took.setdefault(e["group"], []).append((index, (e["t_us"] - starts.pop(e["node"])) / 1e6))
    return took


MAX_STARTUPS = 8  # SL_MAX_STARTUPS, include/stormlab/scenario.h


def startup_list(starts):
    """The `startup` list giving each member its own start-up: member i's at
    [i-1] (its slowest, if it started twice), the slowest of all for members
    that did not start (they never wait for it) and, last, for members past
    the list; at most MAX_STARTUPS values."""
    slowest = max(t for _, t in starts)
    each = {}
    for i, t in starts:
        each[i] = max(each.get(i, 0.0), t)
    return ([each.get(i, slowest) for i in range(1, max(each) + 1)] + [slowest])[:MAX_STARTUPS]


if __name__ == "__main__":
    for g, starts in sorted(measured_by_member(sys.argv[1]).items()):
        values = startup_list(starts)
        print("groups.%s.startup=[%s]" % (g, ", ".join("%dms" % round(t * 1000) for t in values)))
