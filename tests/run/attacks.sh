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
# refused at the 65th level (was 37 s; how fast now: tests/bench/bench_hostile.sh).
python3 -c 'import sys; sys.stdout.write("brokers: " + "[" * 100000 + "]" * 100000 + "\n")' >"$out/deep.yaml"
dry "$out/deep.yaml"
check "a cluster file nested 100,000 deep: exit 2, nesting named (rc $rc)" \
  '[ $rc -eq 2 ] && grep -q "deep.yaml:1:.*nesting deeper than 64" "$out/o"'
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
dry "$out/many.yaml"
check "200,000 brokers: exit 2, the node cap named (rc $rc)" \
  '[ $rc -eq 2 ] && grep -q "many.yaml:[0-9]*:[0-9]*: more than 200000 YAML nodes" "$out/o"'
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

# ---- a scenario's name never leaves runs/ ----
# Given a scenario named "../../precious" run from $out/w/a/b, when `stormlab
# sim` picks its default output directory, then precious/ (two levels up,
# with a summary.json and plots/ of the user's) is untouched and the run is in
# runs/ under a one-component name.
mkdir -p "$out/w/a/b" "$out/w/precious/plots"
echo mine >"$out/w/precious/summary.json"; echo mine >"$out/w/precious/plots/figure1.svg"
sed 's|^name: .*|name: "../../precious"|' "$data/cut-short.yaml" >"$out/escape.yaml"
(cd "$out/w/a/b" && "$stormlab" sim "$out/escape.yaml" --no-plots -q) >"$out/o" 2>&1; rc=$?
check "name ../../precious: precious/ untouched, run in runs/_._.._precious (rc $rc)" \
  '[ $rc -eq 0 ] && [ "$(cat "$out/w/precious/summary.json")" = mine ] && [ -e "$out/w/precious/plots/figure1.svg" ] &&
   [ -e "$out/w/a/b/runs/_._.._precious/summary.json" ] && [ "$(ls "$out/w/a/b/runs")" = _._.._precious ]'
sed 's|^name: .*|name: /etc/passwd|' "$data/cut-short.yaml" >"$out/etc.yaml"
(cd "$out/w/a/b" && "$stormlab" sim "$out/etc.yaml" --no-plots -q) >"$out/o" 2>&1; rc=$?
check "name /etc/passwd: runs/_etc_passwd, no runs/etc/ (rc $rc)" \
  '[ $rc -eq 0 ] && [ -e "$out/w/a/b/runs/_etc_passwd/summary.json" ] && [ ! -e "$out/w/a/b/runs/etc" ]'

# ---- output files never go through a planted symlink ----
# Given symlinks planted at the partial names of summary.json, log.txt and
# report.html, pointing at a file of the victim's, when `stormlab sim`
# writes there, then the victim's file is unchanged and the outputs are
# regular files.
mkdir -p "$out/sym"
echo precious >"$out/victim.txt"
for n in .summary.json.partial .log.txt.partial .report.html.partial; do ln -s "$out/victim.txt" "$out/sym/$n"; done
"$stormlab" sim "$data/cut-short.yaml" --out "$out/sym" --no-plots -q >"$out/o" 2>&1; rc=$?
check "symlinked partials: the target is untouched, outputs are regular files (rc $rc)" \
  '[ $rc -eq 0 ] && [ "$(cat "$out/victim.txt")" = precious ] && [ -f "$out/sym/summary.json" ] && [ ! -L "$out/sym/summary.json" ] &&
   [ -f "$out/sym/report.html" ] && [ ! -L "$out/sym/report.html" ] && [ -z "$(find "$out/sym" -name "*.partial")" ]'
# Given --out . in a directory with the user's own plots/, then plots/ is
# kept: without plots nothing touches it; with plots the run says why it
# will not replace it (exit 3) and still keeps it.
mkdir -p "$out/proj/plots" && echo mine >"$out/proj/plots/figure1.svg"
(cd "$out/proj" && "$stormlab" sim "$data/cut-short.yaml" --out . --no-plots -q) >"$out/o" 2>&1; rc=$?
check "--out . --no-plots keeps the user's plots/ (rc $rc)" '[ $rc -eq 0 ] && [ "$(cat "$out/proj/plots/figure1.svg")" = mine ]'
if command -v gnuplot >/dev/null; then
  (cd "$out/proj" && "$stormlab" sim "$data/cut-short.yaml" --out . -q) >"$out/o" 2>&1; rc=$?
  check "--out . with plots keeps the user's plots/ and says why (rc $rc)" \
    '[ $rc -eq 3 ] && grep -q "plots exists and was not made by stormlab" "$out/o" && [ "$(cat "$out/proj/plots/figure1.svg")" = mine ]'
  # stormlab's own plots/ (with its marker) is replaced run after run
  "$stormlab" sim "$data/cut-short.yaml" --out "$out/again" -q >"$out/o" 2>&1 &&
    "$stormlab" sim "$data/cut-short.yaml" --out "$out/again" -q >>"$out/o" 2>&1; rc=$?
  check "stormlab's own plots/ is replaced by the next run (rc $rc)" \
    '[ $rc -eq 0 ] && [ -f "$out/again/plots/.made-by-stormlab" ] && ls "$out/again/plots/"*.svg >/dev/null'
fi

