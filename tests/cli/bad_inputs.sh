#!/usr/bin/env bash
# Given a table of bad scenario files and bad command lines, when each is
# run through `stormlab sim`, then it exits 2 within a second, names
# file:line:col, the key and what was expected, and writes no output.
set -u
stormlab=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
pass=0 fail=0

mk() { printf "$2" > "$1"; }
mk unknown-key.yaml 'name: x\ntopics: [{name: t}]\nbogus: 1\n'
mk wrong-type.yaml 'name: x\ncluster:\n  brokers: three\ntopics: [{name: t}]\n'
mk negative-duration.yaml 'name: x\nduration: -5s\ntopics: [{name: t}]\n'
mk overflowing-duration.yaml 'name: x\nduration: 99999999999999999h\ntopics: [{name: t}]\n'
mk heartbeat-over-session.yaml 'name: x\ntopics: [{name: t}]\ngroups:\n  - id: g\n    topics: [t]\n    heartbeat_interval: 50s\n'
mk session-below-broker-min.yaml 'name: x\ntopics: [{name: t}]\ngroups:\n  - id: g\n    topics: [t]\n    session_timeout: 2s\n    heartbeat_interval: 1s\n'
mk unknown-topic.yaml 'name: x\ntopics: [{name: t}]\ngroups:\n  - id: g\n    topics: [nope]\n'
mk selector-no-broker.yaml 'name: x\ntopics: [{name: t}]\nevents:\n  - at: 1s\n    restart: broker/9\n'
mk selector-no-member.yaml 'name: x\ntopics: [{name: t}]\ngroups:\n  - {id: billing, topics: [t], members: 6}\nevents:\n  - at: 1s\n    pause: billing/7\n'
mk syntax-error.yaml 'name: [x\n'
mk empty.yaml ''
printf 'name: x\n\0\1\2\377garbage' > binary-garbage.yaml
{ echo 'name: x'; echo 'topics: [{name: t}]'; echo 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'
  prev=a; for k in b c d e f g h i; do printf '%s: &%s [' "$k" "$k"; for n in 1 2 3 4 5 6 7 8; do printf '*%s,' "$prev"; done; printf '*%s]\n' "$prev"; prev=$k; done; } > alias-bomb.yaml
{ printf 'name: x\ntopics: '; head -c 10000 /dev/zero | tr '\0' '['; echo; } > deep-nesting.yaml
mk absurd-size.yaml 'name: x\ntopics: [{name: t, partitions: 1000000000000}]\n'

# file | expected position | words the message must contain
cases=(
  "unknown-key.yaml|3:1|bogus: unknown key, expected one of"
  "wrong-type.yaml|3:12|cluster.brokers|expected a whole number"
  "negative-duration.yaml|2:11|duration|negative"
  "overflowing-duration.yaml|2:11|duration|too large"
  "heartbeat-over-session.yaml|6:25|groups[0].heartbeat_interval|session"
  "session-below-broker-min.yaml|6:22|groups[0].session_timeout|expected"
  "unknown-topic.yaml|5:14|groups[0].topics[0]|not a declared topic"
  "selector-no-broker.yaml|5:14|events[0].restart|names no broker"
  "selector-no-member.yaml|7:12|events[0].pause|billing/7"
  "syntax-error.yaml|2:1|YAML syntax error"
  "empty.yaml|1:1|empty"
  "binary-garbage.yaml|2:1|NUL byte"
  "alias-bomb.yaml||alias"
  "deep-nesting.yaml||nesting deeper than"
  "absurd-size.yaml|2:32|topics[0].partitions|too large"
)
for c in "${cases[@]}"; do
  IFS='|' read -r file pos w1 w2 <<<"$c"
  # bounded (a hang fails), not timed: tests/bench/bench_hostile.sh times them
  timeout 60 "$stormlab" sim "$file" --out "out-$file" >stdout 2>stderr
  rc=$?
  msg=$(head -c 600 stderr)
  ok=1
  [ "$rc" -eq 2 ] || { echo "FAIL $file: exit $rc, expected 2: $msg"; ok=0; }
  if [ -n "$pos" ]; then
    grep -qF "$file:$pos: " stderr || { echo "FAIL $file: expected '$file:$pos:' in: $msg"; ok=0; }
  else
    grep -qE "^stormlab: $file:[0-9]+:[0-9]+: " stderr || { echo "FAIL $file: no file:line:col in: $msg"; ok=0; }
  fi
  for w in "$w1" "$w2"; do
    [ -z "$w" ] || grep -qF -- "$w" stderr || { echo "FAIL $file: expected '$w' in: $msg"; ok=0; }
  done
  [ ! -e "out-$file" ] || { echo "FAIL $file: wrote an output directory"; ok=0; }
  if [ $ok -eq 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done

# bad command lines: exit 2 and say what is wrong
usage_case() {
  local want=$1; shift
  "$stormlab" "$@" >stdout 2>stderr
  local rc=$?
  if [ $rc -eq 2 ] && grep -qF -- "$want" stderr; then pass=$((pass + 1))
  else echo "FAIL stormlab $*: exit $rc, expected 2 and '$want' in: $(head -c 300 stderr)"; fail=$((fail + 1)); fi
}
printf 'name: ok\ntopics: [{name: t}]\n' > ok.yaml
usage_case "missing SCENARIO" sim
usage_case "unknown or incomplete option" sim ok.yaml --bogus
usage_case "is not a seed" sim ok.yaml --seed -1
usage_case "is not a seed" sim ok.yaml --seed 12abc
usage_case "--set" sim ok.yaml --set groups.nope.session_timeout=10s
usage_case "no-such-file.yaml" sim no-such-file.yaml
usage_case "unknown command" frobnicate
usage_case "usage: stormlab" 

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
