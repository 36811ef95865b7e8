#!/usr/bin/env bash
# tests/kafka/cluster.sh and its cluster file, against the running test
# cluster.  Given the cluster started by `cluster.sh start`, then status and
# check see three serving nodes; the cluster file it wrote loads in
# `stormlab run --cluster kafka` and names this script's own commands; pause
# and resume freeze and thaw one node, kill and start bring it down and back;
# and a second cluster whose start fails half-way (it cannot serve within
# its timeout) leaves no process behind.  Exit 77 when no cluster is up
# (unless STORMLAB_REQUIRE_KAFKA=1).
set -u
stormlab=$1 src=$2
. "$src/tests/kafka/testlib.sh"
require_cluster
dir=$(mktemp -d)
other="$dir/other"
cleanup() {
    STORMLAB_KAFKA_DIR="$other" bash "$cluster" stop >/dev/null 2>&1
    bash "$cluster" resume 3 >/dev/null 2>&1
    rm -rf "$dir"
}
trap cleanup EXIT
eval "$(bash "$cluster" env)"

bash "$cluster" status >"$dir/status"; rc=$?
check "status: exit 0, three nodes up, the cluster file named" \
  '[ $rc -eq 0 ] && [ "$(grep -c "  up  " "$dir/status")" -eq 3 ] && grep -q "cluster file: $STORMLAB_KAFKA_CLUSTER_FILE" "$dir/status"'
check "env: a loopback bootstrap of three brokers and the cluster id" \
  '[[ "$STORMLAB_KAFKA_BOOTSTRAP" =~ ^127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+$ ]] && [ -n "$STORMLAB_KAFKA_CLUSTER_ID" ]'
check "the cluster file expects this cluster id and has every action" \
  'grep -q "^cluster_id: $STORMLAB_KAFKA_CLUSTER_ID$" "$STORMLAB_KAFKA_CLUSTER_FILE" &&
   for a in stop start kill pause resume; do grep -q "^  $a: env .*cluster.sh. $a {id}$" "$STORMLAB_KAFKA_CLUSTER_FILE" || exit 1; done'

# The cluster file as stormlab reads it: a dry run of a scenario that kills,
# stops and pauses brokers prints the commands it would run.
cat >"$dir/ops.yaml" <<'EOF'
name: cluster-file-ops
duration: 60s
topics:
  - {name: cluster-file-ops, partitions: 3, replication: 3}
groups:
  - {id: cluster-file-ops, topics: [cluster-file-ops], members: 1, client: librdkafka}
events:
  - {at: 10s, restart: broker/1, mode: hard, for: 5s}
  - {at: 20s, restart: broker/2, mode: controlled, for: 5s}
  - {at: 30s, restart: broker/3, mode: pause, for: 5s}
EOF
"$stormlab" run "$dir/ops.yaml" --cluster kafka --cluster-file "$STORMLAB_KAFKA_CLUSTER_FILE" --dry-run \
  >"$dir/dry" 2>&1; rc=$?
check "stormlab run --dry-run accepts the cluster file and shows kill, stop, pause and their undo" \
  '[ $rc -eq 0 ] && for a in "kill 1" "start 1" "stop 2" "start 2" "pause 3" "resume 3"; do
     grep -q "cluster.sh $a" "$dir/dry" || { cat "$dir/dry"; exit 1; }; done'

# The commands themselves, on node 3.
bash "$cluster" pause 3
bash "$cluster" status >"$dir/status"
check "pause: node 3 frozen (SIGSTOP), check fails" \
  'grep -qE "^node 3  paused" "$dir/status" && ! bash "$cluster" check'
bash "$cluster" resume 3
check "resume: node 3 up again" 'bash "$cluster" check'
t0=$(date +%s%N)
bash "$cluster" kill 3
t1=$(date +%s%N)
bash "$cluster" status >"$dir/status"
check "kill: node 3 gone at once (under 1 s)" \
  'grep -qE "^node 3  down" "$dir/status" && [ $(((t1 - t0) / 1000000)) -lt 1000 ]'
bash "$cluster" start 3
up=0
for _ in $(seq 1 90); do bash "$cluster" check && { up=1; break; }; sleep 1; done
check "start: node 3 serves again" '[ $up -eq 1 ]'

# A start that fails after launching its JVMs stops them all.
STORMLAB_KAFKA_DIR="$other" STORMLAB_KAFKA_PORT=29092 STORMLAB_KAFKA_START_TIMEOUT=3 \
  bash "$cluster" start >"$dir/failed" 2>&1; rc=$?
sleep 1
check "a start that cannot serve in time fails with a clear error" \
  '[ $rc -ne 0 ] && grep -q "did not serve within 3 s" "$dir/failed"'
check "... and leaves no process of that cluster behind" \
  '! pgrep -f "$other/node" >/dev/null'

finish
