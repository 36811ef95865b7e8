#!/usr/bin/env bash
# A group's `startup` (docs/scenarios.md): a member started during the run
# sends nothing for that long.  Given a scenario whose times are written
# below, when it runs, then each member.start in trace.jsonl is where the
# scenario text puts it (a restart's return + startup, a scale-out + startup),
# none is at time 0 + startup (the members running at time 0 started
# before), and a member scaled away while starting never starts.
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
  for v in 2500ms 0s; do
    out="$dir/$proto-$v"
    "$stormlab" sim "$dir/s.yaml" --set "groups.g.startup=$v" --out "$out" --no-plots -q; rc=$?
    check "$proto startup=$v: sim exits 0" '[ $rc -eq 0 ]'
    python3 - "$out/trace.jsonl" "$v" >"$dir/py" 2>&1 <<'PY'; rc=$?
import json, sys
path, v = sys.argv[1:]
s = 2.5 if v == "2500ms" else 0.0
starts = sorted((e["node"], e["t_us"]) for e in map(json.loads, open(path)) if e["kind"] == "member.start")
want = sorted([("g/1", 0), ("g/2", 0), ("g/1", int((13 + s) * 1e6)),
               ("g/3", int((20 + s) * 1e6)), ("g/4", int((20 + s) * 1e6))]
              + ([("g/5", 40_000_000), ("g/6", 40_000_000)] if s == 0 else []))
assert starts == want, f"member.start at {starts}, expected {want}"
PY
    check "$proto startup=$v: member.start where the scenario puts it ($(cat "$dir/py"))" '[ $rc -eq 0 ]'
  done
done
echo "startup: $pass passed, $fail failed"
[ $fail -eq 0 ]
