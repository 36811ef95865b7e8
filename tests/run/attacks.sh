#!/usr/bin/env bash
# Issue 13's attacks, replayed (docs/reliability.md#attacks-tried): hostile
# files, planted symlinks, FIFOs and directories, a careless --out, signals.
# Nothing here touches a cluster (--dry-run, or the embedded mock).
#
#   attacks.sh STORMLAB SOURCE_DIR OUT_DIR
set -u
stormlab=$1 src=$2 top=$3
data="$src/tests/data/run"
mkdir -p "$top"
out=$(mktemp -d "$top/attacks.XXXXXX")
export STORMLAB_STATE_DIR="$out/state"
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi; }
# dry FILE: stormlab run --dry-run on the kafka backend with cluster file FILE
dry() { "$stormlab" run "$data/sigterm.yaml" --cluster kafka --cluster-file "$1" --dry-run >"$out/o" 2>&1; rc=$?; }

# ---- cluster files: the scenario loader's limits ----
# Given a cluster file nested 100,000 deep, when it is loaded, then it is
# refused at the 65th level in well under a second (was 37 s).
python3 -c 'import sys; sys.stdout.write("brokers: " + "[" * 100000 + "]" * 100000 + "\n")' >"$out/deep.yaml"
t0=$(date +%s%N); dry "$out/deep.yaml"; ms=$((($(date +%s%N) - t0) / 1000000))
check "a cluster file nested 100,000 deep: exit 2, nesting named, under 1 s (rc $rc, $ms ms)" \
  '[ $rc -eq 2 ] && grep -q "deep.yaml:1:.*nesting deeper than 64" "$out/o" && [ $ms -lt 1000 ]'
# Given a 5 MiB cluster file, then it is refused by its size, unread.
python3 -c 'import sys; sys.stdout.write("# " + "x" * (5 << 20) + "\n")' >"$out/big.yaml"
dry "$out/big.yaml"
check "a 5 MiB cluster file: exit 2, the size cap named (rc $rc)" \
  '[ $rc -eq 2 ] && grep -q "big.yaml:1:1: the file is larger than 4194304 bytes" "$out/o"'
# Given 200,000 brokers, then the node cap refuses them early (was 64 s of
# O(n^2)); 5,000 brokers pass the node cap and meet the broker cap.
python3 -c '
print("commands: {kill: \"true\", start: \"true\"}\nbrokers:")
for i in range(200000): print("  - id: %d" % i)' >"$out/many.yaml"
t0=$(date +%s%N); dry "$out/many.yaml"; ms=$((($(date +%s%N) - t0) / 1000000))
check "200,000 brokers: exit 2, the node cap named, under 3 s (rc $rc, $ms ms)" \
  '[ $rc -eq 2 ] && grep -q "many.yaml:[0-9]*:[0-9]*: more than 200000 YAML nodes" "$out/o" && [ $ms -lt 3000 ]'
python3 -c '
print("commands: {kill: \"true\", start: \"true\"}\nbrokers:")
for i in range(5000): print("  - id: %d" % i)' >"$out/many.yaml"
dry "$out/many.yaml"
check "5,000 brokers: exit 2, at most 1000 (rc $rc)" \
  '[ $rc -eq 2 ] && grep -q "many.yaml:3:3: brokers: 5000 brokers, expected at most 1000" "$out/o"'
# Given 1,000 brokers with broker 7 listed again last, then the second
# listing is the one named, with its line (sorted, not compared pairwise).
python3 -c '
print("commands: {kill: \"true\", start: \"true\"}\nbrokers:")
for i in range(999): print("  - id: %d" % i)
print("  - id: 7")' >"$out/dup.yaml"
dry "$out/dup.yaml"
check "a broker listed twice is named at its second listing (rc $rc)" \
  '[ $rc -eq 2 ] && grep -q "dup.yaml:1002:5: brokers\[\]: broker 7 listed twice" "$out/o"'

# ---- --dry-run shows exactly what runs ----
# Given a YAML "\0" in a host, then it is refused with file:line:col (was
# silently cut at the NUL).
printf 'commands:\n  kill: ssh {host} kill\n  start: ssh {host} start\nbrokers:\n  - id: 2\n    host: "kafka-2\\0.evil"\n' >"$out/nul.yaml"
dry "$out/nul.yaml"
check "a \\0 in a host: exit 2, file:line:col (rc $rc)" '[ $rc -eq 2 ] && grep -q "nul.yaml:6:11: a NUL character" "$out/o"'
printf 'commands:\n  kill: "true\\0; rm -rf /"\n  start: "true"\n' >"$out/nul2.yaml"
dry "$out/nul2.yaml"
check "a \\0 in a template: exit 2, file:line:col (rc $rc)" '[ $rc -eq 2 ] && grep -q "nul2.yaml:2:9: a NUL character" "$out/o"'
# Given a template whose word hides a carriage return and an erase-line
# escape, then --dry-run shows them escaped in $'...', no raw control byte.
printf 'commands:\n  pause: "echo \\"rm -rf /data\\r\\e[2Kharmless\\""\n  resume: "true"\n' >"$out/ctl.yaml"
dry "$out/ctl.yaml"
check "control characters are shown escaped (rc $rc)" \
  "[ \$rc -eq 0 ] && grep -qF \"pause: echo \$'rm -rf /data\\\\r\\\\x1b[2Kharmless'\" \"\$out/o\" && ! LC_ALL=C grep -q \$'[\\r\\x1b]' \"\$out/o\""
# Given a 6,000-character word, then it is shown whole (was cut at ~4 KB).
w=$(printf 'a%.0s' $(seq 6000))
printf 'commands:\n  pause: "echo %s END"\n  resume: "true"\n' "$w" >"$out/long.yaml"
dry "$out/long.yaml"
check "a 6,000-character word is shown whole (rc $rc)" "[ \$rc -eq 0 ] && grep -q 'pause: echo $w END' \"\$out/o\""
# ---- the loopback guard resolves names ----
printf 'commands:\n  kill: "true"\n  start: "true"\n' >"$out/plain.yaml"
"$stormlab" run "$data/broker-restart.yaml" --cluster kafka --cluster-file "$out/plain.yaml" --bootstrap 127.evil.example:9092 >"$out/o" 2>&1; rc=$?
check "127.evil.example is not loopback: exit 2 (rc $rc)" '[ $rc -eq 2 ] && grep -q "refusing the non-loopback bootstrap 127.evil.example:9092" "$out/o"'
echo "$pass passed, $fail failed"; if [ "$fail" -eq 0 ]; then rm -rf "$out"; fi; [ "$fail" -eq 0 ]
