#!/usr/bin/env bash
# `expect: - impact: ...` gates (docs/scenarios.md#impact-gates) against an
# independent oracle: given the flagship and storm-rolling-broker-restart
# with impact gates appended, when `stormlab check --json` evaluates them,
# then each gate's value and verdict equal what CLI runs of copies of the
# scenario with the event's block deleted give (this run minus that run);
# the breach names the gate's file:line:col and a reproduce command whose
# summary.json holds the same delta; the resolved scenario keeps the gates;
# bad impact gates are refused with file:line:col and exit 2.
set -u
stormlab=$1 src=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
. "$(dirname "${BASH_SOURCE[0]}")/testlib.sh"

for name in coordinator-restart-storm storm-rolling-broker-restart; do
  # given the scenario with four impact gates: one event's rebalances, every
  # action's verdict, every fault's settling time, every event's lost records
  cp "$src/scenarios/$name.yaml" "$name.yaml"
  grep -q "^expect:" "$name.yaml" || echo "expect:" >>"$name.yaml"
  cat >>"$name.yaml" <<'EOF'
  - impact: {event: 1, rebalances: {max: 0}}
  - impact: {kind: action, verdict: not-worse}
  - impact: {kind: fault, stable_from_s: {max: 0}}
  - impact: {lost_records: 0}
EOF
  # when check evaluates them
  "$stormlab" check "$name.yaml" --json --out runs >"$name.json" 2>"$name.err"; rc=$?
  check "$name: check exits 0 or 1 (it ran), not $rc" '[ $rc -le 1 ]'
  # then every impact gate agrees with runs of the scenario without each event
  PYTHONPATH="$src/tests/cli" python3 - "$stormlab" "$name" "$rc" >"$name.py" 2>&1 <<'PY'; prc=$?
import json, sys
from without_event import event_blocks, run_without
stormlab, name, rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
res = json.load(open(f"{name}.json"))["results"][0]
run = res["dir"]
lines = open(f"{run}/scenario.resolved.yaml").read().split("\n")
blocks = event_blocks(lines)
# the kind of each event, read from the YAML: restart, set and scale are the team's actions
def is_action(b):
    text = "\n".join(lines[n] for n in b)
    if "kind: action" in text: return True
    if "kind: fault" in text: return False
    return lines[b[1]].strip().split(":")[0] in ("restart", "set", "scale")
kinds = ["action" if is_action(b) else "fault" for b in blocks]
def summary_metrics(s):
    out = {}
    for k in ("rebalances", "stable_from_s", "unowned_partition_s"):
        out[k] = sum((s["duration_s"] if r[k] is None else r[k]) for r in s["groups"].values())
    out["lost_records"] = s["cluster"]["lost_records"]
    return out
base = summary_metrics(json.load(open(f"{run}/summary.json")))
impact = json.load(open(f"{run}/summary.json"))["impact"]  # written by check for the verdicts
def without(i):
    # a later event that names a member only event i creates goes with it (summary.json says which)
    return summary_metrics(run_without(stormlab, lines, blocks, impact[i]["removed"], f"{name}-without-{i}.yaml",
                                       f"{name}-without-{i}"))
delta = {i: {k: base[k] - v for k, v in without(i).items()} for i in range(len(blocks))}
gates = [g for g in res["gates"] if "impact" in g]
bad = 0
def expect(cond, msg):
    global bad
    if not cond:
        print("FAIL:", msg); bad += 1
expect(len(gates) == 4, f"expected 4 impact gates, got {len(gates)}")
by = {g["gate"]: g for g in gates}
# impact[event 1].rebalances <= 0
g = by["impact[event 1].rebalances"]
want = delta[1]["rebalances"]
expect(g["impact"]["event"] == 1 and abs(g["value"] - want) < 1e-9,
       f"event 1 rebalances: expected {want} (CLI without it), got {g['value']} at event {g['impact']['event']}")
expect(g["passed"] == (want <= 0), f"event 1 rebalances gate: expected passed={want <= 0}, got {g['passed']}")
# every action not worse: breached iff some action's verdict is worse
g = by["impact[every action].verdict"]
actions = [i for i, k in enumerate(kinds) if k == "action"]
worse = [i for i in actions if impact[i]["verdict"] == "worse"]
expect(g["impact"]["events"] == len(actions), f"actions: expected {len(actions)} ({actions}), got {g['impact']['events']}")
expect(g["passed"] == (not worse), f"action verdict gate: expected passed={not worse} (worse: {worse}), got {g['passed']}")
if worse:
    expect(g["impact"]["event"] == worse[0] and g["impact"]["verdict"] == "worse",
           f"action verdict gate: expected event {worse[0]} worse, got {g['impact']}")
