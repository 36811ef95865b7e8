#!/usr/bin/env bash
# A 3-node Apache Kafka 4.x cluster on loopback for the real-cluster tests
# (docs/real-runs.md): KRaft, every node a combined broker + controller, small heaps,
# group timeouts lowered for quick tests.  The broker jars come from Maven
# Central through tests/kafka/pom.xml (no source, no tarball, no Docker) and
# are cached between runs.
#
#   cluster.sh start          fetch the jars if needed, format, start, wait until it serves
#   cluster.sh stop           stop every node (SIGKILL), remove the data (not the logs);
#                             also every JVM of this state dir without a pid file (a
#                             start that was itself SIGKILLed, a lost pid file)
#   cluster.sh status         per node: pid, state, port; exit 0 when all serve
#   cluster.sh check          exit 0 when every node answers (quiet; for tests)
#   cluster.sh wait [SECONDS] exit 0 once every node answers (a node an earlier run
#                             restarted may still be starting); 1 at once when no cluster
#   cluster.sh env            shell assignments: bootstrap, cluster file, cluster id
#   cluster.sh reset          delete the topics and groups runs left, move leaders home
#   cluster.sh kill|stop|start|pause|resume N
#                             one node (SIGKILL | clean stop | start | SIGSTOP | SIGCONT):
#                             the commands of the cluster file `stormlab run` uses
#
# Environment:
#   STORMLAB_KAFKA_VERSION  Kafka version (default 4.4.0)
#   STORMLAB_KAFKA_CACHE    jar cache (default ~/.cache/stormlab-kafka)
#   STORMLAB_KAFKA_DIR      the cluster's state: configs, data, logs, pids, cluster.yaml
#                           (default ${TMPDIR:-/tmp}/stormlab-kafka-$UID)
#   STORMLAB_KAFKA_PORT     first client port (default 19092): node N listens on
#                           PORT+N-1, its controller on PORT+100+N-1
#   STORMLAB_KAFKA_HEAP     JVM heap per node (default 256m)
#   STORMLAB_KAFKA_START_TIMEOUT  seconds start waits for the cluster (default 120)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self="$here/$(basename "${BASH_SOURCE[0]}")"
version=${STORMLAB_KAFKA_VERSION:-4.4.0}
cache=${STORMLAB_KAFKA_CACHE:-$HOME/.cache/stormlab-kafka}
libs="$cache/$version/libs"
state=${STORMLAB_KAFKA_DIR:-${TMPDIR:-/tmp}/stormlab-kafka-$(id -u)}
# One spelling of the dir, absolute: the JVMs' command lines name their files
# by it, and stop finds them by it from any working directory.
state=$(realpath -m -- "$state")
port0=${STORMLAB_KAFKA_PORT:-19092}
heap=${STORMLAB_KAFKA_HEAP:-256m}
start_timeout=${STORMLAB_KAFKA_START_TIMEOUT:-120}
nodes=(1 2 3)

die() { echo "cluster.sh: $*" >&2; exit 1; }
note() { echo "cluster.sh: $*" >&2; }

client_port() { echo $((port0 + $1 - 1)); }
controller_port() { echo $((port0 + 100 + $1 - 1)); }
bootstrap() {
    local b="" n
    for n in "${nodes[@]}"; do b+="${b:+,}127.0.0.1:$(client_port "$n")"; done
    echo "$b"
}

# ---- the jars ------------------------------------------------------------------

