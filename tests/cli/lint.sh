#!/usr/bin/env bash
# `stormlab lint` on good and storm-prone properties files (tests/data/lint/):
# exit codes, one finding per rule with file:line, why, fix and a rehearse
# command that names a bundled scenario and really runs, --json, and
# unreadable input.
set -u
stormlab=$1 src=$2
data=$src/tests/data/lint
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
. "$(dirname "${BASH_SOURCE[0]}")/testlib.sh"
# has RULE LINE: the output names file:LINE (or file: for a default) and [RULE]
has() { grep -qE "^[^ ]+\\.properties:${2:+$2:} (error|warning|note): .*\\[$1\\]$" out; }

"$stormlab" lint --help >help 2>&1; rc=$?
check "lint --help exits 0 and documents --broker" '[ $rc -eq 0 ] && grep -q -- "--broker FILE" help'

"$stormlab" lint "$data/good-java.properties" "$data/good-librdkafka.properties" >out 2>err; rc=$?
check "good Java and librdkafka files: exit 0, clean" '[ $rc -eq 0 ] && grep -q ": clean$" out'
check "the clients are detected by their own keys" \
  'grep -q "good-java.properties (Java client, by key.deserializer)" out && grep -q "good-librdkafka.properties (librdkafka, by metadata.broker.list)" out'

"$stormlab" lint "$data/storm-java.properties" >out 2>err; rc=$?
check "storm-prone Java file: exit 1" '[ $rc -eq 1 ]'
check "session timeout near the broker minimum, at its line" 'has session-near-broker-min 8'
check "request timeout (the default) longer than the session timeout" 'has request-timeout-over-session 8'
check "heartbeat over a third of the session timeout" 'has heartbeat-over-third 9'
check "max.poll.records x processing near max.poll.interval.ms" 'has poll-budget 11'
check "a Kafka Streams config: its partition.assignment.strategy is ignored, not eager" \
  'has streams-assignor-ignored 12 && ! grep -q "\[eager-assignor\]" out'
check "a mistyped key, with the key it meant" 'has unknown-key 13 && grep -q "did you mean max.poll.interval.ms?" out'
check "no group.instance.id on a stateful (Streams) consumer is a warning" \
  'grep -q "storm-java.properties: warning: group.instance.id is not set on a stateful consumer" out'
check "every finding has why, fix and rehearse lines (a command, or none and why)" \
  '[ "$(grep -cE "^[^ ].*\\[[a-z-]+\\]$" out)" -eq "$(grep -c "^    why: " out)" ] && [ "$(grep -c "^    why: " out)" -eq "$(grep -c "^    fix: " out)" ] && [ "$(grep -c "^    fix: " out)" -eq "$(grep -c "^    rehearse: " out)" ]'
check "the rehearsal carries the file's values into the scenario" \
  'grep -q "rehearse: .*sim .*member-cut-short.yaml .*--set groups.billing.session_timeout=10s --set groups.billing.heartbeat_interval=5s" out'
# every rehearse command names an existing bundled scenario and runs
ok=1
while read -r cmd; do
  scn=$(printf '%s\n' "$cmd" | grep -oE '[^ ]*scenarios/[a-z0-9-]+\.yaml' | head -1)
  [ -f "$src/${scn#*scenarios/../}" ] || [ -f "$src/scenarios/${scn##*/}" ] || { echo "no such scenario: $scn"; ok=0; }
  (cd "$src" && eval "$cmd --out $dir/rehearsal --no-plots -q") || { echo "did not run: $cmd"; ok=0; }
done < <(sed -n 's/^    rehearse: //p' out | grep -v '^none (' | sort -u)
check "every rehearse command names a bundled scenario and runs (exit 0)" '[ $ok -eq 1 ]'

"$stormlab" lint "$data/storm-librdkafka.properties" >out 2>err; rc=$?
check "librdkafka: mixing eager and cooperative assignors is an error" '[ $rc -eq 1 ] && has mixed-assignor-protocols 4'
check "librdkafka: a session timeout below the broker minimum is an error" 'has session-outside-broker-range 5'
check "librdkafka: no static membership is only a note on a stateless consumer" 'has no-static-membership ""'

