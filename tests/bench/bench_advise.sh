#!/usr/bin/env bash
# advise on the flagship: wall time of `stormlab advise` with --jobs 2, best
# of ROUNDS (default 3).  Prints the figures and the command that reruns it.
# usage: tests/bench/bench_advise.sh BUILD_DIR [ROUNDS]
set -eu
build=${1:-build} rounds=${2:-3}
scenario=$(dirname "$0")/../../scenarios/coordinator-restart-storm.yaml
best=
for _ in $(seq "$rounds"); do
  line=$("$build/stormlab" advise "$scenario" --jobs 2 --json 2>&1 >/dev/null | grep '^advise:')
  t=$(echo "$line" | sed 's/.* in \([0-9.]*\) s$/\1/')
  runs=$(echo "$line" | sed 's/^advise: \([0-9]*\) runs.*/\1/')
  if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
done
echo "advise coordinator-restart-storm --jobs 2: $runs simulations, best of $rounds: $best s wall ($(nproc) cores)"
echo "rerun: tests/bench/bench_advise.sh $build $rounds"
