#!/usr/bin/env bash
# `stormlab check` as a CI job runs it: a kept and a breached expectation,
# exit codes, the reproduce line (which really reproduces), --seeds, and the
# JUnit XML read back with a real XML parser (python3's xml.etree).
set -u
stormlab=$1 src=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
. "$(dirname "${BASH_SOURCE[0]}")/testlib.sh"
# xq FILE EXPR: evaluates a python expression over the parsed JUnit root `r`
xq() { python3 -c 'import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
print(eval(sys.argv[2]))' "$1" "$2"; }
kept=$src/scenarios/broker-rolling-restart.yaml
cut=$src/scenarios/member-cut-short.yaml

"$stormlab" check --help >help 2>&1; rc=$?
check "check --help exits 0 and documents --junit, --seeds and --cluster" \
  '[ $rc -eq 0 ] && grep -q -- "--junit FILE" help && grep -q -- "--seeds K" help && grep -q -- "--cluster mock|kafka" help'

# given a scenario whose gates all hold
"$stormlab" check "$kept" --junit kept.xml >out 2>err; rc=$?
check "kept gates: exit 0" '[ $rc -eq 0 ]'
check "kept gates: every gate printed with ok" '[ "$(grep -c " ok$" out)" -eq 9 ] && ! grep -q BREACH out'
check "kept gates: the summary line says ok" 'grep -q "^check: ok: 9 gates kept in 1 run" out'
check "kept gates: JUnit parses with 9 testcases, no failure" \
  '[ "$(xq kept.xml "r.get(\"tests\"), r.get(\"failures\"), r.get(\"errors\"), len(r.findall(\".//testcase\"))")" = "('"'"'9'"'"', '"'"'0'"'"', '"'"'0'"'"', 9)" ]'
check "kept gates: the run directory is written" '[ -s runs/check/broker-rolling-restart/seed-3/summary.json ]'

# the gate's position in the scenario file, however its description grows
gate_line=$(grep -n "^    rebalances:" "$cut" | head -1 | cut -d: -f1)

# given the CI question: does session.timeout.ms=10s make a rehearsed incident worse?
"$stormlab" check "$cut" --set groups.billing.session_timeout=10s --junit breach.xml >out 2>err; rc=$?
check "breached gate: exit 1" '[ $rc -eq 1 ]'
check "breached gate: the table says BREACH with the value" 'grep -qE "billing.rebalances +<= 0 +2 +BREACH" out'
check "breached gate: file:line:col, expected vs got" \
  'grep -q "member-cut-short.yaml:$gate_line:5: billing.rebalances: expected <= 0, got 2" out'
check "breached gate: JUnit has one failure saying expected vs got and the seed" \
  '[ "$(xq breach.xml "r.get(\"failures\"), r.find(\".//failure\").get(\"message\")")" = "('"'"'1'"'"', '"'"'billing.rebalances: expected <= 0, got 2 (seed 1)'"'"')" ]'
check "breached gate: the JUnit failure text has the reproduce command" \
  'xq breach.xml "r.find(\".//failure\").text" | grep -q -- "reproduce: .* sim .*member-cut-short.yaml --seed 1 --set groups.billing.session_timeout=10s"'
check "breached gate: the testcase names file and line" \
  '[ "$(xq breach.xml "r.find(\".//testcase\").get(\"line\")")" = "$gate_line" ]'
repro=$(sed -n 's/^  reproduce: //p' out)
eval "$repro --out repro --no-plots -q" 2>/dev/null
check "the printed reproduce command reproduces the breach (2 rebalances)" \
  'grep -q "\"rebalances\": 2," repro/summary.json && cmp -s repro/summary.json runs/check/member-cut-short/seed-1/summary.json'

# given several seeds
"$stormlab" check "$cut" --seeds 3 --seed 5 --junit seeds.xml -q >out 2>err; rc=$?
check "--seeds 3 --seed 5: exit 0, quiet prints nothing" '[ $rc -eq 0 ] && [ ! -s out ]'
check "--seeds 3 --seed 5: three suites, seeds 5, 6, 7" \
  '[ "$(xq seeds.xml "[s.find(\"properties/property[@name=\\\"seed\\\"]\").get(\"value\") for s in r.findall(\"testsuite\")]")" = "['"'"'5'"'"', '"'"'6'"'"', '"'"'7'"'"']" ]'

# given two scenarios, one breaching
"$stormlab" check "$kept" "$src/scenarios/isr-lost-records.yaml" --junit two.xml >out 2>err; rc=$?
check "two scenarios, one breaching: exit 1, two suites, breaches only in the second" \
  '[ $rc -eq 1 ] && [ "$(xq two.xml "[s.get(\"failures\") != \"0\" for s in r.findall(\"testsuite\")]")" = "[False, True]" ]'

"$stormlab" check "$cut" --json >json 2>err; rc=$?
check "--json prints parseable results" \
  '[ $rc -eq 0 ] && [ "$(python3 -c "import json,sys; d=json.load(open(\"json\")); print(d[\"ok\"], d[\"results\"][0][\"gates\"][0][\"value\"])")" = "True 0" ]'

# bad input: nothing runs, exit 2
"$stormlab" check nope.yaml "$kept" --junit bad.xml --out badruns >out 2>err; rc=$?
check "a missing scenario: exit 2, nothing runs" '[ $rc -eq 2 ] && [ ! -e badruns ] && grep -q "nothing was run" err'
check "a missing scenario: the JUnit file reports it as an error" \
  '[ "$(xq bad.xml "r.get(\"errors\")")" = 1 ]'
printf 'name: x\ntopics: [{name: t}]\ngroups: [{id: g, topics: [t]}]\nexpect:\n  - group: g\n    rebalancez: 1\n' >badgate.yaml
"$stormlab" check badgate.yaml >out 2>err; rc=$?
check "a bad expect: key: exit 2 naming file:line:col" '[ $rc -eq 2 ] && grep -q "badgate.yaml:6:5" err'
"$stormlab" check "$cut" --cluster moc >out 2>err; rc=$?
check "--cluster moc: exit 2, expected mock or kafka" '[ $rc -eq 2 ] && grep -q "expected mock or kafka" err'
"$stormlab" check "$cut" --cluster mock --bootstrap 127.0.0.1:1 >out 2>err; rc=$?
check "--bootstrap without --cluster kafka: exit 2" '[ $rc -eq 2 ] && grep -q "go with --cluster kafka" err'
"$stormlab" check "$cut" --seeds 0 >out 2>err; rc=$?
check "--seeds 0: exit 2" '[ $rc -eq 2 ] && grep -q "expected an integer 1.." err'
"$stormlab" check >out 2>err; rc=$?
check "no scenario: exit 2" '[ $rc -eq 2 ] && grep -q "missing SCENARIO" err'
"$stormlab" check "$cut" --out /proc/stormlab-cannot-write >out 2>err; rc=$?
check "an unwritable run directory: exit 3" '[ $rc -eq 3 ] && grep -q "could not run" err'

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
