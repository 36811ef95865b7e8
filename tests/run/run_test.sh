#!/usr/bin/env bash
# `stormlab run` on the embedded mock cluster, as a user runs it: real
# librdkafka clients and sockets, the fault proxy, real time.  One mode per
# CTest test (tests/run/CMakeLists.txt), each bounded to about a minute.
#
#   run_test.sh MODE STORMLAB SOURCE_DIR OUT_DIR
set -u
mode=$1 stormlab=$2 src=$3 top=$4
data="$src/tests/data/run"
mkdir -p "$top"
# A directory of this invocation's own: two ctest runs of one build tree
# (a developer's and an editor's) must not write into each other's runs.
out=$(mktemp -d "$top/$mode.XXXXXX")
# Heal state files of this invocation's runs only (not ~/.local/state).
export STORMLAB_STATE_DIR="$out/state"
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi; }
# json FILE EXPR: a Python expression over the parsed file (bound to j)
json() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
finish() {
  echo "$pass passed, $fail failed"
  if [ "$fail" -eq 0 ] && [ "$mode" != cut_long ]; then rm -rf "$out"; fi
  [ "$fail" -eq 0 ]
  exit $?
}

# run NAME [ARGS...]: stormlab run on tests/data/run/NAME.yaml into $out/NAME
run() {
  local name=$1; shift
  rm -rf "$out/$name"
  local t0=$SECONDS
  "$stormlab" run "$data/$name.yaml" --out "$out/$name" --no-plots "$@" >"$out/$name.stdout" 2>"$out/$name.stderr"
  rc=$?
  wall=$((SECONDS - t0))
  cat "$out/$name.stdout"
}

# sim NAME: the simulator on the same file, into $out/NAME-sim
sim() {
  rm -rf "$out/$1-sim"
  "$stormlab" sim "$data/$1.yaml" --out "$out/$1-sim" --no-plots -q
}

# outputs_ok DIR: the five files, nothing partial
outputs_ok() {
  local d=$1 f
  for f in trace.jsonl series.tsv summary.json log.txt scenario.resolved.yaml; do
    [ -s "$d/$f" ] || return 1
  done
  [ -z "$(ls -A "$d" | grep partial)" ]
}

# cause_roots DIR KIND: the kinds at the root of the cause chain of every KIND
# event after the group first settled (forming the group is not a rebalance)
cause_roots() {
  python3 - "$1/trace.jsonl" "$2" <<'EOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
roots = set()
settled = False
for e in ev:
    settled = settled or e["kind"] == "group.settled"
    if e["kind"] != sys.argv[2] or not settled:
        continue
    while e["cause"] is not None:
        e = ev[e["cause"]]
    roots.add(e["kind"])
print(",".join(sorted(roots)))
EOF
}

# coordinator_count DIR GROUP: the mock coordinator's own count, from its
# lines in log.txt (not from the run's state): distinct "generation id N"
# elections up to the run's end, after the generation the group first
# settled in (the trace's first group.settled).
coordinator_count() {
  python3 - "$1" "$2" <<'EOF'
import json, re, sys
d, group = sys.argv[1], sys.argv[2]
end = json.load(open(d + "/summary.json"))["duration_s"]
base = next(e["generation"] for e in map(json.loads, open(d + "/trace.jsonl"))
            if e["kind"] == "group.settled" and e["group"] == group)
gens = set()
for line in open(d + "/log.txt"):
    m = re.match(r"\[(\d+):(\d+):([\d.]+)\] .*MOCK: Consumer group " + re.escape(group) +
                 r" with \d+ member\(s\) is rebalancing: .*generation id (\d+)", line)
    if m and int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3]) <= end and int(m[4]) > base:
        gens.add(int(m[4]))
print(len(gens))
EOF
}

# one_generation_each FILE: explain shows no generation for two rebalances
one_generation_each() {
  [ -z "$(grep -o 'rebalance [0-9]* -> generation [0-9]*' "$1" | awk '{print $5}' | sort | uniq -d)" ]
}

