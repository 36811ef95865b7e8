# Shared by the kafka-labelled tests; source it with $src set to the source
# tree.  Sets $cluster (cluster.sh), and gives require_cluster, check and
# finish.
cluster="$src/tests/kafka/cluster.sh"

# Waits for the test cluster (a node an earlier test restarted may still be
# starting); exits 77, skipped, when there is none, or 1 when
# STORMLAB_REQUIRE_KAFKA=1 (CI) says there must be one.
require_cluster() {
    bash "$cluster" wait 180 && return 0
    if [ "${STORMLAB_REQUIRE_KAFKA:-0}" = 1 ]; then
        echo "FAIL: no Kafka test cluster and STORMLAB_REQUIRE_KAFKA=1 (start it: tests/kafka/cluster.sh start)"
        exit 1
    fi
    echo "SKIP: no Kafka test cluster (tests/kafka/cluster.sh start)"
    exit 77
}

# check DESCRIPTION EXPR: EXPR evaluated in a subshell, so an `exit` inside
# it fails this check only.
pass=0 fail=0
check() { if (eval "$2"); then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi; }

finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