fetch_jars() {
    [ -f "$libs/.complete" ] && return 0
    command -v java >/dev/null || die "java not found: install a JDK 17+ (apt-get install openjdk-17-jdk-headless, or cmake/install-deps.sh)"
    command -v mvn >/dev/null || die "mvn not found: install Maven (apt-get install maven, or cmake/install-deps.sh)"
    note "fetching Apache Kafka $version jars from Maven Central into $libs (once per machine)"
    mkdir -p "$cache/$version"
    local tmp
    tmp=$(mktemp -d "$cache/$version/.libs.XXXXXX")
    if ! mvn -B -q -Dstyle.color=never -f "$here/pom.xml" -Dkafka.version="$version" \
            dependency:copy-dependencies -DoutputDirectory="$tmp" >"$tmp.log" 2>&1; then
        cat "$tmp.log" >&2
        rm -rf "$tmp" "$tmp.log"
        die "mvn could not fetch kafka_2.13 $version (see above; Maven Central must be reachable)"
    fi
    rm -f "$tmp.log"
    ls "$tmp"/kafka_2.13-"$version".jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "kafka_2.13-$version.jar missing after mvn"; }
    touch "$tmp/.complete"
    rm -rf "$libs"
    mv "$tmp" "$libs"
}

java_cmd() { # java_cmd MAINCLASS ARGS...: a short-lived tool JVM (not holding the lock, fd 9)
    java -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto \
        -Dlog4j2.configurationFile="$state/tools-log4j2.properties" -cp "$libs/*" "$@" 9>&-
}

# ---- configuration -------------------------------------------------------------

voters() {
    local v="" n
    for n in "${nodes[@]}"; do v+="${v:+,}$n@127.0.0.1:$(controller_port "$n")"; done
    echo "$v"
}

write_config() { # write_config N
    local n=$1 d="$state/node$1"
    mkdir -p "$d/data" "$d/logs"
    cat >"$d/server.properties" <<EOF
# node $n of the stormlab test cluster (tests/kafka/cluster.sh)
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$(voters)
listeners=PLAINTEXT://127.0.0.1:$(client_port "$n"),CONTROLLER://127.0.0.1:$(controller_port "$n")
advertised.listeners=PLAINTEXT://127.0.0.1:$(client_port "$n")
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$d/data
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=2
background.threads=4
# __consumer_offsets with 3 replicas, as production has it, but 10 partitions
# instead of 50: a killed broker recovers every log it holds before it
# serves again, and on 2 cores each log counts (scenarios of the fidelity
# suite say offsets_partitions: 10 to place coordinators the same way)
offsets.topic.num.partitions=10
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=2
auto.create.topics.enable=false
# quick tests: sessions down to 1 s, an empty group waits 1 s for more members
group.min.session.timeout.ms=1000
group.initial.rebalance.delay.ms=1000
# Kafka's defaults, written out because the simulator's scenarios mirror them
broker.session.timeout.ms=9000
broker.heartbeat.interval.ms=2000
unclean.leader.election.enable=false
# Not the default: the periodic preferred-leader election ticks on the
# controller's clock, not the scenario's, so it would move coordinators at
# a random moment of a run.  Runs start with preferred leaders instead
# (Prepare.java), and the fidelity scenarios say auto_leader_rebalance: 0.
auto.leader.rebalance.enable=false
# small and quiet
log.segment.bytes=16777216
log.retention.check.interval.ms=300000
EOF
    cat >"$d/log4j2.properties" <<EOF
status = warn
appender.server.type = File
appender.server.name = server
appender.server.fileName = $d/logs/server.log
appender.server.layout.type = PatternLayout
appender.server.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.server.ref = server
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.org.name = org.apache.kafka
logger.org.level = INFO
EOF
}

write_tools_log4j() {
    mkdir -p "$state"
    cat >"$state/tools-log4j2.properties" <<EOF
status = error
appender.err.type = Console
appender.err.name = err
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = %p %m%n
rootLogger.level = ERROR
rootLogger.appenderRef.err.ref = err
EOF
}