case $mode in
cut_long)
  # Given billing/1 cut from every broker for 12 s, longer than its 6 s
  # session timeout; when run on the mock cluster and on the simulator;
  # then both count the same rebalances (expiry, then the rejoin).
  sim cut-long
  run cut-long
  check "the run exits 0 (got $rc)" '[ $rc -eq 0 ]'
  check "the run takes about its 36 s duration (took $wall s)" '[ $wall -le 60 ]'
  check "the run directory is complete, nothing partial" 'outputs_ok "$out/cut-long"'
  sim_rb=$(json "$out/cut-long-sim/summary.json" 'j["groups"]["billing"]["rebalances"]')
  run_rb=$(json "$out/cut-long/summary.json" 'j["groups"]["billing"]["rebalances"]')
  echo "rebalances: sim $sim_rb, mock $run_rb"
  check "the mock run counts the simulator's rebalances (sim $sim_rb, mock $run_rb)" '[ "$sim_rb" = "$run_rb" ] && [ "$run_rb" = 2 ]'
  coord=$(coordinator_count "$out/cut-long" billing)
  check "summary.json counts the mock coordinator's generations (coordinator $coord, run $run_rb)" '[ "$coord" = "$run_rb" ]'
  check "no coordinator line about the group went unparsed" '! grep "UNPARSED" "$out/cut-long/log.txt"'
  check "the coordinator expired billing/1" 'grep -q "\"kind\":\"member.session_expired\".*from billing/1" "$out/cut-long/trace.jsonl"'
  check "every rebalance's cause chain ends at the partition" '[ "$(cause_roots "$out/cut-long" group.rebalance.start)" = "link.cut" ]'
  check "the group is settled at the end" '[ "$(json "$out/cut-long/summary.json" "j[\"groups\"][\"billing\"][\"stable_from_s\"] is not None")" = True ]'
  check "log.txt holds librdkafka's own session-timeout line" 'grep -q "SESSTMOUT .*Consumer group session timed out" "$out/cut-long/log.txt"'
  "$stormlab" explain "$out/cut-long" >"$out/cut-long.explain" 2>&1
  check "stormlab explain reads the real run: 2 rebalances, root link.cut" 'grep -q "2 rebalances after that" "$out/cut-long.explain" && grep -q "root: *link.cut" "$out/cut-long.explain"'
  check "explain names each generation once" 'one_generation_each "$out/cut-long.explain"'
  # publish for run_accounting (atomically: a symlink renamed over the last)
  rm -rf "$top"/cut-long.latest.new
  ln -s "$out" "$top/cut-long.latest.new" && mv -T "$top/cut-long.latest.new" "$top/cut-long.latest"
  # earlier invocations' runs, once surely finished (never one running now)
  find "$top" -maxdepth 1 -name 'cut_long.*' -type d -mmin +15 -exec rm -rf {} + 2>/dev/null
  ;;
check)
  # Given two scenarios on the mock cluster, one whose gates all hold and one
  # asking for a rebalance that never comes; when `stormlab check --cluster
  # mock` gates both; then it exits 1, the JUnit file has one failure (that
  # gate, with the value summary.json holds) and the kept run's gates pass,
  # and the breach prints the `stormlab run` command that reproduces it.
  "$stormlab" check "$data/check-kept.yaml" "$data/check-breached.yaml" --cluster mock --out "$out/check" \
    --junit "$out/check.xml" >"$out/check.stdout" 2>"$out/check.stderr"
  rc=$?
  cat "$out/check.stdout"
  check "a breach on the mock exits 1 (got $rc)" '[ $rc -eq 1 ]'
  junit=$(python3 - "$out/check.xml" <<'EOF'
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
cases = [(s.get("name"), c.get("name"), c.find("failure") is not None) for s in r.iter("testsuite") for c in s.iter("testcase")]
print(sum(f for _, _, f in cases), len(cases), ",".join(n for s, n, f in cases if f))
EOF
)
  echo "junit: $junit"
  check "JUnit: 1 failure in 6 gates, the breached rebalances gate ($junit)" '[ "${junit%% *}" = 1 ] && echo "$junit" | grep -q " 6 billing.rebalances >= 1"'
  rb=$(json "$out/check/run-check-breached/seed-5/summary.json" 'j["groups"]["billing"]["rebalances"]')
  check "the breach reports summary.json's value ($rb)" 'grep -q "billing.rebalances: expected >= 1, got $rb\$" "$out/check.stdout"'
  check "the kept scenario's gates are ok" '[ "$(grep -c "^run-check-kept .* ok\$" "$out/check.stdout")" = 3 ]'
  check "the breach names the run command that reproduces it" 'grep -q "reproduce: .*stormlab run .*check-breached.yaml --cluster mock --seed 5" "$out/check.stdout"'
  ;;
