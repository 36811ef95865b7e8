#!/usr/bin/env bash
# `stormlab sweep` as a user runs it: a 2x2 grid gives four rows, the same
# bytes with --jobs 1 and --jobs 2 and when shards are merged; each row is
# its point's summary.json; bad values stop the sweep before it runs; merge
# refuses a missing, duplicated or foreign shard.
set -u
stormlab=$1 src=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
. "$(dirname "${BASH_SOURCE[0]}")/testlib.sh"
scn=$src/scenarios/member-cut-short.yaml
grid=(--vary groups.billing.session_timeout=10s,45s --vary groups.billing.heartbeat_interval=1s,3s)
rows() { grep -v '^#' "$1" | tail -n +2; }

"$stormlab" sweep --help >help 2>&1; rc=$?
check "sweep --help exits 0 and documents --shard and --merge" \
  '[ $rc -eq 0 ] && grep -q -- "--shard I/N" help && grep -q -- "--merge DIR" help'

"$stormlab" sweep "$scn" "${grid[@]}" --jobs 1 --out j1 --no-plots >out1 2>err1; rc1=$?
"$stormlab" sweep "$scn" "${grid[@]}" --jobs 2 --out j2 --no-plots >out2 2>err2; rc2=$?
check "a 2x2 sweep exits 0 with --jobs 1 and --jobs 2" '[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ]'
check "results.tsv has four rows, points 0..3" '[ "$(rows j1/results.tsv | cut -f1 | tr "\n" " ")" = "0 1 2 3 " ]'
check "--jobs 1 and --jobs 2 give byte-identical results.tsv" 'cmp -s j1/results.tsv j2/results.tsv'
check "each row carries its values: the last --vary changes fastest" \
  '[ "$(rows j1/results.tsv | cut -f2,3 | tr "\t\n" ", ")" = "10s,1s 10s,3s 45s,1s 45s,3s " ]'
col() { head -n "$(grep -c '^#' "$1")" "$1" >/dev/null; grep -v '^#' "$1" | head -1 | tr '\t' '\n' | grep -nx "$2" | cut -d: -f1; }
rb=$(col j1/results.tsv billing.rebalances)
check "a 10 s session turns the 20 s cut into rebalances; 45 s absorbs it" \
  '[ "$(rows j1/results.tsv | cut -f"$rb" | tr "\n" " ")" = "2 2 0 0 " ]'
for p in 0 1 2 3; do
  check "point $p has its own run directory whose summary.json matches its row" \
    '[ -s j1/points/000$p/summary.json ] && grep -q "\"rebalances\": $(rows j1/results.tsv | sed -n "$((p + 1))p" | cut -f"$rb")," j1/points/000$p/summary.json'
done
check "the human output prints the grid of billing.rebalances" 'grep -qE "^  10s +2 +2$" out2 && grep -qE "^  45s +0 +0$" out2'

# shards: any split, merged, gives the same file
for i in 1 2 3; do "$stormlab" sweep "$scn" "${grid[@]}" --shard $i/3 --out s$i -q --no-plots; done
check "shard 1/3 holds points 0 and 3 (p mod 3 = 0)" '[ "$(rows s1/results.tsv | cut -f1 | tr "\n" " ")" = "0 3 " ]'
"$stormlab" sweep --merge s1 s2 s3 --out merged --no-plots >mout 2>merr; rc=$?
check "merging shards 1..3 of 3 exits 0" '[ $rc -eq 0 ]'
check "merged shards are byte-identical to the unsharded sweep" 'cmp -s merged/results.tsv j1/results.tsv'
"$stormlab" sweep "$scn" "${grid[@]}" --shard 2/2 --out h2 -q --no-plots
"$stormlab" sweep "$scn" "${grid[@]}" --shard 1/2 --out h1 -q --no-plots
"$stormlab" sweep --merge h2/results.tsv h1 --out merged2 -q --no-plots
check "merging 2 of 2 in any order (a file or a directory) gives the same bytes" 'cmp -s merged2/results.tsv j1/results.tsv'
"$stormlab" sweep --merge s1 s2 --out m3 >out 2>err; rc=$?
check "merge refuses a missing shard, naming the point and its shard" '[ $rc -eq 2 ] && grep -q "missing: 2 (shard 3/3)" err && [ ! -e m3/results.tsv ]'
"$stormlab" sweep --merge s1 s1 s2 s3 --out m4 >out 2>err; rc=$?
check "merge refuses the same shard twice" '[ $rc -eq 2 ] && grep -q "both shard 1/3" err'
"$stormlab" sweep "$scn" --vary groups.billing.session_timeout=10s,60s --vary groups.billing.heartbeat_interval=1s,3s \
  --shard 2/3 --out other -q --no-plots
