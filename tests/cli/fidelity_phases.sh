#!/usr/bin/env bash
# The fidelity suite's range over heartbeat phases and request latencies (tests/kafka/fidelity/phases.py,
# docs/fidelity.md "Heartbeat phases"), without a cluster.  Given a
# scenario that kills a broker at 20 s (brokers heartbeat every 2 s,
# members every 3 s), when phases.py runs it at every phase, then: it runs
# 60 shifts (6 s, the least common multiple, in 100 ms steps); the first is
# the plain run, byte for byte; every run's kill is at 20 s + its shift (read
# from the trace, not from phases.py); and the fencing comes 7 to 9 s after
# the kill, both ends reached (Kafka 4.4: 7 to 9 s, a session timeout after
# the broker's last heartbeat), the difference equal to the session timeout
# minus the kill's phase within the 2 s heartbeat period, computed here.
# And the latency runs: 10 of those phases again at each of 4 one-way
# latencies, where each member finds its coordinator one round trip of that
# latency after time 0 (read from the trace).
set -u
stormlab=$1 src=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/testlib.sh"

cat >"$dir/s.yaml" <<'YAML'
name: phases
duration: 40s
cluster: {brokers: 3}
topics: [{name: t, partitions: 6, produce_rate: 100/s}]
groups:
  - {id: g, topics: [t], members: 3, client: java, session_timeout: 10s, heartbeat_interval: 3s}
events:
  - {at: 20s, restart: broker/2, mode: hard, for: 30s}
YAML
"$stormlab" sim "$dir/s.yaml" --out "$dir/plain" --no-plots -q; rc=$?
check "the plain run exits 0" '[ $rc -eq 0 ]'
python3 "$src/tests/kafka/fidelity/phases.py" "$stormlab" "$dir/plain/scenario.resolved.yaml" "$dir/ph"; rc=$?
check "phases.py exits 0" '[ $rc -eq 0 ]'
check "60 shifts of 100 ms" '[ "$(ls "$dir/ph" | grep -vc -- -)" -eq 60 ]'
check "40 latency runs: 10 shifts at each of 4 latencies" '[ "$(ls "$dir/ph" | grep -c -- -)" -eq 40 ] &&
  [ "$(ls "$dir/ph" | grep -- - | sed "s/.*-//" | sort -u | wc -l)" -eq 4 ] &&
  [ "$(ls "$dir/ph" | grep -- - | sed "s/-.*//" | sort -u | wc -l)" -eq 10 ]'
python3 - "$dir/ph" >"$dir/found.txt" <<'PY'
import json, os, sys
root = sys.argv[1]
for run in sorted(os.listdir(root)):
    if "-" in run:
        for line in open(os.path.join(root, run, "trace.jsonl")):
            e = json.loads(line)
            if e["kind"] == "member.coordinator_found":
                print(int(run.split("-")[1][:-2]), e["t_us"])
PY
check "in each latency run, every member finds its coordinator a round trip of that latency after time 0" \
  '[ "$(wc -l <"$dir/found.txt")" -eq 120 ] && awk "\$2 != 2 * \$1 { bad = 1 } END { exit bad }" "$dir/found.txt"'
check "the first shift is the plain run" 'cmp -s "$dir/ph/000000000us/summary.json" "$dir/plain/summary.json" &&
  cmp -s "$dir/ph/000000000us/trace.jsonl" "$dir/plain/trace.jsonl"'
python3 - "$dir/ph" >"$dir/fence.txt" <<'PY'
import json, os, sys
root = sys.argv[1]
for shift in sorted(s for s in os.listdir(root) if "-" not in s):
    down = fenced = None
    for line in open(os.path.join(root, shift, "trace.jsonl")):
        e = json.loads(line)
        if e["kind"] == "broker.down" and e["node"] == "broker/2" and down is None:
            down = e["t_us"]
        if e["kind"] == "broker.fenced" and e["node"] == "broker/2" and fenced is None:
            fenced = e["t_us"]
    print(int(shift[:-2]), down, fenced)
PY
check "each kill at 20 s plus its shift" 'awk "\$2 != 20000000 + \$1 { bad = 1 } END { exit bad }" "$dir/fence.txt"'
check "fenced 9 s minus the kill's phase in the 2 s heartbeat period after it" \
  'awk "{ want = 9000000 - \$2 % 2000000; if (\$3 - \$2 != want) bad = 1 } END { exit bad }" "$dir/fence.txt"'
check "both ends reached: 9 s and 7.1 s" \
  'awk "{ d = \$3 - \$2; if (d == 9000000) hi = 1; if (d == 7100000) lo = 1 } END { exit !(hi && lo) }" "$dir/fence.txt"'
echo "fidelity phases: $pass passed, $fail failed"
[ $fail -eq 0 ]
