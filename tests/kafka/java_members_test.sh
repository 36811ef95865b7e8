#!/usr/bin/env bash
# client: java members on the Apache Kafka test cluster (docs/real-runs.md,
# "Java members"): every member is its own JVM running the real consumer.
#
#   java_members_test.sh STORMLAB SRC
set -uo pipefail
stormlab=$1 src=$2
. "$src/tests/kafka/testlib.sh"
require_cluster
eval "$(bash "$cluster" env)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
scenario="$src/tests/kafka/java/java-members.yaml"
group=java-members
state=$STORMLAB_KAFKA_DIR

# Given the test cluster and a scenario of three Java members,
# when stormlab runs it (the brokers' logs marked first),
declare -A offset
for n in 1 2 3; do offset[$n]=$(stat -c %s "$state/node$n/logs/server.log" 2>/dev/null || echo 0); done
"$stormlab" run "$scenario" --cluster kafka --cluster-file "$STORMLAB_KAFKA_CLUSTER_FILE" --out "$work/run" \
    --no-plots -q >"$work/out.txt" 2>&1
rc=$?
for n in 1 2 3; do tail -c +"$((offset[$n] + 1))" "$state/node$n/logs/server.log" 2>/dev/null; done >"$work/brokers.log"
run=$work/run

# then it completes,
check "the run exits 0 (expected 0, got $rc: $(tail -3 "$work/out.txt"))" '[ "$rc" -eq 0 ]'
# every member's log lines are the Java client's own,
for n in 1 2 3; do
    check "log.txt holds member $n's Java client lines ([Consumer clientId=stormlab-$group-$n, groupId=$group])" \
        "grep -q ' $group/$n .*\[Consumer clientId=stormlab-$group-$n, groupId=$group\]' '$run/log.txt'"
done
check "log.txt holds the Java client's join ('Successfully joined group with generation')" \
    "grep -q ' $group/[123] .*Successfully joined group with generation Generation{generationId=' '$run/log.txt'"
# and none in librdkafka's vocabulary (its facilities, its thread prefix),
bad=$(grep -cE " $group/[123] +(\[thrd:|(JOIN|JOINGROUP|HEARTBEAT|REBALANCE|CGRPOP|SESSTMOUT|MAXPOLL|ASSIGN) \[)" "$run/log.txt")
check "no librdkafka-format lines for Java members (expected 0, got $bad)" '[ "$bad" -eq 0 ]'
# the trace says which client it ran and what was done to its process,
starts=$(grep -c '"kind":"member.start".*Java consumer started (pid' "$run/trace.jsonl")
check "member.start says Java consumer for 3 members and the restart (expected 4, got $starts)" '[ "$starts" -eq 4 ]'
check "the hard restart killed the process (member.stop: process killed)" \
    "grep -q '\"kind\":\"member.stop\",.*\"node\":\"$group/1\".*process killed' '$run/trace.jsonl'"
check "the pause froze the process (member.paused: SIGSTOP)" \
    "grep -q '\"kind\":\"member.paused\".*SIGSTOP' '$run/trace.jsonl'"
# and the generation it ends in is the coordinator's own.
kgen=$(sed -n "s/.*Stabilized group $group generation \([0-9]*\) with.*/\1/p" "$work/brokers.log" | sort -n | tail -1)
sgen=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['groups']['$group']['generation'])" "$run/summary.json" 2>/dev/null)
check "summary.json's last generation is the coordinator's last Stabilized one (expected ${kgen:-none}, got ${sgen:-none})" \
    '[ -n "$kgen" ] && [ "$sgen" = "$kgen" ]'
lost=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['records']['java-members']['lost'])" "$run/summary.json" 2>/dev/null)
check "no acknowledged record is lost (expected 0, got ${lost:-none})" '[ "$lost" = 0 ]'
finish