# The cluster file for `stormlab run --cluster kafka --cluster-file FILE`
# (docs/real-runs.md): this script's own per-node commands.
write_cluster_file() {
    # The commands carry this cluster's settings, so they reach it from any environment.
    local run="env 'STORMLAB_KAFKA_DIR=$state' STORMLAB_KAFKA_PORT=$port0 STORMLAB_KAFKA_VERSION=$version"
    run+=" 'STORMLAB_KAFKA_CACHE=$cache' STORMLAB_KAFKA_HEAP=$heap bash '$self'"
    cat >"$state/cluster.yaml.tmp" <<EOF
# The stormlab test cluster started by tests/kafka/cluster.sh (written at start).
# stormlab run SCENARIO --cluster kafka --cluster-file $state/cluster.yaml
cluster_id: $(cat "$state/cluster.id")
bootstrap: $(bootstrap)
command_timeout: 60s
commands:
  stop: $run stop {id}
  start: $run start {id}
  kill: $run kill {id}
  pause: $run pause {id}
  resume: $run resume {id}
brokers:
EOF
    local n
    for n in "${nodes[@]}"; do
        printf '  - {id: %d, host: 127.0.0.1, port: %d}\n' "$n" "$(client_port "$n")" >>"$state/cluster.yaml.tmp"
    done
    mv "$state/cluster.yaml.tmp" "$state/cluster.yaml"
}

# ---- processes -----------------------------------------------------------------

# Whether PID is a process of this cluster, by its command line, argument by
# argument (exact, so neither another cluster's node with the same number nor
# a shell whose command merely mentions the dir is taken for one):
#   ours PID N   node N's broker: kafka.Kafka $state/nodeN/server.properties
#   ours PID     any JVM of this cluster: a broker, a format or tool JVM (they
#                name $state/nodeN/server.properties or a log4j2 file of $state)
ours() {
    local a kafka=0 conf=0 tool=0
    while IFS= read -r -d '' a; do
        case $a in
        kafka.Kafka) kafka=1 ;;
        "$state"/node[0-9]*/server.properties)
            if [ -z "${2:-}" ] || [ "$a" = "$state/node$2/server.properties" ]; then conf=1; fi ;;
        -Dlog4j2.configurationFile="$state"/*) tool=1 ;;
        esac
    done 2>/dev/null <"/proc/$1/cmdline" || true
    if [ -n "${2:-}" ]; then
        [ $kafka = 1 ] && [ $conf = 1 ]
    else
        [ $conf = 1 ] || [ $tool = 1 ]
    fi
}

# ours_pids [N]: every live process for which `ours PID [N]` holds, found by
# scanning /proc, not by pid files (an exited process's cmdline is empty).
ours_pids() {
    local f p
    for f in /proc/[0-9]*/cmdline; do
        p=${f#/proc/}
        p=${p%/cmdline}
        if [ "$p" != $$ ] && ours "$p" "$@"; then echo "$p"; fi
    done
}

# pid_of N: the node's pid when its JVM lives, else nothing.  The pid file
# first, taken only when that pid is still node N of this cluster (a pid can
# be reused); else a scan, for a pid file lost or never written (cluster.sh
# SIGKILLed between launching the JVM and writing it).
pid_of() {
    local f="$state/node$1/pid" p=""
    [ -f "$f" ] && p=$(cat "$f" 2>/dev/null || true)
    if [[ "$p" =~ ^[0-9]+$ ]] && alive "$p" && ours "$p" "$1"; then
        echo "$p"
    else
        p=$(ours_pids "$1")
        if [ -n "$p" ]; then echo "${p%%$'\n'*}"; fi
    fi
}

proc_state() { # R, S, T (stopped), Z (dead, not yet reaped), ... of a pid
    awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true
}