accounting)
  # Given the cut-long run (acks=all, idempotent producer; billing/1 lost
  # its assignment without a commit); when the log is read back; then no
  # acknowledged record is missing, and the records processed twice are
  # counted, listed by sequence number, and traced to the partition.
  d="$top/cut-long.latest/cut-long"
  check "the cut-long run left its outputs" 'outputs_ok "$d"'
  s="$d/summary.json"
  check "records were produced and every one acknowledged" '[ "$(json "$s" "j[\"records\"][\"orders\"][\"produced\"] > 1000 and j[\"records\"][\"orders\"][\"acked\"] == j[\"records\"][\"orders\"][\"produced\"]")" = True ]'
  check "the log was read back and nothing acknowledged is lost" '[ "$(json "$s" "j[\"records\"][\"orders\"][\"in_log\"] == j[\"records\"][\"orders\"][\"acked\"] and j[\"records\"][\"orders\"][\"lost\"] == 0 and j[\"cluster\"][\"lost_records\"] == 0")" = True ]'
  dups=$(json "$s" 'j["groups"]["billing"]["duplicates"]')
  echo "duplicates: $dups"
  check "duplicates after the lost assignment are counted ($dups)" '[ "$dups" -gt 0 ] && [ "$(json "$s" "j[\"records\"][\"orders\"][\"duplicated\"]")" = "$dups" ]'
  check "records.duplicated events list sequence numbers" 'grep -q "\"kind\":\"records.duplicated\".*processed again by billing/[0-9]; seq [0-9]" "$d/trace.jsonl"'
  check "each redelivery is traced back to the partition" '[ "$(cause_roots "$d" records.duplicated)" = "link.cut" ]'
  check "a records.checked summary line per topic" 'grep -q "\"kind\":\"records.checked\".*lost 0" "$d/trace.jsonl"'
  ;;
cut_short)
  # Given billing/1 cut for 3 s, shorter than its 10 s session timeout;
  # then neither the simulator nor the mock cluster rebalances.
  sim cut-short
  run cut-short
  check "the run exits 0 (got $rc)" '[ $rc -eq 0 ]'
  check "the run directory is complete" 'outputs_ok "$out/cut-short"'
  sim_rb=$(json "$out/cut-short-sim/summary.json" 'j["groups"]["billing"]["rebalances"]')
  run_rb=$(json "$out/cut-short/summary.json" 'j["groups"]["billing"]["rebalances"]')
  echo "rebalances: sim $sim_rb, mock $run_rb"
  check "no rebalance on the mock ($run_rb) nor in the simulator ($sim_rb)" '[ "$run_rb" = 0 ] && [ "$sim_rb" = 0 ]'
  check "the cut and its heal are in the trace" 'grep -q "\"kind\":\"link.cut\"" "$out/cut-short/trace.jsonl" && grep -q "\"kind\":\"link.heal\"" "$out/cut-short/trace.jsonl"'
  check "no member lost its assignment" '! grep -q "\"kind\":\"member.lost\"" "$out/cut-short/trace.jsonl"'
  ;;
broker_restart)
  # Given the coordinator's broker killed for 4 s (fenced after 3 s, back
  # after 4 s + 1 s start-up); then the coordinator moves, the group ends
  # settled, nothing acknowledged is lost, and the counts match the simulator.
  sim broker-restart
  run broker-restart
  d="$out/broker-restart"
  check "the run exits 0 (got $rc)" '[ $rc -eq 0 ]'
  check "the run directory is complete" 'outputs_ok "$d"'
  for k in action.restart broker.down broker.fenced coordinator.load.done broker.starting broker.serving broker.preferred_leaders; do
    check "the trace has $k" 'grep -q "\"kind\":\"$k\"" "$d/trace.jsonl"'
  done
  sim_rb=$(json "$out/broker-restart-sim/summary.json" 'j["groups"]["billing"]["rebalances"]')
  run_rb=$(json "$d/summary.json" 'j["groups"]["billing"]["rebalances"]')
  echo "rebalances: sim $sim_rb, mock $run_rb"
  check "the mock counts the simulator's rebalances (sim $sim_rb, mock $run_rb)" '[ "$sim_rb" = "$run_rb" ]'
  coord=$(coordinator_count "$d" billing)
  check "summary.json counts the mock coordinator's generations (coordinator $coord, run $run_rb)" '[ "$coord" = "$run_rb" ]'
  check "no coordinator line about the group went unparsed" '! grep "UNPARSED" "$d/log.txt"'
  check "partitions were unavailable while the broker was down" '[ "$(json "$d/summary.json" "j[\"cluster\"][\"unavailable_partition_s\"] > 0")" = True ]'
  check "nothing acknowledged is lost" '[ "$(json "$d/summary.json" "j[\"records\"][\"orders\"][\"lost\"] == 0 and j[\"records\"][\"orders\"][\"in_log\"] == j[\"records\"][\"orders\"][\"acked\"] > 0")" = True ]'
  check "the group is settled at the end" '[ "$(json "$d/summary.json" "j[\"groups\"][\"billing\"][\"stable_from_s\"] is not None")" = True ]'
  ;;
