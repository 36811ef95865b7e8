#!/usr/bin/env bash
# No orphaned broker processes from tests/kafka/cluster.sh, on a second
# cluster of its own (a temporary STORMLAB_KAFKA_DIR, ports 26092..26094 and
# 26192..26194: apart from the test cluster's 19092 and cluster_test.sh's
# 29092, below the kernel's ephemeral range).
#   1. cluster.sh start SIGKILLed while its nodes are starting (its EXIT trap
#      cannot run): every node JVM it launched has a pid file naming it, and
#      a later `cluster.sh stop` leaves no process whose command line
#      mentions that state dir (nodes, format or probe JVMs), quickly.
#   2. A started cluster whose pid files are lost or stale: node 1's pid file
#      names a decoy process that looks like another cluster's node 1, node 2's
#      and node 3's are deleted.  status still finds all three, `kill 2`
#      kills node 2, `stop` the rest, and the decoy lives on.
# Skipped (77) when the Kafka test cluster is not up, like every kafka test
# (so the jars and java are there); STORMLAB_REQUIRE_KAFKA=1 makes that a failure.
set -u
src=$2
. "$src/tests/kafka/testlib.sh"
require_cluster
t_start=$SECONDS
dir=$(realpath "$(mktemp -d)")  # as cluster.sh spells it
other="$dir/other"
port=26092
cpid="" decoy=""
# cluster.sh on the second cluster.  The settings go in the environment, not
# on a command line, so that no process of this test mentions $other.
oc() { STORMLAB_KAFKA_DIR="$other" STORMLAB_KAFKA_PORT=$port STORMLAB_KAFKA_START_TIMEOUT=150 timeout 200 bash "$cluster" "$@"; }
# The processes whose command line mentions the second cluster's dir.
leftovers() { pgrep -f -- "$other/" || true; }
cleanup() {
    [ -n "$cpid" ] && { kill -KILL "$cpid"; wait "$cpid"; } 2>/dev/null
    STORMLAB_KAFKA_DIR="$other" STORMLAB_KAFKA_PORT=$port timeout 60 bash "$cluster" stop >/dev/null 2>&1
    # Whatever still mentions the dir (a cluster.sh that failed): by pid.
    local p
    for p in $(leftovers); do kill -KILL "$p" 2>/dev/null; done
    [ -n "$decoy" ] && { kill -KILL "$decoy"; wait "$decoy"; } 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
# wait_for SECONDS COMMAND: poll every 0.2 s; 0 once it holds, 1 at the deadline
wait_for() {
    local end=$((SECONDS + $1))
    until eval "$2"; do [ $SECONDS -ge $end ] && return 1; sleep 0.2; done
}
# dead: gone, or a zombie (killed, not yet reaped by init, which may take a while here)
dead() { local s; s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null); [ -z "$s" ] || [ "$s" = Z ]; }
node_jvm() { # node_jvm N: the live pid of the second cluster's node N, by a /proc scan
    pgrep -f -- "kafka\.Kafka $other/node$1/server\.properties" || true
}
for p in $port $((port + 1)) $((port + 2)) $((port + 100)) $((port + 101)) $((port + 102)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "FAIL: port $p is taken: cannot start the second cluster"; exit 1; fi
done

# ---- 1. cluster.sh start SIGKILLed half-way ---------------------------------------
t0=$SECONDS
STORMLAB_KAFKA_DIR="$other" STORMLAB_KAFKA_PORT=$port STORMLAB_KAFKA_START_TIMEOUT=150 \
    bash "$cluster" start >"$dir/start1.log" 2>&1 &
cpid=$!
# Until the three nodes are launched and start probes them (a TopicCommand JVM,
# which has no pid file), or 60 s after the launch without a probe.
wait_for 120 '[ -n "$(node_jvm 1)" ] && [ -n "$(node_jvm 2)" ] && [ -n "$(node_jvm 3)" ]'
launched=$?
wait_for 60 'pgrep -f -- "$other/tools-log4j2\.properties.*TopicCommand" >/dev/null'
probing=$?
mid_start=0
dead "$cpid" || mid_start=1
{ kill -KILL "$cpid"; wait "$cpid"; } 2>/dev/null
cpid=""
echo "killed cluster.sh start after $((SECONDS - t0)) s (nodes launched: $([ $launched = 0 ] && echo yes || echo no)," \
    "a probe running: $([ $probing = 0 ] && echo yes || echo no))"
check "start: SIGKILLed while its three nodes were starting (not yet serving)" \
    '[ $launched -eq 0 ] && [ $mid_start -eq 1 ] && ! grep -q "serving at" "$dir/start1.log"'
check "... the nodes outlive it (no trap ran), each named by its pid file" \
    'for n in 1 2 3; do p=$(node_jvm $n); [ -n "$p" ] && [ "$(cat "$other/node$n/pid" 2>/dev/null)" = "$p" ] || exit 1; done'
ps -o pid=,args= -p "$(leftovers | paste -sd, -)" 2>/dev/null | cut -c1-160 >"$dir/before-stop"
t1=$(date +%s%N)
oc stop >"$dir/stop1.log" 2>&1
rc=$?
ms=$((($(date +%s%N) - t1) / 1000000))
echo "cluster.sh stop: ${ms} ms, $(wc -l <"$dir/before-stop") processes of that dir before it"
check "stop after the SIGKILLed start: exit 0, within 20 s (not blocked on the dead start's lock)" \
    '[ $rc -eq 0 ] && [ $ms -lt 20000 ] || { cat "$dir/stop1.log"; exit 1; }'
check "... and no process whose command line mentions $other remains" \
    '[ -z "$(leftovers)" ] || { ps -o pid,args -p "$(leftovers | paste -sd, -)"; exit 1; }'

# ---- 2. pid files lost or stale ---------------------------------------------------
oc start >"$dir/start2.log" 2>&1
rc=$?
check "a second start on the same dir serves" '[ $rc -eq 0 ] || { tail -n 20 "$dir/start2.log"; exit 1; }'
p1=$(node_jvm 1) p2=$(node_jvm 2) p3=$(node_jvm 3)
# The decoy: a process that looks like node 1 of another cluster in the same
# place, as a reused pid might (the pid check once matched "node1/server.properties" alone).
mkdir -p "$dir/decoy/node1"
touch "$dir/decoy/node1/server.properties"
tail -f "$dir/decoy/node1/server.properties" >/dev/null 2>&1 &
decoy=$!
echo "$decoy" >"$other/node1/pid"
rm -f "$other/node2/pid" "$other/node3/pid"
oc status >"$dir/status" 2>&1
check "status finds the nodes by their command lines: node 1 (stale pid file), 2 and 3 (none) up" \
    'grep -qE "^node 1  up +pid $p1 " "$dir/status" && grep -qE "^node 2  up +pid $p2 " "$dir/status" &&
     grep -qE "^node 3  up +pid $p3 " "$dir/status" || { cat "$dir/status"; exit 1; }'
oc kill 2 >/dev/null 2>&1
check "kill 2 without a pid file: node 2's JVM gone, nodes 1 and 3 untouched" \
    '[ -z "$(node_jvm 2)" ] && dead "$p2" && [ "$(node_jvm 1)" = "$p1" ] && [ "$(node_jvm 3)" = "$p3" ] ||
     { echo "  node 1..3: $p1 $p2 $p3, now: $(node_jvm 1) / $(node_jvm 2) / $(node_jvm 3), $p2: $(cat /proc/$p2/stat 2>&1 | cut -c1-60)"; exit 1; }'
oc stop >"$dir/stop2.log" 2>&1
rc=$?
check "stop with a stale and a missing pid file: exit 0, no process of $other remains" \
    '[ $rc -eq 0 ] && [ -z "$(leftovers)" ] || { cat "$dir/stop2.log"; ps -o pid,args -p "$(leftovers | paste -sd, -)"; exit 1; }'
check "... and the decoy its stale pid file named still lives" '! dead "$decoy"'

echo "kafka_orphans: $((SECONDS - t_start)) s"
finish