# A killed JVM is a zombie until init reaps it, which can take a second:
# dead all the same.
alive() {
    local s
    s=$(proc_state "$1")
    [ -n "$s" ] && [ "$s" != Z ]
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_node() { # start_node N: launch in the background, own session, no wait
    local n=$1 d="$state/node$1"
    [ -n "$(pid_of "$n")" ] && { note "node $n already running (pid $(pid_of "$n"))"; return 0; }
    [ -f "$d/server.properties" ] || die "node $n has no configuration: run '$0 start' first"
    # setsid: its own process group, so a ^C aimed at the caller does not reach it
    setsid java -Xms"$heap" -Xmx"$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
        -Xshare:auto -Djava.awt.headless=true \
        -Dlog4j2.configurationFile="$d/log4j2.properties" -Dkafka.logs.dir="$d/logs" \
        -cp "$libs/*" kafka.Kafka "$d/server.properties" \
        </dev/null >>"$d/logs/stdout.log" 2>&1 9>&- &
    echo $! >"$d/pid"
}

stop_node() { # stop_node N SIGNAL: SIGTERM waits for the clean shutdown (then SIGKILL), SIGKILL at once
    local n=$1 sig=$2 p i
    p=$(pid_of "$n")
    [ -z "$p" ] && { rm -f "$state/node$n/pid"; return 0; }
    [ "$(proc_state "$p")" = T ] && kill -CONT "$p" 2>/dev/null || true
    kill "-$sig" "$p" 2>/dev/null || true
    for ((i = 0; i < 600; i++)); do
        alive "$p" || break
        sleep 0.05
    done
    if alive "$p"; then
        note "node $n (pid $p) did not exit within 30 s of SIG$sig: killing it"
        kill -KILL "$p" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do alive "$p" || break; sleep 0.05; done
    fi
    rm -f "$state/node$n/pid"
}

# The whole cluster: SIGKILL, since its data goes with it (a clean shutdown
# of the last controllers waits for a quorum that is leaving too).  Every
# process of this cluster, pid file or not: the nodes, and the format and
# tool JVMs of a start that was interrupted; again until none is left (one
# could still be between fork and exec on the first pass), 10 s at most.
stop_all() {
    local pids killed="" p i
    for ((i = 0; i < 200; i++)); do
        pids=$(ours_pids)
        [ -z "$pids" ] && break
        killed+=" $pids"
        # shellcheck disable=SC2086
        kill -KILL $pids 2>/dev/null || true
        sleep 0.05
    done
    # Dead, not merely gone from the scan: a zombie has closed its sockets.
    for p in $killed; do
        for ((i = 0; i < 100; i++)); do alive "$p" || break; sleep 0.05; done
    done
    [ -z "$pids" ] || note "still alive 10 s after SIGKILL: $(echo $pids)"
    rm -f "$state"/node*/pid
}

# Serves = every node's client port answers, and a topic with 3 replicas can
# be created (all three brokers registered and unfenced with the controller).
serves() {
    local n
    for n in "${nodes[@]}"; do
        [ -n "$(pid_of "$n")" ] || return 1
        port_open "$(client_port "$n")" || return 1
    done
    java_cmd org.apache.kafka.tools.TopicCommand --bootstrap-server "$(bootstrap)" --create --if-not-exists \
        --topic stormlab-probe --partitions 1 --replication-factor 3 >/dev/null 2>"$state/probe.err"
}

# ---- commands ------------------------------------------------------------------

cmd_start() {
    fetch_jars
    command -v java >/dev/null || die "java not found: install a JDK 17+ (apt-get install openjdk-17-jdk-headless, or cmake/install-deps.sh)"
    mkdir -p "$state"
    exec 9>"$state/.lock"
    flock -w 300 9 || die "another cluster.sh start/stop has held $state/.lock for 5 minutes"
    local n running=0
    for n in "${nodes[@]}"; do [ -n "$(pid_of "$n")" ] && running=$((running + 1)); done
    if [ "$running" -eq "${#nodes[@]}" ] && [ -f "$state/cluster.yaml" ] && serves; then
        write_cluster_file
        note "already running at $(bootstrap)"
        echo "$state/cluster.yaml"
        return 0
    fi
    # What an earlier start left, with or without pid files (one SIGKILLed half-way)
    [ -n "$(ours_pids)" ] && { note "stopping what runs of an earlier cluster at $state first"; stop_all; }
    for n in "${nodes[@]}"; do
        port_open "$(client_port "$n")" && die "port $(client_port "$n") is taken by another process (set STORMLAB_KAFKA_PORT)"
        port_open "$(controller_port "$n")" && die "port $(controller_port "$n") is taken by another process (set STORMLAB_KAFKA_PORT)"
    done
    local t0=$SECONDS
    # From here on a failure must not leave JVMs behind.
    trap 'rc=$?; if [ $rc -ne 0 ]; then note "start failed: stopping what was started"; stop_all; fi' EXIT
    trap 'exit 130' INT TERM HUP
    rm -rf "$state"/node* "$state/cluster.yaml" "$state/cluster.id"
    write_tools_log4j
    # A Kafka cluster id: 16 random bytes, URL-safe base64 without padding;
    # not one starting with '-' (1 in 64), which `format -t` takes for an
    # option (Kafka's own Uuid.randomUuid() draws again too).
    local id=-
    while [ "${id#-}" != "$id" ]; do id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-22); done
    echo "$id" >"$state/cluster.id"
    for n in "${nodes[@]}"; do write_config "$n"; done
    # Format the three log directories in parallel (a JVM each).
    local pids=()
    for n in "${nodes[@]}"; do
        java_cmd kafka.tools.StorageTool format -t "$id" -c "$state/node$n/server.properties" --ignore-formatted \
            >"$state/node$n/logs/format.log" 2>&1 &
        pids+=($!)
    done
    for n in "${!pids[@]}"; do
        wait "${pids[$n]}" || { cat "$state/node${nodes[$n]}/logs/format.log" >&2; die "formatting node ${nodes[$n]} failed"; }
    done
    for n in "${nodes[@]}"; do start_node "$n"; done
    note "started 3 nodes (cluster id $id), waiting up to ${start_timeout} s until they serve"
    until serves; do
        for n in "${nodes[@]}"; do
            if [ -z "$(pid_of "$n")" ]; then
                tail -n 30 "$state/node$n/logs/stdout.log" "$state/node$n/logs/server.log" >&2 2>/dev/null || true
                die "node $n exited during start (logs: $state/node$n/logs/)"
            fi
        done
        if [ $((SECONDS - t0)) -ge "$start_timeout" ]; then
            cat "$state/probe.err" >&2 2>/dev/null || true
            die "the cluster did not serve within ${start_timeout} s (logs: $state/node*/logs/server.log)"
        fi
        sleep 1
    done
    write_cluster_file
    trap - EXIT INT TERM HUP
    note "serving at $(bootstrap) after $((SECONDS - t0)) s; cluster file $state/cluster.yaml"
    echo "$state/cluster.yaml"
}