"$stormlab" sweep --merge s1 other s3 --out m5 >out 2>err; rc=$?
check "merge refuses a shard of another grid" '[ $rc -eq 2 ] && grep -q "different sweep" err'

# bad input stops the sweep before anything runs
"$stormlab" sweep "$scn" --vary groups.billing.session_timeout=2s,45s --out bad >out 2>err; rc=$?
check "a value the broker bounds refuse: exit 2, names the point, nothing runs" \
  '[ $rc -eq 2 ] && grep -q "point 0 (groups.billing.session_timeout=2s)" err && [ ! -e bad ]'
"$stormlab" sweep "$scn" --vary groups.billing.session_timeout=10s --shard 0/2 >out 2>err; rc=$?
check "--shard 0/2: exit 2, shards are numbered from 1" '[ $rc -eq 2 ] && grep -q "numbered from 1" err'
"$stormlab" sweep "$scn" --vary groups.billing.session_timeout=10s --seed +5 >out 2>err; rc=$?
check "--seed +5: exit 2, as sim, run and check refuse it" '[ $rc -eq 2 ] && grep -q "is not a seed" err'
"$stormlab" sweep "$scn" >out 2>err; rc=$?
check "no --vary: exit 2" '[ $rc -eq 2 ] && grep -q "nothing to vary" err'
"$stormlab" sweep "$scn" --vary groups.billing.session_timeout=10s,10s >out 2>err; rc=$?
check "a value twice: exit 2" '[ $rc -eq 2 ] && grep -q "given twice" err'
"$stormlab" sweep "$scn" --vary groups.billing.session_timeout=10s --metric nope >out 2>err; rc=$?
check "an unknown --metric: exit 2, listing the metrics" '[ $rc -eq 2 ] && grep -q "expected one of billing.rebalances" err'

# a YAML flow value with commas is one value
"$stormlab" sweep "$scn" --vary 'groups.billing.processing={median: 2ms, p99: 40ms},{median: 4ms, p99: 80ms}' \
  --out flow -q --no-plots; rc=$?
check "commas inside {} do not split a value" '[ $rc -eq 0 ] && [ "$(rows flow/results.tsv | wc -l)" -eq 2 ]'

"$stormlab" sweep "$scn" "${grid[@]}" --out js --json --no-plots >json 2>err; rc=$?
check "--json prints four rows with typed values" \
  '[ $rc -eq 0 ] && [ "$(python3 -c "import json; d=json.load(open(\"json\")); print(len(d), d[0][\"billing.rebalances\"], d[3][\"groups.billing.session_timeout\"])")" = "4 2 45s" ]'

if command -v gnuplot >/dev/null; then
  "$stormlab" sweep --merge s1 s2 s3 --out plotted >pout 2>perr
  check "with gnuplot: a heatmap PNG and SVG of the metric" \
    '[ -s plotted/plots/sweep-billing.rebalances.png ] && [ -s plotted/plots/sweep-billing.rebalances.svg ]'
fi
PATH=/nonexistent "$stormlab" sweep --merge s1 s2 s3 --out unplotted >pout 2>perr; rc=$?
check "without gnuplot: exit 0, one line says how to install it, results.tsv is written" \
  '[ $rc -eq 0 ] && grep -q "apt-get install gnuplot-nox" pout && [ -s unplotted/results.tsv ]'

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
