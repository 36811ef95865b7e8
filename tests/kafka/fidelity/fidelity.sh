#!/usr/bin/env bash
# One fidelity scenario on the simulator, librdkafka's mock cluster and the
# Apache Kafka test cluster (tests/kafka/cluster.sh), then measure.py
# compares them and asserts (docs/fidelity.md):
#
#   fidelity.sh STORMLAB SCENARIO.yaml OUTDIR
#
# OUTDIR/{sim,mock,kafka}/ are run directories (OUTDIR/sim-phases/ the
# simulator again at every heartbeat phase, phases.py); OUTDIR/kafka/brokers.log
# holds the brokers' GroupCoordinator lines written during the Kafka run
# (the coordinator's own view, which clients cannot see); OUTDIR/measured.json
# what measure.py measured.  The mock run goes alongside the Kafka run (both
# are real time).  Exit 77 (skipped) when the cluster is not up, unless
# STORMLAB_REQUIRE_KAFKA=1.  FIDELITY_BACKENDS=sim,kafka leaves the mock out;
# FIDELITY_BACKENDS=sim needs no cluster: it re-measures the recorded runs
# against a changed simulator in seconds.
set -uo pipefail
stormlab=$1 scenario=$2 out=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cluster="$here/../cluster.sh"
backends=${FIDELITY_BACKENDS:-sim,mock,kafka}
name=$(basename "$scenario" .yaml)

case ",$backends," in *,kafka,*) need_cluster=1 ;; *) need_cluster=0 ;; esac
if [ $need_cluster -eq 1 ] && ! bash "$cluster" wait 180; then
    if [ "${STORMLAB_REQUIRE_KAFKA:-0}" = 1 ]; then
        echo "FAIL: the Kafka test cluster is not up and STORMLAB_REQUIRE_KAFKA=1 (start it: tests/kafka/cluster.sh start)"
        exit 1
    fi
    echo "SKIP: no Kafka test cluster (tests/kafka/cluster.sh start, then run again)"
    exit 77
fi
eval "$(bash "$cluster" env)"

# Only the backends run now are replaced: FIDELITY_BACKENDS=sim re-measures
# a changed simulator against the Kafka and mock runs already recorded.
mkdir -p "$out"
for b in ${backends//,/ }; do rm -rf "${out:?}/$b" "$out/$b.txt" "$out/$b.unsupported"; done
rm -rf "${out:?}/sim-phases"
"$stormlab" sim "$scenario" --out "$out/sim" --no-plots -q || { echo "FAIL: stormlab sim $scenario"; exit 1; }

# Topics and groups as the resolved scenario has them (topic index = order).
prep_args=()
brokers=3
while IFS= read -r line; do prep_args+=($line); done < <(python3 - "$out/sim/scenario.resolved.yaml" <<'EOF'
import re, sys
sec, idx, topic = None, 0, {}
for line in open(sys.argv[1]):
    m = re.match(r"^(\w+):", line)
    if m:
        sec = m.group(1)
        continue
    if sec == "cluster" and (m := re.match(r"^  brokers: (\d+)", line)):
        print("BROKERS " + m.group(1))
    if sec == "topics":
        if (m := re.match(r"^  - name: (\S+)", line)):
            topic = {"name": m.group(1)}
        elif (m := re.match(r"^    (partitions|replication): (\d+)", line)):
            topic[m.group(1)] = m.group(2)
            if "partitions" in topic and "replication" in topic:
                print("--topic %s:%s:%s:%d" % (topic["name"], topic["partitions"], topic["replication"], idx))
                idx += 1
                topic = {}
    if sec == "groups" and (m := re.match(r"^  - id: (\S+)", line)):
        print("--group " + m.group(1))
EOF
)
if [ "${prep_args[0]:-}" = BROKERS ]; then
    brokers=${prep_args[1]}
    prep_args=("${prep_args[@]:2}")
fi

prepare() {
    java -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto \
        -Dlog4j2.configurationFile="$STORMLAB_KAFKA_DIR/tools-log4j2.properties" \
        -cp "$STORMLAB_KAFKA_LIBS/*" "$here/../Prepare.java" "$STORMLAB_KAFKA_BOOTSTRAP" "$brokers" "${prep_args[@]}"
}

state=$STORMLAB_KAFKA_DIR
mock_pid=
case ",$backends," in *,kafka,*)
    prepare >"$out/prepare.txt" 2>&1 || { cat "$out/prepare.txt"; echo "FAIL: preparing the cluster for $name"; exit 1; }
    ;;