"$stormlab" lint "$data/kip848-java.properties" >out 2>err; rc=$?
check "KIP-848: session.timeout.ms under group.protocol=consumer is an error (the Java client refuses it)" \
  '[ $rc -eq 1 ] && has classic-setting-with-consumer-protocol 6 && grep -q "rehearse: none (the client refuses" out'

"$stormlab" lint "$data/continued.properties" >out 2>err; rc=$?
check "Java syntax: a continued line is one value, at the line it starts" 'has eager-assignor 3 && grep -q "RangeAssignor,org.apache.kafka.clients.consumer.CooperativeStickyAssignor" out'
check "a key set twice: the overridden line is named" 'has duplicate-key 6 && grep -q "overridden by line 7" out'

"$stormlab" lint "$data/good-java.properties" --broker "$data/server.properties" >out 2>err; rc=$?
check "broker: no initial rebalance delay" '[ $rc -eq 1 ] && grep -qE "server.properties:5: warning: .*\\[no-initial-rebalance-delay\\]" out'
check "broker: offsets topic with one replica" 'grep -qE "server.properties:6: warning: .*\\[offsets-replication-one\\]" out'
check "broker: a max session timeout below the clients' default" 'grep -qE "server.properties:8: warning: .*\\[broker-rejects-default-session\\]" out'
check "a client's session timeout outside this broker's bounds is an error naming the broker file" \
  'grep -qE "good-java.properties:9: error: .*6000..30000 \\(.*server.properties\\) \\[session-outside-broker-range\\]" out'

printf 'group.id=billing\npartition.assignment.strategy=org.apache.kafka.clients.consumer.CooperativeStickyAssignor\ngroup.instance.id=a\n' >a.properties
printf 'group.id=billing\npartition.assignment.strategy=org.apache.kafka.clients.consumer.RangeAssignor\ngroup.instance.id=b\n' >b.properties
"$stormlab" lint a.properties b.properties >out 2>err; rc=$?
check "two files of one group with no common assignor: an error naming both" \
  '[ $rc -eq 1 ] && grep -qE "^b.properties:2: error: group.id=billing is also used by a.properties:2.*\\[no-common-assignor\\]" out'

"$stormlab" lint "$data/storm-java.properties" --json >json 2>err; rc=$?
"$stormlab" lint "$data/storm-java.properties" >out 2>err
check "--json parses, one object per finding, with file, line, rule, fix and scenario" \
  '[ $rc -eq 1 ] && [ "$(python3 -c "import json; d=json.load(open(\"json\")); f=d[\"findings\"]; print(len(f), all(x[\"file\"] and x[\"fix\"] and (x[\"scenario\"] and x[\"rehearse\"] or x[\"no_rehearsal\"]) for x in f), d[\"warnings\"])")" = "$(grep -cE "^[^ ].*\\[[a-z-]+\\]$" out) True 7" ]'

"$stormlab" lint nope.properties >out 2>err; rc=$?
check "a missing file: exit 2" '[ $rc -eq 2 ] && grep -q "nope.properties: No such file" err'
"$stormlab" lint "$data" >out 2>err; rc=$?
check "a directory: exit 2" '[ $rc -eq 2 ]'
printf 'session.timeout.ms=1\0\1\2' >bin.properties
"$stormlab" lint bin.properties >out 2>err; rc=$?
check "a binary file: exit 2, not a text file" '[ $rc -eq 2 ] && grep -q "not a text file" err'
"$stormlab" lint >out 2>err; rc=$?
check "nothing to lint: exit 2" '[ $rc -eq 2 ]'
"$stormlab" lint "$data/good-java.properties" --client go >out 2>err; rc=$?
check "an unknown --client: exit 2" '[ $rc -eq 2 ] && grep -q "expected java or librdkafka" err'

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