# every fault's stable_from_s delta <= 0
g = by["impact[every fault].stable_from_s"]
faults = [i for i, k in enumerate(kinds) if k == "fault"]
over = [i for i in faults if delta[i]["stable_from_s"] > 0.0015]
expect(g["impact"]["events"] == len(faults), f"faults: expected {len(faults)}, got {g['impact']['events']}")
expect(g["passed"] == (not over), f"fault settling gate: expected passed={not over} (over: {over}), got {g['passed']}")
if over:
    i = over[0]
    expect(g["impact"]["event"] == i and abs(g["value"] - delta[i]["stable_from_s"]) < 0.0015,
           f"fault settling gate: expected event {i} at {delta[i]['stable_from_s']:.3f}, got {g['impact']['event']} at {g['value']}")
# every event's lost records
g = by["impact[every event].lost_records"]
lost = [i for i in range(len(blocks)) if delta[i]["lost_records"] > 0]
expect(g["passed"] == (not lost), f"lost records gate: expected passed={not lost}, got {g['passed']}")
# the exit code follows the gates
breached = [x for x in res["gates"] if not x["passed"]]
expect(rc == (1 if breached else 0), f"exit: expected {1 if breached else 0}, got {rc}")
print(name, "gates:", [(x["gate"], x["passed"]) for x in gates])
sys.exit(1 if bad else 0)
PY
  check "$name: every impact gate equals the CLI runs without its events (see below)" '[ $prc -eq 0 ]'
  [ $prc -eq 0 ] || cat "$name.py"
  check "$name: the resolved scenario keeps the impact gates" \
    '[ "$(grep -c "^  - impact: " runs/$name/seed-*/scenario.resolved.yaml)" -eq 4 ]'
  "$stormlab" check runs/$name/seed-*/scenario.resolved.yaml --json --out runs2 >"$name.again.json" 2>/dev/null
  check "$name: checking the resolved scenario gives the same gates" \
    'python3 -c "import json,sys; g=lambda f: [(x[\"gate\"], x[\"value\"], x[\"passed\"]) for x in json.load(open(f))[\"results\"][0][\"gates\"]]; sys.exit(g(\"$name.json\") != g(\"$name.again.json\"))"'
done

# Given the flagship, whose coordinator restart (event 1) made it worse: the breach block
line=$(grep -n "kind: action, verdict" coordinator-restart-storm.yaml | cut -d: -f1)
"$stormlab" check coordinator-restart-storm.yaml --out runs3 >out 2>&1; rc=$?
check "a breached impact gate: exit 1" '[ $rc -eq 1 ]'
check "a breached impact gate: file:line:col, expected vs got, the event and its text" \
  'grep -qE "coordinator-restart-storm.yaml:$line:[0-9]+: impact\[every action\]\.verdict: expected not-worse, got worse at event 1 \(restart: .*coordinator/billing" out'
repro=$(sed -n "s/^  reproduce: //p" out)
check "the reproduce command asks for the impact" '[[ "$repro" == *" --impact"* ]]'
(eval "$repro --out repro --no-plots -q") >/dev/null 2>&1
check "the reproduce command's summary.json gives event 1 the verdict the gate read" \
  'python3 -c "import json,sys; sys.exit(json.load(open(\"repro/summary.json\"))[\"impact\"][1][\"verdict\"] != \"worse\")"'

# Bad impact gates: file:line:col, exit 2, nothing runs
bad() {
  cp "$src/scenarios/coordinator-restart-storm.yaml" bad.yaml
  printf '%s\n' "$1" >>bad.yaml
  "$stormlab" check bad.yaml --out runs4 >bad.out 2>&1; rc=$?
  [ $rc -eq 2 ] && grep -qE "bad.yaml:[0-9]+:[0-9]+: .*$2" bad.out && [ ! -d runs4 ]
}
check "an event index past the events is refused" 'bad "  - impact: {event: 7, rebalances: 0}" "expected at most 6"'
check "event: and kind: together are refused" 'bad "  - impact: {event: 1, kind: action, rebalances: 0}" "expected one of them"'
check "an unknown verdict is refused" 'bad "  - impact: {kind: action, verdict: fine}" "expected not-worse"'
check "an impact gate with nothing to check is refused" 'bad "  - impact: {event: 1}" "nothing to check"'
check "a cluster metric with group: is refused" 'bad "  - impact: {group: billing, lost_records: 0}" "cluster metric"'
check "an impact entry sharing its entry with a group gate is refused" \
  'bad "  - {group: billing, impact: {event: 1, rebalances: 0}}" "entry of its own"'

echo "impact gates: $pass passed, $fail failed"
[ $fail -eq 0 ]
