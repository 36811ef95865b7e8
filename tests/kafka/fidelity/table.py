#!/usr/bin/env python3
"""The measured table of docs/fidelity.md from a fidelity run.

    table.py DIR        # DIR/<scenario>/measured.json, e.g. build/kafka-fidelity

One row per scenario and metric: simulator, mock cluster, Apache Kafka (the
coordinator's view for rebalances and generation, see measure.py) and, in
the last column, what `stormlab run --cluster kafka` itself reported (the
members' view), as markdown.
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
            cells.append(mock_note if b == "mock" and m.get(b) is None else fmt(v))
        print("| %s | %s | %s |" % (name, label, " | ".join(cells)))
