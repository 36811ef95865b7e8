#!/usr/bin/env bash
# The simulator's outputs stay byte-identical through refactors (issue 14):
# every library scenario (scenarios/*.yaml), and every scenario kept for its
# digests alone (tests/data/sim-digest-scenarios/: shapes the library lacks,
# such as members that own no partition), is simulated and each output
# file's SHA-256 compared with tests/data/sim-digests.txt.
#
#   sim_outputs_unchanged.sh STORMLAB SOURCE_DIR            compare
#   sim_outputs_unchanged.sh STORMLAB SOURCE_DIR --record   rewrite the digests
#
# The oracle is recorded digests of the outputs of the binary built from
# main at 04ae79b (after the model change 38f6c78, before the engine-contract refactor), not this
# build's own output.  idle-members' were recorded at main ecc2f00, where
# members that own no partition still polled and heartbeat as timer events,
# and re-recorded by the change that made them quiet (its commit says why).
# The KIP-848 assignment interval (cluster.consumer_assignment_interval)
# re-recorded rolling-restart-kip848's and idle-members' outputs, and every
# scenario.resolved.yaml, which names the new key.  Faults that wake only the
# members they can touch (sim/consumer.c, sl_members_settle_broker) re-recorded
# idle-members' series.tsv: the consumption per second of groups a fault
# never reached, whose members before were woken into real polls by it.  A change that means to change the model (a new
# behaviour, docs/model.md) re-records with --record and says so in its
# commit; a refactor must not need to.
set -u
stormlab=$1 src=$2 mode=${3:-compare}
digests="$src/tests/data/sim-digests.txt"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
: >"$dir/now"
for f in "$src"/scenarios/*.yaml "$src"/tests/data/sim-digest-scenarios/*.yaml; do
    n=$(basename "$f" .yaml)
    if ! "$stormlab" sim "$f" --out "$dir/$n" --no-plots -q >"$dir/$n.txt" 2>&1; then
        cat "$dir/$n.txt"
        echo "FAIL: stormlab sim $n exited non-zero"
        exit 1
    fi
    for o in trace.jsonl series.tsv summary.json log.txt scenario.resolved.yaml; do
        printf '%s  %s/%s\n' "$(sha256sum <"$dir/$n/$o" | cut -d' ' -f1)" "$n" "$o" >>"$dir/now"
    done
done
if [ "$mode" = --record ]; then
    cp "$dir/now" "$digests"
    echo "recorded $(wc -l <"$digests") digests in $digests"
    exit 0
fi
# Given the recorded digests; when every library scenario is simulated now;
# then every output file is byte-identical.
if diff -u "$digests" "$dir/now" >"$dir/diff"; then
    echo "$(wc -l <"$digests") output files byte-identical to the recorded digests"
    exit 0
fi
echo "FAIL: simulator outputs changed (expected the recorded digest, got this build's):"
grep '^[-+][0-9a-f]' "$dir/diff"
exit 1