rolling_set)
  # Given session_timeout 6s -> 8s by a rolling restart 3 s apart; then
  # each member closes and returns with the new setting, and the group
  # rebalances and settles again.
  sim rolling-set
  run rolling-set
  d="$out/rolling-set"
  check "the run exits 0 (got $rc)" '[ $rc -eq 0 ]'
  check "the run directory is complete" 'outputs_ok "$d"'
  check "three members came back with session.timeout.ms=8000" '[ "$(grep -c "\"kind\":\"member.start\".*session.timeout.ms=8000" "$d/trace.jsonl")" = 3 ]'
  check "three members closed with a LeaveGroup first" '[ "$(grep -c "\"kind\":\"member.stop\".*LeaveGroup" "$d/trace.jsonl")" -ge 3 ]'
  sim_rb=$(json "$out/rolling-set-sim/summary.json" 'j["groups"]["billing"]["rebalances"]')
  run_rb=$(json "$d/summary.json" 'j["groups"]["billing"]["rebalances"]')
  echo "rebalances: sim $sim_rb, mock $run_rb"
  check "the rolling set rebalances the group (mock $run_rb, sim $sim_rb)" '[ "$run_rb" -ge 1 ] && [ "$run_rb" -le 6 ]'
  check "every rebalance traces back to the set event" '[ "$(cause_roots "$d" group.rebalance.start)" = "action.set" ]'
  coord=$(coordinator_count "$d" billing)
  check "summary.json counts the mock coordinator's generations (coordinator $coord, run $run_rb)" '[ "$coord" = "$run_rb" ]'
  check "no coordinator line about the group went unparsed" '! grep "UNPARSED" "$d/log.txt"'
  "$stormlab" explain "$d" >"$out/rolling-set.explain" 2>&1
  check "explain names each generation once" 'one_generation_each "$out/rolling-set.explain"'
  check "the group is settled at the end" '[ "$(json "$d/summary.json" "j[\"groups\"][\"billing\"][\"stable_from_s\"] is not None")" = True ]'
  check "nothing acknowledged is lost" '[ "$(json "$d/summary.json" "j[\"records\"][\"orders\"][\"lost\"]")" = 0 ]'
  ;;
sigterm)
  # Given a partition, a frozen member, a stalled member and a frozen
  # broker all in place; when SIGTERM arrives; then every fault is healed,
  # no thread is left, the outputs are written and marked interrupted, and
  # the exit code is 3.
  d="$out/sigterm"
  rm -rf "$d"
  t0=$SECONDS
  "$stormlab" run "$data/sigterm.yaml" --out "$d" --no-plots >"$out/sigterm.stdout" 2>"$out/sigterm.stderr" &
  pid=$!
  for _ in $(seq 1 100); do  # wait for the broker to freeze (at 5 s), at most 20 s
    grep -q "broker.paused" "$d/.trace.jsonl.partial" 2>/dev/null && break
    sleep 0.2
  done
  sleep 1
  kill -TERM $pid
  wait $pid
  rc=$?
  wall=$((SECONDS - t0))
  cat "$out/sigterm.stdout" "$out/sigterm.stderr"
  check "SIGTERM ends the run with exit 3 (got $rc)" '[ $rc -eq 3 ]'
  check "it stops well before the 60 s duration (took $wall s)" '[ $wall -le 30 ]'
  check "the outputs are written, nothing partial" 'outputs_ok "$d"'
  s="$d/summary.json"
  check "summary.json says interrupted" '[ "$(json "$s" "j[\"interrupted\"]")" = True ]'
  check "the faults were in place when it came" 'grep -q "\"kind\":\"link.cut\"" "$d/trace.jsonl" && grep -q "\"kind\":\"member.paused\"" "$d/trace.jsonl" && grep -q "\"kind\":\"member.stalled\"" "$d/trace.jsonl" && grep -q "\"kind\":\"broker.paused\"" "$d/trace.jsonl"'
  check "no broker left down, no member frozen, no toxic in place" '[ "$(json "$s" "(j[\"teardown\"][\"brokers_down\"], j[\"teardown\"][\"members_frozen\"], j[\"teardown\"][\"toxics_left\"])")" = "(0, 0, 0)" ]'
  check "no thread left but the main one" '[ "$(json "$s" "j[\"teardown\"][\"threads_left\"]")" = 0 ]'
  check "every member closed" '[ "$(grep -c "\"kind\":\"member.stop\"" "$d/trace.jsonl")" = 4 ]'
  check "the log says what was healed" 'grep -q "heal: broker 2 resumed" "$d/log.txt" && grep -q "heal: billing/2 thawed" "$d/log.txt"'
  ;;
