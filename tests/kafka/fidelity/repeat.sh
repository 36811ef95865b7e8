#!/usr/bin/env bash
# One fidelity scenario on Apache Kafka N times (docs/fidelity.md): every run's
# summary.json rebalances must equal the coordinator's log (measure.py asserts
# that per run) and all N runs must report the same count.
#
#   repeat.sh STORMLAB SCENARIO.yaml OUTDIR [N=5]
#
# Exit 77 (skipped) when the cluster is not up, as fidelity.sh.
set -uo pipefail
stormlab=$1 scenario=$2 out=$3 n=${4:-5}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
name=$(basename "$scenario" .yaml)
counts=() failed=0
mkdir -p "$out"
for i in $(seq 1 "$n"); do
    # Given the same scenario and seed; when it runs on Kafka again
    FIDELITY_BACKENDS=sim,kafka bash "$here/fidelity.sh" "$stormlab" "$scenario" "$out/$i/$name" \
        >"$out/$i.txt" 2>&1
    rc=$?
    [ $rc -eq 77 ] && { cat "$out/$i.txt"; exit 77; }
    grep -E "run count|rebalances" "$out/$i.txt" | sed "s/^/run $i:/"
    # then its own count is the coordinator's (fidelity.sh's measure.py)
    if ! grep -q "run count" "$out/$i.txt"; then
        tail -5 "$out/$i.txt"
        echo "FAIL: run $i did not complete (see $out/$i.txt)"
        failed=1
    elif ! grep -q "PASS run count" "$out/$i.txt"; then
        echo "FAIL: run $i: summary.json's rebalances differ from the coordinator log (see $out/$i.txt)"
        failed=1
    fi
    counts+=("$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(next(iter(j["groups"].values()))["rebalances"])' \
        "$out/$i/$name/kafka/summary.json" 2>/dev/null || echo missing)")
done
echo "rebalances over $n runs: ${counts[*]}"
# and every run reports the same count
if [ "$(printf '%s\n' "${counts[@]}" | sort -u | wc -l)" -ne 1 ] || [ "${counts[0]}" = missing ]; then
    echo "FAIL: the $n runs of $name disagree: ${counts[*]} (expected one count)"
    failed=1
fi
exit $failed
