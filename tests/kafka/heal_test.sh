#!/usr/bin/env bash
# Guaranteed healing on Apache Kafka (docs/reliability.md): given
# `stormlab run --cluster kafka` has killed broker 2 and frozen broker 3
# through the cluster file's commands; when stormlab itself dies of SIGKILL
# (no handler runs, nothing brings them back); then both stay down, its heal
# state file says how to undo each, and `stormlab heal` runs those commands
# (cluster.sh start 2, cluster.sh resume 3): the cluster serves on all three
# nodes again and no state file is left.  Exit 77 when no cluster is up
# (unless STORMLAB_REQUIRE_KAFKA=1).
set -u
stormlab=$1 src=$2
. "$src/tests/kafka/testlib.sh"
require_cluster
dir=$(mktemp -d)
export STORMLAB_STATE_DIR="$dir/state"
pid=
cleanup() {
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    # Whatever happened above, the next test gets a whole cluster.
    bash "$cluster" resume 3 >/dev/null 2>&1
    bash "$cluster" start 2 >/dev/null 2>&1
    bash "$cluster" wait 120 >/dev/null 2>&1
    rm -rf "$dir"
}
trap cleanup EXIT
eval "$(bash "$cluster" env)"
node_state() { bash "$cluster" status | awk -v n="$1" '$1 == "node" && $2 == n {print $3}'; }

cat >"$dir/heal.yaml" <<'EOF'
name: kafka-heal
duration: 300s
cluster:
  brokers: 3
topics:
  - {name: kafka-heal, partitions: 3, replication: 3, produce_rate: 20/s}
groups:
  - {id: kafka-heal, topics: [kafka-heal], members: 1, client: librdkafka, session_timeout: 6s, heartbeat_interval: 1s}
events:
  - {at: 3s, restart: broker/2, mode: hard, for: 250s}
  - {at: 4s, restart: broker/3, mode: pause, for: 250s}
EOF
out="$dir/out"
"$stormlab" run "$dir/heal.yaml" --cluster kafka --cluster-file "$STORMLAB_KAFKA_CLUSTER_FILE" --out "$out" \
    --no-plots >"$dir/run.out" 2>&1 &
pid=$!
for _ in $(seq 1 300); do # both faults in place: at most 60 s
    grep -q "broker.paused" "$out/.trace.jsonl.partial" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
done
check "the run injected both faults (trace: broker.down, broker.paused)" \
    'grep -q "\"kind\":\"broker.down\"" "$out/.trace.jsonl.partial" && grep -q "\"kind\":\"broker.paused\"" "$out/.trace.jsonl.partial" || { cat "$dir/run.out"; false; }'
kill -KILL "$pid"
wait "$pid" 2>/dev/null
rc=$?
pid=
check "stormlab died of SIGKILL (exit $rc)" '[ $rc -eq 137 ]'
check "broker 2 is still down and broker 3 still frozen: nothing healed them" \
    '[ "$(node_state 2)" = down ] && [ "$(node_state 3)" = paused ] || { bash "$cluster" status; false; }'
check "the heal state file holds the command that undoes each" \
    'grep -q "\"undo\":\[[^]]*cluster.sh\",\"start\",\"2\"\]" "$STORMLAB_STATE_DIR"/run-*.jsonl &&
     grep -q "\"undo\":\[[^]]*cluster.sh\",\"resume\",\"3\"\]" "$STORMLAB_STATE_DIR"/run-*.jsonl ||
     { cat "$STORMLAB_STATE_DIR"/run-*.jsonl; false; }'

t0=$SECONDS
"$stormlab" heal >"$dir/heal.out" 2>&1
rc=$?
cat "$dir/heal.out"
check "stormlab heal exits 0 having run both undo commands (exit $rc)" \
    '[ $rc -eq 0 ] && grep -q "running: .*cluster.sh resume 3" "$dir/heal.out" && grep -q "running: .*cluster.sh start 2" "$dir/heal.out" &&
     grep -q "2 undo commands run" "$dir/heal.out"'
bash "$cluster" wait 120 >/dev/null 2>&1
check "the cluster serves on all three nodes again ($((SECONDS - t0)) s after the heal began)" \
    'bash "$cluster" check || { bash "$cluster" status; false; }'
check "no heal state file and no partial output is left" \
    '[ -z "$(ls -A "$STORMLAB_STATE_DIR")" ] && [ -z "$(ls -A "$out" | grep partial)" ]'
"$stormlab" heal >"$dir/heal2.out" 2>&1
rc=$?
check "a second heal finds nothing (exit $rc)" '[ $rc -eq 0 ] && grep -q "nothing to heal" "$dir/heal2.out"'

finish