cmd_stop_all() {
    [ -d "$state" ] || { note "no cluster at $state"; return 0; }
    exec 9>"$state/.lock"
    flock -w 300 9 || die "another cluster.sh start/stop has held $state/.lock for 5 minutes"
    stop_all
    # The logs stay for a post-mortem (a CI failure); start clears them.
    local n
    for n in "${nodes[@]}"; do rm -rf "$state/node$n/data" "$state/node$n/pid"; done
    rm -f "$state/cluster.yaml" "$state/cluster.id" "$state/probe.err"
    note "stopped; removed the cluster's data (logs kept in $state/node*/logs)"
}

cmd_status() {
    local n p st all=0
    for n in "${nodes[@]}"; do
        p=$(pid_of "$n")
        if [ -z "$p" ]; then
            st=down
            all=1
        elif [ "$(proc_state "$p")" = T ]; then
            st=paused
            all=1
        elif port_open "$(client_port "$n")"; then
            st=up
        else
            st=starting
            all=1
        fi
        printf 'node %d  %-8s pid %-8s 127.0.0.1:%d\n' "$n" "$st" "${p:--}" "$(client_port "$n")"
    done
    [ -f "$state/cluster.yaml" ] && echo "cluster file: $state/cluster.yaml"
    return $all
}

# Every node's process lives, is not frozen, and answers on its port.
cmd_check() {
    [ -f "$state/cluster.yaml" ] || return 1
    local n p
    for n in "${nodes[@]}"; do
        p=$(pid_of "$n")
        [ -n "$p" ] && [ "$(proc_state "$p")" != T ] && port_open "$(client_port "$n")" || return 1
    done
}

