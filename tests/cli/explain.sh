#!/usr/bin/env bash
# `stormlab explain` as a user runs it.  Given member-cut-long, whose only
# injected event is one network partition, when explain reads the run, then
# it names that partition as the root of both rebalances, with a chain that
# follows trace.jsonl's causes and a first signal that is a real log.txt line.
set -u
stormlab=$1 src=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi; }

"$stormlab" explain --help >"$dir/help" 2>&1; rc=$?
check "explain --help exits 0 and documents --generation and --json" \
  '[ $rc -eq 0 ] && grep -q -- "--generation N" "$dir/help" && grep -q -- "--json" "$dir/help"'
"$stormlab" help explain >"$dir/help2" 2>&1
check "stormlab help explain shows the same help" 'cmp -s "$dir/help" "$dir/help2"'
"$stormlab" --help >"$dir/top" 2>&1
check "stormlab --help lists explain and plot" 'grep -q "explain DIR" "$dir/top" && grep -q "plot DIR" "$dir/top"'

"$stormlab" sim "$src/scenarios/member-cut-long.yaml" --out "$dir/run" --no-plots -q
"$stormlab" explain "$dir/run" >"$dir/out" 2>&1; rc=$?
check "explain exits 0" '[ $rc -eq 0 ]'
check "it counts 2 rebalances after the group settled" 'grep -q "group billing first settled at 6.0 s; 2 rebalances" "$dir/out"'
check "both rebalances have the partition as root" \
  '[ "$(grep -c "root: *link.cut at 00:01:00.000, .* partition billing/1 ↔ broker/1-3" "$dir/out")" -eq 2 ]'
check "the roll-up gives the partition both rebalances" \
  'grep -qE "00:01:00.000 +link.cut +partition billing/1 ↔ broker/1-3 +billing rebalances 1, 2( |$)" "$dir/out"'
check "rebalance 1 is the session expiry" \
  'grep -A2 "^billing rebalance 1 -> generation 2" "$dir/out" | grep -q "<- .*member.session_expired"'
check "rebalance 2 is the expelled member rejoining" \
  'grep -A3 "^billing rebalance 2 -> generation 3" "$dir/out" | grep -q "<- .*member.fenced .*UNKNOWN_MEMBER_ID"'
check "the first signal is the client's request timeout, 30 s after the cut" \
  'grep -q "first signal:  \[00:01:30.008\] INFO  billing/1 .*Disconnecting from node 1 due to request timeout" "$dir/out"'

"$stormlab" explain "$dir/run" --json >"$dir/json" 2>&1; rc=$?
check "--json exits 0" '[ $rc -eq 0 ]'
python3 - "$dir/json" "$dir/run" >"$dir/pycheck" 2>&1 <<'EOF'; rc=$?
# The JSON agrees with the run's own files, read independently.
import json, sys
doc = json.load(open(sys.argv[1]))
trace = [json.loads(l) for l in open(sys.argv[2] + "/trace.jsonl")]
log = open(sys.argv[2] + "/log.txt").read()
cuts = [e for e in trace if e["kind"] == "link.cut"]
assert len(cuts) == 1, cuts
rbs = doc["rebalances"]
assert [r["generation"] for r in rbs] == [2, 3], rbs
for r in rbs:
    chain = r["chain"]
    assert chain[0]["kind"] == "group.rebalance.start" and chain[0]["t_us"] == r["t_us"], chain[0]
    for a, b in zip(chain, chain[1:]):          # each link is the trace's own cause
        assert trace[a["seq"]]["cause"] == b["seq"], (a, b)
    assert chain[-1]["seq"] == cuts[0]["seq"] and trace[cuts[0]["seq"]]["cause"] is None
    assert r["root"]["kind"] == "link.cut" and r["root"]["injected"] is True, r["root"]
    s = r["first_signal"]
    assert s and s["message"] in log and s["t_ms"] * 1000 >= cuts[0]["t_us"], s
print("ok")
EOF
check "--json: both chains follow trace.jsonl's causes to the one link.cut; first signal is in log.txt" \
  '[ $rc -eq 0 ] || { cat "$dir/pycheck"; false; }'

"$stormlab" explain "$dir/run" --generation 3 >"$dir/g3" 2>&1; rc=$?
check "--generation 3 shows only the rebalance that produced it" \
  '[ $rc -eq 0 ] && grep -q "^billing rebalance 2 -> generation 3" "$dir/g3" && ! grep -q "^billing rebalance 1 " "$dir/g3"'
