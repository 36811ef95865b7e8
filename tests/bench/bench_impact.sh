#!/usr/bin/env bash
# Counterfactual impact as a user gets it: the wall time `stormlab sim
# --impact` adds to `stormlab sim` (the run with every scenario event
# removed in turn, plus the faults-only and nothing-injected baselines, each
# simulated in process without outputs), best of ROUNDS (default 3), on the
# flagship and on a 1,000-member, one-hour scenario with six events.
# usage: tests/bench/bench_impact.sh BUILD_DIR [ROUNDS]
set -eu
build=${1:-build} rounds=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
best() { # best wall seconds of ROUNDS runs of "$@"
  local b= t
  for _ in $(seq "$rounds"); do
    /usr/bin/time -f %e -o "$dir/t" "$@" >/dev/null 2>&1
    t=$(tail -1 "$dir/t")
    if [ -z "$b" ] || awk "BEGIN{exit !($t < $b)}"; then b=$t; fi
  done
  echo "$b"
}
for sc in "$here/../../scenarios/coordinator-restart-storm.yaml" "$here/bench-1000-members-6-events.yaml"; do
  name=$(basename "$sc" .yaml)
  plain=$(best "$build/stormlab" sim "$sc" --no-plots -q --out "$dir/p")
  with=$(best "$build/stormlab" sim "$sc" --no-plots -q --impact --out "$dir/i")
  events=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["impact"]))' "$dir/i/summary.json")
  echo "$name: sim $plain s, sim --impact $with s: impact of $events events + 2 baselines adds $(awk "BEGIN{printf \"%.2f\", $with - $plain}") s (best of $rounds, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
done
echo "rerun: tests/bench/bench_impact.sh $build $rounds"