esac
case ",$backends," in *,mock,*)
    "$stormlab" run "$scenario" --cluster mock --out "$out/mock" --no-plots -q >"$out/mock.txt" 2>&1 &
    mock_pid=$!
    ;;
esac
rc=0
case ",$backends," in *,kafka,*)
    declare -A offset
    for n in 1 2 3; do offset[$n]=$(stat -c %s "$state/node$n/logs/server.log" 2>/dev/null || echo 0); done
    "$stormlab" run "$scenario" --cluster kafka --cluster-file "$STORMLAB_KAFKA_CLUSTER_FILE" --out "$out/kafka" \
        --no-plots -q >"$out/kafka.txt" 2>&1 || { cat "$out/kafka.txt"; echo "FAIL: stormlab run --cluster kafka"; rc=1; }
    # The brokers' own account, node id first on each line.
    for n in 1 2 3; do
        tail -c +"$((offset[$n] + 1))" "$state/node$n/logs/server.log" 2>/dev/null |
            grep -E "GroupCoordinator|GroupMetadataManager|CoordinatorRuntime|__consumer_offsets|Becoming the active controller|Fencing broker" |
            sed "s/^/$n /"
    done >"$out/kafka/brokers.log" 2>/dev/null || true
    ;;
esac
if [ -n "$mock_pid" ]; then
    wait "$mock_pid"
    mrc=$?
    if [ $mrc -eq 2 ] && grep -q "mock cluster" "$out/mock.txt"; then
        # The mock refuses what librdkafka's mock cannot do (static membership): a gap of the mock, not a failure.
        echo "note: the mock cluster cannot run this scenario: $(cat "$out/mock.txt")"
        cp "$out/mock.txt" "$out/mock.unsupported"
    elif [ $mrc -ne 0 ]; then
        cat "$out/mock.txt"
        echo "FAIL: stormlab run --cluster mock"
        rc=1
    fi
fi
[ $rc -eq 0 ] || exit $rc
# What the simulator is told of the real run, not predicted by it: the
# test cluster's nodes are combined broker+controller, so which one hosts
# the active KRaft controller (a scenario that stops it pays the same
# failover, docs/model.md), and how long the members' JVMs took to start
# (startup.py).  A re-measure reads them from the recorded prepare.txt and
# Kafka run.
sets=()
controller=$(sed -n 's/^controller \([0-9]*\)$/\1/p' "$out/prepare.txt" 2>/dev/null | head -1)
[ -z "$controller" ] || sets+=(--set "cluster.active_controller=$controller")
if [ -f "$out/kafka/trace.jsonl" ]; then
    while IFS= read -r s; do sets+=(--set "$s"); done < <(python3 "$here/startup.py" "$out/kafka")
fi
if [ ${#sets[@]} -gt 0 ]; then
    "$stormlab" sim "$scenario" --out "$out/sim" --no-plots -q "${sets[@]}" ||
        { echo "FAIL: stormlab sim $scenario ${sets[*]}"; exit 1; }
fi
# The same over every heartbeat phase a real run may draw (phases.py).
python3 "$here/phases.py" "$stormlab" "$out/sim/scenario.resolved.yaml" "$out/sim-phases" ||
    { echo "FAIL: phases.py $scenario"; exit 1; }
python3 "$here/measure.py" "$out" "$here/../../../docs/fidelity.md"
