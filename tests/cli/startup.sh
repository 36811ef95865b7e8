#!/usr/bin/env bash
# A group's `startup` (docs/scenarios.md): a member started during the run
# sends nothing for that long.  Given a scenario whose times are written
# below, when it runs, then each member.start in trace.jsonl is where the
# scenario text puts it (a restart's return + startup, a scale-out + startup),
# none is at time 0 + startup (the members running at time 0 started
# before), and a member scaled away while starting never starts; with a
# list, member i waits the list's [i-1] (the last past it).
set -u
stormlab=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/testlib.sh"

for proto in classic consumer; do
  cat >"$dir/s.yaml" <<YAML
name: startup-$proto
duration: 60s
topics: [{name: t, partitions: 8, produce_rate: 100/s}]
groups:
  - {id: g, topics: [t], members: 2, protocol: $proto, session_timeout: 45s, startup: 2500ms}
events:
  - {at: 10s, restart: g/1, for: 3s}
  - {at: 20s, scale: {group: g, members: 4}}
  - {at: 40s, scale: {group: g, members: 6}}
  - {at: 41s, scale: {group: g, members: 4}}
YAML
  for v in 2500ms 0s "[1s, 3s, 2s, 2500ms]"; do
    out="$dir/$proto-${v//[^a-z0-9]/_}"
    "$stormlab" sim "$dir/s.yaml" --set "groups.g.startup=$v" --out "$out" --no-plots -q; rc=$?
    check "$proto startup=$v: sim exits 0" '[ $rc -eq 0 ]'
    python3 - "$out/trace.jsonl" "$v" >"$dir/py" 2>&1 <<'PY'; rc=$?
import json, sys
path, v = sys.argv[1:]
# member i's start-up: the one value, or the list's [i-1], the last past it
each = {"2500ms": [2.5], "0s": [0.0], "[1s, 3s, 2s, 2500ms]": [1.0, 3.0, 2.0, 2.5]}[v]
s = lambda i: each[min(i, len(each)) - 1]
starts = sorted((e["node"], e["t_us"]) for e in map(json.loads, open(path)) if e["kind"] == "member.start")
want = sorted([("g/1", 0), ("g/2", 0), ("g/1", int((13 + s(1)) * 1e6)),
               ("g/3", int((20 + s(3)) * 1e6)), ("g/4", int((20 + s(4)) * 1e6))]
              + [("g/%d" % i, int((40 + s(i)) * 1e6)) for i in (5, 6) if 40 + s(i) < 41])
assert starts == want, f"member.start at {starts}, expected {want}"
PY
    check "$proto startup=$v: member.start where the scenario puts it ($(cat "$dir/py"))" '[ $rc -eq 0 ]'
  done
done
echo "startup: $pass passed, $fail failed"
[ $fail -eq 0 ]
