#!/usr/bin/env bash
# `stormlab explain` as a user runs it.  Given member-cut-long, whose only
# injected event is one network partition, when explain reads the run, then
# it names that partition as the root of both rebalances, with a chain that
# follows trace.jsonl's causes and a first signal that is a real log.txt line.
set -u
stormlab=$1 src=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/testlib.sh"

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

# Contributing causes.  Given the flagship, where the scale-out at 8m starts
# rebalance 11 and the stalled billing/4 holds it open until its poll timeout
# at 12m, and storm-rolling-broker-restart, where the broker restarts start
# no rebalance of their own but move the coordinator during rebalance 2:
# explain --json lists, for every rebalance, the other roots that changed it
# while it ran.  Oracle 1: the same rule computed here from trace.jsonl
# (events of the group between the rebalance's start and the group's next
# stable state or next rebalance, of the kinds docs/explain.md lists, walked
# to their roots).  Oracle 2, the counterfactual: without the contributing
# event the rebalance is different (shorter, or not there at all).
for sc in coordinator-restart-storm storm-rolling-broker-restart; do
  "$stormlab" sim "$src/scenarios/$sc.yaml" --out "$dir/$sc" --no-plots -q
  "$stormlab" explain "$dir/$sc" --json >"$dir/$sc.json" 2>&1
  "$stormlab" explain "$dir/$sc" >"$dir/$sc.txt" 2>&1
  python3 - "$dir/$sc" "$dir/$sc.json" >"$dir/also.py.out" 2>&1 <<'EOF2'; rc=$?
import json, sys
run, got = sys.argv[1], json.load(open(sys.argv[2]))
ev = [json.loads(l) for l in open(f"{run}/trace.jsonl")]
by_seq = {e["seq"]: e for e in ev}
def root(e):
    while e.get("cause") is not None:
        e = by_seq[e["cause"]]
    return e["seq"]
kinds = {"member.join", "member.left", "member.removed", "member.session_expired", "member.fenced",
         "member.poll_timeout", "member.crashed", "member.static_rejoin", "member.revocation_timeout",
         "coordinator.unload", "group.join.complete", "group.stable", "group.store_failed"}
want, settled, n = [], set(), {}
for i, e in enumerate(ev):
    g = e.get("group")
    if e["kind"] == "group.settled":
        settled.add(g)
    if e["kind"] != "group.rebalance.start" or g not in settled:
        continue
    n[g] = n.get(g, 0) + 1
    also = []
    for f in ev[i + 1:]:
        if f.get("group") != g:
            continue
        if f["kind"] == "group.rebalance.start":
            break
        r = root(f)
        if f["kind"] in kinds and r != root(e) and r not in also:
            also.append(r)
        if f["kind"] == "group.stable":
            break
    want.append((g, n[g], also))
have = [(r["group"], r["number"], [a["seq"] for a in r["also"]]) for r in got["rebalances"]]
if want != have:
    print("explain --json's also differs from the trace's:\n want", want, "\n have", have)
    sys.exit(1)
print(json.dumps([w for w in want if w[2]]))
EOF2
  check "$sc: explain --json's contributing causes are the trace's ($(cat "$dir/also.py.out"))" '[ $rc -eq 0 ]'
done
check "flagship: rebalance 11 (the scale-out) lists the stall of billing/4 as contributing" \
  'sed -n "/^billing rebalance 11 /,/^billing rebalance 12 /p" "$dir/coordinator-restart-storm.txt" | grep -q "also: *action.stall at 00:07:00.000: stall billing/4; through member.poll_timeout billing/4 at 00:12:00.000"'
check "flagship: by root gives the stall rebalance 12 and its part in 11" \
  'grep -qE "action.stall +stall billing/4 +billing rebalances 12; contributed to billing 11 " "$dir/coordinator-restart-storm.txt"'
check "broker restarts: no rebalance of their own, but they contributed to rebalance 2" \
  'grep -qE "action.restart +restart \(hard\) broker/1-3 +no rebalance of its own; contributed to billing 2 " "$dir/storm-rolling-broker-restart.txt"'
# the counterfactuals, each a run of the scenario file with the event removed
span() { python3 - "$1" "$2" <<'EOF2'
import json, sys
ev = [json.loads(l) for l in open(f"{sys.argv[1]}/trace.jsonl")]
start = [e for e in ev if e["kind"] == "group.rebalance.start" and e["t_us"] >= float(sys.argv[2]) * 1e6][0]
end = [e for e in ev if e["kind"] == "group.stable" and e["t_us"] > start["t_us"]][0]
print(round((end["t_us"] - start["t_us"]) / 1e6, 1))
EOF2
}
"$stormlab" sim "$src/scenarios/coordinator-restart-storm.yaml" --set events.5.skip=true --out "$dir/nostall" --no-plots -q
with=$(span "$dir/coordinator-restart-storm" 480) without=$(span "$dir/nostall" 480)
check "counterfactual: the scale-out's rebalance lasts $with s with the stall, $without s without it" \
  'python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > 10 * float(sys.argv[2]) else 1)" "$with" "$without"'
"$stormlab" sim "$src/scenarios/storm-rolling-broker-restart.yaml" --set events.2.skip=true --out "$dir/norestart" --no-plots -q
r2=$(span "$dir/storm-rolling-broker-restart" 110) r2n=$(span "$dir/norestart" 110)
check "counterfactual: rebalance 2 (at 1m56.9s) lasts $r2 s with the broker restarts, $r2n s without them" \
  'python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > 2 * float(sys.argv[2]) else 1)" "$r2" "$r2n"'
"$stormlab" sim "$src/scenarios/coordinator-restart-storm.yaml" --out "$dir/flag-report" -q
check "report.html lists the stall among rebalance 11's contributing causes, and the stall's row links it" \
  'sed -n "/id=\"rb-billing-11\"/,/<\/article>/p" "$dir/flag-report/report.html" | grep -q "Also contributed:</strong> stall billing/4" &&
   grep -q "stall billing/4</td><td class=\"list\"><a href=\"#rb-billing-12\">billing 12</a></td><td class=\"list\"><a href=\"#rb-billing-11\">billing 11</a>" "$dir/flag-report/report.html"'

# KIP-848: no join phase, each rebalance is a group epoch bump.  Given the
# library's KIP-848 rolling restart, explain numbers each rebalance with the
# epoch it produced: consecutive epochs, the last one summary.json's
# generation, none "(none: the run ended first)".
"$stormlab" sim "$src/scenarios/rolling-restart-kip848.yaml" --out "$dir/k848" --no-plots -q
"$stormlab" explain "$dir/k848" >"$dir/k848.txt" 2>&1
gens=$(sed -n 's/^billing rebalance [0-9]* -> generation \([0-9]*\), .*/\1/p' "$dir/k848.txt" | tr '\n' ' ')
final=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["groups"]["billing"]["generation"])' "$dir/k848/summary.json")
n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["groups"]["billing"]["rebalances"])' "$dir/k848/summary.json")
check "KIP-848: $n rebalances, each names its epoch, consecutive, ending at summary.json's generation $final (got: $gens)" \
  'python3 -c "import sys; g=[int(x) for x in sys.argv[1].split()]; sys.exit(0 if len(g) == int(sys.argv[3]) and g == list(range(g[0], g[0] + len(g))) and g[-1] == int(sys.argv[2]) else 1)" "$gens" "$final" "$n" &&
   ! grep -q "the run ended first" "$dir/k848.txt"'

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