sigkill)
  # Given a partition, a frozen member and a frozen broker in place; when
  # `stormlab run` dies of SIGKILL (no handler can run); then its heal
  # state file lists every fault and its outputs are left partial; `heal
  # --dry-run` shows that and changes nothing; the next `stormlab run`
  # heals it first (unfinished outputs removed, state file gone) and runs
  # normally; a second killed run is healed by `stormlab heal`.
  killed_run() { # DIR: starts sigterm.yaml into DIR, SIGKILLs it once the broker froze
    "$stormlab" run "$data/sigterm.yaml" --out "$1" --no-plots >/dev/null 2>&1 &
    local pid=$! i
    for i in $(seq 1 100); do
      grep -q "broker.paused" "$1/.trace.jsonl.partial" 2>/dev/null && break
      sleep 0.2
    done
    kill -KILL $pid
    wait $pid 2>/dev/null
    echo $?
  }
  st="$STORMLAB_STATE_DIR"
  rc=$(killed_run "$out/k1")
  check "the run died of SIGKILL (exit $rc)" '[ "$rc" -eq 137 ]'
  check "its heal state file lists the partition, the frozen member and the frozen broker" \
    'grep -q "events\[0\] partition" "$st"/run-*.jsonl && grep -q "billing/2 paused" "$st"/run-*.jsonl &&
     grep -q "broker/2 paused" "$st"/run-*.jsonl'
  check "it left partial outputs and no summary" '[ -e "$out/k1/.trace.jsonl.partial" ] && [ ! -e "$out/k1/summary.json" ]'
  "$stormlab" heal --dry-run >"$out/dry" 2>&1; rc=$?
  cat "$out/dry"
  check "heal --dry-run exits 0, names the run and what it would remove" \
    '[ $rc -eq 0 ] && grep -q "run of run-sigterm" "$out/dry" && grep -q "would remove .*k1/.trace.jsonl.partial" "$out/dry"'
  check "heal --dry-run changes nothing" '[ -e "$out/k1/.trace.jsonl.partial" ] && ls "$st"/run-*.jsonl >/dev/null 2>&1'
  run cut-short
  cat "$out/cut-short.stderr"
  check "the next run heals first and says so, then runs (exit $rc)" \
    '[ $rc -eq 0 ] && grep -q "healed what 1 earlier run left behind" "$out/cut-short.stderr" &&
     grep -q "broker/2 paused (events\[3\].*gone with the run" "$out/cut-short.stderr"'
  check "the killed run's unfinished outputs are gone" '[ -z "$(ls -A "$out/k1")" ]'
  check "no heal state file is left: neither the killed run's nor the finished run's" \
    '[ -z "$(ls -A "$st")" ]'
  check "the finished run's outputs are complete" 'outputs_ok "$out/cut-short"'
  rc=$(killed_run "$out/k2")
  "$stormlab" heal >"$out/heal" 2>&1; rc=$?
  cat "$out/heal"
  check "stormlab heal heals a second killed run (exit $rc)" \
    '[ $rc -eq 0 ] && grep -q "1 run: 0 undo commands run, 3 in-process faults listed, 5 unfinished outputs removed" "$out/heal" &&
     [ -z "$(ls -A "$out/k2")" ] && [ -z "$(ls -A "$st")" ]'
  "$stormlab" heal >"$out/heal2" 2>&1; rc=$?
  check "then there is nothing to heal (exit $rc)" '[ $rc -eq 0 ] && grep -q "nothing to heal" "$out/heal2"'
  ;;