"$stormlab" explain "$dir/run" --generation 9 >"$dir/g9" 2>&1; rc=$?
check "--generation 9 (none) exits 2 and says which generations exist" \
  '[ $rc -eq 2 ] && grep -q "no rebalance produced generation 9 .*generations 2..3" "$dir/g9"'
"$stormlab" explain "$dir/run" --generation x >/dev/null 2>&1; rc=$?
check "--generation x exits 2" '[ $rc -eq 2 ]'
"$stormlab" explain "$dir/run" --group nope >"$dir/gn" 2>&1; rc=$?
check "--group of an unknown group exits 2 naming it" '[ $rc -eq 2 ] && grep -q "nope" "$dir/gn"'
"$stormlab" explain "$dir/nowhere" >"$dir/nd" 2>&1; rc=$?
check "a missing run directory exits 2 naming trace.jsonl" '[ $rc -eq 2 ] && grep -q "nowhere/trace.jsonl" "$dir/nd"'
"$stormlab" explain >/dev/null 2>&1; rc=$?
check "no DIR exits 2" '[ $rc -eq 2 ]'
"$stormlab" explain "$dir/run" --bogus >/dev/null 2>&1; rc=$?
check "an unknown option exits 2" '[ $rc -eq 2 ]'

cp -r "$dir/run" "$dir/bad"
sed -i '5s/.*/{"t_us":1,"seq":4,"kind":"x","cause":9}/' "$dir/bad/trace.jsonl"
"$stormlab" explain "$dir/bad" >"$dir/bo" 2>&1; rc=$?
check "a cause pointing forward exits 2 naming trace.jsonl:5" \
  '[ $rc -eq 2 ] && grep -q "trace.jsonl:5: cause must name an earlier event" "$dir/bo"'

"$stormlab" sim "$src/scenarios/steady-state.yaml" --out "$dir/steady" --no-plots -q
"$stormlab" explain "$dir/steady" >"$dir/so" 2>&1; rc=$?
check "a run without rebalances explains that there are none" \
  '[ $rc -eq 0 ] && grep -q "0 rebalances after that" "$dir/so"'

# Given a config rollout whose session timeout the broker refuses, every member crashes
# (InvalidSessionTimeoutException) and the group never settles again: explain says so, with
# the crash and its root, instead of "the run ended first" with eight minutes of run left.
cat >"$dir/crash.yaml" <<'YAML'
name: crash-rollout
seed: 4
duration: 10m
topics:
  - {name: orders, partitions: 6, replication: 3, produce_rate: 50/s}
groups:
  - {id: billing, topics: [orders], members: 3}
events:
  - {at: 1m, set: {group: billing, session_timeout: 2s, heartbeat_interval: 500ms}, rolling: 20s}
YAML
"$stormlab" sim "$dir/crash.yaml" --out "$dir/crash" --no-plots -q
"$stormlab" explain "$dir/crash" >"$dir/co" 2>&1; rc=$?
# the oracle: the trace's own member.crashed records, counted here
crashes=$(grep -c '"kind":"member.crashed"' "$dir/crash/trace.jsonl")
check "the trace records the three crashes" '[ "$crashes" -eq 3 ]'
check "explain says every member crashed, how many, why and from what root"   '[ $rc -eq 0 ] && grep -q "not settled at the end: every member crashed ($crashes of 3; the first at 00:01:00.004, billing/1: InvalidSessionTimeoutException: the consumer stops; root: config change billing (rolling restart) at 00:01:00.000)" "$dir/co"'
check "the unfinished rebalance says why, not that the run ended first"   'grep -q "generation (none: every member crashed" "$dir/co" && ! grep -q "the run ended first" "$dir/co"'
check "report.html says the same" 'grep -q "Not settled at the end:</strong> every member crashed (3 of 3" "$dir/crash/report.html"'
# a hard rolling restart 20 s before the end leaves the group rebalancing when the run ends
sed 's/  - {at: 1m, set.*/  - {at: 580s, restart: [billing\/*], mode: hard, rolling: 15s}/' "$dir/crash.yaml" >"$dir/cut.yaml"
"$stormlab" sim "$dir/cut.yaml" --out "$dir/cut" --no-plots -q
"$stormlab" explain "$dir/cut" >"$dir/cuo" 2>&1
stable=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["groups"]["billing"]["stable_from_s"])' "$dir/cut/summary.json")
check "summary.json: the group is not stable at the end (stable_from_s $stable)" '[ "$stable" = None ]'
check "explain says it was still rebalancing when the run ended, and crashed nothing" \
  'grep -q "not settled at the end: it was still rebalancing when the run ended$" "$dir/cuo" && ! grep -q crashed "$dir/cuo"'

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