# ---- the output budget is checked at load time ----
# Given 1,000 groups, duration 720h, sample 1s (93 GB of series.tsv once),
# then the load refuses it naming the budget, before anything is written.
python3 -c '
print("name: budget\nduration: 720h\nsample: 1s\ncluster: {brokers: 3}\ntopics:\n  - {name: t, partitions: 1}\ngroups:")
for g in range(1000): print("  - {id: g%d, topics: [t], members: 1}" % g)' >"$out/budget.yaml"
"$stormlab" sim "$out/budget.yaml" --out "$out/budget" >"$out/o" 2>&1; rc=$?
check "1,000 groups x 720h at 1s: exit 2 naming the series.tsv budget, nothing written (rc $rc)" \
  '[ $rc -eq 2 ] && grep -q "budget.yaml:3:9: sample: series.tsv would have 2592001000 rows (2592001 samples x 1000 groups), expected at most 10000000" "$out/o" && [ ! -e "$out/budget" ]'

# ---- a killed sim leaves no partial files ----
# Given a long sim (3 groups of 50 on 100 partitions for 720 h at 1 s, within
# the budget: 6 s on the 2-core build machine, so still simulating when
# killed; 3 groups of 20 on 8 partitions came to finish in under 1 s), when
# `timeout` kills it after 1 s with SIGTERM, or its terminal hangs up
# (SIGHUP), then it dies of the signal and no .partial file is left.
python3 -c '
print("name: long\nduration: 720h\nsample: 1s\ncluster: {brokers: 3}\ntopics:\n  - {name: t, partitions: 100}\ngroups:")
for g in range(3): print("  - {id: g%d, topics: [t], members: 50}" % g)' >"$out/long-sim.yaml"
for sig in TERM HUP; do
  timeout -s $sig 1 "$stormlab" sim "$out/long-sim.yaml" --out "$out/killed-$sig" --no-plots >"$out/o" 2>&1; rc=$?
  check "a sim killed by SIG$sig leaves no .partial file (rc $rc)" \
    '[ $rc -eq 124 ] && [ -d "$out/killed-$sig" ] && [ -z "$(ls -A "$out/killed-$sig")" ]'
done

# ---- a real run too big for the proxy or the descriptors: refused at load ----
# Given 5,000 members on 3 brokers (15,003 proxy links with the producer),
# when run on the mock, then it is refused before anything runs, exit 2,
# the group's file:line:col and the proxy's cap named, nothing written (was:
# "too many proxies" after 7 s).  The oracle: 5,001 clients x 3 brokers.
big() { python3 -c "print('name: big\nduration: 30s\ncluster: {brokers: 3}\ntopics:\n  - {name: t, partitions: 12}\ngroups:\n  - {id: g, topics: [t], members: $1, client: librdkafka}')"; }
big 5000 >"$out/big.yaml"
"$stormlab" run "$out/big.yaml" --cluster mock --out "$out/big-out" --no-plots >"$out/o" 2>&1; rc=$?
check "5,000 mock members: exit 2 at load, 15003 links named, no output (rc $rc)" \
  '[ $rc -eq 2 ] && grep -q "big.yaml:7:5: a real run of this scenario needs 15003 fault-proxy links (5001 clients x 3 brokers" "$out/o" &&
   grep -q "the proxy.s 10000" "$out/o" && [ ! -e "$out/big-out" ]'
# Given 300 members (903 links: about 5,674 descriptors) and a hard limit
# of 4,096 open files, then the run is refused naming the limit.
big 300 >"$out/big.yaml"
(ulimit -Hn 4096 -Sn 4096; "$stormlab" run "$out/big.yaml" --cluster mock --out "$out/big-out" --no-plots) >"$out/o" 2>&1; rc=$?
check "300 mock members under 'ulimit -n 4096': exit 2, the descriptor need named (rc $rc)" \
  '[ $rc -eq 2 ] && grep -q "big.yaml:7:5: .*needs about 5674 file descriptors (903 links x 6 + 256), more than this process may open (4096" "$out/o" &&
   [ ! -e "$out/big-out" ]'

# ---- stormlab run: SIGHUP is SIGTERM, a second signal does not cut the teardown ----
# Given a mock run with faults in place, when its terminal hangs up
# (SIGHUP) and a SIGTERM follows during the teardown, then it heals, writes
# every output, exits 3 (not 129 or 143) and leaves no heal state file.
d="$out/hup"
"$stormlab" run "$data/sigterm.yaml" --out "$d" --no-plots >"$out/hup.out" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  grep -q "broker.paused" "$d/.trace.jsonl.partial" 2>/dev/null && break
  sleep 0.2
done
kill -HUP $pid; sleep 0.3; kill -TERM $pid 2>/dev/null
wait $pid; rc=$?
check "SIGHUP then SIGTERM: exit 3, outputs whole, journal gone (rc $rc)" \
  '[ $rc -eq 3 ] && grep -q "SIGHUP received" "$d/log.txt" && [ -f "$d/summary.json" ] && [ -z "$(find "$d" -name "*.partial")" ] &&
   [ -z "$(ls -A "$STORMLAB_STATE_DIR" 2>/dev/null)" ]'

echo "$pass passed, $fail failed"; if [ "$fail" -eq 0 ]; then rm -rf "$out"; fi; [ "$fail" -eq 0 ]