cli)
  # Bad input is refused before anything runs (exit 2); the kafka backend's
  # safety rules and --dry-run need no cluster.
  cf="$out/cluster.yaml"
  "$stormlab" run --help >"$out/h" 2>&1; rc=$?
  check "run --help exits 0 and names --cluster-file" '[ $rc -eq 0 ] && grep -q -- "--cluster-file" "$out/h"'
  "$stormlab" run "$data/cut-short.yaml" --set groups.billing.protocol=consumer --set groups.billing.session_timeout=45s \
    --set groups.billing.heartbeat_interval=5s --set groups.billing.assignor=uniform >"$out/o" 2>&1; rc=$?
  check "a KIP-848 group is refused with exit 2 and the reason ($rc)" '[ $rc -eq 2 ] && grep -q "KIP-848" "$out/o" && grep -q "cut-short.yaml:[0-9]*:[0-9]*" "$out/o"'
  "$stormlab" run "$data/cut-short.yaml" --set groups.billing.static=true >"$out/o" 2>&1; rc=$?
  check "static membership on the mock is refused with exit 2 ($rc)" '[ $rc -eq 2 ] && grep -q "KIP-345" "$out/o"'
  "$stormlab" run "$data/cut-short.yaml" --set groups.billing.client=librdkafka --set groups.billing.assignor=sticky >"$out/o" 2>&1; rc=$?
  check "the eager sticky assignor is refused for librdkafka with exit 2 ($rc)" '[ $rc -eq 2 ] && grep -q "sticky" "$out/o"'
  "$stormlab" run "$data/cut-short.yaml" --set groups.billing.client=java >"$out/o" 2>&1; rc=$?
  check "a Java group on the mock is refused with exit 2, naming --cluster kafka ($rc)" \
    '[ $rc -eq 2 ] && grep -q "cut-short.yaml:[0-9]*:[0-9]*: groups.billing: client: java groups run on a real Kafka only (--cluster kafka)" "$out/o"'
  "$stormlab" run "$data/broker-restart.yaml" --cluster kafka >"$out/o" 2>&1; rc=$?
  check "--cluster kafka without a cluster file: exit 2 ($rc)" '[ $rc -eq 2 ] && grep -q "cluster-file" "$out/o"'
  cat >"$cf" <<'EOF'
command_timeout: 5s
commands:
  kill: "ssh {host} 'sudo systemctl kill -s KILL kafka@{id}'"
  start: systemctl start "kafka@{id}"
  stop: systemctl stop kafka@{id}
EOF
  # Given no JDK (JAVA names none), a Java group says what is missing before anything runs.
  JAVA=/nonexistent/java "$stormlab" run "$data/cut-short.yaml" --set groups.billing.client=java --cluster kafka \
    --cluster-file "$cf" --bootstrap 127.0.0.1:1 --out "$out/nojdk" >"$out/o" 2>&1; rc=$?
  check "a Java group without a JDK: exit 2 naming java and the JDK ($rc: $(tail -1 "$out/o"))" \
    '[ $rc -eq 2 ] && grep -q "client: java groups need the Java member.*java not found: client: java groups need a JDK 17+" "$out/o" && [ ! -e "$out/nojdk/trace.jsonl" ]'
  "$stormlab" run "$data/broker-restart.yaml" --cluster kafka --cluster-file "$cf" --bootstrap 10.1.2.3:9092 >"$out/o" 2>&1; rc=$?
  check "a non-loopback bootstrap without allow_remote is refused, exit 2 ($rc)" '[ $rc -eq 2 ] && grep -q "refusing the non-loopback bootstrap" "$out/o"'
  "$stormlab" run "$data/broker-restart.yaml" --cluster kafka --cluster-file "$cf" --dry-run >"$out/o" 2>&1; rc=$?
  check "--dry-run prints each broker command, split and quoted ($rc)" '[ $rc -eq 0 ] && grep -q "coordinator/billing: resolved when the event fires" "$out/o"'
  cat >"$out/cf2.yaml" <<'EOF'
commands:
  kill: systemctl kill kafka@{id}
  start: systemctl start kafka@{id}
brokers:
  - id: 2
    host: "kafka-2;rm -rf /"
