#!/usr/bin/env python3
"""The measured table of docs/fidelity.md from a fidelity run.

    table.py DIR        # DIR/<scenario>/measured.json, e.g. build/kafka-fidelity

One row per scenario and metric: simulator, mock cluster, Apache Kafka (the
coordinator's view for rebalances and generation, see measure.py) and, in
the last column, what `stormlab run --cluster kafka` itself reported (the
members' view), as markdown.  The simulator's time to stable is followed by
its range over the heartbeat phases and request latencies a real run may draw (phases.py), which
is what measure.py compares Kafka's with.
"""
import json
import os
import sys

root = sys.argv[1]
metrics = [("rebalances", "rebalances"), ("generation", "generation"),
           ("time_to_stable_s", "time to stable (s)"), ("unowned_partition_s", "unowned partition-s"),
           ("max_lag", "max lag"), ("duplicates", "duplicates")]


def fmt(v):
    if v is None:
        return "–"
    return "%.1f" % v if isinstance(v, float) else str(v)


print("| scenario | metric | simulator | mock cluster | Apache Kafka | (`stormlab run` on Kafka) |")
print("|---|---|---|---|---|---|")
for name in sorted(os.listdir(root)):
    path = os.path.join(root, name, "measured.json")
    if not os.path.exists(path):
        continue
    m = json.load(open(path))
    mock_note = "n/a" if os.path.exists(os.path.join(root, name, "mock.unsupported")) else "–"
    for key, label in metrics:
        cells = []
        for b in ("sim", "mock", "kafka", "kafka_members_view"):
            v = (m.get(b) or {}).get(key) if m.get(b) else None
            cell = mock_note if b == "mock" and m.get(b) is None else fmt(v)
            lo, hi = (m.get("sim_phases") or {}).get("time_to_stable_s", [None, None])
            if b == "sim" and key == "time_to_stable_s" and lo is not None and hi is not None and hi > lo:
                cell += " (%.1f–%.1f)" % (lo, hi)
            cells.append(cell)
        print("| %s | %s | %s |" % (name, label, " | ".join(cells)))