# A cluster that exists (started, not stopped) may have a node still coming
# back from an earlier run's restart: wait for it, up to $1 seconds.
cmd_wait() {
    local limit=${1:-120} t0=$SECONDS
    [ -f "$state/cluster.yaml" ] || return 1
    until cmd_check; do
        if [ $((SECONDS - t0)) -ge "$limit" ]; then
            cmd_status >&2 || true
            note "the cluster did not serve again within $limit s"
            return 1
        fi
        sleep 1
    done
    [ $((SECONDS - t0)) -gt 0 ] && note "waited $((SECONDS - t0)) s for every node to serve again"
    return 0
}

cmd_env() {
    echo "STORMLAB_KAFKA_BOOTSTRAP=$(bootstrap)"
    echo "STORMLAB_KAFKA_CLUSTER_FILE=$state/cluster.yaml"
    echo "STORMLAB_KAFKA_CLUSTER_ID=$(cat "$state/cluster.id" 2>/dev/null || true)"
    echo "STORMLAB_KAFKA_LIBS=$libs"
    echo "STORMLAB_KAFKA_DIR=$state"
}

# Between runs: every node up, no paused node, topics and groups of earlier
# runs gone, leadership back on the preferred replicas.
cmd_reset() {
    cmd_check || die "the cluster is not serving (run '$0 start')"
    local b topics groups
    b=$(bootstrap)
    groups=$(java_cmd org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$b" --list 2>/dev/null || true)
    if [ -n "$groups" ]; then
        local args=() g
        for g in $groups; do args+=(--group "$g"); done
        java_cmd org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$b" --delete "${args[@]}" \
            >/dev/null 2>&1 || true
    fi
    topics=$(java_cmd org.apache.kafka.tools.TopicCommand --bootstrap-server "$b" --list --exclude-internal 2>/dev/null |
        grep -v '^stormlab-probe$' || true)
    local t
    for t in $topics; do
        java_cmd org.apache.kafka.tools.TopicCommand --bootstrap-server "$b" --delete --topic "$t" >/dev/null 2>&1 || true
    done
    java_cmd org.apache.kafka.tools.LeaderElectionCommand --bootstrap-server "$b" --election-type preferred \
        --all-topic-partitions >/dev/null 2>&1 || true
}

need_node() {
    [[ "${1:-}" =~ ^[1-3]$ ]] || die "expected a node id 1..3, got '${1:-}'"
    [ -f "$state/node$1/server.properties" ] || die "no cluster at $state (run '$0 start')"
}

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$self"; }

case "${1:-}" in
start)
    if [ $# -ge 2 ]; then
        need_node "$2"
        start_node "$2"
    else
        cmd_start
    fi
    ;;
stop)
    if [ $# -ge 2 ]; then
        need_node "$2"
        stop_node "$2" TERM
    else
        cmd_stop_all
    fi
    ;;
kill)
    need_node "${2:-}"
    stop_node "$2" KILL
    ;;
pause | resume)
    need_node "${2:-}"
    p=$(pid_of "$2")
    [ -n "$p" ] || die "node $2 is not running"
    kill "-$([ "$1" = pause ] && echo STOP || echo CONT)" "$p"
    ;;
status) cmd_status ;;
check) cmd_check ;;
wait) cmd_wait "${2:-120}" ;;
env) cmd_env ;;
reset) cmd_reset ;;
-h | --help | help) usage ;;
*)
    usage >&2
    exit 2
    ;;
esac
