#!/usr/bin/env bash
# How fast stormlab refuses hostile inputs (docs/reliability.md, "Limits").
# The tests (check_scenario, cli_bad_inputs, attacks) check that each is
# refused with exit 2 and file:line:col; this times the refusals, so a
# limit that stops bounding the work shows here, not as a flaky timed test.
#
#   tests/bench/bench_hostile.sh [BUILD_DIR] [ROUNDS]     (default build, 5)
#
# Prints, per input, the median and worst wall time of ROUNDS runs of the
# CLI (process start-up included) and the machine's load average.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
rounds=${2:-5}
stormlab=$(cd "$build" && pwd)/stormlab
[ -x "$stormlab" ] || { echo "bench_hostile: no $stormlab (build first)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
export STORMLAB_STATE_DIR="$tmp/state"

# The inputs: the scenario bombs of tests/cli/bad_inputs.sh, the cluster
# files and the output budget of tests/run/attacks.sh.
{ printf 'name: x\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
  prev=a; for k in b c d e f g h i; do printf '%s: &%s [' "$k" "$k"; for n in 1 2 3 4 5 6 7 8; do printf '*%s,' "$prev"; done; printf '*%s]\n' "$prev"; prev=$k; done; } > alias-bomb.yaml
{ printf 'name: x\ntopics: '; head -c 10000 /dev/zero | tr '\0' '['; echo; } > deep-nesting.yaml
printf 'name: x\ntopics: [{name: t, partitions: 1000000000000}]\n' > absurd-size.yaml
python3 -c 'import sys; sys.stdout.write("name: big\n# " + "x" * (100 << 20) + "\n")' > huge-100mb.yaml
python3 -c '
print("name: budget\nduration: 720h\nsample: 1s\ncluster: {brokers: 3}\ntopics:\n  - {name: t, partitions: 1}\ngroups:")
for g in range(1000): print("  - {id: g%d, topics: [t], members: 1}" % g)' > budget.yaml
python3 -c 'import sys; sys.stdout.write("brokers: " + "[" * 100000 + "]" * 100000 + "\n")' > cf-deep.yaml
python3 -c '
print("commands: {kill: \"true\", start: \"true\"}\nbrokers:")
for i in range(200000): print("  - id: %d" % i)' > cf-200k-brokers.yaml
cp "$root/tests/data/run/sigterm.yaml" run.yaml

# name | command (exit 2 expected)
cases=(
  "scenario: alias bomb|$stormlab sim alias-bomb.yaml --out o"
  "scenario: nesting 10,000 deep|$stormlab sim deep-nesting.yaml --out o"
  "scenario: 1e12 partitions|$stormlab sim absurd-size.yaml --out o"
  "scenario: 100 MB file|$stormlab sim huge-100mb.yaml --out o"
  "scenario: 93 GB of series.tsv (output budget)|$stormlab sim budget.yaml --out o"
  "cluster file: nesting 100,000 deep|$stormlab run run.yaml --cluster kafka --cluster-file cf-deep.yaml --dry-run"
  "cluster file: 200,000 brokers|$stormlab run run.yaml --cluster kafka --cluster-file cf-200k-brokers.yaml --dry-run"
)
printf '%-48s %10s %10s\n' "hostile input (refused, exit 2)" "median ms" "worst ms"
for c in "${cases[@]}"; do
  name=${c%%|*} cmd=${c#*|}
  times=()
  for _ in $(seq "$rounds"); do
    t0=$(date +%s%N)
    set +e; $cmd >/dev/null 2>&1; rc=$?; set -e
    times+=($((($(date +%s%N) - t0) / 1000000)))
    [ "$rc" -eq 2 ] || { echo "bench_hostile: $name: exit $rc, expected 2" >&2; exit 1; }
  done
  sorted=($(printf '%s\n' "${times[@]}" | sort -n))
  printf '%-48s %10s %10s\n' "$name" "${sorted[$((rounds / 2))]}" "${sorted[$((rounds - 1))]}"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
echo "rerun: tests/bench/bench_hostile.sh $build $rounds"
