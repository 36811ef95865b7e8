#!/usr/bin/env bash
# `stormlab sim --impact` against an independent oracle: for each event of
# the flagship and of storm-rolling-broker-restart, given the resolved
# scenario, when a copy with that event's block deleted is run by the CLI,
# then summary.json's impact delta equals this run's metrics minus that
# run's, metric by metric; and the same scenario gives the same bytes twice.
set -u
stormlab=$1 src=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/testlib.sh"

for name in coordinator-restart-storm storm-rolling-broker-restart; do
  "$stormlab" sim "$src/scenarios/$name.yaml" --out "$dir/$name" --no-plots --impact -q; rc=$?
  check "$name: sim --impact exits 0" '[ $rc -eq 0 ]'
  "$stormlab" sim "$src/scenarios/$name.yaml" --out "$dir/$name-again" --no-plots --impact -q
  check "$name: the same scenario and seed give byte-identical summary.json" \
    'cmp -s "$dir/$name/summary.json" "$dir/$name-again/summary.json"'
  PYTHONPATH="$src/tests/cli" python3 - "$stormlab" "$dir" "$name" >"$dir/py" 2>&1 <<'PY'; rc=$?
import json, sys
from without_event import event_blocks, run_without
stormlab, d, name = sys.argv[1:]
run = f"{d}/{name}"
summary = json.load(open(f"{run}/summary.json"))
lines = open(f"{run}/scenario.resolved.yaml").read().split("\n")
blocks = event_blocks(lines)
impact = summary["impact"]
assert len(impact) == len(blocks), f"expected {len(blocks)} impact entries, got {len(impact)}"
def metrics(s):
    out = {}
    end_s = s["duration_s"]
    for g, r in s["groups"].items():
        for k in ("rebalances", "unowned_partition_s", "duplicates", "max_lag", "rebalance_s"):
            out[f"groups.{g}.{k}"] = r[k]
        out[f"groups.{g}.stable_from_s"] = end_s if r["stable_from_s"] is None else r["stable_from_s"]
    for k in ("lost_records", "produce_errors", "unavailable_partition_s"):
        out[f"cluster.{k}"] = s["cluster"][k]
    return out
base = metrics(summary)
bad = 0
for e in impact:
    i = e["event"]
    other = metrics(run_without(stormlab, lines, blocks, e["removed"], f"{d}/{name}-without-{i}.yaml",
                                f"{d}/{name}-without-{i}"))
    got = {}
    for g, r in e["delta"]["groups"].items():
        for k, v in r.items():
            got[f"groups.{g}.{k}"] = v
    for k, v in e["delta"]["cluster"].items():
        got[f"cluster.{k}"] = v
    for k, v in base.items():
        want = v - other[k]
        if abs(got[k] - want) > 0.0015:
            print(f"event {i} ({e['what']}): {k}: expected {want:.3f} (CLI without the event), got {got[k]}")
            bad += 1
    # The verdict follows the numbers: a worse verdict has a positive deciding delta.
    if e["verdict"] != "none":
        k = e["decided_by"]
        sign = got[k] > 0
        if sign != (e["verdict"] == "worse"):
            print(f"event {i}: verdict {e['verdict']} but {k} changed by {got[k]}"); bad += 1
    print(f"event {i}: {e['verdict']} by {e['decided_by']}")
sys.exit(1 if bad else 0)
PY
  check "$name: every delta equals the CLI run without the event (see below)" '[ $rc -eq 0 ]'
  [ $rc -eq 0 ] || cat "$dir/py"
done
# The done-when claim: the flagship's broker/coordinator restart and rolling config change have non-zero deltas.
check "the flagship's restart (event 1) and rolling set (event 2) changed rebalances" \
  'python3 -c "import json,sys; s=json.load(open(\"$dir/coordinator-restart-storm/summary.json\")); sys.exit(0 if all(s[\"impact\"][i][\"delta\"][\"groups\"][\"billing\"][\"rebalances\"] != 0 and s[\"impact\"][i][\"verdict\"] != \"none\" for i in (1, 2)) else 1)"'
check "storm-rolling-broker-restart's rolling broker restart made it worse" \
  'python3 -c "import json,sys; s=json.load(open(\"$dir/storm-rolling-broker-restart/summary.json\")); sys.exit(0 if s[\"impact\"][1][\"verdict\"] == \"worse\" else 1)"'

# explain shows the mechanism and the effect side by side, the effect read from the same numbers.
"$stormlab" explain "$dir/storm-rolling-broker-restart" >"$dir/explain" 2>&1; rc=$?
check "explain exits 0 on an --impact run" '[ $rc -eq 0 ]'
check "explain's by-root row for the broker restarts says no rebalance of its own, what it contributed to, and its effect: worse" \
  'grep -E "action.restart .*no rebalance of its own; contributed to billing 2 +\| event 1: .*=> worse" "$dir/explain" >/dev/null'
rb=$(python3 -c "import json; print('%+d rebalances' % json.load(open('$dir/storm-rolling-broker-restart/summary.json'))['impact'][1]['delta']['groups']['billing']['rebalances'])")
check "that row's rebalance delta is summary.json's ($rb)" 'grep "| event 1:" "$dir/explain" | grep -q -- "$rb"'
# Given a run made without --impact, explain computes the same effect from scenario.resolved.yaml.
"$stormlab" sim "$src/scenarios/storm-rolling-broker-restart.yaml" --out "$dir/plain" --no-plots -q
"$stormlab" explain "$dir/plain" >"$dir/explain-plain" 2>&1
check "explain without --impact in the run shows the same by-root rows" \
  'diff <(sed -n "/^by root/,\$p" "$dir/explain") <(sed -n "/^by root/,\$p" "$dir/explain-plain") >/dev/null'

echo "impact: $pass passed, $fail failed"
[ $fail -eq 0 ]