EOF
  "$stormlab" run "$data/broker-restart.yaml" --cluster kafka --cluster-file "$out/cf2.yaml" >"$out/o" 2>&1; rc=$?
  check "a host with shell characters is refused with file:line:col, exit 2 ($rc)" '[ $rc -eq 2 ] && grep -q "cf2.yaml:6:11: brokers\[\].host" "$out/o"'
  printf 'brokers:\n  - id: 1\n    host: -oProxyCommand=x\n' >"$out/cf2b.yaml"
  "$stormlab" run "$data/broker-restart.yaml" --cluster kafka --cluster-file "$out/cf2b.yaml" >"$out/o" 2>&1; rc=$?
  check "a host that would be an option is refused with file:line:col, exit 2 ($rc)" '[ $rc -eq 2 ] && grep -q "cf2b.yaml:3:11: brokers\[\].host: .*not starting with -" "$out/o"'
  printf 'commands:\n  kill: systemctl kill kafka@{user}\n' >"$out/cf3.yaml"
  "$stormlab" run "$data/broker-restart.yaml" --cluster kafka --cluster-file "$out/cf3.yaml" >"$out/o" 2>&1; rc=$?
  check "an unknown placeholder is refused, exit 2 ($rc)" '[ $rc -eq 2 ] && grep -q "unknown placeholder" "$out/o"'
  printf 'allow_remote: true\ncommands:\n  kill: "true"\n' >"$out/cf4.yaml"
  "$stormlab" run "$data/broker-restart.yaml" --cluster kafka --cluster-file "$out/cf4.yaml" >"$out/o" 2>&1; rc=$?
  check "allow_remote without cluster_id is refused, exit 2 ($rc)" '[ $rc -eq 2 ] && grep -q "needs cluster_id" "$out/o"'
  printf 'bootstrap: 127.0.0.1:1\ncommands:\n  kill: "true"\n  start: "true"\n' >"$out/cf5.yaml"
  t0=$SECONDS
  "$stormlab" run "$data/broker-restart.yaml" --cluster kafka --cluster-file "$out/cf5.yaml" --out "$out/unreach" >"$out/o" 2>&1; rc=$?
  check "a cluster that does not answer: exit 3 with the reason ($rc, $((SECONDS - t0)) s)" '[ $rc -eq 3 ] && grep -q "cannot reach the cluster at 127.0.0.1:1" "$out/o"'
  cat "$out/o"
  printf 'commands:\n  pause: ssh {host} systemctl kill -s STOP kafka\n  resume: ssh {host} systemctl kill -s CONT kafka\n' >"$out/cf6.yaml"
  "$stormlab" run "$data/sigterm.yaml" --cluster kafka --cluster-file "$out/cf6.yaml" --dry-run >"$out/o" 2>&1; rc=$?
  check "--dry-run with {host} templates: exit 0, hosts shown by name, nothing asked of a cluster ($rc)" \
    '[ $rc -eq 0 ] && grep -q "ssh BROKER2_HOST systemctl kill -s STOP kafka" "$out/o" && grep -q "from the cluster.s metadata" "$out/o"'
  check "...and leaves no heal state file" '[ -z "$(ls -A "$STORMLAB_STATE_DIR" 2>/dev/null)" ]'
  "$stormlab" run "$data/cut-short.yaml" --state-dir /proc/no-such-dir --out "$out/nostate" >"$out/o" 2>&1; rc=$?
  check "no heal state file, no run: exit 3 naming the directory ($rc)" \
    '[ $rc -eq 3 ] && grep -q "cannot create the heal state directory /proc/no-such-dir" "$out/o" && [ ! -e "$out/nostate/.trace.jsonl.partial" ]'
  "$stormlab" heal --help >"$out/o" 2>&1; rc=$?
  check "heal --help exits 0 and names --state-dir and --dry-run" '[ $rc -eq 0 ] && grep -q -- "--state-dir" "$out/o" && grep -q -- "--dry-run" "$out/o"'
  "$stormlab" heal --bogus >"$out/o" 2>&1; rc=$?
  check "heal --bogus: exit 2 ($rc)" '[ $rc -eq 2 ] && grep -q "unknown or incomplete option" "$out/o"'
  "$stormlab" heal extra >"$out/o" 2>&1; rc=$?
  check "heal with an argument: exit 2 ($rc)" '[ $rc -eq 2 ] && grep -q "unexpected argument" "$out/o"'
  ;;
*)
  echo "unknown mode $mode"; exit 2 ;;
esac
finish
