#!/usr/bin/env bash
# `stormlab sim` as a user runs it: help, exit codes, the run directory,
# the human summary, --json, --set and --seed.
set -u
stormlab=$1 src=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/testlib.sh"

"$stormlab" --help >"$dir/help" 2>&1; rc=$?
check "stormlab --help exits 0 and lists sim" '[ $rc -eq 0 ] && grep -q "sim SCENARIO" "$dir/help"'
"$stormlab" sim --help >"$dir/simhelp" 2>&1; rc=$?
check "stormlab sim --help exits 0 and documents --set" '[ $rc -eq 0 ] && grep -q -- "--set PATH=VALUE" "$dir/simhelp"'
"$stormlab" help sim >"$dir/help2" 2>&1; rc=$?
check "stormlab help sim shows the same help" '[ $rc -eq 0 ] && cmp -s "$dir/simhelp" "$dir/help2"'

"$stormlab" sim "$src/scenarios/member-cut-long.yaml" --out "$dir/run" >"$dir/out" 2>&1; rc=$?
check "a run exits 0" '[ $rc -eq 0 ]'
for f in trace.jsonl series.tsv summary.json log.txt scenario.resolved.yaml; do
  check "the run directory has $f" '[ -s "$dir/run/$f" ]'
done
check "no partial file is left" '[ -z "$(ls -A "$dir/run" | grep partial)" ]'
check "the summary line names the group and its 2 rebalances" 'grep -qE "^billing +2 " "$dir/out"'

"$stormlab" sim "$src/scenarios/member-cut-long.yaml" --out "$dir/run2" --json >"$dir/json" 2>&1
check "--json prints summary.json" 'cmp -s "$dir/json" "$dir/run2/summary.json"'

"$stormlab" sim "$src/scenarios/member-cut-long.yaml" --out "$dir/run3" -q --seed 0 \
  --set groups.billing.session_timeout=90s --set groups.billing.heartbeat_interval=3s >"$dir/q" 2>&1; rc=$?
check "--quiet prints nothing" '[ $rc -eq 0 ] && [ ! -s "$dir/q" ]'
check "--seed 0 is a seed, recorded in the outputs" 'grep -q "\"seed\": 0," "$dir/run3/summary.json" && grep -q "^seed: 0$" "$dir/run3/scenario.resolved.yaml"'
check "--set session_timeout=90s outlasts the 60 s cut: no rebalance" 'grep -q "\"rebalances\": 0" "$dir/run3/summary.json"'

# Given a parent that ignores SIGCHLD (the disposition survives exec), when
# sim draws its plots, then it still waits for each gnuplot and succeeds:
# main() puts SIGCHLD back to default, else the kernel reaps them first.
if command -v gnuplot >/dev/null && command -v perl >/dev/null; then
  perl -e '$SIG{CHLD} = "IGNORE"; exec @ARGV' "$stormlab" sim "$src/scenarios/member-cut-short.yaml" \
    --out "$dir/ignored-chld" -q >"$dir/chld.out" 2>&1; rc=$?
  check "plots are drawn under an ignored SIGCHLD (rc $rc)" '[ $rc -eq 0 ] && ls "$dir/ignored-chld/plots/"*.svg >/dev/null'
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
