#!/usr/bin/env bash
# A Java member whose own session timer fires drops its coordinator
# connection (Kafka's AbstractCoordinator.markCoordinatorUnknown: "Requesting
# disconnect from last known coordinator"), so the heartbeats a cut held on it
# are cancelled, not answered after the heal.  Given one member cut 25 s with
# a 10 s session (tests/kafka/fidelity/java-cut-long.yaml's shape), when it
# runs, then log.txt has the disconnect when its session timer fires, and the
# member loses its partitions only after it has found the coordinator again
# (the answer to a fresh heartbeat), as the Java client's log shows on Kafka
# (docs/fidelity.md, java-cut-long).
set -u
stormlab=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/testlib.sh"
cat >"$dir/s.yaml" <<'YAML'
name: java-coordinator-disconnect
duration: 90s
topics: [{name: t, partitions: 12, produce_rate: 200/s}]
groups:
  - {id: g, topics: [t], members: 4, client: java, session_timeout: 10s}
events:
  - {at: 30s, partition: {from: [g/1], to: [broker/*]}, for: 25s}
YAML
"$stormlab" sim "$dir/s.yaml" --out "$dir/out" --no-plots -q; rc=$?
check "sim exits 0" '[ $rc -eq 0 ]'
python3 - "$dir/out/log.txt" >"$dir/py" 2>&1 <<'PY'; rc=$?
import re, sys
def t(line):
    h, m, s = line[1:13].split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)
lines = [l for l in open(sys.argv[1]) if " g/1 " in l]
timeout = [t(l) for l in lines if "session timed out without receiving a heartbeat response" in l]
disc = [t(l) for l in lines if "Requesting disconnect from last known coordinator" in l]
found = [t(l) for l in lines if "Discovered group coordinator" in l and t(l) > 55]
lost = [t(l) for l in lines if "Lost previously assigned partitions" in l]
assert timeout and 37 <= timeout[0] <= 40.1, f"client session timeout at {timeout}"
assert disc and disc[0] == timeout[0], f"disconnect at {disc}, session timeout at {timeout[0]}"
assert found and lost and lost[0] >= found[0], f"partitions lost at {lost}, coordinator found again at {found}"
print(f"timeout {timeout[0]}, found {found[0]}, lost {lost[0]}")
PY
check "the held heartbeat is cancelled, not answered after the heal ($(cat "$dir/py"))" '[ $rc -eq 0 ]'
echo "java_coordinator_disconnect: $pass passed, $fail failed"
[ $fail -eq 0 ]
